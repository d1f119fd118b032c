"""Training compliance of newly designated RU (« RU en Avant ! » within 6 months), who is left to train, sessions.

The rule is the catalogue's `training` measure (observatoire/domain/measures.py): a person's deadline is 6 months after
their first designation by decree; a session up to the deadline (or before the designation) is on time, a later
one late, a second participation does not count twice. CVS members are elected, not designated by decree: CVS
mandates never open a deadline. The territory and body type are those of the first designation.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import settings
from observatoire.base.db import Scope, Store
from observatoire.base.vocabulary import ELECTED_BODY_TYPES
from observatoire.domain import privacy

TRAINING = "RU en Avant"
DEADLINE_MONTHS = 6
ELECTED_BODIES = ELECTED_BODY_TYPES  # the catalogue's rule: no designation by decree, hence no deadline
DESIGNATED_BODIES = ("CDU", "CS", "CRSA", "CTS", "CDCA", "autre")
ON_TIME, LATE, PENDING, NEVER = "a_temps", "en_retard", "pas_encore", "jamais"
STATE_CODES = (ON_TIME, LATE, PENDING, NEVER)  # in the order the Formation page stacks them
# The catalogue's three shares of one compliance cohort (on time, late, never): one measure, masked together.
COMPLIANCE = ("taux_formation_6m", "taux_formation_tardive", "taux_sans_formation")


def _label_clause() -> str:
    return "lower(strip_accents(training)) LIKE '%' || lower(strip_accents(?)) || '%'"


def first_designations(store: Store) -> pd.DataFrame:
    """Every person ever designated by decree (CVS members, elected, excluded): first designation (date, body type,
    territory, establishment) and first « RU en Avant ! » attendance (any date; compared with the as-of date by
    `states`). The one reading of « first designation »: the catalogue, the Formation page and « À former » share
    it. Read once per store."""
    return store.derived("first_designations", _first_designations)


def _first_designations(store: Store) -> pd.DataFrame:
    excluded = ", ".join("?" for _ in ELECTED_BODIES)
    sql = f"""
    WITH firsts AS (
        SELECT m.person_key, min(m.start_date) AS first_start,
               arg_min(m.body_type, m.start_date) AS body_type,
               arg_min(m.department_code, m.start_date) AS department_code,
               arg_min(m.region_code, m.start_date) AS region_code,
               arg_min(b.finess, m.start_date) AS finess
        FROM mandates m LEFT JOIN bodies b USING (body_id)
        WHERE m.body_type NOT IN ({excluded})
        GROUP BY m.person_key),
    trained AS (
        SELECT person_key, min(session_date) AS first_session FROM trainings
        WHERE status = 'present' AND {_label_clause()}
        GROUP BY person_key)
    SELECT f.*, t.first_session FROM firsts f LEFT JOIN trained t USING (person_key)
    ORDER BY f.person_key"""
    frame = store.df(sql, [*ELECTED_BODIES, TRAINING])
    for column in ("first_start", "first_session"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def designated_people(store: Store, scope: Scope, body_type: str | None = None) -> pd.DataFrame:
    """first_designations in the territory (and of one body type of first designation)."""
    people = first_designations(store)
    keep = scope.mask(people)
    if body_type:
        keep &= people["body_type"] == body_type
    return people[keep].reset_index(drop=True)


def bound(people: pd.DataFrame) -> pd.DataFrame:
    """The people the obligation applies to: first designated on or after the date it took effect (a setting:
    settings.training_obligation_from, article L. 1114-1 CSP as amended by loi n° 2016-41)."""
    return people[people["first_start"] >= pd.Timestamp(settings.training_obligation_from())]


def cohort(people: pd.DataFrame, as_of: dt.date, period: tuple[dt.date, dt.date]) -> pd.DataFrame:
    """The compliance cohort: people bound by the obligation, first designated in the period, whose 6-month
    deadline has passed on the as-of date, with their `state` on that date (on time, late or never)."""
    start = people["first_start"]
    chosen = bound(people[(start >= pd.Timestamp(period[0])) & (start <= pd.Timestamp(period[1]))])
    chosen = chosen[deadlines(chosen["first_start"]) < pd.Timestamp(as_of)].copy()
    chosen["state"] = states(chosen, as_of)
    return chosen


def deadlines(first_start: pd.Series, months: int = DEADLINE_MONTHS) -> pd.Series:
    """First designation + 6 months (the 31/08 gives the 28/02 or 29/02, as DuckDB's to_months)."""
    return pd.to_datetime(first_start) + pd.DateOffset(months=months)


def states(people: pd.DataFrame, as_of: dt.date, months: int = DEADLINE_MONTHS) -> pd.Series:
    """Each person's state on the as-of date (None when first designated after it)."""
    day = pd.Timestamp(as_of)
    start = pd.to_datetime(people["first_start"])
    session = pd.to_datetime(people["first_session"])
    deadline = deadlines(start, months)
    trained = session.notna() & (session <= day)
    out = pd.Series(None, index=people.index, dtype=object)
    out[trained & (session <= deadline)] = ON_TIME
    out[trained & (session > deadline)] = LATE
    out[~trained & (deadline >= day)] = PENDING
    out[~trained & (deadline < day)] = NEVER
    out[start > day] = None
    return out


def quarter_label(day) -> str:
    day = pd.Timestamp(day)
    return f"T{(day.month - 1) // 3 + 1} {day.year}"


def quarterly_cohorts(people: pd.DataFrame, as_of: dt.date, quarters: int = 12,
                      threshold: int = 11) -> pd.DataFrame:
    """People first designated in each of the last `quarters` quarters up to the as-of date, by state on that date.

    Secrecy (privacy.protect_table): each quarter's states add up to its cohort, so a small count is hidden with a
    complementary cell of the quarter, and a quarter of fewer than `threshold` people shows nothing; `masked` tells
    which quarters lost a cell."""
    day = pd.Timestamp(as_of)
    first_quarter = (pd.Period(day, "Q") - (quarters - 1)).start_time
    people = bound(people)
    cohort = people[(pd.to_datetime(people["first_start"]) >= first_quarter)
                    & (pd.to_datetime(people["first_start"]) <= day)].copy()
    cohort["state"] = states(cohort, as_of)
    periods = pd.period_range(first_quarter, day, freq="Q")
    counts = (cohort.assign(quarter=pd.to_datetime(cohort["first_start"]).dt.to_period("Q"))
              .pivot_table(index="quarter", columns="state", values="person_key", aggfunc="count", fill_value=0)
              .reindex(index=periods, columns=list(STATE_CODES), fill_value=0))
    frame = counts.reset_index(names="quarter")
    frame["cohort"] = frame[list(STATE_CODES)].sum(axis=1)
    frame["quarter_start"] = frame["quarter"].map(lambda p: p.start_time.date())
    frame["label"] = frame["quarter_start"].map(quarter_label)
    frame = frame.drop(columns="quarter")
    mask = privacy.protect_table(frame, ["cohort", *STATE_CODES], threshold, row_total=("cohort", STATE_CODES),
                                 linked={"cohort": STATE_CODES})
    masked = privacy.hide(frame, mask)
    masked["masked"] = mask.any(axis=1)
    # What the masked cells add up to (at least two of them, so none can be recovered): a grey segment.
    masked["hidden"] = (masked["cohort"] - masked[list(STATE_CODES)].sum(axis=1)).where(masked["masked"])
    masked["on_time_rate"] = (frame[ON_TIME] / frame["cohort"].where(frame["cohort"] > 0) * 100).where(
        ~mask["cohort"] & ~mask[ON_TIME]).round(1)
    return masked


def pending_counts(people: pd.DataFrame, as_of: dt.date, level: str, period: tuple[dt.date, dt.date]) -> pd.DataFrame:
    """People first designated in the period still within their delay on the as-of date (outside the compliance
    cohort), per territory of first designation: territory_code, pas_encore. `level` is region or departement."""
    column = {"region": "region_code", "departement": "department_code"}[level]
    start = people["first_start"]
    recent = bound(people[(start >= pd.Timestamp(period[0])) & (start <= pd.Timestamp(period[1]))])
    recent = recent[deadlines(recent["first_start"]) >= pd.Timestamp(as_of)].dropna(subset=[column])
    return (recent.groupby(column).size().rename(PENDING).rename_axis("territory_code").reset_index())


def territory_states(shares: pd.DataFrame, pending: pd.DataFrame, names: dict[str, str], threshold: int,
                     parents: dict[str, str] | None) -> pd.DataFrame:
    """The Formation table: per territory, the compliance cohort and its states as the catalogue's three shares
    give them (`shares`: indicators.compute rows of taux_formation_6m, taux_formation_tardive and
    taux_sans_formation, already through the masking step, so the table, the map and the cards hide the same
    figures), and beside it the people still within their delay (`pending`, pending_counts), masked with a
    complementary territory per `parents` group (their total is shown one level up)."""
    pick = dict(zip(COMPLIANCE, (ON_TIME, LATE, NEVER)))
    wide = shares.pivot_table(index="territory_code", columns="indicator_id", values="numerator", aggfunc="first",
                              dropna=False).rename(columns=pick).reindex(columns=list(pick.values()))
    first = shares[shares["indicator_id"] == "taux_formation_6m"].set_index("territory_code")
    frame = wide.reset_index()
    frame["cohort"] = frame["territory_code"].map(first["denominator"])
    frame["on_time_rate"] = frame["territory_code"].map(first["value"]).round(1)
    frame = frame.merge(pending, on="territory_code", how="outer")
    frame[PENDING] = frame[PENDING].fillna(0)
    for column in (ON_TIME, LATE, NEVER, "cohort"):  # a territory with only pending people has no cohort
        frame[column] = frame[column].where(frame["territory_code"].isin(first.index), 0.0)
    groups = frame["territory_code"].map(parents or {}).fillna("")
    frame = privacy.hide(frame, privacy.protect_table(frame, [PENDING], threshold, column_groups=groups))
    frame.insert(1, "territory_name", frame["territory_code"].map(names).fillna(frame["territory_code"]))
    columns = ["territory_code", "territory_name", ON_TIME, LATE, PENDING, NEVER, "cohort", "on_time_rate"]
    return frame[columns].sort_values("territory_code").reset_index(drop=True)


# --- « À former »: who is left to train, per establishment and body --------------------------------------

def active_mandates(store: Store, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Mandates active on the date in designated bodies, with the body's label and establishment."""
    where, params = scope.where("m")
    excluded = ", ".join("?" for _ in ELECTED_BODIES)
    sql = f"""
    SELECT m.person_key, m.body_id, m.body_type, b.label AS body_label, b.finess, e.name AS establishment,
           m.department_code, m.region_code
    FROM mandates m JOIN bodies b USING (body_id) LEFT JOIN establishments e ON e.finess = b.finess
    WHERE m.start_date <= ? AND m.end_date >= ? AND m.body_type NOT IN ({excluded}) AND {where}"""
    return store.df(sql, [as_of, as_of, *ELECTED_BODIES, *params])


def to_train(people: pd.DataFrame, mandates: pd.DataFrame, as_of: dt.date, threshold: int = 11) -> pd.DataFrame:
    """Per body: how many RU in mandate on the date are not trained yet, and the days left before the nearest
    deadline (negative: overdue). Counts only; counts under the threshold are shown as « < 11 »."""
    columns = ["body_id", "body_label", "body_type", "establishment", "finess", "department_code", "untrained",
               "untrained_label", "pending", "overdue", "next_deadline", "days_left"]
    people = bound(people)  # first designated before the obligation applied: nobody to train
    state = states(people, as_of)
    untrained = people.assign(state=state, deadline=deadlines(people["first_start"]))
    untrained = untrained[untrained["state"].isin([PENDING, NEVER])]
    rows = mandates.merge(untrained[["person_key", "state", "deadline"]], on="person_key")
    if rows.empty:
        return pd.DataFrame(columns=columns)
    day = pd.Timestamp(as_of)
    rows = rows.assign(pending=(rows["state"] == PENDING).astype(int), overdue=(rows["state"] == NEVER).astype(int),
                       _running=rows["deadline"].where(rows["deadline"] >= day),
                       _passed=rows["deadline"].where(rows["deadline"] < day))
    frame = rows.groupby(["body_id", "body_label", "body_type", "department_code"], dropna=False).agg(
        establishment=("establishment", "first"), finess=("finess", "first"), untrained=("person_key", "nunique"),
        pending=("pending", "sum"), overdue=("overdue", "sum"), _running=("_running", "min"),
        _passed=("_passed", "max")).reset_index()
    # The nearest deadline still running, else the latest one passed.
    frame["next_deadline"] = frame["_running"].fillna(frame["_passed"])
    frame["days_left"] = (frame["next_deadline"] - day).dt.days
    frame["next_deadline"] = frame["next_deadline"].dt.date
    frame["untrained_label"] = [privacy.count_label(n, threshold) for n in frame["untrained"]]
    # Urgency: deadlines still running first (soonest on top), then overdue ones (most recent first).
    frame["_overdue"] = frame["days_left"] < 0
    frame["_key"] = frame["days_left"].where(~frame["_overdue"], -frame["days_left"])
    frame = frame.sort_values(["_overdue", "_key", "body_id"]).drop(columns=["_overdue", "_key", "_running", "_passed"])
    return frame[columns].reset_index(drop=True)


# --- sessions -----------------------------------------------------------------------------------------

def sessions(store: Store, scope: Scope) -> pd.DataFrame:
    """One row per session (module, code, date, département): registered people, attendees, places offered."""
    where, params = scope.where("t") if scope.level != "etablissement" else ("TRUE", [])
    sql = f"""
    SELECT training, coalesce(session, '') AS session, session_date, department_code, region_code,
           count(DISTINCT person_key) AS registered,
           count(DISTINCT person_key) FILTER (WHERE status = 'present') AS attendees,
           max(places) AS places
    FROM trainings t WHERE {where}
    GROUP BY ALL ORDER BY session_date, training, session"""
    return store.df(sql, params)


def calendar(frame: pd.DataFrame, as_of: dt.date, threshold: int = 11) -> pd.DataFrame:
    """Sessions with their state (passée / à venir) and people counts shown as text, masked under the threshold."""
    frame = frame.copy()
    frame["session_date"] = pd.to_datetime(frame["session_date"]).dt.date
    frame["state"] = ["à venir" if d > as_of else "passée" for d in frame["session_date"]]
    for column in ("registered", "attendees"):
        # Attendance is not known yet on the as-of date for a planned session.
        frame[f"{column}_label"] = [("–" if column == "attendees" and s == "à venir" else
                                     privacy.count_label(n, threshold)) for n, s in zip(frame[column], frame["state"])]
    frame["places_label"] = [("–" if pd.isna(p) else str(int(p))) for p in frame["places"]]
    return frame


def attendance_by_year(frame: pd.DataFrame, as_of: dt.date, threshold: int = 11) -> pd.DataFrame:
    """Attendees per module and year of the sessions held up to the as-of date (sum over sessions; a person
    attending two sessions counts twice), masked under the threshold."""
    frame = frame[pd.to_datetime(frame["session_date"]) <= pd.Timestamp(as_of)]
    if frame.empty:
        return pd.DataFrame(columns=["training", "year", "attendees", "masked"])
    years = pd.to_datetime(frame["session_date"]).dt.year
    out = frame.assign(year=years).groupby(["training", "year"], as_index=False)["attendees"].sum()
    out = out[out["attendees"] > 0]
    out["masked"] = privacy.is_small(out["attendees"], threshold)
    out["attendees"] = out["attendees"].where(~out["masked"])
    return out.reset_index(drop=True)


def filter_urgency(table: pd.DataFrame, urgency: str) -> pd.DataFrame:
    """« pending »: bodies with a deadline still running; « overdue »: bodies whose untrained RU are all past their
    deadline; « all »: every body."""
    if urgency == "pending":
        return table[table["days_left"] >= 0].reset_index(drop=True)
    if urgency == "overdue":
        return table[table["days_left"] < 0].reset_index(drop=True)
    return table


def calendar_order(calendar_: pd.DataFrame) -> pd.DataFrame:
    """Planned sessions first (soonest on top), then past ones (most recent on top)."""
    planned = calendar_[calendar_["state"] == "à venir"].sort_values("session_date")
    past = calendar_[calendar_["state"] != "à venir"].sort_values("session_date", ascending=False)
    return pd.concat([planned, past], ignore_index=True)
