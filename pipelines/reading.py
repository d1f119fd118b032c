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
    # (line number as seen in a text editor or Excel, cells) — header is line 1.
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or Windows-1252; never fall back silently to latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
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


def sniff_separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ";"


def read_csv_text(text: str, separator: str | None = None) -> tuple[str, list[tuple[int, list[str]]]]:
    """All records with the physical line where each starts (quoted fields may span lines)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = text.split("\n", 1)[0]
    sep = separator or sniff_separator(first)
    reader = csv.reader(io.StringIO(text), delimiter=sep, quotechar='"', doublequote=True, strict=False)
    records: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        records.append((start, cells))
        start = reader.line_num + 1
    return sep, records


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
        records, encoding, sep = read_xlsx(data), "xlsx", ""
    else:
        text, encoding = decode(data)
        sep, records = read_csv_text(text)
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise UnreadableFile("Fichier vide : aucune ligne d'en-tête.")
    (_, header), body = records[0], records[1:]
    return RawFile(path, digest, encoding, sep, [h.strip() for h in header], body)


class StreamedRows:
    """The data records of a CSV file, parsed as they are iterated (once): a national file never sits in memory
    as millions of small strings. `len()` is the number of records read so far (all of them once iterated)."""

    def __init__(self, text: str, separator: str):
        self._text, self._separator, self.count, self.done = text, separator, 0, False

    def __iter__(self):
        reader = csv.reader(io.StringIO(self._text), delimiter=self._separator, quotechar='"', doublequote=True,
                            strict=False)
        start, header_seen = 1, False
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if not header_seen:
                header_seen = True
                continue
            self.count += 1
            yield line, cells
        self._text, self.done = "", True  # iterated once: free the decoded text

    def finish(self) -> int:
        """Count the records nobody iterated (a file rejected for its headers) and free the text."""
        if not self.done:
            for _ in self:
                pass
        return self.count

    def __len__(self) -> int:
        return self.count


def read_tabular_streamed(path: Path) -> RawFile:
    """read_tabular for the build: same header, encoding and line numbers, but CSV records are parsed lazily
    (`rows` is a StreamedRows). XLSX workbooks are read at once (the reader has no streaming mode)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_tabular(path)
    data = path.read_bytes()
    digest = sha256_of(data)
    text, encoding = decode(data)
    del data
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sep = sniff_separator(text[:text.find("\n")] if "\n" in text else text)
    header = None
    for cells in csv.reader(io.StringIO(text), delimiter=sep, quotechar='"', doublequote=True, strict=False):
        if any(c.strip() for c in cells):
            header = cells
            break
    if header is None:
        raise UnreadableFile("Fichier vide : aucune ligne d'en-tête.")
    return RawFile(path, digest, encoding, sep, [h.strip() for h in header], StreamedRows(text, sep))


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
