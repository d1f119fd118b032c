"""Typed, cached query functions: the only data access pages use (they never run SQL themselves).

Each function is keyed on its parameters plus the store's build stamp, so a rebuilt store is re-read.
"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from observatoire import convention, indicators, measures, referential, settings, territorial, vacancy
from observatoire.db import STORE_TABLES, Scope, Store, StoreMissing, ident
from observatoire.measures import month_starts, seat_series

CACHE = {"max_entries": 256, "show_spinner": False}


@st.cache_resource(show_spinner=False)
def _store(data_dir: str, stamp: float) -> Store:
    return Store(Path(data_dir))


# Every query function asks for the store; a page makes dozens of calls per rerun. The manifest is looked at
# (a stat and a cache lookup) at most once per STORE_CHECK_SECONDS: a rebuilt store is seen within that delay.
STORE_CHECK_SECONDS = 1.0
_last_check: tuple[float, str, Store] | None = None


def store() -> Store:
    """The current store; raises StoreMissing when nothing has been built yet."""
    global _last_check
    data_dir = settings.data_dir()
    checked = _last_check
    if checked and checked[1] == str(data_dir) and time.monotonic() - checked[0] < STORE_CHECK_SECONDS:
        return checked[2]
    manifest = data_dir / "manifest.json"
    if not manifest.exists():
        raise StoreMissing(str(data_dir))
    current = _store(str(data_dir), manifest.stat().st_mtime)
    _last_check = (time.monotonic(), str(data_dir), current)
    return current


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


def targets(convention_id: str) -> pd.DataFrame:
    return _table(stamp(), "targets", "convention_id = ? ORDER BY indicator_id, level, territory_code, year",
                  (convention_id,))


@st.cache_data(**CACHE)
def _convention_series(stamp_: str, indicator_id: str, level: str, code: str, start: dt.date,
                       as_of: dt.date) -> pd.DataFrame:
    return convention.indicator_series(store(), indicator_id, level, code, start, as_of)


def convention_series(indicator_id: str, level: str, code: str, start: dt.date, as_of: dt.date) -> pd.DataFrame:
    """One convention indicator of one territory from `start` to the as-of date (`day`, `value`, `masked`)."""
    return _convention_series(stamp(), indicator_id, level, code, start, as_of)


def territory_convention(region_code: str | None) -> pd.Series | None:
    """The convention of a région (the first one when several), or None."""
    if not region_code:
        return None
    frame = conventions()
    frame = frame[frame["region_code"] == region_code]
    return frame.iloc[0] if len(frame) else None


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


def actions(convention_id: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """The roadmap as it stood on the as-of date (see convention.roadmap_as_of); the latest one without."""
    current = _table(stamp(), "actions", "convention_id = ? ORDER BY due_date, action_id", (convention_id,))
    if as_of is None:
        return current
    if store().has("action_history"):
        history = _table(stamp(), "action_history", "convention_id = ? ORDER BY action_id, status_date",
                         (convention_id,))
    else:  # a store built before the history existed: every status is undated
        history = current.assign(comment=None, status_date=None)[
            ["convention_id", "action_id", "status_date", "status", "comment"]]
    return convention.roadmap_as_of(current, history, as_of, built_on())


def built_on() -> dt.date:
    """The day the store was built: undated statuses of the roadmap are known as of that day."""
    return dt.date.fromisoformat(stamp()[:10])


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


__all__ = ["StoreMissing", "store", "manifest", "indicator", "scorecard", "vacancy_series", "indicator_series",
           "conventions", "milestones", "actions", "campaigns", "rejects", "counts_by_region"]


# --- vacancy and participation pages ------------------------------------------------------------------



def vacancy_breakdown_series(scope: Scope, start: dt.date, end: dt.date, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """vacancy_series with a French `group` label per breakdown value (Ensemble, CDU, Titulaires...)."""
    frame = vacancy_series(scope, start, end, by)
    frame["group"] = vacancy.group_labels(frame, tuple(by))
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


def child_vacancy_series(scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """vacancy_series of each territory of `scope`, with its French name (for small multiples)."""
    frame = vacancy_series(scope, start, end)
    frame["territory_name"] = indicators.territory_names(store(), scope.level, frame["territory_code"]).to_numpy()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


@st.cache_data(**CACHE)
def _seat_snapshots(stamp_: str, scope: Scope, dates: tuple, by: tuple, filters: tuple) -> pd.DataFrame:
    return vacancy.with_rate(seat_series(store(), list(dates), scope, by, dict(filters)))


def seat_snapshots(scope: Scope, dates: list[dt.date], by: tuple[str, ...] = (),
                   filters: dict | None = None) -> pd.DataFrame:
    """Seats, filled, vacant and rate on exact dates (the as-of date, a campaign's opening...)."""
    frame = _seat_snapshots(stamp(), scope, tuple(sorted(set(dates))), tuple(by),
                            tuple(sorted((filters or {}).items())))
    frame = frame.copy()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


@st.cache_data(**CACHE)
def _designation_waves(stamp_: str, scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    return vacancy.designation_waves(vacancy.new_mandates_by_month(store(), scope, start, end))


def designation_waves(scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Months of massive designation (month, new_mandates)."""
    return _designation_waves(stamp(), scope, start, end)


@st.cache_data(**CACHE)
def _vacancies_ahead(stamp_: str, scope: Scope, as_of: dt.date, months: int) -> pd.DataFrame:
    return vacancy.vacancies_ahead(store(), scope, as_of, months)


def vacancies_ahead(scope: Scope, as_of: dt.date, months: int = 12) -> pd.DataFrame:
    """Seats falling vacant in the `months` months after the as-of date if nobody is renewed."""
    return _vacancies_ahead(stamp(), scope, as_of, months)


@st.cache_data(**CACHE)
def _campaign_choices(stamp_: str, region_code: str | None) -> pd.DataFrame:
    return vacancy.campaigns_in_scope(campaigns(region_code), region_code)


def campaign_choices(region_code: str | None = None) -> pd.DataFrame:
    """One row per nomination campaign (most recent first), of a région or of all of them."""
    return _campaign_choices(stamp(), region_code)


@st.cache_data(**CACHE)
def _campaign_periods(stamp_: str, region_code: str | None) -> list[tuple[dt.date, dt.date]]:
    return vacancy.merged_periods(campaign_choices(region_code))


def campaign_periods(region_code: str | None = None) -> list[tuple[dt.date, dt.date]]:
    """Opening-closing periods of the campaigns, overlapping ones merged."""
    return _campaign_periods(stamp(), region_code)


@st.cache_data(**CACHE)
def _campaign_situations(stamp_: str, as_of: dt.date, region_code: str | None) -> pd.DataFrame:
    return measures.campaign_situations(store(), as_of, region_code)


def campaign_status(chosen: str, as_of: dt.date) -> dict | None:
    """Situation on the as-of date of a campaign chosen by its campaign_id, designations from the decrees."""
    region_code = chosen.split("|", 1)[0]
    return vacancy.campaign_status(_campaign_situations(stamp(), as_of, region_code), chosen, as_of)


def campaign_target(region_code: str, year: int) -> float | None:
    """The convention's target for the achievement of a campaign of that région and year, if any."""
    return vacancy.campaign_target(all_targets(), region_code, year)


@st.cache_data(**CACHE)
def _convention_signatures(stamp_: str, region_code: str | None) -> pd.DataFrame:
    return vacancy.convention_signatures(conventions(), region_code)


def convention_signatures(region_code: str | None = None) -> pd.DataFrame:
    return _convention_signatures(stamp(), region_code)


@st.cache_data(**CACHE)
def _quarterly_participation(stamp_: str, scope: Scope, start: dt.date, end: dt.date, by: tuple) -> pd.DataFrame:
    frame = vacancy.quarterly_participation(store(), scope, start, end, by)
    frame["territory_name"] = indicators.territory_names(store(), scope.level, frame["territory_code"]).to_numpy()
    frame["group"] = vacancy.group_labels(frame, by)
    return frame


def quarterly_participation(scope: Scope, start: dt.date, end: dt.date, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Real participation (present / expected) per quarter and territory (× body type)."""
    return _quarterly_participation(stamp(), scope, start, end, tuple(by))


@st.cache_data(**CACHE)
def _empty_chairs(stamp_: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    return vacancy.empty_chairs(store(), scope, as_of)


def empty_chairs(scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Bodies with no RU present at each of their last 4 meetings up to the as-of date."""
    return _empty_chairs(stamp(), scope, as_of)


__all__ += ["vacancy_breakdown_series", "child_vacancy_series", "seat_snapshots", "designation_waves",
            "vacancies_ahead", "campaign_choices", "campaign_periods", "campaign_status", "convention_signatures",
            "quarterly_participation", "empty_chairs"]


# --- map page: territorial views (observatoire/territorial.py) ---------------------------------------------

def all_targets() -> pd.DataFrame:
    """Every convention target (all conventions), or an empty frame when the store has none."""
    if not store().has("targets"):
        return pd.DataFrame(columns=["convention_id", "indicator_id", "level", "territory_code", "year", "target"])
    return _table(stamp(), "targets", "TRUE ORDER BY convention_id, indicator_id, level, territory_code, year", ())


def _reference_value(indicator_id: str, scope: Scope, as_of: dt.date) -> float | None:
    frame = indicator(indicator_id, scope, as_of)
    if frame.empty or bool(frame["masked"].iloc[0]) or pd.isna(frame["value"].iloc[0]):
        return None
    return float(frame["value"].iloc[0])


@st.cache_data(**CACHE)
def _map_frame(stamp_: str, indicator_id: str, level: str, region: str | None, as_of: dt.date):
    spec = indicators.get(indicator_id)
    values = indicator(indicator_id, Scope(level, region=region if level == "departement" else None), as_of)
    targets = all_targets()
    map_targets = territorial.targets_of_year(targets, indicator_id, level, as_of.year)
    national = _reference_value(indicator_id, Scope("national"), as_of)
    regional = _reference_value(indicator_id, Scope("region", region), as_of) if region else None
    if region:
        own = territorial.targets_of_year(targets, indicator_id, "region", as_of.year)
        target, target_label = territorial.reference_target(own, region, map_targets)
    else:
        own = territorial.targets_of_year(targets, indicator_id, "national", as_of.year)
        target, target_label = territorial.reference_target(own, referential.NATIONAL_CODE, map_targets)
    references = territorial.references(national, regional, referential.names("region").get(region),
                                        target, target_label)
    gap_reference = regional if region and regional is not None else national
    codes = territorial.map_codes(level, region if level == "departement" else None)
    frame = territorial.choropleth_frame(values, level, codes, spec.direction, gap_reference, map_targets, spec.unit)
    return frame, references


def map_frame(indicator_id: str, level: str, region: str | None, as_of: dt.date):
    """(choropleth frame, references the colour scale can be centred on) for one indicator at one level.

    level 'departement' with a région gives that région's départements; 'region' always gives the 18 régions.
    Gaps in the frame are to the regional reference when a région is given, else to the national one.
    """
    return _map_frame(stamp(), indicator_id, level, region, as_of)


@st.cache_data(**CACHE)
def _department_establishments(stamp_: str, department_code: str, as_of: dt.date) -> pd.DataFrame:
    return territorial.department_establishments(store(), department_code, as_of)


def department_establishments(department_code: str, as_of: dt.date) -> pd.DataFrame:
    """Establishments of a département with an open CDU on the date, their coordinates and CDU state."""
    return _department_establishments(stamp(), department_code, as_of)


@st.cache_data(**CACHE)
def _department_drilldown(stamp_: str, department_code: str, as_of: dt.date, months: int) -> pd.DataFrame:
    return territorial.department_drilldown(store(), department_code, as_of, months)


def department_drilldown(department_code: str, as_of: dt.date, months: int = 6) -> pd.DataFrame:
    """Establishments with vacant CDU seats or CDU mandates ending within `months` months."""
    return _department_drilldown(stamp(), department_code, as_of, months)


def territory_comparison(level: str, region: str | None, as_of: dt.date, code_a: str, code_b: str) -> pd.DataFrame:
    """The main indicators of two territories of the same level side by side, with B − A."""
    scope = Scope(level, region=region if level == "departement" else None)
    rows = []
    for indicator_id in territorial.MAIN_INDICATORS:
        spec = indicators.get(indicator_id)
        rows.append({"indicator_id": indicator_id, "label": spec.label, "unit": spec.unit,
                     "direction": spec.direction, "values": indicator(indicator_id, scope, as_of)})
    return territorial.comparison(rows, code_a, code_b)
