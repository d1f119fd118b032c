"""Tables on screen: the one st.dataframe call of the pages, French column headers for sortable grids, and the
pages' sections drawn one at a time."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from observatoire import session
from observatoire.present import tables
from observatoire.present.tables import MAX_ROWS_SHOWN, Col, height


def show(frame, max_rows: int = MAX_ROWS_SHOWN, **kwargs):
    """The one way pages draw a table (a frame or a highlight() Styler): full width, no index, sized to its
    rows up to `max_rows`. For a reader (role « lecture », who may not export), a static table: the grid's own
    toolbar would download it as CSV and copy it."""
    access = session.current()
    if access is not None and not access.can_export:
        order = kwargs.get("column_order")
        if order is not None:
            frame = frame.loc[:, [c for c in order if c in frame.columns]] if isinstance(frame, pd.DataFrame) else \
                frame.hide([c for c in frame.data.columns if c not in order], axis="columns")
        names = {k: v.get("label", k) for k, v in (kwargs.get("column_config") or {}).items()
                 if isinstance(v, dict) and v.get("label")}
        if names and isinstance(frame, pd.DataFrame):
            frame = frame.rename(columns=names)
        return st.table(frame, hide_index=True)
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    rows = len(frame.data) if hasattr(frame, "data") and not isinstance(frame, pd.DataFrame) else len(frame)
    return st.dataframe(frame, height=height(rows, max_rows), **kwargs)


def sections(parts: dict, key: str) -> None:
    """A page's sections as tabs, one at a time: only the open one is built and drawn (a tab change reruns the
    page), so a change of territory or date redraws one section, not the whole page. `parts` maps each tab's
    label to the function that draws it; the open tab stays open from one rerun to the next (`key`)."""
    for tab, draw in zip(st.tabs(list(parts), key=key, on_change="rerun"), parts.values()):
        if tab.open:
            with tab:
                draw()


def chart_data(frame, columns: dict | None = None, *, masked=None, key: str) -> None:
    """A chart's data as a table, in an expander under it (the chart's text alternative, for every role: a reader
    without CSV export too). Built only when opened."""
    box = st.expander("Données du graphique (tableau)", key=f"{key}_donnees", on_change="rerun",
                      icon=":material/table:")
    if box.open:
        with box:
            show(tables.screen(frame, columns, masked))


def column_config(columns: dict[str, Col]) -> dict:
    """French headers and formats for a sortable st.dataframe (numbers and dates stay sortable)."""
    config = {}
    for name, col in columns.items():
        if col.kind == "date":
            config[name] = st.column_config.DateColumn(col.label, format="DD/MM/YYYY")
        elif col.kind == "link":
            config[name] = st.column_config.LinkColumn(col.label, display_text="Ouvrir")
        elif col.kind in ("int", "float", "percent", "percent2", "days", "value", "gap", "points"):
            # No format here: "localized" would follow the browser's language (« 61.5 » in an English one). The
            # French text comes from tables.styled (display values), the number stays for sorting.
            config[name] = st.column_config.NumberColumn(col.label)
        else:
            config[name] = st.column_config.TextColumn(col.label)
    return config
