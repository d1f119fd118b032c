"""Shared page furniture: the territory and as-of date chosen once in the sidebar, kept in the URL."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from observatoire import formatting, referential
from observatoire.db import Scope

TODAY = dt.date.today()
# The period the date selector covers; a date outside it (typed in the URL) is brought back inside.
FIRST_DATE, LAST_DATE = dt.date(2016, 1, 1), dt.date(2030, 12, 31)


@dataclass(frozen=True)
class Context:
    level: str          # national | region | departement: the territory chosen
    code: str | None    # its code (None for France entière)
    name: str
    as_of: dt.date

    @property
    def scope(self) -> Scope:
        """The chosen territory as one row."""
        return Scope(self.level, self.code)

    @property
    def region(self) -> str | None:
        if self.level == "region":
            return self.code
        if self.level == "departement":
            return referential.region_of_department().get(self.code)
        return None

    def children(self) -> Scope:
        """The territories one level below the chosen one (régions of France, départements of a région...)."""
        if self.level == "national":
            return Scope("region")
        if self.level == "region":
            return Scope("departement", region=self.code)
        return Scope("etablissement", department=self.code)


def _options() -> dict[str, str]:
    """Key 'level:code' -> label, France first, then régions, then départements."""
    options = {"national:FR": referential.NATIONAL_NAME}
    for code, name in sorted(referential.names("region").items()):
        options[f"region:{code}"] = f"{name} (région)"
    for code, name in sorted(referential.names("departement").items()):
        options[f"departement:{code}"] = f"{code} – {name}"
    return options


def sidebar(default_as_of: dt.date | None = None) -> Context:
    """Render the sidebar selectors (called once by app.py) and mirror them in the URL query string."""
    options = _options()
    params = st.query_params
    if "territoire" not in st.session_state:
        wanted = params.get("territoire", "national:FR")
        st.session_state["territoire"] = wanted if wanted in options else "national:FR"
    if "date" not in st.session_state:
        try:
            wanted_date = dt.date.fromisoformat(params.get("date", ""))
        except ValueError:
            wanted_date = default_as_of or TODAY
        st.session_state["date"], notice = clamp_date(wanted_date)
        # Shown until the user picks another date.
        st.session_state["date_notice"] = (st.session_state["date"], notice) if notice else None
    with st.sidebar:
        st.selectbox("Territoire", list(options), format_func=options.get, key="territoire")
        st.date_input("Situation au", key="date", format="DD/MM/YYYY", min_value=FIRST_DATE, max_value=LAST_DATE)
        notice = st.session_state.get("date_notice")
        if notice and notice[0] == st.session_state["date"]:
            st.warning(notice[1], icon=":material/event_busy:")
    key, as_of = st.session_state["territoire"], st.session_state["date"]
    st.query_params["territoire"] = key
    st.query_params["date"] = as_of.isoformat()
    level, code = key.split(":", 1)
    name = options[key].replace(" (région)", "")
    st.session_state["context"] = Context(level, None if level == "national" else code, name, as_of)
    return st.session_state["context"]


def clamp_date(wanted: dt.date) -> tuple[dt.date, str | None]:
    """A date inside the selector's bounds, and a French notice when it had to be moved."""
    if FIRST_DATE <= wanted <= LAST_DATE:
        return wanted, None
    clamped = min(max(wanted, FIRST_DATE), LAST_DATE)
    return clamped, (f"Date du {formatting.date(wanted)} hors de la période couverte ({formatting.date(FIRST_DATE)} – "
                     f"{formatting.date(LAST_DATE)}) : situation au {formatting.date(clamped)}.")


def context() -> Context:
    """The context app.py put in the session (pages call this)."""
    if "context" not in st.session_state:
        return Context("national", None, referential.NATIONAL_NAME, TODAY)
    return st.session_state["context"]


def caption_as_of(ctx: Context) -> str:
    return f"{ctx.name} · situation au {formatting.date(ctx.as_of)}"


def require_store() -> None:
    """Stop with a French page when no store has been built yet or when it fails its check (called once by
    app.py). A store left aside by a build killed mid-swap is put back first."""
    from observatoire import queries, settings
    from observatoire.db import StoreDamaged, check_store, recover_store

    recover_store(settings.data_dir())
    try:
        queries.manifest()
        # The store opened fine earlier in this server's life; a file truncated or deleted since shows here.
        problems = check_store(settings.data_dir(), full=False)
        if problems:
            raise StoreDamaged(settings.data_dir(), problems)
    except queries.StoreMissing:
        st.error("Aucun entrepôt de données : lancez « make data » (ou « make run ») pour construire data/parquet "
                 "à partir des fichiers de data/raw.")
        st.stop()
    except StoreDamaged as exc:
        damaged_store_page(exc.problems)
        st.stop()


def damaged_store_page(problems: list[str]) -> None:
    st.title("L'entrepôt est endommagé")
    st.error("L'entrepôt de données est endommagé : relancez `make data` pour le reconstruire à partir des "
             "fichiers de data/raw (les fichiers bruts ne sont jamais modifiés).", icon=":material/error:")
    st.markdown("**Ce qui ne va pas :**")
    st.text("\n".join(f"• {problem[:1].upper()}{problem[1:]}." for problem in problems))


def page_failed(exc: Exception) -> None:
    """A page raised: log it for the developer, tell the user in French (tracebacks never reach the browser)."""
    import logging

    from observatoire import settings
    from observatoire.db import check_store

    logging.getLogger("observatoire").exception("page failed", exc_info=exc)
    problems = check_store(settings.data_dir())
    if problems:  # altered in place after it was opened
        damaged_store_page(problems)
        return
    st.error("Cette page n'a pas pu s'afficher à cause d'une erreur inattendue. Changez de territoire ou de date, "
             "ou relancez « make data » ; si le problème persiste, signalez-le avec l'heure : le détail technique "
             "est dans le journal du serveur.", icon=":material/error:")


def require_router() -> None:
    """Deep links on a fresh server run a page file directly (Streamlit's legacy `pages/` folder mode), which
    would skip app.py and its sidebar. Switch the legacy mode off and rerun through the router."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
