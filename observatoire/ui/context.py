"""The territory and as-of date chosen once in the sidebar, kept in the URL; the page layout rules."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from observatoire import session
from observatoire.base import formatting, referential
from observatoire.base.db import Scope
from observatoire.domain.access import Access
from observatoire.ui import a11y

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


# The accessibility script's empty element takes no room. Streamlit cuts a metric label that does not fit on one
# line (« Représentants des usage… » at 1366 px): let it wrap. A map being redrawn after a click stays opaque
# instead of fading while the page reruns. The map and its drill-down sit side by side on wide screens only:
# below 1500 px the map keeps the width. A data grid away from the window is laid out and drawn when scrolled
# near (content-visibility): its frame keeps its height, set by Streamlit from its rows, so nothing moves, but a
# territory change does not resize and redraw grids nobody sees (a chart does the same, see figures.py).
PAGE_CSS = """<style>
.stElementContainer:has(> [data-testid="stHtml"] > script:only-child) { display: none; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; height: auto;
}
.stElementContainer[data-stale="true"]:has(.obs-plot) { opacity: 1 !important; }
[data-testid="stDataFrameResizable"] { content-visibility: auto; contain-intrinsic-size: auto 300px; }
@media (max-width: 1500px) {
  .st-key-carte_cote_a_cote [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-carte_cote_a_cote [data-testid="stColumn"] { min-width: 100%; }
}
</style>"""


def page_style() -> None:
    """The few layout rules Streamlit has no option for, and the accessibility corrections of its markup
    (called once by app.py, before the login screen)."""
    st.html(PAGE_CSS)
    a11y.correct_markup()


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
    access = session.current()
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
    access = session.current()
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


def caption_as_of(ctx: Context) -> str:
    return f"{formatting.md_escape(ctx.name)} · situation au {formatting.date(ctx.as_of)}"


