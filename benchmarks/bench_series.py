"""Benchmark: the monthly seat series of every département over 2016-2026, from change events in DuckDB
(measures.seat_series) against a plain pandas expansion of every mandate over the months it covers."""
from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from observatoire.base import settings
from observatoire.base.dates import month_starts
from observatoire.base.db import Scope, Store
from observatoire.domain.measures import seat_series

START, END = dt.date(2016, 1, 1), dt.date(2026, 12, 1)
KEYS = ["territory_code", "as_of"]


def _month_index(days: pd.Series) -> np.ndarray:
    days = pd.to_datetime(days)
    return (days.dt.year * 12 + days.dt.month - 1).to_numpy()


def _first_covered(days: pd.Series) -> np.ndarray:
    """Index of the first 1st-of-month on or after each day."""
    return _month_index(days) + (pd.to_datetime(days).dt.day > 1).to_numpy()


def _expand(frame: pd.DataFrame, first: np.ndarray, last: np.ndarray) -> pd.DataFrame:
    """One row per month index in [first, last] for each row of `frame`."""
    counts = np.clip(last - first + 1, 0, None)
    out = frame.loc[frame.index.repeat(counts)].reset_index(drop=True)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    out["month"] = np.repeat(first, counts) + offsets
    return out


def pandas_series(store: Store, dates: list[dt.date]) -> pd.DataFrame:
    """The naive way: every mandate and every open body-role expanded month by month, then joined."""
    lo, hi = _month_index(pd.Series([dates[0]]))[0], _month_index(pd.Series([dates[-1]]))[0]
    bodies = store.df("SELECT body_id, department_code, seats_titular, seats_substitute, created_on, closed_on "
                      "FROM bodies WHERE department_code IS NOT NULL")
    roles = pd.concat([
        bodies.assign(role="titulaire", seats=bodies["seats_titular"]),
        bodies.assign(role="suppleant", seats=bodies["seats_substitute"]),
    ], ignore_index=True)
    roles = roles[roles["seats"] > 0]
    created = roles["created_on"].fillna(pd.Timestamp("1900-01-01"))
    closed_last = _month_index(roles["closed_on"].fillna(pd.Timestamp("2200-01-02")) - pd.Timedelta(days=1))
    seats = _expand(roles[["body_id", "role", "department_code", "seats"]],
                    np.maximum(_first_covered(created), lo), np.minimum(closed_last, hi))
    mandates = store.df("SELECT body_id, role, start_date, end_date FROM mandates")
    active = _expand(mandates[["body_id", "role"]], np.maximum(_first_covered(mandates["start_date"]), lo),
                     np.minimum(_month_index(mandates["end_date"]), hi))
    active = active.groupby(["body_id", "role", "month"], as_index=False).size().rename(columns={"size": "active"})
    grid = seats.merge(active, on=["body_id", "role", "month"], how="left")
    grid["filled"] = np.minimum(grid["active"].fillna(0).to_numpy(), grid["seats"].to_numpy())
    out = grid.groupby(["department_code", "month"], as_index=False)[["seats", "filled"]].sum()
    out["vacant"] = out["seats"] - out["filled"]
    out["as_of"] = [dt.date(int(m) // 12, int(m) % 12 + 1, 1) for m in out["month"]]
    return out.rename(columns={"department_code": "territory_code"})[[*KEYS, "seats", "filled", "vacant"]]


def duckdb_series(store: Store, dates: list[dt.date]) -> pd.DataFrame:
    return seat_series(store, dates, Scope("departement"))


def _timed(function, repeat: int) -> tuple[float, pd.DataFrame]:
    """Warm run first, then the median of `repeat` runs."""
    result = function()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def same_numbers(fast: pd.DataFrame, slow: pd.DataFrame) -> bool:
    """Both series agree on every département and month (a missing row counts as zero seats)."""
    fast = fast.assign(as_of=pd.to_datetime(fast["as_of"]).dt.date)
    merged = fast.merge(slow, on=KEYS, how="outer", suffixes=("", "_slow")).fillna(0)
    return all((merged[c].astype(int) == merged[f"{c}_slow"].astype(int)).all() for c in ("seats", "filled", "vacant"))


def run(data_dir: Path | str | None = None, repeat: int = 5) -> list[dict]:
    """Rows {name, seconds, baseline_seconds, ratio}; ratio = seconds / baseline_seconds (below 1: faster)."""
    store = Store(Path(data_dir) if data_dir else settings.data_dir())
    dates = month_starts(START, END)
    seconds, fast = _timed(lambda: duckdb_series(store, dates), repeat)
    baseline, slow = _timed(lambda: pandas_series(store, dates), repeat)
    if not same_numbers(fast, slow):
        raise AssertionError("seat_series and the pandas expansion disagree")
    return [{"name": f"seat_series départements × {len(dates)} mois (DuckDB, événements) vs pandas (expansion)",
             "seconds": round(seconds, 4), "baseline_seconds": round(baseline, 4),
             "ratio": round(seconds / baseline, 3) if baseline else None}]


if __name__ == "__main__":
    import sys

    for row in run(sys.argv[1] if len(sys.argv) > 1 else None):
        print(row)
