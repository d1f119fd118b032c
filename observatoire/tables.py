"""The one table formatter: French headers and formats for display, and CSV bytes for export."""
from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from observatoire import formatting


ROW_PX = 35          # st.dataframe's row height (and its header's)
MAX_ROWS_SHOWN = 25  # beyond this a table scrolls inside its frame; a projection still shows 25 rows


@dataclass(frozen=True)
class Col:
    label: str
    kind: str = "text"  # text | int | float | percent | date | points | days | value | gap
    unit: str = ""      # for value and gap: the indicator's unit (« % » gives points for a gap)


FORMATTERS = {
    "int": lambda v: formatting.number(v),
    "float": lambda v: formatting.number(v, 1),
    "percent": lambda v: formatting.percent(v),
    "date": formatting.date,
    "points": formatting.points,
    "days": lambda v: formatting.number(v),
    "text": lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v),
}


def _formatter(col: Col):
    if col.kind == "value":
        return lambda v: formatting.value_with_unit(v, col.unit)
    if col.kind == "gap":
        return lambda v: formatting.gap(v, col.unit)
    return FORMATTERS[col.kind]


def display(frame: pd.DataFrame, columns: dict[str, Col]) -> pd.DataFrame:
    """A frame of French strings, in the column order given, for st.dataframe."""
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        out[col.label] = frame[name].map(_formatter(col)) if name in frame else ""
    return out.reset_index(drop=True)


def height(rows: int, max_rows: int = MAX_ROWS_SHOWN) -> int:
    """Pixel height of a table showing all its rows up to `max_rows` (header included), so that rows do not
    vanish into an inner scroll on a projection or a screenshot."""
    return (min(max(rows, 1), max_rows) + 1) * ROW_PX + 3


HIGHLIGHT_STYLE = "background-color: #fff3c4; font-weight: bold"  # the chosen territory's row


def highlight(frame: pd.DataFrame, rows) -> "pd.io.formats.style.Styler":
    """The display frame with the rows flagged True in `rows` (positional) shaded: the chosen territory."""
    flags = [bool(f) for f in rows]
    return frame.style.apply(lambda row: [HIGHLIGHT_STYLE if flags[frame.index.get_loc(row.name)] else ""]
                             * len(row), axis=1)


def show(frame, max_rows: int = MAX_ROWS_SHOWN, **kwargs):
    """The one way pages draw a table (a frame or a highlight() Styler): full width, no index, sized to its
    rows up to `max_rows`."""
    import streamlit as st

    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    rows = len(frame.data) if hasattr(frame, "data") and not isinstance(frame, pd.DataFrame) else len(frame)
    return st.dataframe(frame, height=height(rows, max_rows), **kwargs)


def column_config(columns: dict[str, Col]) -> dict:
    """French headers and formats for a sortable st.dataframe (numbers and dates stay sortable)."""
    import streamlit as st

    config = {}
    for name, col in columns.items():
        if col.kind == "date":
            config[name] = st.column_config.DateColumn(col.label, format="DD/MM/YYYY")
        elif col.kind in ("int", "float", "percent", "days", "value", "gap"):
            # "localized" follows the reader's browser: decimal comma for French readers.
            config[name] = st.column_config.NumberColumn(col.label, format="%d" if col.kind == "int" else "localized")
        else:
            config[name] = st.column_config.TextColumn(col.label)
    return config


def csv_bytes(frame: pd.DataFrame, columns: dict[str, Col] | None = None) -> bytes:
    """CSV for Excel in French: UTF-8 with BOM, `;` separator, decimal comma, dd/mm/yyyy, CRLF."""
    frame = frame.copy()
    if columns:
        frame = frame[[c for c in columns if c in frame]]
        for name, col in columns.items():
            if name in frame and col.kind == "date":
                frame[name] = frame[name].map(lambda v: formatting.date(v) if not _blank(v) else "")
        frame = frame.rename(columns={name: col.label for name, col in columns.items()})
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=";", index=False, decimal=",", lineterminator="\r\n", float_format="%.4g")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT
