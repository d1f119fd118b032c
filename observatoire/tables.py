"""The one table formatter: French headers and formats for display, and CSV bytes for export."""
from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from observatoire import formatting


@dataclass(frozen=True)
class Col:
    label: str
    kind: str = "text"  # text | int | float | percent | percent2 | date | points | days | link


FORMATTERS = {
    "int": lambda v: formatting.number(v),
    "float": lambda v: formatting.number(v, 1),
    "percent": lambda v: formatting.percent(v),
    "date": formatting.date,
    "points": formatting.points,
    "days": lambda v: formatting.number(v),
    "text": lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v),
    "percent2": lambda v: formatting.percent(v, 2),  # published survey shares (6,58 %)
    "link": lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v),
}


def display(frame: pd.DataFrame, columns: dict[str, Col]) -> pd.DataFrame:
    """A frame of French strings, in the column order given, for st.dataframe."""
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        out[col.label] = frame[name].map(FORMATTERS[col.kind]) if name in frame else ""
    return out.reset_index(drop=True)


def column_config(columns: dict[str, Col]) -> dict:
    """French headers and formats for a sortable st.dataframe (numbers and dates stay sortable)."""
    import streamlit as st

    config = {}
    for name, col in columns.items():
        if col.kind == "date":
            config[name] = st.column_config.DateColumn(col.label, format="DD/MM/YYYY")
        elif col.kind == "link":
            config[name] = st.column_config.LinkColumn(col.label, display_text="Ouvrir")
        elif col.kind in ("int", "float", "percent", "percent2", "days"):
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
