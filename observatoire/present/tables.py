"""The one table formatter: French headers and formats for display, and CSV bytes for export."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatoire.base import formatting

ROW_PX = 35          # st.dataframe's row height (and its header's)
MAX_ROWS_SHOWN = 25  # beyond this a table scrolls inside its frame; a projection still shows 25 rows


@dataclass(frozen=True)
class Col:
    label: str
    kind: str = "text"  # text | int | float | percent | percent2 | date | points | days | link | value | gap
    unit: str = ""      # for value and gap: the indicator's unit (« % » gives points for a gap)
    masked_by: str | None = None  # a boolean column of the frame: true = value hidden (statistical secrecy)


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


def csv_bytes(frame: pd.DataFrame, columns: dict[str, Col] | None = None,
              masked: pd.DataFrame | None = None) -> bytes:
    """CSV that French Excel opens by double-click: UTF-8 with BOM, `;`, CRLF, decimal comma, full precision
    without scientific notation, dates dd/mm/yyyy, French headers (`columns`), text cells that a spreadsheet
    would run as a formula neutralised with a leading `'` (OWASP), masked cells written « < 11 ».

    `masked` is a boolean frame (privacy.mask_small_counts) marking hidden cells; a column whose Col has
    `masked_by` is hidden on the rows where that boolean column is true."""
    columns = columns or columns_for(frame)  # French headers for the columns the catalogue knows
    names = [name for name in columns if name in frame]
    out = pd.DataFrame(index=frame.index)
    for name in names:
        col = columns[name]
        cells = frame[name].map(lambda v, kind=col.kind: csv_cell(v, kind))
        hidden = pd.Series(False, index=frame.index)
        if masked is not None and name in masked:
            hidden |= masked[name].fillna(False).astype(bool)
        if col.masked_by and col.masked_by in frame:
            hidden |= frame[col.masked_by].fillna(False).astype(bool)
        out[col.label] = cells.where(~hidden, formatting.MASKED)
    buffer = io.StringIO()
    out.to_csv(buffer, sep=";", index=False, lineterminator="\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# French headers of the columns the command line and the bilan pack write (identifiers stay in JSON).
HEADERS = {
    "indicator_id": Col("Identifiant de l'indicateur"), "id": Col("Identifiant"), "label": Col("Libellé"),
    "definition": Col("Définition"), "level": Col("Niveau"), "territory_code": Col("Code du territoire"),
    "territory_name": Col("Territoire"), "date": Col("Date", "date"), "as_of": Col("Situation au", "date"),
    "value": Col("Valeur", "float", masked_by="masked"), "numerator": Col("Numérateur", "float", masked_by="masked"),
    "denominator": Col("Dénominateur", "float", masked_by="masked"), "unit": Col("Unité"),
    "masked": Col("Masqué (moins de 11 personnes)"), "target": Col("Cible", "float"), "status": Col("Statut"),
    "body_type": Col("Type d'instance"), "role": Col("Rôle"),
}


def columns_for(frame: pd.DataFrame, known: dict[str, Col] | None = None) -> dict[str, Col]:
    """Every column of `frame` in order: French header where known, else its own name typed from its dtype."""
    known = HEADERS if known is None else known
    return {name: known.get(name) or Col(str(name), _kind_of(frame[name])) for name in frame.columns}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value, kind: str = "text") -> str:
    """One value as written in an export cell (numbers as numbers, text neutralised)."""
    if _blank(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "oui" if value else "non"
    if kind == "date" or isinstance(value, (dt.date, pd.Timestamp)):
        try:
            return formatting.date(value)
        except (TypeError, ValueError):
            pass
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if kind == "int" and float(value).is_integer():
            return str(int(value))
        # Full precision without float noise (0.1 + 0.2) nor scientific notation (1,33e+04).
        return np.format_float_positional(round(float(value), 6), trim="-").replace(".", ",")
    return neutralise(str(value))


def neutralise(text: str) -> str:
    """OWASP CSV injection: a cell starting with = + - @ tab or CR is read as a formula; a leading ' stops it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _kind_of(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    return "text"


def _blank(value) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def label_masked(shown: pd.DataFrame, labels: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """Write the mask labels into a display frame (tables.display) whose headers are the columns' labels."""
    shown = shown.copy()
    for name, col in columns.items():
        if name in labels:
            marks = labels[name].reset_index(drop=True)
            shown[col.label] = marks.where(marks != "", shown[col.label])
    return shown


def screen(frame: pd.DataFrame, columns: dict[str, Col] | None = None,
           masked: pd.DataFrame | None = None) -> pd.DataFrame:
    """A chart's data as a table on screen (its text alternative): the columns of its CSV (`csv_bytes`), in
    French formats, with the same cells hidden."""
    columns = columns or columns_for(frame)
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        if name not in frame:
            continue
        hidden = pd.Series(False, index=frame.index)
        if masked is not None and name in masked:
            hidden |= masked[name].fillna(False).astype(bool)
        if col.masked_by and col.masked_by in frame:
            hidden |= frame[col.masked_by].fillna(False).astype(bool)
        out[col.label] = frame[name].map(_formatter(col)).where(~hidden, formatting.MASKED)
    return out.reset_index(drop=True)
