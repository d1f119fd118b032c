"""Typed, cached query functions: the only data access pages use (they never run SQL themselves).

Each function is keyed on its parameters plus the store's build stamp, so a rebuilt store is re-read.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from observatoire import indicators, settings
from observatoire.db import STORE_TABLES, Scope, Store, StoreMissing, ident
from observatoire.measures import month_starts, seat_series

CACHE = {"max_entries": 256, "show_spinner": False}


@st.cache_resource(show_spinner=False)
def _store(data_dir: str, stamp: float) -> Store:
    return Store(Path(data_dir))


def store() -> Store:
    """The current store; raises StoreMissing when nothing has been built yet."""
    data_dir = settings.data_dir()
    manifest = data_dir / "manifest.json"
    if not manifest.exists():
        raise StoreMissing(str(data_dir))
    return _store(str(data_dir), manifest.stat().st_mtime)


def stamp() -> str:
    return store().manifest.get("built_at", "")


def manifest() -> dict:
    return store().manifest


@st.cache_data(**CACHE)
def _indicator(stamp_: str, indicator_id: str, scope: Scope, as_of: dt.date, period, by) -> pd.DataFrame:
    return indicators.compute(store(), indicator_id, scope, as_of, period, by)


def indicator(indicator_id: str, scope: Scope, as_of: dt.date, period: tuple[dt.date, dt.date] | None = None,
              by: tuple[str, ...] = ()) -> pd.DataFrame:
    return _indicator(stamp(), indicator_id, scope, as_of, period, tuple(by))


@st.cache_data(**CACHE)
def _scorecard(stamp_: str, convention_id: str, as_of: dt.date) -> pd.DataFrame:
    return indicators.scorecard(store(), convention_id, as_of)


def scorecard(convention_id: str, as_of: dt.date) -> pd.DataFrame:
    return _scorecard(stamp(), convention_id, as_of)


@st.cache_data(**CACHE)
def _seat_series(stamp_: str, scope: Scope, start: dt.date, end: dt.date, by: tuple, filters: tuple) -> pd.DataFrame:
    return seat_series(store(), month_starts(start, end), scope, by, dict(filters))


def vacancy_series(scope: Scope, start: dt.date, end: dt.date, by: tuple[str, ...] = (),
                   filters: dict | None = None) -> pd.DataFrame:
    """Seats, filled, vacant and vacancy rate on the 1st of each month from start to end."""
    frame = _seat_series(stamp(), scope, start, end, tuple(by), tuple(sorted((filters or {}).items())))
    frame = frame.copy()
    frame["rate"] = (frame["vacant"] / frame["seats"].where(frame["seats"] > 0) * 100).round(2)
    return frame


def indicator_series(indicator_id: str, scope: Scope, dates: list[dt.date]) -> pd.DataFrame:
    """One indicator at several dates (sparklines, trends)."""
    frames = [indicator(indicator_id, scope, d).assign(as_of=d) for d in dates]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@st.cache_data(**CACHE)
def _table(stamp_: str, name: str, where: str, params: tuple) -> pd.DataFrame:
    """`where` is one of the fixed clauses below; values are bound."""
    return store().df("SELECT * FROM " + ident(name, STORE_TABLES) + " WHERE " + where, list(params))


def conventions() -> pd.DataFrame:
    return _table(stamp(), "conventions", "TRUE", ())


def milestones(convention_id: str) -> pd.DataFrame:
    return _table(stamp(), "milestones", "convention_id = ? ORDER BY milestone_date", (convention_id,))


def actions(convention_id: str) -> pd.DataFrame:
    return _table(stamp(), "actions", "convention_id = ? ORDER BY due_date, action_id", (convention_id,))


def targets(convention_id: str) -> pd.DataFrame:
    return _table(stamp(), "targets", "convention_id = ? ORDER BY indicator_id, year", (convention_id,))


def campaigns(region_code: str | None = None) -> pd.DataFrame:
    if region_code:
        return _table(stamp(), "campaigns", "region_code = ? ORDER BY opens_on, status_date", (region_code,))
    return _table(stamp(), "campaigns", "TRUE ORDER BY region_code, opens_on, status_date", ())


def rejects() -> pd.DataFrame:
    return _table(stamp(), "rejects", "TRUE ORDER BY source, file, line", ())


@st.cache_data(**CACHE)
def _counts_by_region(stamp_: str, as_of: dt.date) -> pd.DataFrame:
    return store().df("""
        WITH r AS (SELECT code AS region_code, name_fr AS region FROM territories WHERE level = 'region'),
        e AS (SELECT region_code, count(*) AS establishments FROM establishments GROUP BY 1),
        b AS (SELECT region_code, count(*) FILTER (WHERE (created_on IS NULL OR created_on <= $d)
                                                  AND (closed_on IS NULL OR closed_on > $d)) AS bodies,
                     sum(seats_titular + seats_substitute) FILTER (WHERE (created_on IS NULL OR created_on <= $d)
                                                  AND (closed_on IS NULL OR closed_on > $d)) AS seats
              FROM bodies GROUP BY 1),
        m AS (SELECT region_code, count(*) AS mandates, count(DISTINCT person_key) AS people FROM mandates
              WHERE start_date <= $d AND end_date >= $d GROUP BY 1),
        t AS (SELECT region_code, count(DISTINCT person_key) AS trained FROM trainings
              WHERE status = 'present' AND session_date <= $d GROUP BY 1),
        s AS (SELECT coalesce(territory_code, '') AS region_code, count(DISTINCT survey || year) AS surveys
              FROM surveys WHERE level = 'region' GROUP BY 1)
        SELECT r.region_code, r.region, coalesce(e.establishments, 0) AS establishments,
               coalesce(b.bodies, 0) AS bodies, coalesce(b.seats, 0) AS seats, coalesce(m.mandates, 0) AS mandates,
               coalesce(m.people, 0) AS people, coalesce(t.trained, 0) AS trained, coalesce(s.surveys, 0) AS surveys
        FROM r LEFT JOIN e USING (region_code) LEFT JOIN b USING (region_code) LEFT JOIN m USING (region_code)
        LEFT JOIN t USING (region_code) LEFT JOIN s USING (region_code) ORDER BY r.region_code""", {"d": as_of})


def counts_by_region(as_of: dt.date) -> pd.DataFrame:
    """Establishments, bodies, seats, active mandates, people, trained people and surveys per région."""
    return _counts_by_region(stamp(), as_of)


def dictionary() -> pd.DataFrame:
    """Every stored column with its type and French description (written by the build)."""
    path = store().data_dir / "dictionary.json"
    if not path.exists():
        return pd.DataFrame(columns=["table", "column", "type", "description", "source"])
    return pd.read_json(path, dtype=False)


def store_tables() -> dict[str, int]:
    return manifest().get("tables", {})


__all__ = ["StoreMissing", "store", "manifest", "indicator", "scorecard", "vacancy_series", "indicator_series",
           "conventions", "milestones", "actions", "targets", "campaigns", "rejects", "counts_by_region"]
