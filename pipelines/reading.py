"""Read raw CSV/XLSX/XLS/ODS files as text cells with the line numbers a user sees, and match headers."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree

from observatoire.base.formatting import number
from pipelines.schemas import Table

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
TABULAR_SUFFIXES = (".csv", ".txt", ".tsv", *WORKBOOK_SUFFIXES)
SEPARATORS = (";", ",", "\t")
UTF8_BOM = b"\xef\xbb\xbf"
# Excel's limit for one cell: a longer cell was not typed by a person (a swallowed file, a pasted document).
MAX_CELL_CHARS = 32_767
# The csv module's own limit (128 KiB) would stop the whole build on one huge cell: cells are measured instead.
csv.field_size_limit(2**31 - 1)


class UnreadableFile(Exception):
    """The file cannot be read at all; `message_fr` tells the user why."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class ReadProblem:
    """Damage found while reading: `line` None for the whole file; `column` is a cell index (None: no cell)."""

    line: int | None
    column: int | None
    code: str
    message_fr: str
    value: str = ""
    severity: str = "erreur"


@dataclass
class RawFile:
    path: Path
    sha256: str
    encoding: str
    separator: str
    header: list[str]
    # (line number as seen in a text editor or Excel, cells) — header is line 1. Exact copies of an earlier
    # line are not in `rows`: `duplicates` maps the first line to [copies, first copy line, last copy line].
    rows: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    duplicates: dict[int, list[int]] = field(default_factory=dict)
    header_line: int = 1
    # The sheet read, when a workbook has several visible sheets (each is read with its own header).
    sheet: str | None = None
    # Damage found while reading; the rows at `bad_lines` are left out of the store.
    problems: list[ReadProblem] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    # Workbook cells holding a formula that was never computed (no cached value): line -> {cell index: ref}.
    formula_cells: dict[int, dict[int, str]] = field(default_factory=dict)
    invalid_bytes: int = 0

    @property
    def rows_read(self) -> int:
        """Every non-empty line below the header, copies included."""
        return len(self.rows) + sum(copies for copies, _, _ in self.duplicates.values())

    @property
    def name(self) -> str:
        name = display_name(self.path)
        return f"{name} (feuille « {self.sheet} »)" if self.sheet else name

    def reject(self, problem: ReadProblem) -> None:
        self.problems.append(problem)
        if problem.line is not None and problem.severity == "erreur":
            self.bad_lines.add(problem.line)


def display_name(path: Path) -> str:
    """The file name as text: a name in Latin-1 bytes (unzipped from Windows) is shown decoded, never crashes."""
    name = path.name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    # Bytes that are not UTF-8 in a file read as UTF-8: each is kept as a lone surrogate (U+DC80 + byte) so
    # that the rows holding one can be reported at their line and left out.
    invalid_bytes: int = 0


_INVALID = re.compile("[\udc80-\udcff]")


def decode(data: bytes) -> Decoded:
    """Decode UTF-8 (with or without BOM), UTF-16 (Excel's « Texte Unicode ») or Windows-1252, per file.

    UTF-8 comes first: a UTF-8 file with a few stray bytes (a name pasted from a Windows-1252 file) stays UTF-8 and
    those bytes are errors at their line; the whole file is read as Windows-1252 only when its accented characters
    are mostly not UTF-8. Never fall back silently to latin-1: a file that is none of these is refused whole."""
    bom = data.startswith(UTF8_BOM)
    utf16 = None if bom else _utf16_encoding(data)
    if utf16:
        body = data[2:] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
        try:
            return Decoded(body.decode(utf16), utf16)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"Fichier UTF-16 abîmé (octet invalide en position {exc.start}) : enregistrez le fichier en CSV "
                "UTF-8.") from exc
    body = data[3:] if bom else data
    encoding = "utf-8-sig" if bom else "utf-8"
    try:
        return Decoded(body.decode("utf-8"), encoding)
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="surrogateescape")
    invalid = len(_INVALID.findall(text))
    accented = len(text) - len(text.encode("ascii", errors="ignore")) - invalid
    if bom or accented >= invalid:
        return Decoded(text, encoding, invalid)
    try:
        return Decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"Encodage non reconnu (ni UTF-8 ni Windows-1252, octet invalide en position {exc.start}) : "
            "enregistrez le fichier en CSV UTF-8.") from exc


def _utf16_encoding(data: bytes) -> str | None:
    """UTF-16 by its BOM, or without BOM by the zero bytes every ASCII character brings in the first line."""
    if data.startswith(b"\xff\xfe"):
        return "utf-16-le"
    if data.startswith(b"\xfe\xff"):
        return "utf-16-be"
    head = data[:200]
    if len(head) >= 4 and b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > len(odd) // 2 and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) > len(even) // 2 and odd.count(0) == 0:
            return "utf-16-be"
    return None


def invalid_byte_problem(line: int, cells) -> ReadProblem | None:
    """The error of a row holding a byte that is not UTF-8 (None when it holds none)."""
    for index, cell in enumerate(cells):
        found = _INVALID.search(cell)
        if found:
            byte = ord(found.group()) - 0xDC00
            guess = bytes([byte]).decode("cp1252", errors="replace")
            return ReadProblem(line, index, "octet_invalide",
                               f"Octet 0x{byte:02X} invalide en UTF-8 (« {guess} » en Windows-1252 ?) dans un fichier "
                               "UTF-8 : ligne écartée. Corrigez ce caractère et enregistrez le fichier en UTF-8.",
                               f"0x{byte:02X}")
    return None


def sniff_separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ";"


def read_csv_text(text: str, separator: str | None = None,
                  problems: list[ReadProblem] | None = None) -> tuple[str, list[tuple[int, list[str]]]]:
    """All records with the physical line where each starts (quoted fields may span lines)."""
    sep, records = iter_csv_text(text, separator, problems)
    return sep, list(records)


def iter_csv_text(text: str, separator: str | None = None, problems: list[ReadProblem] | None = None
                  ) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """Records with their first physical line. Two kinds of damage are reported in `problems` at their line:
    a quote opened and never closed (it would swallow the lines below into one cell: the line is read without
    quoting and reading goes on at the next line) and a cell longer than an Excel cell."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = text.split("\n", 1)[0]
    sep = separator or sniff_separator(first)
    found = problems if problems is not None else []

    def reader_at(buffer):
        return csv.reader(buffer, delimiter=sep, quotechar='"', doublequote=True, strict=False)

    def records():
        buffer = io.StringIO(text)
        start, before, width = 1, 0, None
        anchor = (0, 1)  # (offset, line) of a known line start: a line's offset is searched from there
        try:
            while True:
                reader = reader_at(buffer)
                for cells in reader:
                    end = before + reader.line_num
                    if end > start and _swallowed(cells, sep, width):
                        offset = anchor[0]
                        for _ in range(start - anchor[1]):
                            offset = text.index("\n", offset) + 1
                        eol = text.find("\n", offset)
                        eol = len(text) if eol < 0 else eol
                        yield start, _unclosed_quote(text[offset:eol], sep, start, end, found)
                        # Read on from the next line with a fresh reader.
                        anchor, before, start = (eol + 1, start + 1), start, start + 1
                        buffer.seek(eol + 1)
                        break
                    if width is None and any(c.strip() for c in cells):
                        width = len(cells)
                    if cells and max(map(len, cells)) > MAX_CELL_CHARS:
                        cells = _too_long(cells, start, found)
                    yield start, cells
                    start = end + 1
                else:
                    return
        except csv.Error as exc:
            raise UnreadableFile("Fichier CSV illisible (fichier binaire ?) : enregistrez-le à nouveau en CSV "
                                 "UTF-8.") from exc
    return sep, records()


def _unclosed_quote(line_text: str, sep: str, start: int, end: int, found: list[ReadProblem]) -> list[str]:
    """The cells of a line whose quote was never closed, read without quoting; the error is at its line."""
    cells = next(csv.reader([line_text], delimiter=sep, quoting=csv.QUOTE_NONE), [])
    found.append(ReadProblem(
        start, next((i for i, c in enumerate(cells) if '"' in c), None), "guillemet_non_ferme",
        f"Guillemet ouvert sans guillemet fermant : les lignes {number(start)} à {number(end)} auraient été lues "
        "comme une seule cellule. Ligne écartée, les suivantes sont lues ; supprimez ce guillemet ou doublez-le "
        "(\"\")."))
    return cells


def _too_long(cells: list[str], line: int, found: list[ReadProblem]) -> list[str]:
    """A cell longer than an Excel cell: an error at its line; the cell itself is not kept."""
    longest = max(map(len, cells))
    found.append(ReadProblem(
        line, next(i for i, c in enumerate(cells) if len(c) == longest), "cellule_trop_longue",
        f"Cellule de {number(longest)} caractères, au-delà de {number(MAX_CELL_CHARS)} (la limite d'une cellule "
        "Excel) : ligne écartée."))
    return [c if len(c) <= MAX_CELL_CHARS else "" for c in cells]


def _swallowed(cells: list[str], sep: str, width: int | None) -> bool:
    """A multi-line cell whose inner lines look like whole rows: a quote left open swallowed them."""
    if not width:
        return False
    wanted = max(2, width - 1)
    for cell in cells:
        if "\n" in cell and any(part.count(sep) >= wanted for part in cell.split("\n")[1:]):
            return True
    return False


def _excel_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, list[str]]]
    # Cells holding a formula never computed (a workbook written by a program, not saved by Excel).
    formulas: dict[int, dict[int, str]] = field(default_factory=dict)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def read_workbook(data: bytes) -> tuple[list[Sheet], list[str]]:
    """(visible worksheets in workbook order, names of the hidden ones) of an XLSX, XLSM, XLS or ODS file.

    A hidden sheet is never read in place of a visible one."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if data.startswith(_OLE_MAGIC) and _ENCRYPTED_STREAM in data:
        raise UnreadableFile("Classeur protégé par un mot de passe : enregistrez-le sans mot de passe (ou en CSV "
                             "UTF-8) avant de le déposer.")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = list(book.sheets_metadata)
    except Exception as exc:  # calamine raises several error types (English) for corrupt files
        raise UnreadableFile("Classeur illisible (fichier abîmé, ou d'un autre format que son extension) : ouvrez-le "
                             "et enregistrez-le à nouveau en XLSX ou en CSV UTF-8.") from exc
    worksheets = [m for m in metadata if m.typ == SheetTypeEnum.WorkSheet]
    visible = [m.name for m in worksheets if m.visible == SheetVisibleEnum.Visible]
    hidden = [m.name for m in worksheets if m.visible != SheetVisibleEnum.Visible]
    formulas = _uncomputed_formulas(data, visible) if data.startswith(b"PK") else {}
    sheets = []
    for name in visible:
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - same as above
            raise UnreadableFile(f"Feuille « {name} » illisible : ouvrez le classeur et enregistrez-le à nouveau en "
                                 "XLSX ou en CSV UTF-8.") from exc
        sheets.append(Sheet(name, [(i + 1, [_excel_cell(v) for v in row]) for i, row in enumerate(rows)],
                            formulas.get(name, {})))
    return sheets, hidden


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _uncomputed_formulas(data: bytes, names: list[str]) -> dict[str, dict[int, dict[int, str]]]:
    """Per sheet name: line -> {cell index: cell reference} of formula cells that have no cached value.

    A formula whose cached result is an empty text (`t="str"`) is computed; a missing or empty value without that
    type is a formula nobody computed (written by a script, never opened in a spreadsheet)."""
    found: dict[str, dict[int, dict[int, str]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PACKAGE_REL_NS}Relationship")}
            for sheet in book.iter(f"{_MAIN_NS}sheet"):
                name = sheet.get("name")
                target = targets.get(sheet.get(f"{_REL_NS}id"), "")
                if name not in names or not target:
                    continue
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                xml = archive.read(part)
                if not re.search(rb"<(\w+:)?f[ >/]", xml):
                    continue
                cells = found.setdefault(name, {})
                for _, cell in ElementTree.iterparse(io.BytesIO(xml)):
                    if cell.tag != f"{_MAIN_NS}c":
                        continue
                    formula, value = cell.find(f"{_MAIN_NS}f"), cell.find(f"{_MAIN_NS}v")
                    if formula is not None and (value is None or (not value.text and cell.get("t") != "str")):
                        ref = _CELL_REF.fullmatch(cell.get("r", ""))
                        if ref:
                            cells.setdefault(int(ref.group(2)), {})[_column_index(ref.group(1))] = ref.group(0)
                    cell.clear()
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return found  # not the usual layout: calamine's reading stands
    return found


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


WORKBOOK_ENCODINGS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}


def read_raw_files(path: Path) -> list[RawFile]:
    """One RawFile per CSV/TXT/TSV file, or per visible non-empty sheet of a workbook (each with its own header)."""
    data = path.read_bytes()
    digest = sha256_of(data)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        sheets, hidden = read_workbook(data)
        del data
        if not sheets:
            raise UnreadableFile("Aucune feuille visible dans le classeur (feuille(s) masquée(s) : "
                                 + ", ".join(f"« {h} »" for h in hidden) + ") : affichez la feuille à lire.")
        filled = [s for s in sheets if any(not _blank(cells) for _, cells in s.rows)]
        if not filled:
            raise UnreadableFile("Fichier vide : aucune ligne d'en-tête.")
        several = len(filled) > 1
        files = [_raw_file(path, digest, WORKBOOK_ENCODINGS[suffix], "", iter(s.rows), sheet=s.name if several else None,
                           formulas=s.formulas) for s in filled]
        if hidden:
            files[0].problems.append(ReadProblem(
                None, None, "feuille_masquee", "Feuille(s) masquée(s) non lue(s) : "
                + ", ".join(f"« {h} »" for h in hidden) + ".", severity="avertissement"))
        return files
    decoded = decode(data)
    del data
    problems: list[ReadProblem] = []
    sep, records = iter_csv_text(decoded.text, problems=problems)
    raw = _raw_file(path, digest, decoded.encoding, sep, records, invalid_bytes=decoded.invalid_bytes)
    for problem in problems:
        if problem.line != raw.header_line:
            raw.reject(problem)
    return [raw]


def read_tabular(path: Path) -> RawFile:
    """The first (usually only) table of a raw file."""
    return read_raw_files(path)[0]


def _raw_file(path: Path, digest: str, encoding: str, sep: str, records, sheet: str | None = None,
              formulas: dict | None = None, invalid_bytes: int = 0) -> RawFile:
    header = next(((line, cells) for line, cells in records if not _blank(cells)), None)
    if header is None:
        raise UnreadableFile("Fichier vide : aucune ligne d'en-tête.")
    raw = RawFile(path, digest, encoding, sep, [_INVALID.sub("\ufffd", h).strip() for h in header[1]],
                  header_line=header[0], sheet=sheet, formula_cells=formulas or {}, invalid_bytes=invalid_bytes)
    if invalid_bytes:
        problem = invalid_byte_problem(header[0], header[1])
        if problem:
            raw.problems.append(ReadProblem(problem.line, problem.column, problem.code,
                                            problem.message_fr.replace("ligne écartée", "en-tête illisible"),
                                            problem.value, "avertissement"))
    # Exact copies are set aside while reading, in one dict pass: a million copies of a line cost one entry.
    first_line: dict[tuple[str, ...], int] = {}
    blank: set[tuple[str, ...]] = set()
    for line, cells in records:
        key = tuple(cells)
        first = first_line.get(key)
        if first is None:
            if key in blank or _blank(cells):
                blank.add(key)
                continue
            first_line[key] = line
            raw.rows.append((line, key))   # the tuple the dict already holds: no second copy
            if invalid_bytes:
                problem = invalid_byte_problem(line, cells)
                if problem:
                    raw.reject(problem)
            continue
        copies = raw.duplicates.get(first)
        if copies is None:
            raw.duplicates[first] = [1, line, line]
        else:
            copies[0] += 1
            copies[2] = line
    return raw


def _blank(cells) -> bool:
    return not any(c.strip() for c in cells)


def normalize_label(text: str) -> str:
    """Case, accents, spaces and punctuation do not matter when matching headers and codes."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("°", "o")
    return re.sub(r"[^a-z0-9%]+", "", text)


def match_headers(header: list[str], table: Table) -> tuple[dict[str, int], list[str], list[str]]:
    """Map store column -> cell index; return (mapping, missing required headers, unknown headers)."""
    wanted = {}
    for col in table.columns:
        for label in (col.header, col.name, *col.aliases):
            wanted.setdefault(normalize_label(label), col.name)
    mapping: dict[str, int] = {}
    unknown = []
    for index, label in enumerate(header):
        name = wanted.get(normalize_label(label))
        if name and name not in mapping:
            mapping[name] = index
        elif label:
            unknown.append(label)
    missing = [c.header for c in table.columns if c.required and c.name not in mapping]
    return mapping, missing, unknown


def raw_entries(folder: Path, roots: tuple[Path, ...] = ()) -> tuple[list[Path], list[tuple[str, str]]]:
    """(files to read, [(name, French reason)] of the entries not read) of one source folder.

    Hidden files and Excel's lock files (`~$…`) are ignored. A link is never followed out of the raw folder
    (`roots`: the folder's own raw root when empty); sub-folders and other formats are listed, not read."""
    if not folder.is_dir():
        return [], []
    allowed = [Path(r).resolve() for r in roots] or [folder.parent.resolve()]
    files, skipped = [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "~$")):
            continue
        name = display_name(entry)
        target = entry.resolve()
        if not any(target == root or root in target.parents for root in allowed):
            skipped.append((name, "lien vers un emplacement hors de data/raw : non suivi"))
        elif entry.is_dir():
            skipped.append((name, "sous-dossier : ses fichiers ne sont pas lus, déposez-les directement dans le "
                                  "dossier de la source"))
        elif not entry.is_file():
            skipped.append((name, "ni fichier ni dossier : non lu"))
        elif entry.suffix.lower() not in TABULAR_SUFFIXES:
            skipped.append((name, "format non lu (formats lus : CSV, TXT, TSV, XLSX, XLSM, XLS, ODS)"))
        else:
            files.append(entry)
    return files, skipped


def list_raw_files(folder: Path, roots: tuple[Path, ...] = ()) -> list[Path]:
    return raw_entries(folder, roots)[0]
