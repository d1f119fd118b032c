"""Shared page furniture: the territory and as-of date chosen once in the sidebar, kept in the URL."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import streamlit as st

from observatoire import auth, formatting, referential
from observatoire.access import Access
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
        return referential.region_of(self.level, self.code)

    def children(self) -> Scope:
        """The territories one level below the chosen one (régions of France, départements of a région...)."""
        if self.level == "national":
            return Scope("region")
        if self.level == "region":
            return Scope("departement", region=self.code)
        return Scope("etablissement", department=self.code)


# Streamlit cuts a metric label that does not fit on one line (« Représentants des usage… » at 1366 px):
# let it wrap. A map being redrawn after a click stays opaque instead of fading while the page reruns.
# The map and its drill-down sit side by side on wide screens only: below 1500 px the map keeps the width.
PAGE_CSS = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; height: auto;
}
.stElementContainer[data-stale="true"]:has([data-testid="stPlotlyChart"]) { opacity: 1 !important; }
@media (max-width: 1500px) {
  .st-key-carte_cote_a_cote [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-carte_cote_a_cote [data-testid="stColumn"] { min-width: 100%; }
}
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


def visible_options(access: Access) -> dict[str, str]:
    """The sidebar's territories this user may choose (all of them without sign-in)."""
    return {key: label for key, label in _options().items() if access.may_select(key)}


def clamp_territory(wanted: str | None, options: dict[str, str], access: Access) -> tuple[str, str | None]:
    """The territory to show for a `?territoire=` value, and a French notice when it had to be changed."""
    default = "national:FR" if "national:FR" in options else access.territory_key
    if wanted is None or wanted == "":
        return default, None
    if wanted in options:
        return wanted, None
    if wanted in _options():
        return default, (f"Le territoire demandé ({_options()[wanted]}) est hors de vos droits : "
                         f"affichage de {options[default]}.")
    return default, f"Territoire inconnu dans l'adresse : affichage de {options[default]}."


def _territory_notice() -> None:
    notice = st.session_state.get("territoire_refuse")
    if notice and st.session_state.get("territoire") == st.session_state.get("territoire_refuse_pour"):
        st.sidebar.warning(notice, icon=":material/block:")


def sidebar(default_as_of: dt.date | None = None) -> Context:
    """Render the sidebar selectors (called once by app.py) and mirror them in the URL query string."""
    access = auth.current()
    if access is None:  # app.py's require_access() stops before; never fall back to everything
        st.stop()
    options = visible_options(access)
    params = st.query_params
    if "territoire" not in st.session_state:
        key, notice = clamp_territory(params.get("territoire"), options, access)
        st.session_state["territoire"] = key
        st.session_state["territoire_refuse"], st.session_state["territoire_refuse_pour"] = notice, key
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
        _territory_notice()
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


def context_from_url(default_as_of: dt.date | None = None) -> Context:
    """The territory and as-of date of the address, without any widget (mode séance: the date stays frozen)."""
    access = auth.current()
    if access is None:  # app.py's require_access() stops before; never fall back to everything
        st.stop()
    options = visible_options(access)
    params = st.query_params
    key, _ = clamp_territory(params.get("territoire"), options, access)
    try:
        as_of, _ = clamp_date(dt.date.fromisoformat(params.get("date", "")))
    except ValueError:
        as_of = default_as_of or TODAY
    level, code = key.split(":", 1)
    st.session_state["context"] = Context(level, None if level == "national" else code,
                                          options[key].replace(" (région)", ""), as_of)
    return st.session_state["context"]


def context() -> Context:
    """The context app.py put in the session (pages call this)."""
    if "context" not in st.session_state:
        return Context("national", None, referential.NATIONAL_NAME, TODAY)
    return st.session_state["context"]


def download_button(label: str, data, **kwargs) -> bool:
    """st.download_button for the roles that may export (chargé de mission, administrateur, open access);
    nothing for a reader (role « lecture »)."""
    access = auth.current()
    if access is None or not access.can_export:
        return False
    return st.download_button(label, data, **kwargs)


def csv_button(label: str, frame, columns: dict | None = None, *, file_name: str, masked=None,
               key: str | None = None, **kwargs) -> bool:
    """The one « Télécharger … (CSV) » button of a table: the file (tables.csv_bytes) is written only when the
    button is clicked, never on a rerun."""
    from observatoire import tables

    return download_button(label, functools.partial(tables.csv_bytes, frame, columns, masked=masked),
                           file_name=file_name, mime="text/csv", key=key, on_click="ignore", **kwargs)


def caption_as_of(ctx: Context) -> str:
    return f"{formatting.md_escape(ctx.name)} · situation au {formatting.date(ctx.as_of)}"


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


# --- charts and tables that leave the room -----------------------------------------------------------------

def chart(fig, *, name: str | tuple[str, ...], data=None, columns: dict | None = None, title: str | None = None,
          territory: str | None = None, as_of=None, export=None, masked=None, key: str | None = None,
          **plotly_kwargs):
    """Show a chart with « Télécharger (PNG) » (rendered on the server only when clicked: title, territory and
    as-of date, source and extraction date on the image) and « Télécharger les données (CSV) ».

    `name` gives the file name (`taux_vacance`, `départements`), to which the territory and the date are added;
    `export` builds the figure to render when it differs from the one on screen (a map framed for 1600×900)."""
    from observatoire import exports

    parts = (name,) if isinstance(name, str) else tuple(name)
    key = key or "_".join(exports.slug(p) for p in parts if p)
    event = st.plotly_chart(fig, key=key, **plotly_kwargs)
    downloads(export or fig, name=parts, data=data, columns=columns, title=title, territory=territory, as_of=as_of,
              masked=masked, key=key)
    return event


def downloads(fig, *, name: str | tuple[str, ...], data=None, columns: dict | None = None, title: str | None = None,
              territory: str | None = None, as_of=None, masked=None, key: str | None = None) -> None:
    """The « Télécharger (PNG) » and « Télécharger les données (CSV) » buttons of a figure (or of a callable
    building it: a scorecard shown as a table on screen exports as a figure)."""
    from observatoire import exports, queries, tables

    access = auth.current()
    if access is None or not access.can_export:  # role « lecture »: the chart stays on screen only
        return
    ctx = context()
    territory = territory if territory is not None else ctx.name
    as_of = as_of or ctx.as_of
    parts = (name,) if isinstance(name, str) else tuple(name)
    key = key or "_".join(exports.slug(p) for p in parts if p)
    build = fig if callable(fig) else (lambda: fig)
    row = st.container(horizontal=True, gap="small")  # the buttons wrap in a narrow column, never cut
    left = right = row
    if exports.available():
        try:
            manifest = queries.manifest()
        except queries.StoreMissing:
            manifest = {}
        if title is None and not callable(fig):
            title = _plain(fig.layout.title.text)
        caption = exports.caption_from_manifest(title or parts[0], territory, as_of, manifest)
        left.download_button(
            "Télécharger (PNG)", data=lambda: exports.png_or_message(build(), caption),
            file_name=exports.file_name(*parts, territory, as_of=as_of), mime="image/png",
            key=f"{key}_png", on_click="ignore", icon=":material/image:")
    else:
        left.caption(exports.CHROMIUM_MISSING_FR)
    if data is not None:
        right.download_button(
            "Télécharger les données (CSV)", data=lambda: tables.csv_bytes(data, columns, masked=masked),
            file_name=exports.file_name(*parts, territory, as_of=as_of, ext="csv"), mime="text/csv",
            key=f"{key}_csv", on_click="ignore", icon=":material/table:")


def table(frame, columns: dict, *, name: str | tuple[str, ...], territory: str | None = None, as_of=None,
          masked=None, key: str | None = None, **dataframe_kwargs) -> None:
    """A table in French formats with its « Télécharger le tableau (CSV) » button."""
    from observatoire import exports, tables

    ctx = context()
    territory = territory if territory is not None else ctx.name
    parts = (name,) if isinstance(name, str) else tuple(name)
    key = key or "_".join(exports.slug(p) for p in parts if p) + "_table"
    tables.show(tables.display(frame, columns), **dataframe_kwargs)
    csv_button("Télécharger le tableau (CSV)", frame, columns, masked=masked,
               file_name=exports.file_name(*parts, territory, as_of=as_of or ctx.as_of, ext="csv"),
               key=f"{key}_csv", icon=":material/table:")


def _plain(text: str | None) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text or "").strip()


def bilan_and_seance(convention_id: str, as_of) -> None:
    """The Convention page's way out of the room: the bilan pack (PDF, PNG, CSV in a ZIP) and the mode séance."""
    from urllib.parse import urlencode

    from observatoire import bilan, exports, queries

    left, right = st.columns([2, 3], vertical_alignment="center")
    seance_url = "./?" + urlencode({"seance": "1", "territoire": st.query_params.get("territoire", "national:FR"),
                                    "date": as_of.isoformat(), "convention": convention_id})
    right.link_button("Mode séance (projection)", seance_url, icon=":material/slideshow:",
                      help="Un indicateur par écran, en grand, flèches ← → du clavier pour passer de l'un à l'autre.")
    access = auth.current()
    if access is None or not access.can_export:
        return
    if not exports.available():
        left.caption(exports.CHROMIUM_MISSING_FR)
        return
    # A délégation départementale gets the bilan of its own département, never its neighbours'.
    territory = access.department if access.level == "departement" else None
    key = f"bilan_{convention_id}_{as_of.isoformat()}_{territory or ''}"
    if left.button("Préparer le dossier de bilan (PDF, PNG, CSV)", icon=":material/folder_zip:", key=f"{key}_go",
                   help="Rapport PDF (couverture, tableau de bord, une section par indicateur, feuille de route, "
                        "méthodes et sources), chaque graphique en PNG et chaque tableau en CSV."):
        bar = st.progress(0.0, text="Dossier de bilan : préparation…")
        try:
            st.session_state[key] = bilan.build_zip(queries.store(), convention_id, as_of, territory,
                                                    progress=lambda f, text: bar.progress(min(f, 1.0), text=text))
        except (bilan.PackError, exports.RenderError) as error:
            st.error(f"Le dossier de bilan n'a pas pu être préparé : {error}")
        bar.empty()
    if key in st.session_state:
        name, content = st.session_state[key]
        left.download_button("Télécharger le dossier de bilan (ZIP)", content, file_name=name,
                             mime="application/zip", icon=":material/download:", key=f"{key}_zip", type="primary")

