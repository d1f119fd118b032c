"""One establishment as a chargé de mission reads it: identity, bodies and seats by role, its seats one by one
(who holds them never named), how long a seat has been vacant, mandates ending soon, meetings by year, projects and
the nomination campaigns of its région. Also the search by FINESS number or name.

Functions taking a `store` read it (I/O edge); the others are pure and work on frames.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd

from observatoire.base import referential, settings
from observatoire.base.dates import add_months
from observatoire.base.db import Scope, Store
from observatoire.base.vocabulary import ELECTED_BODY_TYPES, ROLES
from observatoire.domain import privacy, training

# Who reads seat-level rows (role, association, dates, training): the roles that work on files; « lecture » reads
# counts only.
SEAT_ROWS_ROLES = ("charge_de_mission", "administrateur")
SEARCH_LIMIT = 50
ENDING_MONTHS = 6
ENDING_COLUMNS = ["body_id", "body_type", "label", "role", "association", "start_date", "planned_end_date", "successors"]
UNKNOWN_SINCE = pd.NaT  # vacant since before anything the store knows (no creation date, no mandate before)
# Training state of the person holding a seat, on the date (codes; French words in present/establishment.py).
TRAINED, NOT_YET, OVERDUE, NOT_BOUND, ELECTED = "forme", "pas_encore", "echeance_depassee", "non_concerne", "elu"


def may_see_seats(access) -> bool:
    """Whether this access reads seats one by one (chargé de mission, administrateur, open demo) or counts only."""
    return bool(access.open or access.role in SEAT_ROWS_ROLES)


# --- search ------------------------------------------------------------------------------------------------

def fold(text) -> str:
    """Lower case, accents and punctuation dropped, spaces squeezed: « Hôpital Saint-Jean » -> « hopital saint jean »."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def search(store: Store, text: str, scope: Scope, limit: int = SEARCH_LIMIT, near: Scope | None = None
           ) -> pd.DataFrame:
    """Establishments of the scope whose FINESS number starts with `text`, or whose name contains every word of it
    (case and accents ignored): exact number first, then names starting with the text, then the others; within
    each, those of the territory `near` (the one the user is looking at) first, then by name."""
    columns = ["finess", "name", "category_label", "commune_code", "department_code", "region_code"]
    words = fold(text).split()
    if not words:
        return pd.DataFrame(columns=columns)
    where, params = scope.where("e")
    frame = store.df(f"""
        SELECT e.finess, e.name, e.category_label, e.commune_code, e.department_code, e.region_code
        FROM establishments e WHERE {where}""", params)
    frame = frame.assign(_name=frame["name"].map(fold), _number=frame["finess"].str.upper())
    number = str(text).strip().upper().replace(" ", "")
    by_name = frame["_name"].map(lambda name: all(w in name for w in words)).astype(bool)
    found = frame[frame["_number"].str.startswith(number) | by_name]
    found = found.assign(_rank=np.where(found["_number"] == number, 0,
                                        np.where(found["_name"].str.startswith(" ".join(words)), 1, 2)),
                         _away=~near.mask(found) if near is not None and near.level != "national" else False)
    found = found.sort_values(["_rank", "_away", "_name", "finess"], kind="stable").head(limit)
    return found[columns].reset_index(drop=True)


# --- readers (I/O edge) --------------------------------------------------------------------------------------

def identity(store: Store, finess: str) -> dict | None:
    """The establishment's FINESS identity (name, category, commune, département, région, coordinates), or, for a
    FINESS number known only from the bodies file, what the bodies say; None when the number is unknown."""
    rows = store.df("SELECT * FROM establishments WHERE finess = ?", [finess])
    if len(rows):
        row = rows.iloc[0].to_dict()
    else:
        bodies_ = store.df("SELECT finess, department_code, region_code FROM bodies WHERE finess = ? LIMIT 1",
                           [finess])
        if bodies_.empty:
            return None
        row = {**bodies_.iloc[0].to_dict(), "name": None, "category_label": None, "commune_code": None,
               "lon": None, "lat": None, "legal_status_label": None, "extract_date": None}
    row["department_name"] = referential.names("departement").get(row.get("department_code"))
    row["region_name"] = referential.names("region").get(row.get("region_code"))
    return row


def read_bodies(store: Store, finess: str) -> pd.DataFrame:
    return store.df("SELECT * FROM bodies WHERE finess = ? ORDER BY body_type, body_id", [finess])


def read_mandates(store: Store, finess: str) -> pd.DataFrame:
    """Every mandate ever held in the establishment's bodies (a person is only a pseudonymous key)."""
    return store.df("""
        SELECT m.mandate_id, m.body_id, m.body_type, m.role, m.person_key, m.association, m.start_date,
               m.planned_end_date, m.end_date, m.decree_date
        FROM mandates m JOIN bodies b USING (body_id) WHERE b.finess = ? ORDER BY m.start_date, m.mandate_id""",
                    [finess])


def read_meetings(store: Store, finess: str) -> pd.DataFrame:
    return store.df("""
        SELECT m.body_id, m.body_type, m.meeting_date, m.ru_expected, m.ru_present
        FROM meetings m JOIN bodies b USING (body_id) WHERE b.finess = ? ORDER BY m.meeting_date""", [finess])


def read_projects(store: Store, finess: str) -> pd.DataFrame:
    if not store.has("projects"):
        return pd.DataFrame(columns=["project_id", "title", "forms", "initiator", "involves_ru", "start_date",
                                     "end_date", "status", "link", "department_code", "region_code", "establishment"])
    return store.df("""SELECT p.*, e.name AS establishment FROM projects p
                       LEFT JOIN establishments e ON e.finess = p.finess
                       WHERE p.finess = ? ORDER BY p.start_date DESC, p.project_id""", [finess])


# --- seats ---------------------------------------------------------------------------------------------------

def _open(bodies: pd.DataFrame, as_of: dt.date) -> pd.Series:
    created = pd.to_datetime(bodies["created_on"])
    closed = pd.to_datetime(bodies["closed_on"])
    day = pd.Timestamp(as_of)
    return (created.isna() | (created <= day)) & (closed.isna() | (closed > day))


def body_roles(bodies: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """One row per body open on the date and role with seats: body_id, body_type, label, finess, establishment (when
    the bodies carry its name), territory, role, seats, created_on."""
    open_ = bodies[_open(bodies, as_of)]
    parts = []
    for role, column in (("titulaire", "seats_titular"), ("suppleant", "seats_substitute")):
        part = open_[open_[column] > 0]
        parts.append(pd.DataFrame({"body_id": part["body_id"], "body_type": part["body_type"],
                                   "label": part["label"], "finess": part.get("finess"),
                                   "establishment": part.get("establishment"),
                                   "department_code": part["department_code"], "region_code": part["region_code"],
                                   "role": role, "seats": part[column].astype(int),
                                   "created_on": pd.to_datetime(part["created_on"])}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    order = {role: i for i, role in enumerate(ROLES)}
    return frame.assign(_r=frame["role"].map(order)).sort_values(["body_type", "body_id", "_r"]).drop(
        columns="_r").reset_index(drop=True)


def active_on(mandates: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Mandates in force on the date (started, not ended), the earliest started first."""
    day = pd.Timestamp(as_of)
    keep = (pd.to_datetime(mandates["start_date"]) <= day) & (pd.to_datetime(mandates["end_date"]) >= day)
    return mandates[keep].sort_values(["body_id", "role", "start_date", "mandate_id"], kind="stable")


def vacancy_since(roles: pd.DataFrame, mandates: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Since when each seat vacant on the date has been vacant: one row per body, role and vacant seat `rank`.

    The k-th vacant seat of a body and role is vacant since the first day of the uninterrupted stretch, up to the
    date, during which at least k of its seats were vacant (a seat is vacant on a day when fewer mandates than
    seats cover it). Rank 1 is the longest-vacant seat; with all n seats vacant, the n-th tells since when the body
    has had nobody in that role. A stretch reaching back to the body's creation dates from it; with no creation
    date, `since` is empty (vacant since before anything the store knows)."""
    columns = ["body_id", "role", "rank", "since"]
    if roles.empty:
        return pd.DataFrame(columns=columns)
    day = pd.Timestamp(as_of)
    keys = roles[["body_id", "role", "seats", "created_on"]]
    m = mandates.merge(keys[["body_id", "role"]], on=["body_id", "role"])
    start = pd.to_datetime(m["start_date"])
    after_end = pd.to_datetime(m["end_date"]) + pd.Timedelta(days=1)
    origin = pd.Timestamp("1900-01-01")
    events = pd.concat([
        pd.DataFrame({"body_id": m["body_id"], "role": m["role"], "day": start, "d": 1})[start <= day],
        pd.DataFrame({"body_id": m["body_id"], "role": m["role"], "day": after_end, "d": -1})[after_end <= day],
        pd.DataFrame({"body_id": keys["body_id"], "role": keys["role"],
                      "day": keys["created_on"].fillna(origin), "d": 0}),
    ], ignore_index=True)
    steps = events.groupby(["body_id", "role", "day"], as_index=False)["d"].sum().sort_values(
        ["body_id", "role", "day"])
    steps["active"] = steps.groupby(["body_id", "role"])["d"].cumsum()
    steps = steps.merge(keys, on=["body_id", "role"])
    steps = steps[steps["day"] >= steps["created_on"].fillna(origin)]  # nothing before the body existed
    steps["vacant"] = steps["seats"] - np.minimum(steps["active"], steps["seats"])
    # Suffix minimum: how many seats stayed vacant without a break from each step up to the date.
    steps["held"] = steps.iloc[::-1].groupby(["body_id", "role"])["vacant"].cummin().iloc[::-1]
    steps = steps[steps["held"] > 0]
    if steps.empty:
        return pd.DataFrame(columns=columns)
    # The first step holding each level: seats vacant at ranks (previous level, level] date from it.
    firsts = steps.drop_duplicates(["body_id", "role", "held"], keep="first").copy()
    firsts["below"] = firsts.groupby(["body_id", "role"])["held"].shift(1, fill_value=0)
    firsts["rank"] = [list(range(int(b) + 1, int(h) + 1)) for b, h in zip(firsts["below"], firsts["held"])]
    out = firsts.explode("rank")
    out["since"] = out["day"].where(out["day"] > origin, UNKNOWN_SINCE)
    out["rank"] = out["rank"].astype(int)
    return out[columns].sort_values(["body_id", "role", "rank"]).reset_index(drop=True)


def seats_by_role(roles: pd.DataFrame, mandates: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per open body and role on the date: seats, mandates in force, filled and vacant seats (filled never above
    the seats: a mandate in excess fills nothing), and since when the longest-vacant seat is vacant."""
    active = active_on(mandates, as_of).groupby(["body_id", "role"]).size().rename("active")
    frame = roles.join(active, on=["body_id", "role"])
    frame["active"] = frame["active"].fillna(0).astype(int)
    frame["filled"] = np.minimum(frame["active"], frame["seats"])
    frame["vacant"] = frame["seats"] - frame["filled"]
    since = vacancy_since(roles, mandates, as_of)
    first = since[since["rank"] == 1].set_index(["body_id", "role"])["since"]
    frame["vacant_since"] = [first.get((b, r), pd.NaT) for b, r in zip(frame["body_id"], frame["role"])]
    return frame


def seat_rows(roles: pd.DataFrame, mandates: pd.DataFrame, people: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The seats one by one: for each open body and role, the mandates in force (earliest started first; one above
    the seat count is `in_excess`), then the vacant seats with since when. A filled seat carries its association,
    start, planned end, and the holder's training state and deadline (first designation + 6 months; never a name
    nor the pseudonymous key). `people` is training.first_designations."""
    columns = ["body_id", "body_type", "label", "role", "seat", "filled", "in_excess", "association", "start_date",
               "planned_end_date", "training_state", "deadline", "vacant_since"]
    if roles.empty:
        return pd.DataFrame(columns=columns)
    active = active_on(mandates, as_of).copy()
    active["seat"] = active.groupby(["body_id", "role"]).cumcount() + 1
    states = person_training(people, as_of)
    active = active.merge(states, on="person_key", how="left")
    active = active.merge(roles[["body_id", "role", "seats", "label"]], on=["body_id", "role"])
    elected = active["body_type"].isin(ELECTED_BODY_TYPES)
    active["training_state"] = active["training_state"].where(~elected, ELECTED).fillna(NOT_BOUND)
    active["deadline"] = active["deadline"].where(~elected)
    filled = active.assign(filled=True, in_excess=active["seat"] > active["seats"], vacant_since=pd.NaT)
    since = vacancy_since(roles, mandates, as_of)
    count = active.groupby(["body_id", "role"]).size()
    vacant_rows = []
    for r in roles.itertuples(index=False):
        held = int(count.get((r.body_id, r.role), 0))
        ranks = since[(since["body_id"] == r.body_id) & (since["role"] == r.role)].set_index("rank")["since"]
        # The vacant seats follow the filled ones, the longest-vacant first.
        for i, rank in enumerate(range(1, r.seats - min(held, r.seats) + 1)):
            vacant_rows.append({"body_id": r.body_id, "body_type": r.body_type, "label": r.label, "role": r.role,
                                "seat": min(held, r.seats) + i + 1, "filled": False, "in_excess": False,
                                "vacant_since": ranks.get(rank, pd.NaT)})
    frame = pd.concat([filled, pd.DataFrame(vacant_rows)], ignore_index=True)
    order = {role: i for i, role in enumerate(ROLES)}
    frame = frame.assign(_r=frame["role"].map(order)).sort_values(["body_type", "body_id", "_r", "seat"],
                                                                  kind="stable")
    return frame.reindex(columns=columns).reset_index(drop=True)


def person_training(people: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """person_key -> training state on the date and deadline, by the rule of domain/training.py: trained (a session
    on or before the date), not yet (deadline still running), deadline passed, or not bound (first designated before
    the obligation applied: no deadline)."""
    if people.empty:
        return pd.DataFrame(columns=["person_key", "training_state", "deadline"])
    day = pd.Timestamp(as_of)
    deadline = training.deadlines(people["first_start"])
    trained = people["first_session"].notna() & (people["first_session"] <= day)
    bound = people["first_start"] >= pd.Timestamp(settings.training_obligation_from())
    state = np.select([trained, ~bound, deadline >= day], [TRAINED, NOT_BOUND, NOT_YET], OVERDUE)
    return pd.DataFrame({"person_key": people["person_key"], "training_state": state,
                         "deadline": deadline.where(bound)})


def seat_counts(rows: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """What a reader (« lecture ») gets instead of the seats one by one: per body and role, seats, filled and
    vacant seats (structural counts, as on the map's drill-down) and the RU not trained yet among the holders, a
    count of people masked under the threshold."""
    columns = ["body_id", "body_type", "label", "role", "seats", "filled", "vacant", "untrained", "untrained_label"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    seated = rows[~rows["in_excess"].fillna(False).astype(bool)]
    frame = seated.groupby(["body_id", "body_type", "label", "role"], sort=False).agg(
        seats=("seat", "size"), filled=("filled", "sum")).reset_index()
    untrained = rows[rows["filled"].astype(bool) & rows["training_state"].isin([NOT_YET, OVERDUE])]
    counts = untrained.groupby(["body_id", "role"]).size()
    frame["filled"] = frame["filled"].astype(int)
    frame["vacant"] = frame["seats"] - frame["filled"]
    frame["untrained"] = [int(counts.get((b, r), 0)) for b, r in zip(frame["body_id"], frame["role"])]
    frame["untrained_label"] = [privacy.count_label(n, threshold) for n in frame["untrained"]]
    return frame[columns]


# --- around the seats -----------------------------------------------------------------------------------------

def ending_mandates(mandates: pd.DataFrame, roles: pd.DataFrame, as_of: dt.date,
                    months: int = ENDING_MONTHS) -> pd.DataFrame:
    """Mandates in force on the date whose planned end falls before the date + `months` (measures.ending_mandates:
    what the decrees said on the date), soonest first, with whether a designation for a later start was already
    decreed on the date for the same body and role (`successors`)."""
    horizon = pd.Timestamp(add_months(as_of, months))
    day = pd.Timestamp(as_of)
    active = active_on(mandates, as_of)
    ending = active[pd.to_datetime(active["planned_end_date"]) < horizon]
    decree = pd.to_datetime(mandates["decree_date"])
    later = mandates[(pd.to_datetime(mandates["start_date"]) > day) & (decree.isna() | (decree <= day))]
    successors = later.groupby(["body_id", "role"]).size()
    out = ending.merge(roles[["body_id", "role", "label"]], on=["body_id", "role"], how="left")
    out["successors"] = [int(successors.get((b, r), 0)) for b, r in zip(out["body_id"], out["role"])]
    return out.sort_values(["planned_end_date", "body_id", "role"], kind="stable")[ENDING_COLUMNS].reset_index(
        drop=True)


def ending_counts(ending: pd.DataFrame) -> pd.DataFrame:
    """The reader's view of ending_mandates: per body and role, how many and the first planned end."""
    if ending.empty:
        return pd.DataFrame(columns=["body_id", "body_type", "label", "role", "ending", "first_end"])
    return ending.groupby(["body_id", "body_type", "label", "role"], as_index=False, sort=False).agg(
        ending=("planned_end_date", "size"), first_end=("planned_end_date", "min"))


def meetings_by_year(meetings: pd.DataFrame, bodies: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per body and year up to the date: meetings held, RU expected and present, real participation (%)."""
    columns = ["body_id", "body_type", "label", "year", "meetings", "expected", "present", "rate"]
    held = meetings[pd.to_datetime(meetings["meeting_date"]) <= pd.Timestamp(as_of)]
    if held.empty:
        return pd.DataFrame(columns=columns)
    frame = held.assign(year=pd.to_datetime(held["meeting_date"]).dt.year).groupby(
        ["body_id", "body_type", "year"], as_index=False).agg(
        meetings=("meeting_date", "size"), expected=("ru_expected", "sum"), present=("ru_present", "sum"))
    frame["rate"] = (frame["present"] / frame["expected"].where(frame["expected"] > 0) * 100).round(1)
    frame = frame.merge(bodies[["body_id", "label"]], on="body_id", how="left")
    return frame.sort_values(["year", "body_type"], ascending=[False, True])[columns].reset_index(drop=True)


def campaigns(situations: pd.DataFrame, mandates: pd.DataFrame, body_types: set[str], as_of: dt.date) -> pd.DataFrame:
    """The nomination campaigns of the establishment's région for the types of its bodies (rows of
    measures.campaign_situations: seats opened, candidacies and designations are the région's, as the campaign file
    gives them), with the designations decreed into this establishment's bodies during each campaign's window, up to
    the date."""
    columns = ["label", "body_type", "opens_on", "closes_on", "window_end", "seats_opened", "candidacies",
               "designations", "designations_here"]
    rows = situations[situations["body_type"].isin(body_types)] if len(situations) else situations
    if rows.empty:
        return pd.DataFrame(columns=columns)
    decree = pd.to_datetime(mandates["decree_date"])
    here = []
    for r in rows.itertuples(index=False):
        window = (decree >= pd.Timestamp(r.opens_on)) & (decree <= pd.Timestamp(min(r.window_end, as_of)))
        here.append(int((window & (mandates["body_type"] == r.body_type)).sum()))
    out = rows.assign(designations_here=here)
    return out.sort_values("opens_on", ascending=False)[columns].reset_index(drop=True)
