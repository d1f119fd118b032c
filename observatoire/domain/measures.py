"""Base quantities (measures) the indicator catalogue combines; each returns one row per territory (× by).

Seats and mandates are intervals: states are derived from change events (a mandate adds one active RU on
its start date and removes it the day after its end), never by expanding every day × seat.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import formatting
from observatoire.base.dates import add_months, default_period
from observatoire.base.db import BY_COLUMNS, LEVEL_COLUMNS, Scope, Store, ident
from observatoire.base.stats import confidence_bounds
from observatoire.base.vocabulary import (
    CONVENIENCE_SAMPLE,
    ELECTED_BODY_TYPES,
    NOTE_CAMPAIGN_IN_PROGRESS,
    NOTE_DECREES_OUTSIDE,
    NOTE_NO_CAMPAIGN,
)
from observatoire.domain import training as training_rules

# A body-role's seats exist from its creation to the day before its closure.
ROLES_SQL = """
SELECT body_id, body_type, finess, department_code, region_code, 'titulaire' AS role,
       seats_titular AS seats, created_on, closed_on FROM bodies WHERE seats_titular > 0
UNION ALL
SELECT body_id, body_type, finess, department_code, region_code, 'suppleant' AS role,
       seats_substitute AS seats, created_on, closed_on FROM bodies WHERE seats_substitute > 0
"""


def _by_sql(by: tuple[str, ...], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return "".join(f", {prefix}{ident(b, BY_COLUMNS)}" for b in by)


def filters_sql(filters: dict, alias: str = "") -> tuple[str, list]:
    prefix = f"{alias}." if alias else ""
    clauses, params = [], []
    for key in ("body_type", "role"):
        if filters.get(key):
            clauses.append(f"{prefix}{ident(key, BY_COLUMNS)} = ?")
            params.append(filters[key])
    if filters.get("designated"):  # seats filled by decree only: elected bodies left out
        for body_type in ELECTED_BODY_TYPES:
            clauses.append(f"{prefix}body_type <> ?")
            params.append(body_type)
    return (" AND " + " AND ".join(clauses)) if clauses else "", params


def body_role_state(store: Store, as_of: dt.date, scope: Scope, filters: dict | None = None,
                    memo: dict | None = None) -> pd.DataFrame:
    """One row per open body and role on `as_of`: seats, active mandates, filled (capped) and vacant seats.

    With a `memo` (indicators.compute_all's), the unfiltered state is read once per date and scope and each
    filter (CDU, titulaires, designated seats…) applied to it: one query for every seat indicator."""
    if memo is not None:
        key = ("body_role_state", as_of, scope)
        if key not in memo:
            memo[key] = body_role_state(store, as_of, scope)
        return _filtered_state(memo[key], filters or {})
    where, params = scope.where("r")
    extra, extra_params = filters_sql(filters or {}, "r")
    sql = f"""
    WITH r AS ({ROLES_SQL}),
    active AS (
        SELECT body_id, role, count(*) AS active FROM mandates
        WHERE start_date <= ? AND end_date >= ? GROUP BY body_id, role)
    SELECT r.body_id, r.body_type, r.finess, r.department_code, r.region_code, r.role, r.seats,
           coalesce(a.active, 0) AS active,
           least(coalesce(a.active, 0), r.seats) AS filled,
           r.seats - least(coalesce(a.active, 0), r.seats) AS vacant
    FROM r LEFT JOIN active a USING (body_id, role)
    WHERE (r.created_on IS NULL OR r.created_on <= ?) AND (r.closed_on IS NULL OR r.closed_on > ?)
      AND {where}{extra}
    """
    return store.df(sql, [as_of, as_of, as_of, as_of, *params, *extra_params])


def _filtered_state(state: pd.DataFrame, filters: dict) -> pd.DataFrame:
    """The rows of a body_role_state frame that filters_sql would keep (a copy: callers add columns)."""
    keep = pd.Series(True, index=state.index)
    for key in ("body_type", "role"):
        if filters.get(key):
            keep &= state[key] == filters[key]
    if filters.get("designated"):
        keep &= ~state["body_type"].isin(ELECTED_BODY_TYPES)
    return state[keep].reset_index(drop=True)


def seat_series(store: Store, dates: list[dt.date], scope: Scope, by: tuple[str, ...] = (),
                filters: dict | None = None) -> pd.DataFrame:
    """Seats, filled and vacant seats per territory (× by) on each date, from change events.

    Each body-role is a step function: active mandates and seat capacity change on event days; filled seats
    are min(active, capacity). Their changes are summed per territory and day, accumulated, and read on the
    asked dates with an as-of join — cost grows with the number of mandates, not with days × seats.
    """
    where, params = scope.where("r")
    extra, extra_params = filters_sql(filters or {}, "r")
    group = scope.group_expr("r")
    by_r = _by_sql(by, "r")
    by_plain = _by_sql(by)
    by_names = "".join(f", {b}" for b in by)
    dates_frame = pd.DataFrame({"day": pd.to_datetime(pd.Series(sorted(set(dates)))).dt.date})
    sql = f"""
        WITH r AS (SELECT * FROM ({ROLES_SQL}) r WHERE {where}{extra}),
        ev AS (
            SELECT m.body_id, m.role, m.start_date AS day, 1 AS d_active, 0 AS d_cap
            FROM mandates m SEMI JOIN r USING (body_id, role)
            UNION ALL
            SELECT m.body_id, m.role, CAST(m.end_date + INTERVAL 1 DAY AS DATE), -1, 0
            FROM mandates m SEMI JOIN r USING (body_id, role)
            UNION ALL
            SELECT body_id, role, coalesce(created_on, DATE '1900-01-01'), 0, seats FROM r
            UNION ALL
            SELECT body_id, role, closed_on, 0, -seats FROM r WHERE closed_on IS NOT NULL
        ),
        daily AS (SELECT body_id, role, day, sum(d_active) AS da, sum(d_cap) AS dc FROM ev GROUP BY ALL),
        running AS (
            SELECT body_id, role, day,
                   sum(da) OVER w AS active, sum(dc) OVER w AS cap
            FROM daily WINDOW w AS (PARTITION BY body_id, role ORDER BY day ROWS UNBOUNDED PRECEDING)),
        steps AS (
            SELECT body_id, role, day,
                   least(active, cap) - coalesce(lag(least(active, cap)) OVER w, 0) AS d_filled,
                   cap - coalesce(lag(cap) OVER w, 0) AS d_seats
            FROM running WINDOW w AS (PARTITION BY body_id, role ORDER BY day)),
        territory_steps AS (
            SELECT {group} AS territory_code{by_r}, s.day, sum(s.d_filled) AS d_filled, sum(s.d_seats) AS d_seats
            FROM steps s JOIN r USING (body_id, role)
            GROUP BY ALL),
        cumulative AS (
            SELECT territory_code{by_plain}, day,
                   sum(d_filled) OVER w AS filled, sum(d_seats) OVER w AS seats
            FROM territory_steps
            WINDOW w AS (PARTITION BY territory_code{by_plain} ORDER BY day ROWS UNBOUNDED PRECEDING)),
        keys AS (SELECT DISTINCT territory_code{by_plain} FROM cumulative),
        grid AS (SELECT k.*, a.day AS as_of FROM keys k CROSS JOIN asked_dates a)
        SELECT g.territory_code{_by_sql(by, 'g')}, g.as_of,
               coalesce(c.seats, 0)::BIGINT AS seats, coalesce(c.filled, 0)::BIGINT AS filled,
               (coalesce(c.seats, 0) - coalesce(c.filled, 0))::BIGINT AS vacant
        FROM grid g ASOF LEFT JOIN cumulative c
          ON g.territory_code = c.territory_code {''.join(f'AND g.{b} = c.{b} ' for b in by)}AND g.as_of >= c.day
        ORDER BY g.territory_code{by_names.replace(', ', ', g.')}, g.as_of
        """
    return store.df(sql, [*params, *extra_params], frames={"asked_dates": dates_frame})


def seats(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, memo=None, **_) -> pd.DataFrame:
    """Seats, filled and vacant seats on one date (the same numbers as seat_series on that date)."""
    state = body_role_state(store, as_of, scope, filters, memo)
    state["territory_code"] = _territory(state, scope)
    keys = ["territory_code", *by]
    if state.empty:
        return pd.DataFrame(columns=[*keys, "seats", "filled", "vacant"])
    return state.groupby(keys, as_index=False)[["seats", "filled", "vacant"]].sum()


def cdu_completeness(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, memo=None,
                     **_) -> pd.DataFrame:
    """CDU open on the date: how many have every seat filled, how many at least one vacant seat."""
    state = body_role_state(store, as_of, scope, {"body_type": "CDU"}, memo)
    if state.empty:
        return pd.DataFrame(columns=["territory_code", "cdu", "complete", "with_vacancy"])
    state["territory_code"] = _territory(state, scope)
    per_body = state.groupby(["territory_code", "body_id"], as_index=False)["vacant"].sum()
    per_body["complete"] = (per_body["vacant"] == 0).astype(int)
    per_body["with_vacancy"] = (per_body["vacant"] > 0).astype(int)
    per_body["cdu"] = 1
    return per_body.groupby("territory_code", as_index=False)[["cdu", "complete", "with_vacancy"]].sum()


def _territory(frame: pd.DataFrame, scope: Scope) -> pd.Series:
    column = LEVEL_COLUMNS[scope.level]
    return pd.Series("FR", index=frame.index) if column is None else frame[column]


def people(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, **_) -> pd.DataFrame:
    """Active RU (distinct people), active mandates, active associations on the date."""
    where, params = scope.where("m")
    extra, extra_params = filters_sql(filters or {}, "m")
    sql = f"""
    SELECT {scope.group_expr('m')} AS territory_code{_by_sql(by, 'm')},
           count(DISTINCT m.person_key) AS active_ru, count(*) AS active_mandates,
           count(DISTINCT m.association) AS active_associations
    FROM (SELECT mm.*, b.finess FROM mandates mm JOIN bodies b USING (body_id)) m
    WHERE m.start_date <= ? AND m.end_date >= ? AND {where}{extra}
    GROUP BY ALL"""
    return store.df(sql, [as_of, as_of, *params, *extra_params])


def ending_mandates(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, months: int = 6,
                    **_) -> pd.DataFrame:
    """Mandates active on the date whose planned end (the decree's) falls in the next `months` months: what was
    known on the date. An early end recorded later (a resignation next month) was not known yet: not counted."""
    horizon = add_months(as_of, months)
    where, params = scope.where("m")
    extra, extra_params = filters_sql(filters or {}, "m")
    sql = f"""
    SELECT {scope.group_expr('m')} AS territory_code{_by_sql(by, 'm')},
           count(*) FILTER (WHERE m.planned_end_date < ?) AS ending, count(*) AS active_mandates
    FROM (SELECT mm.*, b.finess FROM mandates mm JOIN bodies b USING (body_id)) m
    WHERE m.start_date <= ? AND m.end_date >= ? AND {where}{extra}
    GROUP BY ALL"""
    return store.df(sql, [horizon, as_of, as_of, *params, *extra_params])


def vacancy_fills(store: Store) -> pd.DataFrame:
    """Every vacancy ever filled: body_id, role, opened_on, filled_on, matched first-in first-out within a
    body and role; a vacancy open since before the first mandate known for its body and role is left out.

    Set-based form of the queue: per body and role, filled = min(active, seats) on each event day. A drop of
    filled opens that many vacancies; a rise fills vacancies only up to the highest level filled so far (the
    queue always holds `peak - filled` vacancies; a rise above the peak fills seats never known vacant). The
    k-th vacancy opened is filled by the k-th vacancy filled. Later events never change earlier matches, so
    the pairs of all dates serve every period."""
    sql = f"""
    WITH r AS ({ROLES_SQL}),
    ev AS (
        SELECT body_id, role, start_date AS day, 1 AS d FROM mandates SEMI JOIN r USING (body_id, role)
        UNION ALL SELECT body_id, role, CAST(end_date + INTERVAL 1 DAY AS DATE), -1 FROM mandates
        SEMI JOIN r USING (body_id, role)),
    daily AS (
        SELECT r.body_id, r.role, r.seats, e.day, sum(e.d)::BIGINT AS d
        FROM ev e JOIN r USING (body_id, role) GROUP BY ALL),
    levels AS (
        SELECT *, least(sum(d) OVER (PARTITION BY body_id, role ORDER BY day ROWS UNBOUNDED PRECEDING)::BIGINT,
                        seats) AS filled
        FROM daily),
    moves AS (
        SELECT *, coalesce(lag(filled) OVER w, 0) AS filled_before,
               greatest(coalesce(max(filled) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0), 0)
                   AS peak_before
        FROM levels WINDOW w AS (PARTITION BY body_id, role ORDER BY day)),
    opened AS (
        SELECT body_id, role, day, row_number() OVER (PARTITION BY body_id, role ORDER BY day) AS k
        FROM (SELECT body_id, role, day, unnest(range(filled_before - filled)) FROM moves
              WHERE filled < filled_before)),
    closed AS (
        SELECT body_id, role, day, row_number() OVER (PARTITION BY body_id, role ORDER BY day) AS k
        FROM (SELECT body_id, role, day, unnest(range(least(filled, peak_before) - filled_before)) FROM moves
              WHERE least(filled, peak_before) > filled_before))
    SELECT body_id, role, o.day AS opened_on, c.day AS filled_on
    FROM closed c JOIN opened o USING (body_id, role, k)
    ORDER BY filled_on"""
    return store.df(sql)


def time_to_fill(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, period=None,
                 **_) -> pd.DataFrame:
    """Median days between a seat becoming vacant and the next mandate filling it, for seats filled in
    the period (pairs from `vacancy_fills`, computed once per store)."""
    start, end = period or default_period(as_of)
    where, params = scope.where("r")
    extra, extra_params = filters_sql(filters or {}, "r")
    fills = store.derived("vacancy_fills", vacancy_fills)
    durations = store.df(f"""
            WITH r AS (SELECT * FROM ({ROLES_SQL}) r WHERE {where}{extra})
            SELECT {scope.group_expr('r')} AS territory_code, datediff('day', f.opened_on, f.filled_on) AS days
            FROM vacancy_fills f JOIN r USING (body_id, role)
            WHERE f.filled_on BETWEEN ? AND ?""", [*params, *extra_params, start, end], frames={"vacancy_fills": fills})
    if durations.empty:
        return pd.DataFrame(columns=["territory_code", "median_days", "filled_vacancies"])
    out = durations.groupby("territory_code", as_index=False).agg(median_days=("days", "median"),
                                                                  filled_vacancies=("days", "size"))
    out["median_days"] = out["median_days"].astype(float)
    return out


def training(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, period=None, **_) -> pd.DataFrame:
    """The « RU en Avant ! » compliance cohort per territory (observatoire/domain/training.py `cohort`): people
    first designated by decree in the period (12 months to the date by default), bound by the obligation, whose
    6-month deadline has passed on the date — trained on time, late, or never. A person attending twice counts
    once; the territory is that of the first designation; CVS members (elected) never enter it."""
    start, end = period or default_period(as_of)
    body_type = (filters or {}).get("body_type")  # of the first designation (the Formation page's choice)
    due = training_rules.cohort(training_rules.designated_people(store, scope, body_type), as_of, (start, end))
    column = LEVEL_COLUMNS[scope.level]
    due = due.assign(territory_code="FR" if column is None else due[column])
    if due.empty:
        return pd.DataFrame(columns=["territory_code", "cohort", "on_time", "late", "never"])
    counts = due.pivot_table(index="territory_code", columns="state", values="person_key", aggfunc="count",
                             fill_value=0).reindex(columns=[training_rules.ON_TIME, training_rules.LATE,
                                                            training_rules.NEVER], fill_value=0)
    out = counts.rename(columns={training_rules.ON_TIME: "on_time", training_rules.LATE: "late",
                                 training_rules.NEVER: "never"}).reset_index()
    out["cohort"] = out[["on_time", "late", "never"]].sum(axis=1)
    return out[["territory_code", "cohort", "on_time", "late", "never"]]


def participation(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, period=None,
                  **_) -> pd.DataFrame:
    start, end = period or default_period(as_of)
    where, params = scope.where("s")
    extra, extra_params = filters_sql(filters or {}, "s")
    sql = f"""
    SELECT {scope.group_expr('s')} AS territory_code{_by_sql(by, 's')},
           sum(s.ru_present) AS present, sum(s.ru_expected) AS expected, count(*) AS meetings
    FROM (SELECT m.*, b.finess FROM meetings m JOIN bodies b USING (body_id)) s
    WHERE s.meeting_date BETWEEN ? AND ? AND {where}{extra}
    GROUP BY ALL"""
    return store.df(sql, [start, end, *params, *extra_params])


def awareness(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, **_) -> pd.DataFrame:
    """Latest survey answer (year ≤ as-of year) to a question, with base n and a 95 % confidence interval."""
    question = (filters or {}).get("question")
    level = {"national": "national", "region": "region", "departement": "departement"}.get(scope.level)
    if level is None:
        return pd.DataFrame(columns=["territory_code", "percent", "base", "ci_low", "ci_high", "year", "survey"])
    clauses, params = ["level = ?", "question = ?", "year <= ?"], [level, question, as_of.year]
    code = scope.code or (scope.region if level == "region" else None)
    if code:
        clauses.append("territory_code = ?")
        params.append(code)
    sql = f"""
    SELECT coalesce(territory_code, 'FR') AS territory_code, percent, base, year, survey, sampling FROM surveys
    WHERE {' AND '.join(clauses)} AND lower(option) = 'oui'
    QUALIFY row_number() OVER (PARTITION BY coalesce(territory_code, 'FR') ORDER BY year DESC, base DESC) = 1"""
    frame = store.df(sql, params)
    random = frame["sampling"].ne(CONVENIENCE_SAMPLE)  # a convenience sample gets no interval
    low, high = confidence_bounds(frame["percent"], frame["base"])
    frame["ci_low"], frame["ci_high"] = low.where(random), high.where(random)
    return frame.drop(columns="sampling")


# A campaign's designations are the decrees taken from its opening to two months after its closing (the
# roadmap gives the ARS two months to publish them), or until the next campaign of the same body type opens.
DECREE_MONTHS_AFTER_CLOSING = 2  # the window's end when the campaigns file gives none
LATE_DECREE_MONTHS = 3  # decrees this long after a window are reported as outside it (not counted)
NOTE_FROM_CAMPAIGN_FILE = "désignations du fichier de campagne (aucun arrêté chargé pour cette campagne)"


def campaign_situations(store: Store, as_of: dt.date, region: str | None = None, body_type: str | None = None,
                        months_after: int = DECREE_MONTHS_AFTER_CLOSING) -> pd.DataFrame:
    """One row per nomination campaign opened on or before the as-of date: seats opened and candidacies at
    its latest situation known on that date (seats from its first situation before any), and designations
    counted from the decrees (mandates of its région and body type whose decree date falls in its window and
    is on or before the as-of date). When no decree at all falls in its window, the campaign file's own count
    is used and `from_file` says so."""
    clauses, params = ["b.opens_on <= $as_of"], {"as_of": as_of, "months": months_after,
                                                  "late_months": LATE_DECREE_MONTHS}
    if region:
        clauses.append("b.region_code = $region")
        params["region"] = region
    if body_type:
        clauses.append("b.body_type = $body_type")
        params["body_type"] = body_type
    sql = f"""
    WITH windows AS (
        SELECT region_code, body_type, label, opens_on, closes_on, max(window_end) AS file_window_end
        FROM campaigns GROUP BY ALL),
    nexts AS (
        SELECT *, coalesce(CAST(lead(opens_on) OVER (PARTITION BY region_code, body_type ORDER BY opens_on)
                                - INTERVAL 1 DAY AS DATE), DATE '9999-12-31') AS before_next
        FROM windows),
    bounded AS (
        SELECT * EXCLUDE (file_window_end),
               least(coalesce(file_window_end, CAST(closes_on + to_months($months) AS DATE)), before_next)
                   AS window_end,
               least(CAST(coalesce(file_window_end, CAST(closes_on + to_months($months) AS DATE))
                          + to_months($late_months) AS DATE), before_next) AS late_end
        FROM nexts),
    snap AS (
        SELECT region_code, body_type, label, opens_on,
               max(status_date) FILTER (WHERE status_date <= $as_of) AS status_date,
               arg_max(seats_opened, status_date) FILTER (WHERE status_date <= $as_of) AS seats_now,
               arg_min(seats_opened, status_date) AS seats_first,
               arg_max(candidacies, status_date) FILTER (WHERE status_date <= $as_of) AS candidacies,
               arg_max(designations, status_date) FILTER (WHERE status_date <= $as_of) AS file_designations
        FROM campaigns GROUP BY ALL),
    c AS (SELECT b.*, s.status_date, coalesce(s.seats_now, s.seats_first) AS seats_opened, s.candidacies,
                 s.file_designations
          FROM bounded b JOIN snap s USING (region_code, body_type, label, opens_on)
          WHERE {' AND '.join(clauses)}),
    {_campaign_dossiers_sql(store)},
    decrees AS (
        SELECT c.region_code, c.body_type, c.label, c.opens_on,
               count(m.body_id) FILTER (WHERE m.decree_date <= c.window_end) AS decrees_loaded,
               count(m.body_id) FILTER (WHERE m.decree_date <= c.window_end AND m.decree_date <= $as_of)
                   AS decree_designations,
               count(m.body_id) FILTER (WHERE m.decree_date > c.window_end AND m.decree_date <= $as_of)
                   AS decrees_after_window
        FROM c LEFT JOIN mandates m ON m.region_code = c.region_code AND m.body_type = c.body_type
             AND m.decree_date BETWEEN c.opens_on AND c.late_end
        GROUP BY ALL)
    SELECT c.region_code, c.body_type, c.label, c.opens_on, c.closes_on, c.window_end, c.status_date,
           c.seats_opened,
           CASE WHEN coalesce(f.dossiers, 0) > 0 THEN f.received ELSE c.candidacies END AS candidacies,
           coalesce(f.dossiers, 0) > 0 AS candidacies_from_dossiers,
           f.received, f.in_progress, f.accepted, f.refused, f.closed,
           c.file_designations, d.decrees_loaded, d.decree_designations, d.decrees_after_window,
           CASE WHEN d.decrees_loaded > 0 THEN d.decree_designations ELSE coalesce(c.file_designations, 0) END
               AS designations,
           d.decrees_loaded = 0 AS from_file
    FROM c JOIN decrees d USING (region_code, body_type, label, opens_on)
    LEFT JOIN funnel f USING (region_code, body_type, label, opens_on)
    ORDER BY c.region_code, c.body_type, c.opens_on"""
    frame = store.df(sql, params)
    for column in ("opens_on", "closes_on", "window_end", "status_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


# --- candidacies collected with « Démarches simplifiées » (table candidacies: one row per dossier and wish) ------
# A dossier is counted once (distinct démarche and number), in each territory one of its wishes lies in. On a
# date: received when deposited by then; accepted, refused or closed without follow-up when decided by then (its
# decision date, else its last update); in progress otherwise.
DOSSIERS_SQL = """
    SELECT DISTINCT demarche || '|' || CAST(dossier_number AS VARCHAR) AS dossier, region_code, department_code,
           finess, body_type, role, campaign_label, state, deposited_on,
           CASE WHEN state IN ('accepte', 'refuse', 'sans_suite') THEN coalesce(decided_on, updated_on, deposited_on)
           END AS decided_on
    FROM candidacies"""
FUNNEL_COLUMNS = ("received", "in_progress", "accepted", "refused", "closed")


def funnel_sql(alias: str = "d") -> str:
    """The five counts of a campaign's funnel on `$as_of` (vocabulary.CANDIDACY_STAGES)."""
    a = alias
    return f"""
           count(DISTINCT {a}.dossier) FILTER (WHERE {a}.deposited_on <= $as_of) AS received,
           count(DISTINCT {a}.dossier) FILTER (WHERE {a}.deposited_on <= $as_of
                                              AND ({a}.decided_on IS NULL OR {a}.decided_on > $as_of)) AS in_progress,
           count(DISTINCT {a}.dossier) FILTER (WHERE {a}.state = 'accepte' AND {a}.decided_on <= $as_of) AS accepted,
           count(DISTINCT {a}.dossier) FILTER (WHERE {a}.state = 'refuse' AND {a}.decided_on <= $as_of) AS refused,
           count(DISTINCT {a}.dossier) FILTER (WHERE {a}.state = 'sans_suite' AND {a}.decided_on <= $as_of) AS closed"""


CAMPAIGN_OF_DOSSIER = """d.region_code = c.region_code AND d.body_type = c.body_type
             AND (d.campaign_label = c.label OR (d.campaign_label IS NULL AND d.deposited_on >= c.opens_on
                                                 AND d.deposited_on <= c.before_next))"""


def _campaign_dossiers_sql(store: Store) -> str:
    """The CTE `funnel` of campaign_situations: each campaign's dossiers (the campaign named for its démarche in
    config/demarches.toml, else the one of its région and body type open on its deposit date), none without the
    table."""
    if not store.has("candidacies"):
        return ("funnel AS (SELECT region_code, body_type, label, opens_on, 0 AS dossiers, 0 AS received, "
                "0 AS in_progress, 0 AS accepted, 0 AS refused, 0 AS closed FROM c WHERE FALSE)")
    return f"""dossiers AS ({DOSSIERS_SQL}),
    funnel AS (
        SELECT c.region_code, c.body_type, c.label, c.opens_on, count(DISTINCT d.dossier) AS dossiers,{funnel_sql()}
        FROM c JOIN dossiers d ON {CAMPAIGN_OF_DOSSIER}
        GROUP BY ALL)"""


def campaign_candidacies(store: Store, as_of: dt.date, region: str, body_type: str, opens_on: dt.date, label: str,
                         level: str) -> pd.DataFrame:
    """The funnel of one campaign's dossiers on the date, per territory of `level` (region, departement,
    etablissement: a dossier with no establishment counts for its région only) — empty without dossiers."""
    columns = ["territory_code", "department_code", *FUNNEL_COLUMNS]
    if not store.has("candidacies"):
        return pd.DataFrame(columns=columns)
    column = ident(LEVEL_COLUMNS[level], LEVEL_COLUMNS.values())
    sql = f"""
    WITH c AS (
        SELECT region_code, body_type, label, opens_on,
               coalesce(CAST(lead(opens_on) OVER (PARTITION BY region_code, body_type ORDER BY opens_on)
                             - INTERVAL 1 DAY AS DATE), DATE '9999-12-31') AS before_next
        FROM (SELECT DISTINCT region_code, body_type, label, opens_on FROM campaigns)),
    dossiers AS ({DOSSIERS_SQL})
    SELECT d.{column} AS territory_code, any_value(d.department_code) AS department_code,{funnel_sql()}
    FROM c JOIN dossiers d ON {CAMPAIGN_OF_DOSSIER}
    WHERE c.region_code = $region AND c.body_type = $body_type AND c.opens_on = $opens_on AND c.label = $label
      AND d.{column} IS NOT NULL
    GROUP BY ALL HAVING received > 0
    ORDER BY received DESC, territory_code"""
    return store.df(sql, {"as_of": as_of, "region": region, "body_type": body_type, "opens_on": opens_on,
                          "label": label})


def candidacies(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, period=None, **_) -> pd.DataFrame:
    """Dossiers deposited in the period (received) and accepted in the period, per territory: a dossier counts
    once in each territory one of its wishes lies in (once in France)."""
    columns = ["territory_code", *by, "received", "accepted"]
    if not store.has("candidacies") or not store.scalar("SELECT count(*) FROM candidacies"):
        return pd.DataFrame(columns=columns)  # no dossier at all: no data, never « 0 »
    start, end = period or default_period(as_of)
    end = min(end, as_of)
    where, params = scope.where("d")
    extra, extra_params = filters_sql(filters or {}, "d")
    sql = f"""
    WITH d AS ({DOSSIERS_SQL})
    SELECT {scope.group_expr('d')} AS territory_code{_by_sql(by, 'd')},
           count(DISTINCT d.dossier) FILTER (WHERE d.deposited_on BETWEEN ? AND ?) AS received,
           count(DISTINCT d.dossier) FILTER (WHERE d.state = 'accepte' AND d.decided_on BETWEEN ? AND ?) AS accepted
    FROM d WHERE {where}{extra}
    GROUP BY ALL"""
    return store.df(sql, [start, end, start, end, *params, *extra_params])


def campaigns(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, **_) -> pd.DataFrame:
    """A région's latest campaign opened on or before the date, judged on its own (never a sum of years): seats
    opened, candidacies, designations (from the decrees, see campaign_situations), its opening (the baseline:
    0 designations), window end and year, whether its window is over (`final`: the result can no longer move) and
    the decrees dated after its window (not counted). No national value: campaigns of different régions and years
    do not add up (pages show the régions' table, campaign_table)."""
    columns = ["territory_code", "seats_opened", "candidacies", "designations", "opens_on", "window_end",
               "campaign_year", "final", "decrees_after_window", "note"]
    if scope.level != "region":
        return pd.DataFrame(columns=columns)
    region = scope.region or scope.code
    frame = campaign_situations(store, as_of, region, (filters or {}).get("body_type"))
    if frame.empty:
        return pd.DataFrame(columns=columns)
    latest = frame[frame["opens_on"] == frame.groupby("region_code")["opens_on"].transform("max")]
    out = latest.groupby("region_code", as_index=False).agg(
        seats_opened=("seats_opened", "sum"), candidacies=("candidacies", "sum"),
        designations=("designations", "sum"), opens_on=("opens_on", "min"), window_end=("window_end", "max"),
        decrees_after_window=("decrees_after_window", "sum"), from_file=("from_file", "any"))
    out = out.rename(columns={"region_code": "territory_code"})
    out["campaign_year"] = [d.year for d in out["opens_on"]]
    out["final"] = [as_of > end for end in out["window_end"]]
    out["note"] = [campaign_note(r) for r in out.itertuples()]
    return out[columns]


def campaign_note(row) -> str:
    """In progress or final (with its year and window end), designations from the file, decrees left out."""
    day = formatting.date(row.window_end)
    parts = [(NOTE_NO_CAMPAIGN if row.final else NOTE_CAMPAIGN_IN_PROGRESS).format(year=row.campaign_year, day=day)]
    if row.from_file:
        parts.append(NOTE_FROM_CAMPAIGN_FILE)
    if row.decrees_after_window:
        parts.append(NOTE_DECREES_OUTSIDE.format(count=int(row.decrees_after_window)))
    return " ; ".join(parts)


def projects(store: Store, as_of: dt.date, scope: Scope, by=(), filters=None, **_) -> pd.DataFrame:
    """Partnership projects active on the date (started, not ended, not abandoned) and those involving at least
    one RU. With by=("form",) a project counts once under each of its forms; a `form` filter keeps the projects
    having that form. Régional projects (no département) count at région and national level only."""
    columns = ["territory_code", *by, "active", "with_ru"]
    if not store.has("projects"):
        return pd.DataFrame(columns=columns)
    where, params = scope.where("p")
    form_filter, form_params = "", []
    if (filters or {}).get("form"):
        form_filter, form_params = " AND list_contains(p.forms, ?)", [filters["form"]]
    by_form = "form" in by
    source = "(SELECT q.*, unnest(q.forms) AS form FROM projects q)" if by_form else "projects"
    sql = f"""
    SELECT {scope.group_expr('p')} AS territory_code{', p.form' if by_form else ''},
           count(*) AS active, count(*) FILTER (WHERE p.involves_ru) AS with_ru
    FROM {source} p
    WHERE p.start_date <= ? AND (p.end_date IS NULL OR p.end_date >= ?) AND p.status <> 'abandonné'
      AND {where}{form_filter}
    GROUP BY ALL"""
    return store.df(sql, [as_of, as_of, *params, *form_params])


MEASURES = {
    "seats": seats,
    "cdu_completeness": cdu_completeness,
    "people": people,
    "ending_mandates": ending_mandates,
    "time_to_fill": time_to_fill,
    "training": training,
    "participation": participation,
    "awareness": awareness,
    "campaigns": campaigns,
    "projects": projects,
    "candidacies": candidacies,
}
