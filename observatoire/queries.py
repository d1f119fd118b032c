"""Typed, cached query functions: the only data access pages use (they never run SQL themselves).

Each function is keyed on its parameters plus the store's build stamp, so a rebuilt store is re-read.
Every public function cuts what it returns to the signed-in user's access (`access()`, observatoire/domain/access.py)
outside the cache: cached functions take already-restricted parameters, so no user's result serves another.
"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from observatoire import session
from observatoire.base import dates, formatting, referential, settings, snapshots, vocabulary
from observatoire.base.dates import month_starts
from observatoire.base.db import STORE_TABLES, Scope, Store, StoreMissing, ident, missing_or_damaged
from observatoire.domain import (
    convention,
    establishment,
    indicators,
    measures,
    privacy,
    projects,
    records,
    surveys,
    territorial,
    training,
    vacancy,
)
from observatoire.domain import worklist as worklist_rules
from observatoire.domain.access import Access, visible_rows
from observatoire.domain.measures import seat_series
from observatoire.domain.targets import targets_in_force

CACHE = {"max_entries": 256, "show_spinner": False}


@st.cache_resource(show_spinner=False)
def _store(data_dir: str, stamp: float) -> Store:
    return Store(Path(data_dir))


# Every query function asks for the store; a page makes dozens of calls per rerun. The manifest is looked at
# (a stat and a cache lookup) at most once per STORE_CHECK_SECONDS: a rebuilt store is seen within that delay.
STORE_CHECK_SECONDS = 1.0
_last_check: tuple[float, str, Store] | None = None


def store() -> Store:
    """The current store; raises StoreMissing when nothing has been built (or published) yet."""
    global _last_check
    location = settings.get("data_dir")
    checked = _last_check
    if checked and checked[1] == location and time.monotonic() - checked[0] < STORE_CHECK_SECONDS:
        return checked[2]
    data_dir = store_dir()
    manifest = data_dir / "manifest.json"
    if not manifest.exists():
        raise missing_or_damaged(data_dir)
    current = _store(str(data_dir), manifest.stat().st_mtime)
    _last_check = (time.monotonic(), location, current)
    return current


def store_dir() -> Path:
    """The local folder of the store in service: the configured one, or the copy of the snapshot the pointer names
    when the store lives on object storage (observatoire/base/snapshots.py)."""
    return snapshots.local_store_dir(settings.get("data_dir"))


class AccessDenied(Exception):
    """Nobody is signed in (or the signed-in user has no access) while sign-in is configured."""


def access() -> Access:
    """The access every query below is restricted to (all territories when sign-in is not configured)."""
    current = session.current()
    if current is None:
        raise AccessDenied("no access for this session")
    return current


def _restricted_indicator(access_: Access, indicator_id: str, scope: Scope, as_of: dt.date, period=None,
                          by: tuple[str, ...] = ()) -> pd.DataFrame:
    restricted = access_.restrict(scope)
    frame = _indicator(stamp(), indicator_id, whole_level(restricted), as_of, period, tuple(by))
    return visible_rows(one_territory(frame, restricted), scope.level, access_)


def whole_level(scope: Scope) -> Scope:
    """The scope without its territory: an indicator costs about as much for every territory of a level as for one
    (the same queries aggregate them all), so one computation per level and date serves each of them — a cold
    territory at a date already asked is a lookup."""
    return Scope(scope.level, None, scope.region, scope.department) if scope.code else scope


def one_territory(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The rows of `scope`'s territory in a frame computed for its whole level (see whole_level)."""
    if not scope.code or frame.empty:
        return frame
    return frame[frame["territory_code"] == scope.code].reset_index(drop=True)


def territory_names(level: str) -> dict[str, str]:
    """Code -> French name of every territory of a level (régions, départements; France for national)."""
    return referential.names(level)


def mask_threshold() -> int:
    """Counts of people under this value are masked (the setting, as every query applies it)."""
    return settings.mask_threshold()


def small_base() -> int:
    """A rate on fewer units than this carries its numerator, denominator and a « petit effectif » note."""
    return settings.small_base()


def data_horizon() -> dt.date:
    """The last day the store knows of (convention.data_horizon): no status is given after it."""
    return convention.data_horizon(store())


def stamp() -> str:
    return store().manifest.get("built_at", "")


def manifest() -> dict:
    return store().manifest


@st.cache_data(**CACHE)
def _indicator(stamp_: str, indicator_id: str, scope: Scope, as_of: dt.date, period, by) -> pd.DataFrame:
    return indicators.compute(store(), indicator_id, scope, as_of, period, by)


def indicator(indicator_id: str, scope: Scope, as_of: dt.date, period: tuple[dt.date, dt.date] | None = None,
              by: tuple[str, ...] = ()) -> pd.DataFrame:
    return _restricted_indicator(access(), indicator_id, scope, as_of, period, by)


@st.cache_data(**CACHE)
def _indicators(stamp_: str, ids: tuple[str, ...], scope: Scope, as_of: dt.date) -> pd.DataFrame:
    return indicators.compute_all(store(), scope, as_of, ids=list(ids))


def indicators_at(ids: list[str], scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Several indicators at once (one row per indicator and territory): measures shared between them are computed
    once, and one cache entry serves the lot (a page of headline figures)."""
    access_ = access()
    restricted = access_.restrict(scope)
    frame = _indicators(stamp(), tuple(ids), whole_level(restricted), as_of)
    return visible_rows(one_territory(frame, restricted), scope.level, access_)


@st.cache_data(**CACHE)
def _scorecard(stamp_: str, convention_id: str, as_of: dt.date) -> pd.DataFrame:
    return convention.scorecard(store(), convention_id, as_of)


def scorecard(convention_id: str, as_of: dt.date) -> pd.DataFrame:
    """The convention's targeted rows the user may see (national and own-région rows are aggregates)."""
    if convention_id not in set(conventions()["convention_id"]):
        return pd.DataFrame()
    card = _scorecard(stamp(), convention_id, as_of)
    if card.empty:
        return card
    access_ = access()
    keep = [access_.may_see(level, code) for level, code in zip(card["level"], card["territory_code"])]
    return card[keep].reset_index(drop=True)


@st.cache_data(**CACHE)
def _targets(stamp_: str, convention_id: str | None) -> pd.DataFrame:
    return convention.read_targets(store(), convention_id)


def targets(convention_id: str) -> pd.DataFrame:
    """The convention's targets of the territories the user may see."""
    frame = _targets(stamp(), convention_id)
    if not _convention_visible(convention_id):
        return frame.iloc[0:0]
    access_ = access()
    keep = [access_.may_see(level, "FR" if pd.isna(code) else code)
            for level, code in zip(frame["level"], frame["territory_code"])]
    return frame[keep].reset_index(drop=True)


@st.cache_data(**CACHE)
def _convention_series(stamp_: str, indicator_id: str, level: str, code: str, start: dt.date,
                       as_of: dt.date) -> pd.DataFrame:
    return convention.indicator_series(store(), indicator_id, level, code, start, as_of)


def convention_series(indicator_id: str, level: str, code: str, start: dt.date, as_of: dt.date) -> pd.DataFrame:
    """One convention indicator of one territory from `start` to the as-of date (`day`, `value`, `masked`);
    empty for a territory outside the user's access."""
    frame = _convention_series(stamp(), indicator_id, level, code, start, as_of)
    return frame if access().may_see(level, code) else frame.iloc[0:0]


def territory_convention(region_code: str | None) -> pd.Series | None:
    """The signed convention of a région (the first one when several), or None; a roadmap adopted without a
    signature (Centre-Val de Loire's strategic plan) has no scorecard to summarise."""
    if not region_code:
        return None
    frame = conventions()
    frame = frame[(frame["region_code"] == region_code) & frame["signed_on"].notna()]
    return frame.iloc[0] if len(frame) else None


@st.cache_data(**CACHE)
def _seat_series(stamp_: str, scope: Scope, start: dt.date, end: dt.date, by: tuple, filters: tuple) -> pd.DataFrame:
    return seat_series(store(), month_starts(start, end), scope, by, dict(filters))


def vacancy_series(scope: Scope, start: dt.date, end: dt.date, by: tuple[str, ...] = (),
                   filters: dict | None = None) -> pd.DataFrame:
    """Seats, filled, vacant and vacancy rate on the 1st of each month from start to end."""
    access_ = access()
    frame = _seat_series(stamp(), access_.restrict(scope), start, end, tuple(by),
                         tuple(sorted((filters or {}).items())))
    frame = visible_rows(frame, scope.level, access_).copy()
    frame["rate"] = (frame["vacant"] / frame["seats"].where(frame["seats"] > 0) * 100).round(2)
    return frame


def indicator_series(indicator_id: str, scope: Scope, dates: list[dt.date]) -> pd.DataFrame:
    """One indicator at several dates (sparklines, trends): the same rows as `indicator` at each date, read from
    one cache entry for the whole level (a rerun reads one small frame rather than one per date)."""
    if not dates:
        return pd.DataFrame()
    access_ = access()
    restricted = access_.restrict(scope)
    frame = _indicator_series(stamp(), indicator_id, whole_level(restricted), tuple(dates))
    return visible_rows(one_territory(frame, restricted), scope.level, access_)


@st.cache_data(**CACHE)
def _indicator_series(stamp_: str, indicator_id: str, scope: Scope, dates: tuple[dt.date, ...]) -> pd.DataFrame:
    frames = [_indicator(stamp_, indicator_id, scope, d, None, ()).assign(as_of=d) for d in dates]
    return pd.concat(frames, ignore_index=True)


@st.cache_data(**CACHE)
def _table(stamp_: str, name: str, where: str, params: tuple) -> pd.DataFrame:
    """`where` is one of the fixed clauses below; values are bound."""
    return store().df("SELECT * FROM " + ident(name, STORE_TABLES) + " WHERE " + where, list(params))


def conventions() -> pd.DataFrame:
    """Conventions the user may see: national ones and those of the user's région."""
    frame = _table(stamp(), "conventions", "TRUE", ())
    region = access().region
    if access().level == "national" or "region_code" not in frame:
        return frame
    return frame[frame["region_code"].isna() | (frame["region_code"] == region)].reset_index(drop=True)


def convention_choices() -> list[str]:
    """The conventions the user may see, those with indicators and targets first (convention.convention_order)."""
    return convention.convention_order(conventions(), set(all_targets()["convention_id"]))


def _convention_visible(convention_id: str) -> bool:
    return convention_id in set(conventions()["convention_id"])


@st.cache_data(**CACHE)
def _milestones(stamp_: str, convention_id: str) -> pd.DataFrame:
    return convention.read_milestones(store(), convention_id)


def milestones(convention_id: str) -> pd.DataFrame:
    frame = _milestones(stamp(), convention_id)
    return frame if _convention_visible(convention_id) else frame.iloc[0:0]


@st.cache_data(**CACHE)
def _roadmap(stamp_: str, convention_id: str, as_of: dt.date | None) -> pd.DataFrame:
    return convention.roadmap(store(), convention_id, as_of)


def actions(convention_id: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """The roadmap as it stood on the as-of date (see convention.roadmap_as_of); the latest one without."""
    frame = _roadmap(stamp(), convention_id, as_of)
    return frame if _convention_visible(convention_id) else frame.iloc[0:0]


def campaigns(region_code: str | None = None) -> pd.DataFrame:
    """Nomination campaigns of a région (of every région for a national user; own région otherwise)."""
    own = access().region if access().level != "national" else None
    if own and region_code not in (None, own):
        return _table(stamp(), "campaigns", "FALSE", ())
    region_code = region_code or own
    if region_code:
        return _table(stamp(), "campaigns", "region_code = ? ORDER BY opens_on, status_date", (region_code,))
    return _table(stamp(), "campaigns", "TRUE ORDER BY region_code, opens_on, status_date", ())


def rejects() -> pd.DataFrame:
    """Rejected rows of every source file (raw values): administrators only when sign-in is configured."""
    where = "TRUE" if access().can_read_sources else "FALSE"
    return _table(stamp(), "rejects", where + " ORDER BY source, file, line", ())


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
        m AS (SELECT region_code, count(*) AS mandates,
                     count(DISTINCT person_key) FILTER (WHERE body_type NOT IN (SELECT unnest($elected))) AS people,
                     count(DISTINCT person_key) FILTER (WHERE body_type IN (SELECT unnest($elected))) AS cvs_members
              FROM mandates WHERE start_date <= $d AND end_date >= $d GROUP BY 1),
        t AS (SELECT region_code, count(DISTINCT person_key) AS trained FROM trainings
              WHERE status = 'present' AND session_date <= $d GROUP BY 1),
        s AS (SELECT coalesce(territory_code, '') AS region_code, count(DISTINCT survey || year) AS surveys
              FROM surveys WHERE level = 'region' GROUP BY 1)
        SELECT r.region_code, r.region, coalesce(e.establishments, 0) AS establishments,
               coalesce(b.bodies, 0) AS bodies, coalesce(b.seats, 0) AS seats, coalesce(m.mandates, 0) AS mandates,
               coalesce(m.people, 0) AS people, coalesce(m.cvs_members, 0) AS cvs_members,
               coalesce(t.trained, 0) AS trained, coalesce(s.surveys, 0) AS surveys
        FROM r LEFT JOIN e USING (region_code) LEFT JOIN b USING (region_code) LEFT JOIN m USING (region_code)
        LEFT JOIN t USING (region_code) LEFT JOIN s USING (region_code) ORDER BY r.region_code""",
                      {"d": as_of, "elected": list(vocabulary.ELECTED_BODY_TYPES)})


def counts_by_region(as_of: dt.date) -> pd.DataFrame:
    """Establishments, bodies, seats, active mandates, RU designated by decree and elected CVS members in mandate,
    trained people and surveys per région (the user's own région only, unless national)."""
    return visible_rows(_counts_by_region(stamp(), as_of), "region", access(), "region_code")


def masked_counts_by_region(as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """counts_by_region with counts of people under the threshold masked, with the mandates that would give them
    away and a complementary cell: (frame, mask labels) as privacy.mask_people_table returns them."""
    return privacy.mask_people_table(counts_by_region(as_of),
                                     {"people": ("mandates",), "cvs_members": ("mandates",), "trained": ()},
                                     settings.mask_threshold())


def built_on() -> dt.date:
    """The day the store was built: undated statuses of the roadmap are known as of that day."""
    return convention.built_on(store())


def dictionary() -> pd.DataFrame:
    """Every stored column with its type and French description (written by the build)."""
    path = store().data_dir / "dictionary.json"
    if not path.exists():
        return pd.DataFrame(columns=["table", "column", "type", "description", "source"])
    return pd.read_json(path, dtype=False)


__all__ = ["Scope", "StoreMissing", "territory_names", "mask_threshold", "store", "manifest", "indicator", "scorecard", "vacancy_series", "indicator_series",
           "conventions", "milestones", "actions", "targets", "convention_series", "campaigns", "rejects",
           "counts_by_region"]


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
    access_ = access()
    frame = _seat_snapshots(stamp(), access_.restrict(scope), tuple(sorted(set(dates))), tuple(by),
                            tuple(sorted((filters or {}).items())))
    frame = visible_rows(frame, scope.level, access_).copy()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


@st.cache_data(**CACHE)
def _designation_waves(stamp_: str, scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    return vacancy.designation_waves(vacancy.new_mandates_by_month(store(), scope, start, end))


def designation_waves(scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Months of massive designation (month, new_mandates)."""
    return _designation_waves(stamp(), access().restrict(scope), start, end)


@st.cache_data(**CACHE)
def _vacancies_ahead(stamp_: str, scope: Scope, as_of: dt.date, months: int) -> pd.DataFrame:
    return vacancy.vacancies_ahead(store(), scope, as_of, months)


def vacancies_ahead(scope: Scope, as_of: dt.date, months: int = 12) -> pd.DataFrame:
    """Seats falling vacant in the `months` months after the as-of date if nobody is renewed."""
    return _vacancies_ahead(stamp(), access().restrict_listing(scope), as_of, months)


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
    if access().level != "national" and region_code != access().region:
        return None
    return vacancy.campaign_status(_campaign_situations(stamp(), as_of, region_code), chosen, as_of)


def campaign_overview(as_of: dt.date) -> pd.DataFrame:
    """Each région's current campaign on the date, with its year, phase, achievement, target and final result
    (the national view: campaigns of different régions and years are listed, never added up)."""
    current = indicator("taux_realisation_campagne", Scope("region"), as_of)
    frame = vacancy.campaign_overview(current, all_targets())
    frame.insert(1, "region", frame["region_code"].map(referential.names("region")))
    return frame


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
    access_ = access()
    frame = _quarterly_participation(stamp(), access_.restrict(scope), start, end, tuple(by))
    return visible_rows(frame, scope.level, access_)


@st.cache_data(**CACHE)
def _empty_chairs(stamp_: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    return vacancy.empty_chairs(store(), scope, as_of)


def empty_chairs(scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Bodies with no RU present at each of their last 4 meetings up to the as-of date."""
    return _empty_chairs(stamp(), access().restrict_listing(scope), as_of)


__all__ += ["detail_departments", "vacancy_breakdown_series", "child_vacancy_series", "seat_snapshots", "designation_waves",
            "vacancies_ahead", "campaign_choices", "campaign_periods", "campaign_status", "convention_signatures",
            "quarterly_participation", "empty_chairs"]


# --- map page: territorial views (observatoire/domain/territorial.py) ---------------------------------------------

def all_targets(access_: Access | None = None) -> pd.DataFrame:
    """Every convention target the user may see (all conventions), or an empty frame when the store has none."""
    frame = _targets(stamp(), None)
    access_ = access_ or access()
    keep = [access_.may_see(level, "FR" if pd.isna(code) else code)
            for level, code in zip(frame["level"], frame["territory_code"])]
    return frame[keep].reset_index(drop=True)


def _reference_value(access_: Access, indicator_id: str, scope: Scope, as_of: dt.date) -> float | None:
    frame = _restricted_indicator(access_, indicator_id, scope, as_of)
    if frame.empty or bool(frame["masked"].iloc[0]) or pd.isna(frame["value"].iloc[0]):
        return None
    return float(frame["value"].iloc[0])


@st.cache_data(**CACHE)
def _map_frame(stamp_: str, access_: Access, indicator_id: str, level: str, region: str | None, as_of: dt.date):
    spec = indicators.get(indicator_id)
    values = _restricted_indicator(access_, indicator_id, Scope(level, region=region if level == "departement"
                                                                else None), as_of)
    targets = all_targets(access_)
    in_force = targets_in_force(targets, indicator_id, level, as_of)
    map_targets = {code: target for code, (target, _) in in_force.items()}
    national = _reference_value(access_, indicator_id, Scope("national"), as_of)
    regional = _reference_value(access_, indicator_id, Scope("region", region), as_of) if region else None
    codes = territorial.map_codes(level, region if level == "departement" else None)
    shown = list(values.loc[~values["masked"].astype(bool) & values["value"].notna(), "territory_code"]) \
        if len(values) else []
    if region:
        own = {c: t for c, (t, _) in targets_in_force(targets, indicator_id, "region", as_of).items()}
        target, target_label = territorial.reference_target(own, region, map_targets, shown)
    else:
        own = {c: t for c, (t, _) in targets_in_force(targets, indicator_id, "national", as_of).items()}
        target, target_label = territorial.reference_target(own, referential.NATIONAL_CODE, map_targets, shown)
    references = territorial.references(national, regional, referential.names("region").get(region),
                                        target, target_label)
    gap_reference = regional if region and regional is not None else national
    frame = territorial.choropleth_frame(values, level, codes, spec.direction, gap_reference, in_force, spec.unit)
    return frame, references


def map_frame(indicator_id: str, level: str, region: str | None, as_of: dt.date):
    """(choropleth frame, references the colour scale can be centred on) for one indicator at one level.

    level 'departement' with a région gives that région's départements; 'region' always gives the 18 régions.
    Gaps in the frame are to the regional reference when a région is given, else to the national one.
    """
    return _map_frame(stamp(), access(), indicator_id, level, region, as_of)


def department_map_frame(indicator_id: str, region: str | None, as_of: dt.date):
    """The map of an indicator by département (of `region`, or of France), or one level up when statistical
    secrecy masks every département: (frame, references, level, region drawn, note saying why).

    A count of people under 11 is masked in every small département long before it is in its région: the région
    (or, for France, every région) is then drawn instead, and the note says so."""
    frame, references = map_frame(indicator_id, "departement", region, as_of)
    if frame["has_value"].any() or not frame["masked"].any():
        return frame, references, "departement", region, ""
    regions, region_references = map_frame(indicator_id, "region", None, as_of)
    if region:
        regions = regions[regions["territory_code"] == region].reset_index(drop=True)
    if not regions["has_value"].any():
        return frame, references, "departement", region, ""
    note = (f"Valeurs de tous les départements masquées ({formatting.fewer_than()} chacun) : "
            + ("valeur de la région entière." if region else "carte par région."))
    return regions, region_references, "region", region, note


@st.cache_data(**CACHE)
def _department_establishments(stamp_: str, department_code: str, as_of: dt.date) -> pd.DataFrame:
    return territorial.department_establishments(store(), department_code, as_of)


def detail_departments(region: str | None) -> list[str]:
    """The départements whose establishments the user may list (a délégation: its own only)."""
    access_ = access()
    return [code for code in territorial.map_codes("departement", region) if access_.may_see("departement", code)]


def department_establishments(department_code: str, as_of: dt.date) -> pd.DataFrame:
    """Establishments of a département with an open CDU on the date, their coordinates and CDU state
    (none when the département is outside the user's territory)."""
    frame = _department_establishments(stamp(), department_code, as_of)
    return frame if access().may_see("departement", department_code) else frame.iloc[0:0]


@st.cache_data(**CACHE)
def _department_drilldown(stamp_: str, department_code: str, as_of: dt.date, months: int) -> pd.DataFrame:
    return territorial.department_drilldown(store(), department_code, as_of, months)


def department_drilldown(department_code: str, as_of: dt.date, months: int = 6) -> pd.DataFrame:
    """Establishments with vacant CDU seats or CDU mandates ending within `months` months."""
    frame = _department_drilldown(stamp(), department_code, as_of, months)
    return frame if access().may_see("departement", department_code) else frame.iloc[0:0]


def territory_comparison(level: str, region: str | None, as_of: dt.date, code_a: str, code_b: str) -> pd.DataFrame:
    """The main indicators of two territories of the same level side by side, with B − A."""
    scope = Scope(level, region=region if level == "departement" else None)
    rows = []
    for indicator_id in territorial.MAIN_INDICATORS:
        spec = indicators.get(indicator_id)
        rows.append({"indicator_id": indicator_id, "label": spec.label, "unit": spec.unit,
                     "direction": spec.direction, "values": indicator(indicator_id, scope, as_of)})
    return territorial.comparison(rows, code_a, code_b)


# --- training, surveys and partnership projects pages (observatoire/domain/training.py, surveys.py, projects.py) ---

@st.cache_data(**CACHE)
def _designated_people(stamp_: str, scope: Scope, body_type: str | None) -> pd.DataFrame:
    return training.designated_people(store(), scope, body_type)


@st.cache_data(**CACHE)
def _training_cohorts(stamp_: str, scope: Scope, as_of: dt.date, body_type: str | None, quarters: int,
                      threshold: int) -> pd.DataFrame:
    return training.quarterly_cohorts(_designated_people(stamp_, scope, body_type), as_of, quarters, threshold)


def training_cohorts(scope: Scope, as_of: dt.date, body_type: str | None = None, quarters: int = 12) -> pd.DataFrame:
    """People first designated in each of the last quarters, by training state on the as-of date (masked)."""
    return _training_cohorts(stamp(), access().restrict(scope), as_of, body_type, quarters, settings.mask_threshold())


@st.cache_data(**CACHE)
def _training_by_territory(stamp_: str, scope: Scope, level: str, as_of: dt.date, body_type: str | None,
                           threshold: int) -> pd.DataFrame:
    judged = dates.last_quarter_end(as_of)  # the catalogue's taux_formation_6m: judged at the last quarter end
    # Masked with the other territories of its région (or of France), as the map and the cards show them, then cut.
    region = scope.region or referential.region_of(scope.level, scope.code) or \
        referential.region_of("departement", scope.department)
    group, memo = Scope(level, None, region), {}
    filters = {"body_type": body_type} if body_type else None
    shares = pd.concat([indicators.compute(store(), i, group, as_of, memo=memo, filters=filters)
                        for i in training.COMPLIANCE], ignore_index=True)
    pending = training.pending_counts(_designated_people(stamp_, group, body_type), judged, level,
                                      dates.default_period(judged))
    frame = training.territory_states(shares, pending, referential.names(level), threshold,
                                      indicators.parents(store(), level))
    inside = {scope.code} if scope.level == level and scope.code else {scope.department} if scope.department \
        and level == "departement" else None
    return frame if inside is None else frame[frame["territory_code"].isin(inside)].reset_index(drop=True)


def training_by_territory(scope: Scope, level: str, as_of: dt.date, body_type: str | None = None) -> pd.DataFrame:
    """The compliance cohort of taux_formation_6m (judged at the last completed quarter) per territory of `level`,
    with the people still within their delay beside it."""
    access_ = access()
    frame = _training_by_territory(stamp(), access_.restrict(scope), level, as_of, body_type,
                                   settings.mask_threshold())
    return visible_rows(frame, level, access_)


@st.cache_data(**CACHE)
def _to_train(stamp_: str, scope: Scope, as_of: dt.date, body_type: str | None, threshold: int) -> pd.DataFrame:
    mandates = training.active_mandates(store(), scope, as_of)
    if body_type:
        mandates = mandates[mandates["body_type"] == body_type]
    return training.to_train(_designated_people(stamp(), scope, None), mandates, as_of, threshold)


def to_train(scope: Scope, as_of: dt.date, body_type: str | None = None) -> pd.DataFrame:
    """« À former »: per body, RU in mandate not trained yet and days left before the nearest deadline."""
    return _to_train(stamp(), access().restrict_listing(scope), as_of, body_type, settings.mask_threshold())


@st.cache_data(**CACHE)
def _training_sessions(stamp_: str, scope: Scope) -> pd.DataFrame:
    return training.sessions(store(), scope)


@st.cache_data(**CACHE)
def _training_calendar(stamp_: str, scope: Scope, as_of: dt.date, threshold: int) -> pd.DataFrame:
    return training.calendar(_training_sessions(stamp_, scope), as_of, threshold)


def training_calendar(scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Past and planned sessions of every module, people counts masked."""
    return _training_calendar(stamp(), access().restrict_listing(scope), as_of, settings.mask_threshold())


@st.cache_data(**CACHE)
def _training_attendance(stamp_: str, scope: Scope, as_of: dt.date, threshold: int) -> pd.DataFrame:
    return training.attendance_by_year(_training_sessions(stamp_, scope), as_of, threshold)


def training_attendance(scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Attendees per module and year up to the as-of date (masked under the threshold)."""
    return _training_attendance(stamp(), access().restrict_listing(scope), as_of, settings.mask_threshold())


def survey_results() -> pd.DataFrame:
    """Every survey row (long format)."""
    return _table(stamp(), "surveys", "TRUE ORDER BY survey, year, level, territory_code, question, option", ())


@st.cache_data(**CACHE)
def _survey_sections(stamp_: str) -> list[dict]:
    return surveys.sections(survey_results())


def survey_sections() -> list[dict]:
    """The Enquêtes page's sections (surveys.sections), computed once per store: published results, the same for
    every user."""
    return _survey_sections(stamp())


@st.cache_data(**CACHE)
def _projects(stamp_: str, scope: Scope) -> pd.DataFrame:
    return projects.read_projects(store(), scope)


def project_register(scope: Scope, as_of: dt.date, search: str = "", active_only: bool = False) -> pd.DataFrame:
    """The register's projects in the territory, searchable, with French labels."""
    return projects.register_list(_projects(stamp(), access().restrict_listing(scope)), as_of, search, active_only)


def projects_by_form(scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Active projects per form of engagement (catalogue: projets_actifs by form)."""
    return projects.by_form(indicator("projets_actifs", scope, as_of, by=("form",)))


__all__ += ["training_cohorts", "training_by_territory", "to_train", "training_calendar", "training_attendance",
            "survey_results", "project_register", "projects_by_form"]


@st.cache_data(**CACHE)
def _projects_map(stamp_: str, access_: Access, region: str | None, as_of: dt.date) -> pd.DataFrame:
    spec = indicators.get("projets_actifs")
    values = _restricted_indicator(access_, "projets_actifs", Scope("departement", region=region), as_of)
    codes = territorial.map_codes("departement", region)
    covered = projects.covered_regions(store())
    return territorial.choropleth_frame(projects.with_zero_counts(values, codes, covered), "departement", codes,
                                        spec.direction, None, unit=spec.unit)


def projects_map(region: str | None, as_of: dt.date) -> pd.DataFrame:
    """Active projects per département (0 in the régions the register covers, no data elsewhere)."""
    return _projects_map(stamp(), access(), region, as_of)


__all__ += ["projects_map"]


# --- the record of a séance (observatoire/domain/records.py): kept outside the store, append-only -------------

def seance_record(convention_id: str, meeting_date: dt.date) -> dict | None:
    """The last version of the record of the meeting held on that date, if the séance was closed."""
    if not _convention_visible(convention_id):
        return None
    return records.latest(settings.records_dir(), convention_id, meeting_date)


def seance_replay(convention_id: str, meeting_date: dt.date) -> tuple[dict | None, pd.DataFrame]:
    """(record, frame): the values recorded that day beside today's values for the same date, for the rows the
    user may see."""
    record = seance_record(convention_id, meeting_date)
    if record is None:
        return None, pd.DataFrame()
    frame = records.replay(record, scorecard(convention_id, meeting_date))
    access_ = access()
    keep = [access_.may_see(level, code) for level, code in zip(frame["level"], frame["territory_code"])]
    return record, frame[keep].reset_index(drop=True)


def close_seance(convention_id: str, meeting_date: dt.date, organisations: list[str],
                 indicator_notes: dict[str, dict], action_notes: dict[str, dict]) -> dict:
    """Record the séance: the scorecard as shown on that date, the notes, the organisations, who closed it.
    Raises records.RecordRefused (French message) for personal data or a role that may not record."""
    access_ = access()
    if not access_.can_export:
        raise records.RecordRefused("Votre rôle (lecture) ne permet pas de clore une séance.")
    if not _convention_visible(convention_id):
        raise records.RecordRefused("Cette convention est hors de vos droits.")
    record = records.build_record(convention_id, meeting_date, scorecard(convention_id, meeting_date),
                                  organisations, indicator_notes, action_notes,
                                  closed_by=access_.email or "local")
    return records.append(settings.records_dir(), record)


def seance_row_key(row) -> str:
    return records.row_key(row)


RecordRefused = records.RecordRefused


# --- the chargé de mission's desk: one establishment, « À traiter », two dates side by side ------------------------
# (observatoire/domain/establishment.py, worklist.py, convention.compare_scorecards)

ESTABLISHMENT_OK, ESTABLISHMENT_UNKNOWN, ESTABLISHMENT_DENIED = "ok", "inconnu", "hors_droits"


def establishment_search(text: str, near: Scope | None = None) -> pd.DataFrame:
    """Establishments of the user's territory whose FINESS number starts with `text` or whose name contains its
    words (case and accents ignored), those of the territory `near` (the sidebar's) first."""
    return _establishment_search(stamp(), text.strip(), access().restrict_listing(Scope("etablissement")), near)


@st.cache_data(**CACHE)
def _establishment_search(stamp_: str, text: str, scope: Scope, near: Scope | None) -> pd.DataFrame:
    return establishment.search(store(), text, scope, near=near)


@st.cache_data(**CACHE)
def _establishment(stamp_: str, finess: str) -> dict:
    """Everything the store holds on one establishment (read once per store and FINESS number)."""
    return {"identity": establishment.identity(store(), finess), "bodies": establishment.read_bodies(store(), finess),
            "mandates": establishment.read_mandates(store(), finess),
            "meetings": establishment.read_meetings(store(), finess),
            "projects": establishment.read_projects(store(), finess)}


def establishment_access(finess: str) -> str:
    """ok, inconnu (no such FINESS number in the store) or hors_droits (outside the user's territory)."""
    found = _establishment(stamp(), finess)["identity"] if finess else None
    if found is None:
        return ESTABLISHMENT_UNKNOWN
    return ESTABLISHMENT_OK if access().may_see("departement", found.get("department_code")) else \
        ESTABLISHMENT_DENIED


def _visible(finess: str) -> dict | None:
    return _establishment(stamp(), finess) if establishment_access(finess) == ESTABLISHMENT_OK else None


def establishment_identity(finess: str) -> dict | None:
    """The FINESS identity of an establishment of the user's territory (None otherwise)."""
    found = _visible(finess)
    return None if found is None else found["identity"]


def seat_rows_allowed() -> bool:
    """Whether the user reads the seats one by one (chargé de mission, administrateur) or counts only (lecture)."""
    return establishment.may_see_seats(access())


def _roles(found: dict, as_of: dt.date) -> pd.DataFrame:
    return establishment.body_roles(found["bodies"], as_of)


def establishment_bodies(finess: str, as_of: dt.date) -> pd.DataFrame:
    """Per open body and role on the date: seats, filled, vacant, since when the longest-vacant seat is vacant."""
    found = _visible(finess)
    if found is None or found["bodies"].empty:
        return pd.DataFrame(columns=["body_id", "body_type", "label", "role", "seats", "filled", "vacant",
                                     "vacant_since"])
    return establishment.seats_by_role(_roles(found, as_of), found["mandates"], as_of)


def _seat_rows(found: dict, as_of: dt.date) -> pd.DataFrame:
    return establishment.seat_rows(_roles(found, as_of), found["mandates"], training.first_designations(store()),
                                   as_of)


def establishment_seats(finess: str, as_of: dt.date) -> pd.DataFrame:
    """The seats one by one (association, dates, training; never a name): for chargés de mission and
    administrateurs only, empty for a reader."""
    found = _visible(finess)
    if found is None or found["bodies"].empty or not seat_rows_allowed():
        return establishment.seat_rows(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), as_of)
    return _seat_rows(found, as_of)


def establishment_seat_counts(finess: str, as_of: dt.date) -> pd.DataFrame:
    """Per body and role: seats, filled, vacant and RU not trained yet (masked under the threshold): every role."""
    found = _visible(finess)
    if found is None or found["bodies"].empty:
        return establishment.seat_counts(pd.DataFrame(), settings.mask_threshold())
    return establishment.seat_counts(_seat_rows(found, as_of), settings.mask_threshold())


def establishment_vacancy(finess: str, as_of: dt.date) -> pd.DataFrame:
    """Vacant seats of the establishment on the 1st of each month since 2016, by body type."""
    if _visible(finess) is None:
        return pd.DataFrame(columns=["territory_code", "body_type", "as_of", "seats", "filled", "vacant", "rate"])
    frame = vacancy_series(Scope("etablissement", finess), vacancy.SERIES_START, as_of, ("body_type",))
    return frame.assign(as_of=pd.to_datetime(frame["as_of"]).dt.date)


def establishment_ending(finess: str, as_of: dt.date, months: int = establishment.ENDING_MONTHS) -> pd.DataFrame:
    """Mandates ending within `months` (what the decrees said on the date), one per row: chargés de mission and
    administrateurs only."""
    found = _visible(finess)
    if found is None or found["bodies"].empty or not seat_rows_allowed():
        return pd.DataFrame(columns=establishment.ENDING_COLUMNS)
    return establishment.ending_mandates(found["mandates"], _roles(found, as_of), as_of, months)


def establishment_ending_counts(finess: str, as_of: dt.date,
                                months: int = establishment.ENDING_MONTHS) -> pd.DataFrame:
    """Per body and role, how many mandates end within `months` and the first planned end: every role."""
    found = _visible(finess)
    if found is None or found["bodies"].empty:
        return establishment.ending_counts(pd.DataFrame())
    return establishment.ending_counts(establishment.ending_mandates(found["mandates"], _roles(found, as_of), as_of,
                                                                     months))


def establishment_meetings(finess: str, as_of: dt.date) -> pd.DataFrame:
    """Meetings, RU expected and present, real participation, per body and year up to the date."""
    found = _visible(finess)
    if found is None:
        return establishment.meetings_by_year(pd.DataFrame(columns=["meeting_date"]), pd.DataFrame(), as_of)
    return establishment.meetings_by_year(found["meetings"], found["bodies"], as_of)


def establishment_projects(finess: str, as_of: dt.date) -> pd.DataFrame:
    """The establishment's partnership projects (the register's list, with French labels)."""
    found = _visible(finess)
    frame = found["projects"] if found is not None else establishment.read_projects(store(), "").iloc[0:0]
    return projects.register_list(frame, as_of)


def establishment_campaigns(finess: str, as_of: dt.date) -> pd.DataFrame:
    """The nomination campaigns of the establishment's région for its body types, with the designations decreed
    into its bodies."""
    found = _visible(finess)
    if found is None or found["bodies"].empty or not found["identity"].get("region_code"):
        return establishment.campaigns(pd.DataFrame(), pd.DataFrame(), set(), as_of)
    situations = _campaign_situations(stamp(), as_of, found["identity"]["region_code"])
    return establishment.campaigns(situations, found["mandates"], set(found["bodies"]["body_type"]), as_of)


@st.cache_data(**CACHE)
def _worklist(stamp_: str, scope: Scope, as_of: dt.date, threshold: int) -> pd.DataFrame:
    return worklist_rules.worklist(store(), scope, as_of, threshold)


def worklist(scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """« À traiter »: the lines of the territory to act on at the date, most urgent first (domain/worklist.py),
    always cut to the user's own territory."""
    return _worklist(stamp(), access().restrict_listing(scope), as_of, settings.mask_threshold())


def public_url() -> str:
    """The app's public address (links in exports and e-mails); empty: links relative to the page."""
    return settings.public_url()


def convention_comparison(convention_id: str, first: dt.date, second: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators, actions): the convention's indicators at two dates (value, change, status at both) and the
    roadmap actions whose status changed between them, cut to what the user may see."""
    return (convention.compare_scorecards(scorecard(convention_id, first), scorecard(convention_id, second)),
            convention.changed_actions(actions(convention_id, first), actions(convention_id, second)))


__all__ += ["establishment_search", "establishment_access", "establishment_identity", "seat_rows_allowed",
            "establishment_bodies", "establishment_seats", "establishment_seat_counts", "establishment_vacancy",
            "establishment_ending", "establishment_ending_counts", "establishment_meetings", "establishment_projects",
            "establishment_campaigns", "worklist", "public_url", "convention_comparison", "ESTABLISHMENT_OK",
            "ESTABLISHMENT_UNKNOWN", "ESTABLISHMENT_DENIED"]


# --- candidacies from « Démarches simplifiées » (issue 25) --------------------------------------------------------

@st.cache_data(**CACHE)
def _campaign_candidacies(stamp_: str, as_of: dt.date, region: str, body_type: str, opens_on: dt.date, label: str,
                          level: str) -> pd.DataFrame:
    frame = measures.campaign_candidacies(store(), as_of, region, body_type, opens_on, label, level)
    frame.insert(1, "territory_name", indicators.territory_names(store(), level, frame["territory_code"]).to_numpy())
    return frame


def campaign_candidacies(chosen: str, as_of: dt.date, level: str) -> pd.DataFrame:
    """The dossiers of a campaign (chosen by its campaign_id) on the date per région, département or
    establishment: received, in progress, accepted, refused, closed without follow-up; empty when the campaign has
    no dossier. Département and establishment rows are cut to the user's territory."""
    region_code, body_type, opens_on, label = chosen.split("|", 3)
    access_ = access()
    if access_.level != "national" and region_code != access_.region:
        return pd.DataFrame(columns=["territory_code", "territory_name", "department_code"])
    frame = _campaign_candidacies(stamp(), as_of, region_code, body_type, dt.date.fromisoformat(opens_on), label,
                                  level)
    if access_.department and level in ("departement", "etablissement"):
        frame = frame[frame["department_code"] == access_.department]
    return frame.reset_index(drop=True)


__all__ += ["campaign_candidacies"]


def forget_store() -> None:
    """Look at the store again on the next call (after a publication or a rollback in this process): the app
    switches to the new store without a restart."""
    global _last_check
    _last_check = None
