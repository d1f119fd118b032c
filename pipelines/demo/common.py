"""Small helpers shared by the DEMO generator: text normalisation, weighted draws, dates, CSV/XLSX writers."""
from __future__ import annotations

import csv
import io
import math
import random
import re
import unicodedata
import zipfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

SCALES = ("region", "national", "stress")
GRAND_EST = "44"


def _luhn_key(digits: str) -> str:
    """Luhn check digit (FINESS and SIRET numbers carry one); letters of 2A/2B count as 0."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) if ch.isdigit() else 0
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_complete(body: str) -> str:
    return body + _luhn_key(body)


# --------------------------------------------------------------------------------------------------------------
# Small helpers
@lru_cache(maxsize=None)
def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).replace(
        "œ", "oe").replace("Œ", "OE")


@lru_cache(maxsize=None)
def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", strip_accents(text).lower()).strip()


def cp1252_safe(text: str) -> str:
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        return "".join(c if c.encode("cp1252", "ignore") else strip_accents(c) for c in text)


_CUMULATIVE: dict[int, tuple[list, list, object]] = {}  # keyed by id, checked by identity


def weighted(rng: random.Random, pairs) -> str:
    table = _CUMULATIVE.get(id(pairs))
    if table is None or table[2] is not pairs:
        values = [v for v, _ in pairs]
        cum, total = [], 0.0
        for _, w in pairs:
            total += w
            cum.append(total)
        table = _CUMULATIVE[id(pairs)] = (values, cum, pairs)
    return rng.choices(table[0], cum_weights=table[1])[0]


def largest_remainder(weights: dict[str, float], total: int, minimum: int = 0) -> dict[str, int]:
    keys = list(weights)
    base = {k: minimum for k in keys}
    rest = total - minimum * len(keys)
    wsum = sum(weights.values()) or 1.0
    quotas = {k: rest * weights[k] / wsum for k in keys}
    for k in keys:
        base[k] += int(math.floor(quotas[k]))
    left = total - sum(base.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), k))[:max(left, 0)]:
        base[k] += 1
    return base


def de(name: str) -> str:
    """French 'de' before a commune name: du Mans, des Sables-d'Olonne, d'Épinal, de La Rochelle, de Verdun."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1] in "AEIOUYÉÈÊÎÔÂ":
        return "d'" + name
    return "de " + name


class DateText:
    """Cached dd/mm/yyyy (or ISO) rendering of day ordinals."""

    def __init__(self, iso: bool = False):
        self.iso = iso
        self.cache: dict[int, str] = {0: ""}

    def __call__(self, ordinal: int) -> str:
        text = self.cache.get(ordinal)
        if text is None:
            if not ordinal:
                return ""
            d = date.fromordinal(ordinal)
            text = d.isoformat() if self.iso else f"{d.day:02d}/{d.month:02d}/{d.year}"
            self.cache[ordinal] = text
        return text


def weekday_on_or_after(ordinal: int, weekdays=(0, 1, 2, 3, 4)) -> int:
    while date.fromordinal(ordinal).weekday() not in weekdays:
        ordinal += 1
    return ordinal


# --------------------------------------------------------------------------------------------------------------
# Writing helpers
def write_csv(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "utf-8",
               delimiter: str = ";", lineterminator: str = "\n") -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


_FIXED_ZIP_TIME = (2026, 1, 21, 0, 0, 0)


def write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list], date_columns: set[int]) -> int:
    """Excel file with real date cells, made byte-reproducible (fixed document and zip timestamps)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    for col in date_columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            if cell.value is not None:
                cell.number_format = "DD/MM/YYYY"
    fixed = datetime(2026, 1, 21, 0, 0, 0)
    wb.properties.creator = "Observatoire de la démocratie en santé (démo)"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            out = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o600 << 16
            dst.writestr(out, data)
    return len(rows)


# --------------------------------------------------------------------------------------------------------------
# Name spellings: the same person is mostly written the same way, sometimes not.
def spelling(rng: random.Random, last: str, first: str) -> tuple[str, str]:
    canonical = (last.upper(), first)
    if rng.random() >= 0.06:
        return canonical
    variant = rng.randrange(6)
    if variant == 0:
        return last.lower(), first.lower().replace("-", " ")
    if variant == 1:
        return strip_accents(last.upper()), strip_accents(first)
    if variant == 2:
        if "-" in first:
            return last.upper(), first.replace("-", "  ")
        if " " in last:
            return last.upper().replace(" ", "  "), first
        return last.upper() + " ", " " + first
    if variant == 3:
        return last, first
    if variant == 4:
        return last.upper(), first.upper()
    return last.upper().replace(" ", "-"), first.replace("-", " ")

