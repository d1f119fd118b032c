"""The catalogue's raw values precomputed by the build at the days pages ask most, for every level (an analytics
table, as DHIS2 builds them): a cold date or territory at one of those days is a lookup, any other day is computed.

The table holds values before masking (the threshold is applied when they are read, as for a computed value) and the
key of the rules they were computed with (the catalogue, the computing code, the settings that change a value): a
table built under other rules is never read, the value is computed instead.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from observatoire.base.dates import add_months, last_quarter_end, month_starts
from observatoire.base.db import STORE_TABLES, Store, ident

FILE = "indicator_values.parquet"
LEVELS = ("national", "region", "departement")
QUARTER_ENDS = 4
# Columns an indicator's raw values may have, and their type in the table (the columns and pandas types of each
# indicator, level and day are kept in the file's metadata: a lookup gives the frame the computation gives). An
# indicator with a column not listed here is not kept: it is computed when asked.
SCHEMA = pa.schema([
    ("indicator_id", pa.string()), ("level", pa.string()), ("as_of", pa.date32()), ("territory_code", pa.string()),
    ("ci_low", pa.float64()), ("ci_high", pa.float64()), ("year", pa.int64()),
    ("value", pa.float64()), ("numerator", pa.float64()), ("denominator", pa.float64()),
    ("opens_on", pa.date32()), ("window_end", pa.date32()), ("campaign_year", pa.int64()), ("final", pa.bool_()),
    ("note", pa.string()),
])
KEY_COLUMNS = ("indicator_id", "level", "as_of")
CONSTANT_COLUMNS = {"masked": False}  # raw values are never masked: masking happens at read
MILESTONE_COLUMNS = {"conventions": "signed_on", "milestones": "milestone_date"}


def days_asked(store: Store, today: dt.date, months: int) -> list[dt.date]:
    """The days pages ask most: the 1st of each of the last `months` months (this month's included), today and the
    last quarter ends with the same days a year earlier (Accueil compares with them), and each convention's
    signature and milestones (meetings, reviews) up to today."""
    first = dt.date(today.year, today.month, 1)
    days = {today, *month_starts(add_months(first, 1 - months), today)}
    quarter_end, reviewed = today, [today]
    for _ in range(QUARTER_ENDS):
        quarter_end = last_quarter_end(quarter_end)
        reviewed.append(quarter_end)
        quarter_end -= dt.timedelta(days=1)
    days |= {*reviewed, *(add_months(day, -12) for day in reviewed)}
    for table, column in MILESTONE_COLUMNS.items():
        if store.has(table):
            name = ident(column, MILESTONE_COLUMNS.values())
            found = store.df(f"SELECT DISTINCT {name} AS day FROM {ident(table, STORE_TABLES)} WHERE {name} IS NOT NULL"
                             )["day"]
            days |= {pd.Timestamp(day).date() for day in found}
    return sorted(day for day in days if day <= today)


def write(path: Path, frames: dict[tuple[str, str, dt.date], pd.DataFrame], rules: str) -> None:
    """Write the raw values computed per (indicator, level, judged day) with the key of the rules used."""
    # Column types depend on the values (a campaign year is int64 in régions, object where no campaign runs): each
    # (indicator, level, day) keeps its own columns and pandas types, as the computation gave them.
    specs: list[list[list[str]]] = []
    keys: dict[str, int] = {}
    parts = []
    for (indicator_id, level, day), frame in frames.items():
        if not set(frame.columns) <= {*SCHEMA.names, *CONSTANT_COLUMNS}:
            continue
        spec = [[name, str(kind)] for name, kind in frame.dtypes.items()]
        if spec not in specs:
            specs.append(spec)
        keys[_key(indicator_id, level, day)] = specs.index(spec)
        parts.append(frame.assign(indicator_id=indicator_id, level=level, as_of=day))
    arrays = {}
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SCHEMA.names)
    for column in SCHEMA:
        values = long[column.name] if column.name in long else pd.Series(None, index=long.index, dtype=object)
        arrays[column.name] = pa.array([_plain(v) for v in values], type=column.type)
    meta = {"rules": rules, "specs": specs, "keys": keys}
    table = pa.table(arrays, schema=SCHEMA.with_metadata({"precomputed": json.dumps(meta)}))
    pq.write_table(table, path, compression="zstd")


def _plain(value):
    """A Python value Arrow converts to the table's types (None for a missing value of any kind)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if isinstance(value, np.generic) else value


def _key(indicator_id: str, level: str, day: dt.date) -> str:
    return f"{indicator_id}|{level}|{day.isoformat()}"


@dataclass(frozen=True)
class Table:
    """The table as read once per store: the rows of each (indicator, level, day) found by a dict lookup."""

    rules: str
    specs: list
    keys: dict
    arrays: dict            # column -> its values as one NumPy array, read once (taking rows from Arrow costs more)
    objects: dict           # the other columns as Python objects (dates, None), for columns computed as objects
    rows: dict

    built: dict = field(default_factory=dict)   # frames already built from the rows, by key

    def get(self, indicator_id: str, level: str, day: dt.date) -> pd.DataFrame | None:
        """A new frame each time (callers add columns to it)."""
        key = (indicator_id, level, day)
        frame = self.built.get(key)
        if frame is None:
            spec = self.keys.get(_key(indicator_id, level, day))
            if spec is None:
                return None
            positions = self.rows.get(key, np.array([], dtype=np.intp))
            frame = pd.DataFrame({name: self._column(name, kind, positions) for name, kind in self.specs[spec]},
                                 index=pd.RangeIndex(len(positions)))
            self.built[key] = frame
        return frame.copy()

    def _column(self, name: str, kind: str, positions: np.ndarray):
        if name in CONSTANT_COLUMNS:
            return np.full(len(positions), CONSTANT_COLUMNS[name])
        if kind == "object":
            return self.objects[name][positions]
        values = self.arrays[name][positions]
        return pd.array(values, dtype=kind) if kind == "str" else values.astype(kind)


def rules_of(path: Path) -> str | None:
    """The rules key a table file was computed under (its footer only); None without a readable table."""
    try:
        return json.loads(pq.read_schema(path).metadata[b"precomputed"])["rules"]
    except (OSError, KeyError, TypeError, ValueError, pa.ArrowException):
        return None


def read(store: Store) -> Table | None:
    """The table of the store (None when it has none), read once per store."""
    return store.derived("precomputed_values", _load)


def _load(store: Store) -> Table | None:
    path = store.data_dir / FILE
    if not path.is_file():
        return None
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"precomputed"])
    frame = table.to_pandas(date_as_object=True)
    extras = [name for name in SCHEMA.names if name not in (*KEY_COLUMNS, "value", "numerator", "denominator")]
    objects = {name: np.array(table.column(name).to_pylist() + [None], dtype=object)[:-1] for name in extras}
    arrays = {name: frame[name].to_numpy() for name in frame.columns if name not in KEY_COLUMNS}
    rows = frame.groupby(list(KEY_COLUMNS), sort=False).indices if len(frame) else {}
    return Table(meta["rules"], meta["specs"], meta["keys"], arrays, objects, dict(rows))


def lookup(store: Store, rules: str, indicator_id: str, level: str, day: dt.date) -> pd.DataFrame | None:
    """The raw values of one indicator for every territory of a level at a day, when the store's table holds them
    and was computed under `rules` (the current ones); None otherwise (compute them)."""
    table = read(store)
    if table is None or table.rules != rules:
        return None
    return table.get(indicator_id, level, day)
