"""Shared page furniture: the territory and as-of date chosen once in the sidebar, kept in the URL."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from observatoire import formatting, referential
from observatoire.db import Scope

TODAY = dt.date.today()


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


# Streamlit cuts a metric label that does not fit on one line (« Représentants des usage… » at 1366 px):
# let it wrap. A map being redrawn after a click stays opaque instead of fading while the page reruns.
PAGE_CSS = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; height: auto;
}
.stElementContainer[data-stale="true"]:has([data-testid="stPlotlyChart"]) { opacity: 1 !important; }
</style>"""


def page_style() -> None:
    """The few layout rules Streamlit has no option for (called once by app.py)."""
    st.html(PAGE_CSS)


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
            st.session_state["date"] = dt.date.fromisoformat(params.get("date", ""))
        except ValueError:
            st.session_state["date"] = default_as_of or TODAY
    with st.sidebar:
        st.selectbox("Territoire", list(options), format_func=options.get, key="territoire")
        st.date_input("Situation au", key="date", format="DD/MM/YYYY", min_value=dt.date(2016, 1, 1),
                      max_value=dt.date(2030, 12, 31))
    key, as_of = st.session_state["territoire"], st.session_state["date"]
    st.query_params["territoire"] = key
    st.query_params["date"] = as_of.isoformat()
    level, code = key.split(":", 1)
    name = options[key].replace(" (région)", "")
    st.session_state["context"] = Context(level, None if level == "national" else code, name, as_of)
    return st.session_state["context"]


def context() -> Context:
    """The context app.py put in the session (pages call this)."""
    if "context" not in st.session_state:
        return Context("national", None, referential.NATIONAL_NAME, TODAY)
    return st.session_state["context"]


def caption_as_of(ctx: Context) -> str:
    return f"{ctx.name} · situation au {formatting.date(ctx.as_of)}"


def require_store() -> None:
    """Stop with a French explanation when no store has been built yet (called once by app.py)."""
    from observatoire import queries

    try:
        queries.manifest()
    except queries.StoreMissing:
        st.error("Aucun entrepôt de données : lancez « make data » (ou « make run ») pour construire data/parquet "
                 "à partir des fichiers de data/raw.")
        st.stop()


def require_router() -> None:
    """Deep links on a fresh server run a page file directly (Streamlit's legacy `pages/` folder mode), which
    would skip app.py and its sidebar. Switch the legacy mode off and rerun through the router."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
