"""Vacancy and participation over time: designation waves, seats about to fall vacant, campaigns, empty chairs."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from observatoire.base.dates import add_months, as_date, month_starts
from observatoire.base.db import Scope, Store
from observatoire.domain import indicators
from observatoire.domain.measures import FUNNEL_COLUMNS, ROLES_SQL, filters_sql, seat_series
from observatoire.domain.targets import final_status, target_of_year

SERIES_START = dt.date(2016, 1, 1)
PROJECTION_MONTHS = (3, 6, 12)
ROLE_LABELS = {"titulaire": "Titulaires", "suppleant": "Suppléants"}
# The CLI speaks the raw templates' words (type_instance), the store English (body_type).
CLI_BY = {"type_instance": "body_type", "role": "role"}
EMPTY_CHAIR_MEETINGS = 4
SERIES_COLUMNS = ["indicator_id", "level", "territory_code", "territory_name", "date", "value", "numerator",
                  "denominator"]


# --- monthly series ------------------------------------------------------------------------------------

def last_month_start(day: dt.date) -> dt.date:
    """The 1st of the month of `day`: the last monthly measurement on or before it."""
    return dt.date(day.year, day.month, 1)


def with_rate(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds the vacancy rate in % (empty when there is no seat)."""
    frame = frame.copy()
    frame["rate"] = (frame["vacant"] / frame["seats"].where(frame["seats"] > 0) * 100).round(2)
    return frame


def group_labels(frame: pd.DataFrame, by: tuple[str, ...]) -> pd.Series:
    """French legend label of each row's breakdown group ('Ensemble' without breakdown)."""
    if not by:
        return pd.Series("Ensemble", index=frame.index)
    if by == ("role",):
        return frame["role"].map(ROLE_LABELS).fillna(frame["role"])
    return frame[by[0]].astype(str)


def indicator_series(store: Store, indicator_id: str, scope: Scope, start: dt.date, end: dt.date,
                     by: tuple[str, ...] = ()) -> pd.DataFrame:
    """A seat indicator of the catalogue (taux_vacance, sieges_vacants...) on the 1st of each month.

    The same seat_series the page draws, with the catalogue entry's filters and num/den fields."""
    indicator = indicators.get(indicator_id)
    if indicator.measure != "seats":
        raise ValueError(f"{indicator_id!r} is not a seat indicator (measure {indicator.measure!r})")
    frame = seat_series(store, month_starts(start, end), scope, by, dict(indicator.filters))
    return series_rows(frame, indicator, scope.level, indicators.territory_names(store, scope.level,
                                                                                  frame["territory_code"]), by)


def series_rows(frame: pd.DataFrame, indicator, level: str, names: pd.Series, by: tuple[str, ...]) -> pd.DataFrame:
    """seat_series output -> indicator rows: value = num / den × factor (or num × factor for counts)."""
    num = frame[indicator.num].astype("Int64")
    # Counts (sieges_vacants) still carry the seats as denominator: the context a reader needs.
    den = frame[indicator.den or "seats"].astype("Int64")
    if indicator.den:
        value = num.astype(float) / den.astype(float).where(den > 0) * indicator.factor
    else:
        value = num.astype(float) * indicator.factor
    out = pd.DataFrame({"indicator_id": indicator.id, "level": level, "territory_code": frame["territory_code"],
                        "territory_name": names.to_numpy()})
    for b in by:
        out[b] = frame[b]
    out["date"] = pd.to_datetime(frame["as_of"]).dt.date
    out["value"], out["numerator"], out["denominator"] = value.round(4), num, den
    return out[[*SERIES_COLUMNS[:4], *by, *SERIES_COLUMNS[4:]]].reset_index(drop=True)


# --- designation waves ---------------------------------------------------------------------------------

def new_mandates_by_month(store: Store, scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Mandates starting in each month of [start, end] (months without any get 0)."""
    where, params = scope.where("m")
    counts = store.df(f"""
        SELECT CAST(date_trunc('month', m.start_date) AS DATE) AS month, count(*) AS new_mandates
        FROM (SELECT mm.*, b.finess FROM mandates mm JOIN bodies b USING (body_id)) m
        WHERE m.start_date BETWEEN ? AND ? AND {where}
        GROUP BY ALL""", [start, end, *params])
    months = pd.DataFrame({"month": pd.date_range(last_month_start(start), end, freq="MS").date})
    counts["month"] = pd.to_datetime(counts["month"]).dt.date
    out = months.merge(counts, on="month", how="left")
    out["new_mandates"] = out["new_mandates"].fillna(0).astype(int)
    return out


def designation_waves(monthly: pd.DataFrame) -> pd.DataFrame:
    """Months of massive designation: new mandates in the top decile of the months shown AND above twice
    the median month. Both conditions, so that a flat series has no wave and a series of big renewals
    keeps only its peaks."""
    counts = monthly["new_mandates"]
    if counts.empty or counts.max() == 0:
        return monthly.iloc[0:0].assign(is_wave=pd.Series(dtype=bool))
    threshold = counts.quantile(0.9)
    is_wave = (counts >= threshold) & (counts > 2 * counts.median()) & (counts > 0)
    return monthly.assign(is_wave=is_wave)[is_wave].reset_index(drop=True)


# --- campaigns and conventions as chart events --------------------------------------------------------

def campaigns_in_scope(campaigns: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """One row per campaign (its snapshots collapsed), of one région or of all of them."""
    if region:
        campaigns = campaigns[campaigns["region_code"] == region]
    keys = ["region_code", "body_type", "label", "opens_on", "closes_on"]
    if campaigns.empty:
        return pd.DataFrame(columns=[*keys, "campaign_id"])
    out = campaigns.groupby(keys, as_index=False, dropna=False).size().drop(columns="size")
    out["campaign_id"] = [campaign_id(r) for r in out.itertuples()]
    return out.sort_values(["opens_on", "region_code", "body_type"], ascending=[False, True, True]).reset_index(
        drop=True)


def campaign_id(row) -> str:
    return f"{row.region_code}|{row.body_type}|{_iso(row.opens_on)}|{row.label}"


def merged_periods(periods: pd.DataFrame, start: str = "opens_on", end: str = "closes_on") -> list[tuple]:
    """Overlapping (start, end) periods merged, so the bands of many régions do not stack up."""
    spans = sorted((as_date(a), as_date(b)) for a, b in zip(periods[start], periods[end]) if not pd.isna(a))
    merged: list[list] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [tuple(m) for m in merged]


def convention_signatures(conventions: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """Conventions signed for the région in scope; none at national scope (one région's signature would
    read as a national event)."""
    conventions = conventions[conventions["region_code"] == region] if region else conventions.iloc[0:0]
    conventions = conventions[conventions["signed_on"].notna()]  # a roadmap adopted without signature
    return conventions[["convention_id", "title", "region_code", "signed_on"]].sort_values("signed_on").reset_index(
        drop=True)


def default_campaign(choices: pd.DataFrame, region: str | None) -> int | None:
    """Index of the latest campaign of the chosen région among the choices; none at national scope."""
    if not region or choices.empty:
        return None
    mine = [i for i, code in enumerate(choices["region_code"]) if code == region]
    return mine[0] if mine else None  # choices are sorted most recent first


def campaign_status(situations: pd.DataFrame, chosen: str, as_of: dt.date) -> dict | None:
    """Situation on the as-of date of one campaign (rows of measures.campaign_situations): None before it
    opens. Designations are counted from the decrees (`from_file` when the campaign file's count is used)."""
    if situations.empty:
        return None
    rows = situations[pd.Series([campaign_id(r) == chosen for r in situations.itertuples()], index=situations.index,
                                dtype=bool)]
    rows = rows[rows["opens_on"].map(lambda d: as_date(d) <= as_of).astype(bool)]
    if rows.empty:
        return None
    last = rows.iloc[-1]
    seats = int(last["seats_opened"]) if not pd.isna(last["seats_opened"]) else 0
    designations = int(last["designations"])
    status_date = last["status_date"]
    return {"region_code": last["region_code"], "body_type": last["body_type"], "label": last["label"],
            "opens_on": as_date(last["opens_on"]), "closes_on": as_date(last["closes_on"]),
            "window_end": as_date(last["window_end"]),
            "status_date": None if pd.isna(status_date) else as_date(status_date), "seats_opened": seats,
            "candidacies": None if pd.isna(last["candidacies"]) else int(last["candidacies"]),
            # From the dossiers of « Démarches simplifiées » when the campaign has some: the funnel's counts.
            "from_dossiers": bool(last.get("candidacies_from_dossiers", False)),
            "funnel": {stage: int(last[stage]) for stage in FUNNEL_COLUMNS
                       if stage in last and not pd.isna(last[stage])} if last.get("candidacies_from_dossiers")
            else {},
            "designations": designations, "from_file": bool(last["from_file"]),
            "achievement": designations / seats * 100 if seats else math.nan}


def campaign_overview(current: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Each région's current campaign (the catalogue's taux_realisation_campagne at région level, one row per
    région): its year, whether its window is over, seats, designations, achievement, its year's target and, once
    final, its result. Campaigns of different régions and years are listed, never added up."""
    columns = ["region_code", "campaign_year", "final", "seats_opened", "designations", "achievement", "window_end",
               "target", "status", "note"]
    if current.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for r in current.itertuples():
        target = campaign_target(targets, r.territory_code, int(r.campaign_year))
        status = final_status("higher_is_better", target, r.value)[0] if bool(r.final) else None
        rows.append({"region_code": r.territory_code, "campaign_year": int(r.campaign_year), "final": bool(r.final),
                     "seats_opened": r.denominator, "designations": r.numerator, "achievement": r.value,
                     "window_end": as_date(r.window_end), "target": target, "status": status, "note": r.note})
    return pd.DataFrame(rows, columns=columns)


def campaign_target(targets: pd.DataFrame, region: str, year: int,
                    indicator_id: str = "taux_realisation_campagne") -> float | None:
    """The convention's target for a campaign's achievement in its région and year (None without one)."""
    row = target_of_year(targets, indicator_id, "region", region, year)
    return None if row is None else float(row["target"])


# --- seats about to fall vacant ----------------------------------------------------------------------------

def vacancies_ahead(store: Store, scope: Scope, as_of: dt.date, months: int = 12,
                    filters: dict | None = None) -> pd.DataFrame:
    """Seats that fall vacant after the as-of date and up to `months` months later if nobody is renewed.

    What was known on the as-of date: mandates active on it and designations decreed by then for a later start,
    each ending on its planned end (an early end or a decree recorded after the date was not known yet). One
    row per body, role and day a seat falls vacant (the day after a mandate's planned end). A mandate ending while
    another mandate of the same body and role is over the seat count frees no seat; a body closing frees none."""
    horizon = add_months(as_of, months)
    where, params = scope.where("r")
    extra, extra_params = filters_sql(filters or {}, "r")
    sql = f"""
    WITH r AS (SELECT * FROM ({ROLES_SQL}) r
               WHERE (created_on IS NULL OR created_on <= ?) AND (closed_on IS NULL OR closed_on > ?)
                 AND {where}{extra}),
    base AS (SELECT body_id, role, count(*) AS active FROM mandates SEMI JOIN r USING (body_id, role)
             WHERE start_date <= ? AND end_date >= ? GROUP BY ALL),
    known AS (SELECT * FROM mandates SEMI JOIN r USING (body_id, role)
              WHERE (start_date <= ? AND end_date >= ?)
                 OR (start_date > ? AND (decree_date IS NULL OR decree_date <= ?))),
    ev AS (
        SELECT body_id, role, start_date AS day, 1 AS d FROM known
        WHERE start_date > ? AND start_date <= ?
        UNION ALL
        SELECT body_id, role, CAST(planned_end_date + INTERVAL 1 DAY AS DATE), -1 FROM known
        WHERE planned_end_date >= ? AND planned_end_date < ?),
    daily AS (SELECT body_id, role, day, sum(d) AS d FROM ev GROUP BY ALL),
    running AS (
        SELECT d.body_id, d.role, d.day,
               least(coalesce(b.active, 0), r.seats) AS filled_at_as_of,
               least(coalesce(b.active, 0) + sum(d.d) OVER w, r.seats) AS filled
        FROM daily d JOIN r USING (body_id, role) LEFT JOIN base b USING (body_id, role)
        WINDOW w AS (PARTITION BY d.body_id, d.role ORDER BY d.day ROWS UNBOUNDED PRECEDING)),
    drops AS (
        SELECT body_id, role, day,
               coalesce(lag(filled) OVER (PARTITION BY body_id, role ORDER BY day), filled_at_as_of) - filled
                 AS freed
        FROM running)
    SELECT r.body_id, bo.label AS body_label, r.body_type, r.finess, e.name AS establishment, r.department_code,
           r.region_code, r.role, r.seats, d.freed::INTEGER AS seats_freed, d.day AS vacant_from
    FROM drops d JOIN r USING (body_id, role) JOIN bodies bo USING (body_id)
    LEFT JOIN establishments e ON e.finess = r.finess
    WHERE d.freed > 0 AND (r.closed_on IS NULL OR r.closed_on > d.day)
    ORDER BY d.day, r.department_code, bo.label, r.role"""
    frame = store.df(sql, [as_of, as_of, *params, *extra_params, as_of, as_of, as_of, as_of, as_of, as_of,
                           as_of, horizon, as_of, horizon])
    frame["vacant_from"] = pd.to_datetime(frame["vacant_from"]).dt.date
    frame["role_label"] = frame["role"].map(ROLE_LABELS)
    return frame


def freed_within(ahead: pd.DataFrame, as_of: dt.date, horizons=PROJECTION_MONTHS) -> dict[int, int]:
    """Seats freed within each horizon (months after the as-of date)."""
    return {h: int(ahead.loc[ahead["vacant_from"] <= add_months(as_of, h), "seats_freed"].sum()) for h in horizons}


# --- participation ---------------------------------------------------------------------------------

def quarter_label(day) -> str:
    day = as_date(day)
    return f"T{(day.month - 1) // 3 + 1} {day.year}"


def quarterly_participation(store: Store, scope: Scope, start: dt.date, end: dt.date,
                            by: tuple[str, ...] = ()) -> pd.DataFrame:
    """RU present / RU expected at the meetings of each quarter, per territory (× body type)."""
    where, params = scope.where("s")
    by_sql = "".join(f", s.{b}" for b in by if b == "body_type")
    frame = store.df(f"""
        SELECT {scope.group_expr('s')} AS territory_code{by_sql},
               CAST(date_trunc('quarter', s.meeting_date) AS DATE) AS quarter,
               count(*) AS meetings, sum(s.ru_expected) AS expected, sum(s.ru_present) AS present
        FROM (SELECT m.*, b.finess FROM meetings m JOIN bodies b USING (body_id)) s
        WHERE s.meeting_date BETWEEN ? AND ? AND {where}
        GROUP BY ALL ORDER BY ALL""", [start, end, *params])
    frame["quarter"] = pd.to_datetime(frame["quarter"]).dt.date
    frame["rate"] = (frame["present"] / frame["expected"].where(frame["expected"] > 0) * 100).round(2)
    frame["quarter_label"] = frame["quarter"].map(quarter_label)
    return frame


def empty_chairs(store: Store, scope: Scope, as_of: dt.date, meetings: int = EMPTY_CHAIR_MEETINGS) -> pd.DataFrame:
    """Bodies whose last `meetings` meetings up to the as-of date all had no RU present, counting only the
    meetings where at least one RU was expected (no RU expected is no empty chair)."""
    where, params = scope.where("s")
    return store.df(f"""
        WITH s AS (SELECT m.*, b.finess, b.label FROM meetings m JOIN bodies b USING (body_id)
                   WHERE m.meeting_date <= ? AND m.ru_expected > 0),
        last AS (SELECT * FROM s WHERE {where}
                 QUALIFY row_number() OVER (PARTITION BY body_id ORDER BY meeting_date DESC) <= ?)
        SELECT l.body_id, any_value(l.label) AS body_label, any_value(l.body_type) AS body_type,
               any_value(l.finess) AS finess, any_value(e.name) AS establishment,
               any_value(l.department_code) AS department_code, any_value(l.region_code) AS region_code,
               count(*) AS meetings, min(l.meeting_date) AS since, max(l.meeting_date) AS last_meeting,
               sum(l.ru_expected) AS expected
        FROM last l LEFT JOIN establishments e ON e.finess = l.finess
        GROUP BY l.body_id
        HAVING count(*) = ? AND max(l.ru_present) = 0
        ORDER BY department_code, body_label""", [as_of, *params, meetings, meetings])


def _iso(value) -> str:
    return as_date(value).isoformat()
