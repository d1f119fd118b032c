"""« À traiter »: what a territory has to act on at a date, one line per body (or roadmap action), most urgent first.

Each rule is a pure function on frames, tested by hand on small ones; `worklist` reads the store once for the
territory and puts the lines together. No French: the categories are codes (their words are in vocabulary, the
sentences in present/worklist.py). Counts of people (RU to train) carry `count_masked` under the threshold.

Most urgent first: the categories in the order of WORKLIST_CATEGORIES (nobody left to speak for users, then what
falls due soon and can still be prevented, then what is already late, then what is coming in 3 to 6 months); within
a category, a deadline still ahead soonest first, a situation already late most recent first (as « À former »
does): the freshest problems are the ones a chargé de mission can still mend.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from observatoire.base.dates import add_months
from observatoire.base.db import Scope, Store
from observatoire.base.vocabulary import (
    ACTION_ABANDONED,
    ACTION_DONE,
    ELECTED_BODY_TYPES,
    WL_ACTION_DUE,
    WL_ACTION_LATE,
    WL_ENDING_3M,
    WL_ENDING_6M,
    WL_LOW_PARTICIPATION,
    WL_NO_MEETING,
    WL_NO_TITULAR,
    WL_TRAINING_OVERDUE,
    WL_TRAINING_SOON,
    WL_VACANT_6M,
    WORKLIST_CATEGORIES,
)
from observatoire.domain import convention, establishment, privacy, training, vacancy

ENDING_SOON_MONTHS, ENDING_MONTHS = 3, 6       # renewals to prepare: planned end within 3, or 3 to 6 months
VACANT_MONTHS = 6                              # a seat vacant for more than 6 months
TRAINING_SOON_MONTHS = 2                       # a training deadline within 2 months
NO_MEETING_MONTHS = 12                         # no meeting recorded in 12 months
PARTICIPATION_MEETINGS, PARTICIPATION_FLOOR = 4, 50.0  # real participation under 50 % over the last 4 meetings
ACTION_DUE_MONTHS = 1                          # a roadmap action due within a month
AHEAD = (WL_ENDING_3M, WL_ENDING_6M, WL_TRAINING_SOON, WL_ACTION_DUE)  # a deadline still to come

LINE_COLUMNS = ["category", "due", "finess", "establishment", "department_code", "region_code", "body_id",
                "body_label", "body_type", "role", "count", "count_masked", "since", "rate", "convention_id",
                "action_id", "action_label", "owner", "status"]


def _lines(frame: pd.DataFrame, category: str) -> pd.DataFrame:
    return frame.assign(category=category).reindex(columns=LINE_COLUMNS)


def _body_columns(frame: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """The body's label, type, establishment and territory beside each line (from body_roles / bodies)."""
    info = roles.drop_duplicates("body_id")[["body_id", "body_type", "label", "finess", "establishment",
                                             "department_code", "region_code"]].rename(columns={"label": "body_label"})
    return frame.drop(columns=[c for c in info.columns if c != "body_id" and c in frame], errors="ignore").merge(
        info, on="body_id", how="left")


# --- the rules ----------------------------------------------------------------------------------------------

def ending_lines(ahead: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Renewals to prepare: per body and role, the seats that fall vacant at the planned end of mandates within 3
    months (WL_ENDING_3M) or within 3 to 6 months (WL_ENDING_6M) if nobody is renewed. `ahead` is
    vacancy.vacancies_ahead over 6 months: what the decrees said on the date (planned ends, designations already
    decreed for a later start), so a mandate whose successor is already decreed, or held over the seat count, frees
    no seat and is not listed. `count`: seats to renew; `due`: the first planned end (the day before the seat
    falls vacant)."""
    if ahead.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    end = pd.to_datetime(ahead["vacant_from"]) - pd.Timedelta(days=1)
    soon = end < pd.Timestamp(add_months(as_of, ENDING_SOON_MONTHS))
    frame = ahead.assign(category=np.where(soon, WL_ENDING_3M, WL_ENDING_6M), end=end)
    grouped = frame.groupby(["category", "body_id", "role"], as_index=False).agg(
        count=("seats_freed", "sum"), due=("end", "min"), body_label=("body_label", "first"),
        body_type=("body_type", "first"), finess=("finess", "first"), establishment=("establishment", "first"),
        department_code=("department_code", "first"), region_code=("region_code", "first"))
    return pd.concat([_lines(part, category) for category, part in grouped.groupby("category")], ignore_index=True)


def vacancy_lines(roles: pd.DataFrame, mandates: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per body and role, the seats vacant for more than 6 months on the date (WL_VACANT_6M: `count` seats, `since`
    the oldest, `due` the day it passed 6 months), and the bodies with titular seats but no titulaire
    (WL_NO_TITULAR: `since` the day the last titulaire left, or the body's creation). Since when a seat is vacant:
    establishment.vacancy_since."""
    since = establishment.vacancy_since(roles, mandates, as_of)
    if since.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    limit = pd.Timestamp(add_months(as_of, -VACANT_MONTHS))
    long_ = since[since["since"].isna() | (since["since"] < limit)]
    vacant = long_.groupby(["body_id", "role"], as_index=False).agg(
        count=("rank", "size"), since=("since", "min"), unknown=("since", lambda s: s.isna().any()))
    vacant["since"] = vacant["since"].where(~vacant["unknown"])
    vacant["due"] = [pd.NaT if pd.isna(s) else pd.Timestamp(add_months(s.date(), VACANT_MONTHS))
                     for s in vacant["since"]]
    titular = roles[roles["role"] == "titulaire"][["body_id", "seats"]]
    empty = since.merge(titular, on="body_id").query("role == 'titulaire' and rank == seats")
    empty = empty.assign(count=empty["seats"], due=empty["since"])
    return pd.concat([_lines(_body_columns(vacant, roles), WL_VACANT_6M),
                      _lines(_body_columns(empty, roles), WL_NO_TITULAR)], ignore_index=True)


def training_lines(people: pd.DataFrame, mandates: pd.DataFrame, roles: pd.DataFrame, as_of: dt.date,
                   threshold: int) -> pd.DataFrame:
    """Per designated body, the RU in mandate past their training deadline, not trained (WL_TRAINING_OVERDUE:
    `due` the most recent deadline passed) and those whose deadline falls within 2 months (WL_TRAINING_SOON: `due`
    the nearest). The deadline is the first designation + 6 months, for people bound by the obligation
    (training.bound); CVS members are elected, never bound. `count` is a count of people, masked under the
    threshold (`count_masked`)."""
    active = establishment.active_on(mandates, as_of)
    active = active[~active["body_type"].isin(ELECTED_BODY_TYPES) & active["body_id"].isin(roles["body_id"])]
    bound = training.bound(people)
    state = training.states(bound, as_of)
    due = bound.assign(state=state, deadline=training.deadlines(bound["first_start"]))
    soon = pd.Timestamp(add_months(as_of, TRAINING_SOON_MONTHS))
    parts = []
    for category, keep, pick in ((WL_TRAINING_OVERDUE, due["state"] == training.NEVER, "max"),
                                 (WL_TRAINING_SOON, (due["state"] == training.PENDING) & (due["deadline"] <= soon),
                                  "min")):
        rows = active.merge(due.loc[keep, ["person_key", "deadline"]], on="person_key")
        if rows.empty:
            continue
        grouped = rows.groupby("body_id", as_index=False).agg(count=("person_key", "nunique"),
                                                              due=("deadline", pick))
        grouped["count_masked"] = privacy.is_small(grouped["count"], threshold)
        parts.append(_lines(_body_columns(grouped, roles), category))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=LINE_COLUMNS)


def meeting_lines(bodies: pd.DataFrame, meetings: pd.DataFrame, as_of: dt.date,
                  types_with_meetings: set[str]) -> pd.DataFrame:
    """Bodies open on the date, of a type whose meetings the store records, existing for 12 months, without any
    meeting in the 12 months up to the date (WL_NO_MEETING: `since` the last meeting, `due` 12 months after it, or
    after the body's creation); and bodies whose real participation (RU present / RU expected) over their last 4
    meetings up to the date, those where RU were expected, is under 50 % (WL_LOW_PARTICIPATION: `rate`, `due` the
    last of those meetings)."""
    day = pd.Timestamp(as_of)
    year_before = pd.Timestamp(add_months(as_of, -NO_MEETING_MONTHS))
    open_ = bodies[establishment._open(bodies, as_of) & bodies["body_type"].isin(types_with_meetings)]
    created = pd.to_datetime(open_["created_on"])
    old_enough = open_[created.isna() | (created <= year_before)]
    held = meetings[pd.to_datetime(meetings["meeting_date"]) <= day]
    last = pd.to_datetime(held.groupby("body_id")["meeting_date"].max())
    latest = pd.Series(last.reindex(old_enough["body_id"]).to_numpy(), index=old_enough.index)
    silent = old_enough.assign(since=latest)[~(latest > year_before)]
    base = silent["since"].fillna(pd.to_datetime(silent["created_on"]))
    silent["due"] = [pd.NaT if pd.isna(b) else pd.Timestamp(add_months(b.date(), NO_MEETING_MONTHS)) for b in base]
    expected = held[held["ru_expected"] > 0].sort_values("meeting_date", ascending=False)
    recent = expected.groupby("body_id").head(PARTICIPATION_MEETINGS)
    rates = recent.groupby("body_id", as_index=False).agg(n=("meeting_date", "size"), present=("ru_present", "sum"),
                                                          expected=("ru_expected", "sum"), due=("meeting_date", "max"))
    rates["rate"] = rates["present"] / rates["expected"] * 100
    low = rates[(rates["n"] == PARTICIPATION_MEETINGS) & (rates["rate"] < PARTICIPATION_FLOOR)]
    low = low[low["body_id"].isin(bodies.loc[establishment._open(bodies, as_of), "body_id"])]
    low = low.assign(count=PARTICIPATION_MEETINGS, due=pd.to_datetime(low["due"]), rate=low["rate"].round(1))
    return pd.concat([_lines(_body_columns(silent[["body_id", "since", "due"]], bodies), WL_NO_MEETING),
                      _lines(_body_columns(low[["body_id", "count", "rate", "due"]], bodies), WL_LOW_PARTICIPATION)],
                     ignore_index=True)


def action_lines(actions: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Roadmap actions as they stood on the date (convention.roadmap_as_of) neither done nor abandoned: past their
    deadline (WL_ACTION_LATE, convention.overdue) or due within a month (WL_ACTION_DUE). `due`: the deadline."""
    if actions.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    frame = actions.assign(due=pd.to_datetime(actions["due_date"]))
    late = convention.overdue(actions, as_of)
    open_ = frame["status"].notna() & ~frame["status"].isin([ACTION_DONE, ACTION_ABANDONED])
    soon = open_ & ~late & (frame["due"] >= pd.Timestamp(as_of)) & (
        frame["due"] <= pd.Timestamp(add_months(as_of, ACTION_DUE_MONTHS)))
    frame = frame.rename(columns={"label": "action_label"})
    return pd.concat([_lines(frame[late], WL_ACTION_LATE), _lines(frame[soon], WL_ACTION_DUE)], ignore_index=True)


def ordered(lines: pd.DataFrame) -> pd.DataFrame:
    """Most urgent first: by category (WORKLIST_CATEGORIES), then a deadline ahead soonest first, a situation
    already late most recent first (unknown dates last), then by establishment, body and role."""
    if lines.empty:
        return lines.reindex(columns=LINE_COLUMNS)
    rank = lines["category"].map({c: i for i, c in enumerate(WORKLIST_CATEGORIES)})
    due = pd.to_datetime(lines["due"])
    key = np.where(lines["category"].isin(AHEAD), due.astype("int64"), -due.astype("int64"))
    key = pd.Series(key, index=lines.index).where(due.notna(), np.iinfo("int64").max)
    out = lines.assign(_rank=rank, _key=key,
                       _where=[e if isinstance(e, str) else "~" for e in lines["establishment"]])
    out = out.sort_values(["_rank", "_key", "_where", "body_label", "role", "action_id"], kind="stable",
                          na_position="last")
    return out.drop(columns=["_rank", "_key", "_where"]).reset_index(drop=True)


def category_counts(lines: pd.DataFrame) -> dict[str, int]:
    """How many lines in each category (every category listed, zeros included): bodies, or actions."""
    counts = lines["category"].value_counts() if len(lines) else pd.Series(dtype=int)
    return {category: int(counts.get(category, 0)) for category in WORKLIST_CATEGORIES}


# --- readers and assembly (I/O edge) ---------------------------------------------------------------------------

def _designated(scope: Scope) -> tuple[str, list]:
    """The bodies of the territory whose seats the ARS fills by decree: elected bodies (CVS) are left out, their
    members being elected in the establishment (DOMAIN: shown apart)."""
    where, params = scope.where("b")
    return where + "".join(" AND b.body_type <> ?" for _ in ELECTED_BODY_TYPES), [*params, *ELECTED_BODY_TYPES]


def read_bodies(store: Store, scope: Scope) -> pd.DataFrame:
    """Bodies of the territory filled by decree, with their establishment's name."""
    where, params = _designated(scope)
    return store.df(f"""SELECT b.*, e.name AS establishment FROM bodies b
                        LEFT JOIN establishments e ON e.finess = b.finess WHERE {where}
                        ORDER BY b.body_id""", params)


def read_mandates(store: Store, scope: Scope) -> pd.DataFrame:
    where, params = _designated(scope)
    return store.df(f"""
        SELECT m.mandate_id, m.body_id, m.body_type, m.role, m.person_key, m.association, m.start_date,
               m.planned_end_date, m.end_date, m.decree_date
        FROM mandates m JOIN bodies b USING (body_id) WHERE {where}""", params)


def read_meetings(store: Store, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    where, params = _designated(scope)
    return store.df(f"""SELECT m.body_id, m.meeting_date, m.ru_expected, m.ru_present
                        FROM meetings m JOIN bodies b USING (body_id)
                        WHERE m.meeting_date <= ? AND {where}""", [as_of, *params])


def types_with_meetings(store: Store) -> set[str]:
    """Body types whose meetings the store records (elsewhere, no meeting says nothing)."""
    return set(store.df("SELECT DISTINCT body_type FROM meetings")["body_type"])


def roadmaps(store: Store, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """The roadmap actions, as they stood on the date, of the conventions of the territory's région (of every
    convention for France)."""
    frame = store.df("SELECT convention_id, region_code FROM conventions ORDER BY convention_id")
    region = scope.region or (scope.code if scope.level == "region" else None)
    if region:
        frame = frame[frame["region_code"] == region]
    parts = [convention.roadmap(store, cid, as_of) for cid in frame["convention_id"]]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["convention_id", "action_id", "label", "owner", "due_date", "status"])


def worklist(store: Store, scope: Scope, as_of: dt.date, threshold: int) -> pd.DataFrame:
    """Every line to act on in the territory on the date, most urgent first: bodies filled by decree (CVS left
    out) and the roadmap of the territory's convention. `scope` is a listing scope (its région and département cut
    the bodies; its level is ignored)."""
    scope = Scope("national", region=scope.region or (scope.code if scope.level == "region" else None),
                  department=scope.department or (scope.code if scope.level == "departement" else None))
    bodies = read_bodies(store, scope)
    mandates = read_mandates(store, scope)
    roles = establishment.body_roles(bodies, as_of)
    ahead = vacancy.vacancies_ahead(store, scope, as_of, ENDING_MONTHS, {"designated": True})
    parts = [ending_lines(ahead, as_of), vacancy_lines(roles, mandates, as_of),
             training_lines(training.first_designations(store), mandates, roles, as_of, threshold),
             meeting_lines(bodies, read_meetings(store, scope, as_of), as_of, types_with_meetings(store)),
             action_lines(roadmaps(store, scope, as_of), as_of)]
    parts = [p for p in parts if len(p)]
    lines = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=LINE_COLUMNS)
    for column in ("due", "since"):
        lines[column] = pd.to_datetime(lines[column])
    lines["count_masked"] = lines["count_masked"].astype("boolean").fillna(False).astype(bool)
    return ordered(lines)
