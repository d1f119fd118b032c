"""Charts drawn in place: when a territory or a date changes, a chart is updated, not thrown away and drawn anew.

`st.plotly_chart` gives every chart an identity made of its whole figure: whenever the figure changes, the browser
discards the chart and builds a new one — for a map, a new WebGL map (half a second on a two-core machine, the
largest part of a click on the Carte page). This element keeps one chart per key for the life of the page and
hands it the new figure; `Plotly.react` then redraws only what changed. A chart away from the window (below the
fold, 400 px or more) keeps its place and its text alternative and is drawn when scrolled to, or when the page is
printed: a territory or date change redraws at once only the charts the reader sees. A map's outline of the chosen
territory (theme.OVERLAY) is sent apart from the figure and drawn by the element over the map: choosing another
territory of the same view moves the outline without asking Plotly to redraw the map (on a machine without a
graphics card, each redraw of a map copies its whole picture back from the software renderer: 35 to 60 ms).

Plotly's library is built by `make` with only the chart types the app draws (deploy/plotly_bundle.py), for the
plotly.js version the Python `plotly` package writes figures for — else that package's own full library — copied
under a name per version into the app's `static/` folder (served by Streamlit at `app/static/`, by the reverse
proxy from the same copy, compressed) and loaded once per browser tab, asked for by the router on every page.
Nothing is fetched from elsewhere.

Figures are drawn with the exports' template (axes make room for their labels), so the screen and the PNG match;
a click on a chart drawn with `on_select` comes back as {"selection": {"points": [...]}} (`selection(key)`).
"""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from pathlib import Path

import plotly.io as pio
import streamlit as st

from observatoire.present.plotly_library import bundle_name, install_bundle
from observatoire.present.charts.theme import OVERLAY, shared
from observatoire.present.exports import EXPORT_TEMPLATE

TEMPLATE = EXPORT_TEMPLATE.to_plotly_json()
ON_SCREEN = "_observatoire_json"   # a shared figure's texts, written by _written


@st.cache_resource(show_spinner=False)
def _bundle() -> str:
    try:
        return install_bundle().name
    except OSError as exc:  # a read-only installation whose static/ was not prepared: the charts say so in French
        logging.getLogger(__name__).error("bibliothèque Plotly non copiée dans static/ : %s", exc)
        return bundle_name()


def bundle_url() -> str:
    """The library's address for the browser, under the server's base path (`server.baseUrlPath`)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(p for p in (base, "app", "static", _bundle()) if p)


HERE = Path(__file__).resolve().parent
LOADER = (HERE / "plotly_loader.js").read_text(encoding="utf-8")   # the library, once per tab
JS = LOADER + (HERE / "figures.js").read_text(encoding="utf-8")      # the element
CSS = (HERE / "figures.css").read_text(encoding="utf-8")


@functools.cache
def _component():
    """The element, registered once per process on first use."""
    return st.components.v2.component("observatoire_plot", js=JS, isolate_styles=False, css=CSS)


DEFAULT_HEIGHT = 450


def _written(fig) -> tuple[str, str]:
    """The figure as drawn on screen and its overlay (the map layers named theme.OVERLAY, drawn by the element
    over the map, not by Plotly), as JSON texts. Streamlit's template (colour placeholders its own chart element
    replaces) is swapped for the exports' one. A shared figure (from a memoised builder, never modified) is
    written once and its texts kept with it: a warm rerun sends the same texts without writing them again."""
    written = getattr(fig, ON_SCREEN, None)
    if written is not None:
        return written
    spec = fig.to_plotly_json()
    layout = {**spec["layout"], "template": TEMPLATE}
    overlay = []
    if isinstance(layout.get("map"), dict) and layout["map"].get("layers"):
        layers = layout["map"]["layers"]
        overlay = [layer for layer in layers if layer.get("name") == OVERLAY]
        kept = [layer for layer in layers if layer.get("name") != OVERLAY]
        layout["map"] = {k: v for k, v in layout["map"].items() if k != "layers"} | ({"layers": kept} if kept else {})
    written = (pio.to_json({"data": spec["data"], "layout": layout}, validate=False),
               pio.json.to_json_plotly(overlay))
    if shared(fig):
        setattr(fig, ON_SCREEN, written)
    return written


def figure_json(fig) -> str:
    """The figure as Plotly draws it on screen (without its overlay)."""
    return _written(fig)[0]


def payload(fig, *, alt: str = "", config: dict | None = None, on_select: bool = False) -> bytes:
    """What the element receives: one JSON document in which the figure is written once (as bytes, forwarded as
    they are, rather than a JSON string inside Streamlit's JSON: no second escaping here, no second parse there),
    its overlay last (figures.js compares what comes before it to know whether the figure itself changed)."""
    meta = {"config": config or {}, "alt": alt, "src": bundle_url(), "select": on_select,
            "height": fig.layout.height or DEFAULT_HEIGHT}
    figure, overlay = _written(fig)
    return ('{"meta":' + json.dumps(meta, ensure_ascii=False) + ',"figure":' + figure
            + ',"observatoire_overlay":' + overlay + "}").encode()


def plot(fig, *, key: str, alt: str = "", config: dict | None = None, on_select: bool = False) -> dict | None:
    """Draw `fig` as the chart `key` of this page (updated in place on the next reruns, left as it is when the
    figure did not change); with `on_select`, the points clicked come back on the rerun the click starts:
    {"selection": {"points": [...]}}, else None."""
    result = _component()(key=key, data=payload(fig, alt=alt, config=config, on_select=on_select),
                          on_selection_change=(lambda: None) if on_select else None)
    clicked = getattr(result, "selection", None) if on_select else None
    return {"selection": clicked} if clicked else None


def selection(key: str) -> dict | None:
    """The points of the click that started this rerun on the chart `key` ({"points": [...]}), read before the
    chart is drawn again (None when this rerun was not started by a click on it)."""
    value = st.session_state.get(key)
    if isinstance(value, Mapping):
        return value.get("selection") or None
    return getattr(value, "selection", None) or None


def preload() -> None:
    """Start loading Plotly's library in the browser (once per tab; nothing drawn), called by the router before
    the page runs, so a page's first chart does not wait for it (the browser runs this once Streamlit's frontend
    draws the page's first elements) and the next page with charts finds it cached."""
    st.html(f"<script>{LOADER}\nobservatoirePlotly({json.dumps(bundle_url())}).catch(() => {{}});</script>",
            unsafe_allow_javascript=True)
