"""Read raw CSV/XLSX files as text cells with the line numbers a user sees, and match headers."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from pipelines.schemas import Table

TABULAR_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
SEPARATORS = (";", ",", "\t")


class UnreadableFile(Exception):
    """The file cannot be read at all; `message_fr` tells the user why."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


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

    @property
    def rows_read(self) -> int:
        """Every non-empty line below the header, copies included."""
        return len(self.rows) + sum(copies for copies, _, _ in self.duplicates.values())

    @property
    def name(self) -> str:
        return self.path.name


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), UTF-16 (Excel's « Texte Unicode ») or Windows-1252.

    Never fall back silently to latin-1: a file that is none of these is refused whole."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    utf16 = _utf16_encoding(data)
    if utf16:
        body = data[2:] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
        try:
            return body.decode(utf16), utf16
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"Fichier UTF-16 abîmé (octet invalide en position {exc.start}) : enregistrez le fichier en CSV "
                "UTF-8.") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
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


def sniff_separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ";"


def read_csv_text(text: str, separator: str | None = None) -> tuple[str, list[tuple[int, list[str]]]]:
    """All records with the physical line where each starts (quoted fields may span lines)."""
    sep, records = iter_csv_text(text, separator)
    return sep, list(records)


def iter_csv_text(text: str, separator: str | None = None) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = text.split("\n", 1)[0]
    sep = separator or sniff_separator(first)

    def records():
        reader = csv.reader(io.StringIO(text), delimiter=sep, quotechar='"', doublequote=True, strict=False)
        start = 1
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    return sep, records()


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


def read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise UnreadableFile(f"Classeur Excel illisible : {exc}") from exc
    return [(i + 1, [_excel_cell(v) for v in row]) for i, row in enumerate(rows)]


def read_tabular(path: Path) -> RawFile:
    data = path.read_bytes()
    digest = sha256_of(data)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        records, encoding, sep = iter(read_xlsx(data)), "xlsx", ""
    else:
        text, encoding = decode(data)
        del data
        sep, records = iter_csv_text(text)
    header = next(((line, cells) for line, cells in records if not _blank(cells)), None)
    if header is None:
        raise UnreadableFile("Fichier vide : aucune ligne d'en-tête.")
    raw = RawFile(path, digest, encoding, sep, [h.strip() for h in header[1]])
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
            continue
        copies = raw.duplicates.get(first)
        if copies is None:
            raw.duplicates[first] = [1, line, line]
        else:
            copies[0] += 1
            copies[2] = line
    return raw


def _blank(cells: list[str]) -> bool:
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


def list_raw_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in TABULAR_SUFFIXES and not p.name.startswith((".", "~$")))
