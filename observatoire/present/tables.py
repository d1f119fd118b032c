"""The one table formatter: French headers and formats for display, and CSV bytes for export."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
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
    """A frame of French strings, in the column order given, for st.dataframe; a value hidden by statistical
    secrecy (`masked_by`) reads « masqué »."""
    cells = {}
    for name, col in columns.items():
        if name not in frame:
            cells[col.label] = [""] * len(frame)
            continue
        text = _french_text(frame[name], _formatter(col))
        if col.masked_by and col.masked_by in frame:
            hidden = _hidden(frame, name, col, None).to_numpy()
            text = [formatting.MASKED if h else t for t, h in zip(text, hidden)]
        cells[col.label] = text
    return pd.DataFrame(cells, index=pd.RangeIndex(len(frame)))


def _french_text(values: pd.Series, formatter) -> list[str]:
    """Each cell's text, the formatter called once per distinct value (a column repeats its values: states,
    départements, dates), in the order of the rows."""
    texts: dict = {}
    out = []
    for value in values.tolist():
        try:
            text = texts[value]
        except KeyError:
            text = texts[value] = formatter(value)
        except TypeError:  # an unhashable cell (a list): formatted on its own
            text = formatter(value)
        out.append(text)
    return out


def styled(frame: pd.DataFrame, columns: dict[str, Col]) -> "pd.io.formats.style.Styler":
    """The frame as it is (numbers stay numbers: a grid sorts them as numbers) with French display text for the
    columns of `columns`: « 61,5 % », « 1 400 », « 21/01/2026 », whatever the reader's browser language. A missing
    cell shows the table's placeholder (« masqué » where a value is masked)."""
    formats = {name: _formatter(col) for name, col in columns.items()
               if name in frame and col.kind not in ("text", "link")}
    return frame.style.format(formats).set_uuid(content_uuid(frame, columns))


PLAIN_GRID_LIMIT = 1000  # from 1 000 on, a whole number needs its French thousands space (« 1 400 »)


def for_grid(frame: pd.DataFrame, columns: dict[str, Col], placeholder: str | None = None):
    """What a sortable grid is given: `styled` (French display text) when one of its cells needs it, else the
    frame itself, whose text the grid already writes as French does: text, dates under the column's DD/MM/YYYY
    format, whole numbers under 1 000 (« 12 », « -3 »), a blank shown as `placeholder` where the French text
    would be « – » too. The display text costs the server a copy of every cell as text and the browser a second
    table to read, on every rerun: a list of dates and small counts (RU à former, projets) goes without."""
    if not all(_reads_french_plain(frame[name], col, placeholder) for name, col in columns.items() if name in frame):
        return styled(frame, columns)
    whole = {name: "Int64" for name, col in columns.items()
             if name in frame and col.kind in ("int", "days") and frame[name].dtype.kind == "f"}
    return frame.astype(whole) if whole else frame


def _reads_french_plain(values: pd.Series, col: Col, placeholder: str | None) -> bool:
    if col.kind in ("text", "link"):
        return True
    if col.masked_by or col.kind not in ("int", "days", "date"):
        return False
    present = values.dropna()
    if len(present) < len(values) and placeholder != _formatter(col)(None):
        return False
    if col.kind == "date":
        return values.dtype.kind == "M" or all(isinstance(v, dt.date) for v in present.tolist())
    if values.dtype.kind not in "iuf":  # booleans (kind « b ») and mixed columns keep the French text
        return False
    numbers = present.to_numpy(dtype=float)
    return bool(((numbers == np.round(numbers)) & (np.abs(numbers) < PLAIN_GRID_LIMIT)).all())


def height(rows: int, max_rows: int = MAX_ROWS_SHOWN) -> int:
    """Pixel height of a table showing all its rows up to `max_rows` (header included), so that rows do not
    vanish into an inner scroll on a projection or a screenshot."""
    return (min(max(rows, 1), max_rows) + 1) * ROW_PX + 3


HIGHLIGHT_STYLE = "background-color: #fff3c4; font-weight: bold"  # the chosen territory's row


def highlight(frame: pd.DataFrame, rows) -> "pd.io.formats.style.Styler":
    """The display frame with the rows flagged True in `rows` (positional) shaded: the chosen territory."""
    flags = [bool(f) for f in rows]
    return frame.style.apply(lambda row: [HIGHLIGHT_STYLE if flags[frame.index.get_loc(row.name)] else ""]
                             * len(row), axis=1).set_uuid(content_uuid(frame, flags))


def content_uuid(frame: pd.DataFrame, *spec) -> str:
    """A Styler's id drawn from what it shows (the frame and its styling spec) instead of pandas' random one: the
    browser redraws a table whose id changed, so with a random id every rerun redrew every styled table, even
    unchanged. Two tables showing the same thing may share an id: their cells are styled alike."""
    digest = hashlib.blake2b(digest_size=6)
    try:
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    except TypeError:  # cells pandas cannot hash (lists): their text
        digest.update(frame.to_csv().encode())
    digest.update(repr((list(frame.columns), spec)).encode())
    return "t" + digest.hexdigest()


DEMO_LINE = "Données de démonstration : personnes et mandats fictifs, à ne pas utiliser pour un bilan réel."


def _hidden(frame: pd.DataFrame, name: str, col: Col, masked: pd.DataFrame | None) -> pd.Series:
    """Rows where the cell of column `name` is hidden by statistical secrecy."""
    hidden = pd.Series(False, index=frame.index)
    if masked is not None and name in masked:
        hidden |= masked[name].fillna(False).astype(bool)
    if col.masked_by and col.masked_by in frame:
        hidden |= frame[col.masked_by].fillna(False).astype(bool)
    return hidden


def csv_bytes(frame: pd.DataFrame, columns: dict[str, Col] | None = None,
              masked: pd.DataFrame | None = None, demo: bool = False) -> bytes:
    """CSV that French Excel opens by double-click: UTF-8 with BOM, `;`, CRLF, decimal comma, full precision
    without scientific notation, dates dd/mm/yyyy, French headers (`columns`), text cells that a spreadsheet
    would run as a formula neutralised with a leading `'` (OWASP), masked cells written « masqué ».

    `masked` is a boolean frame (privacy.protect_table) marking hidden cells; a column whose Col has
    `masked_by` is hidden on the rows where that boolean column is true. `demo`: the store holds demonstration
    data, and the first line says so."""
    columns = columns or columns_for(frame)  # French headers for the columns the catalogue knows
    names = [name for name in columns if name in frame]
    out = pd.DataFrame(index=frame.index)
    for name in names:
        col = columns[name]
        cells = frame[name].map(lambda v, kind=col.kind: csv_cell(v, kind))
        out[col.label] = cells.where(~_hidden(frame, name, col, masked), formatting.MASKED)
    buffer = io.StringIO()
    if demo:
        buffer.write(DEMO_LINE + "\r\n")
    out.to_csv(buffer, sep=";", index=False, lineterminator="\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Excel display formats (Excel's own codes: a French Excel shows « 1 400 » and « 24,5 % » with them).
XLSX_FORMATS = {
    "int": "#,##0", "days": "#,##0", "float": "#,##0.0##", "percent": '0.0" %"', "percent2": '0.00" %"',
    "points": '+0.0" pt";-0.0" pt";0.0" pt"', "date": "DD/MM/YYYY",
}


def _xlsx_format(col: Col) -> str | None:
    if col.kind == "value":
        return {"%": XLSX_FORMATS["percent"], "ratio": "0.00", "jours": '#,##0" j"'}.get(col.unit, "#,##0")
    if col.kind == "gap":
        return XLSX_FORMATS["points"] if col.unit == "%" else ("+0.00;-0.00;0.00" if col.unit == "ratio"
                                                               else "+#,##0;-#,##0;0")
    return XLSX_FORMATS.get(col.kind)


def xlsx_cell(value, kind: str = "text"):
    """One value as an Excel cell holds it: numbers as numbers, dates as dates, everything else as text
    (codes and FINESS keep their leading zeros). None for an empty cell."""
    if _blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "oui" if value else "non"
    if kind in ("text", "link"):
        return str(value)
    if kind == "date" or isinstance(value, (dt.date, pd.Timestamp)):
        try:
            return pd.Timestamp(value).date() if not isinstance(value, str) else dt.date.fromisoformat(value[:10])
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if kind in ("int", "days") and float(value).is_integer() else float(value)
    return str(value)


def xlsx_bytes(frame: pd.DataFrame, columns: dict[str, Col] | None = None, masked: pd.DataFrame | None = None,
               *, title: str = "", territory: str = "", as_of: dt.date | None = None, demo: bool = False) -> bytes:
    """The XLSX twin of `csv_bytes`: one sheet named after the territory and the date, a title row (what, where,
    when), the demonstration warning when `demo`, the header row frozen with a filter, column widths set; codes and
    FINESS as text, numbers as numbers with French display formats, dates as dates, masked cells « masqué »."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = columns or columns_for(frame)
    names = [name for name in columns if name in frame]
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name(territory, as_of)
    book.properties.creator = "Observatoire de la démocratie en santé"
    row = 1
    if demo:
        sheet.cell(row, 1, DEMO_LINE).font = Font(bold=True, color="7A3D00")
        sheet.cell(row, 1).fill = PatternFill("solid", fgColor="FFF3C4")
        row += 1
    heading = " – ".join(p for p in (title, territory, f"situation au {formatting.date(as_of)}" if as_of else "")
                         if p)
    if heading:
        sheet.cell(row, 1, heading).font = Font(bold=True, size=13)
        row += 1
    header = row
    for j, name in enumerate(names, start=1):
        cell = sheet.cell(header, j, columns[name].label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF0F3")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(columns[name].label) for name in names]
    for j, name in enumerate(names, start=1):
        col = columns[name]
        number_format = _xlsx_format(col)
        hidden = _hidden(frame, name, col, masked).to_numpy()
        for i, value in enumerate(frame[name].tolist()):
            cell = sheet.cell(header + 1 + i, j)
            content = formatting.MASKED if hidden[i] else xlsx_cell(value, col.kind)
            cell.value = content
            if isinstance(content, str):
                cell.data_type = "s"  # text stays text: « =1+1 » is shown, never run
                cell.number_format = "@"
                shown = content
            else:
                if number_format:
                    cell.number_format = number_format
                shown = csv_cell(content, col.kind) if content is not None else ""
                if col.kind.startswith("percent") or (col.kind == "value" and col.unit == "%"):
                    shown += " %"
            widths[j - 1] = max(widths[j - 1], len(shown))
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = sheet.cell(header + 1, 1)
    if names:
        sheet.auto_filter.ref = f"A{header}:{get_column_letter(len(names))}{header + max(len(frame), 1)}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_name(territory: str = "", as_of: dt.date | None = None) -> str:
    """`Grand Est 15-06-2026`: Excel's limits (31 characters, none of : \\ / ? * [ ])."""
    date = as_of.strftime("%d-%m-%Y") if as_of else ""
    name = re.sub(r"[:\\/?*\[\]]", "-", str(territory or "")).strip()
    room = 31 - len(date) - (1 if name and date else 0)
    return " ".join(p for p in (name[:room].strip(), date) if p) or "Tableau"


# French headers of the columns the command line and the bilan pack write (identifiers stay in JSON).
HEADERS = {
    "indicator_id": Col("Identifiant de l'indicateur"), "id": Col("Identifiant"), "label": Col("Libellé"),
    "definition": Col("Définition"), "level": Col("Niveau"), "territory_code": Col("Code du territoire"),
    "territory_name": Col("Territoire"), "date": Col("Date", "date"), "as_of": Col("Situation au", "date"),
    "value": Col("Valeur", "float", masked_by="masked"), "numerator": Col("Numérateur", "float", masked_by="masked"),
    "denominator": Col("Dénominateur", "float", masked_by="masked"), "unit": Col("Unité"),
    "masked": Col("Masqué (secret statistique)"), "target": Col("Cible", "float"), "status": Col("Statut"),
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
