"""Training compliance states, cohorts, « À former » and sessions, hand-computed (observatoire/domain/training.py)."""
import datetime as dt

import pandas as pd
import pytest

from observatoire.base.db import Scope, Store
from observatoire.domain import training
from observatoire.domain.training import LATE, NEVER, ON_TIME, PENDING

AS_OF = dt.date(2026, 9, 30)


def people(rows):
    frame = pd.DataFrame(rows, columns=["person_key", "first_start", "first_session"])
    return frame.assign(first_start=pd.to_datetime(frame["first_start"]),
                        first_session=pd.to_datetime(frame["first_session"]))


@pytest.mark.parametrize("first_start, first_session, expected", [
    ("2026-01-01", "2026-03-10", ON_TIME),     # deadline 01/07/2026
    ("2026-01-01", "2025-11-20", ON_TIME),     # trained before the designation
    ("2026-01-01", "2026-07-01", ON_TIME),     # on the deadline itself
    ("2026-01-01", "2026-07-02", LATE),
    ("2026-01-01", None, NEVER),
    ("2026-01-01", "2026-10-15", NEVER),       # trained after the as-of date: not yet on 30/09/2026
    ("2026-05-01", None, PENDING),             # deadline 01/11/2026 still running
    ("2026-05-01", "2026-10-15", PENDING),
    ("2026-03-31", None, PENDING),             # deadline 30/09/2026 = the as-of date
    ("2025-08-31", "2026-02-28", ON_TIME),     # 31/08 + 6 months = 28/02
    ("2025-08-31", "2026-03-01", LATE),
    ("2026-10-01", None, None),                # designated after the as-of date: not in any cohort
])
def test_states(first_start, first_session, expected):
    state = training.states(people([("p", first_start, first_session)]), AS_OF).iloc[0]
    assert state == expected


def test_quarterly_cohorts_without_masking():
    frame = people([
        ("a", "2026-01-05", "2026-02-01"), ("b", "2026-02-10", "2026-09-01"), ("c", "2026-03-31", None),
        ("d", "2026-04-01", None), ("e", "2026-07-15", "2026-08-01"), ("f", "2026-09-30", None),
        ("g", "2025-12-31", "2026-01-10"),      # Q4 2025: outside a 3-quarter window ending Q3 2026
    ])
    cohorts = training.quarterly_cohorts(frame, AS_OF, quarters=3, threshold=1).set_index("label")
    assert list(cohorts.index) == ["T1 2026", "T2 2026", "T3 2026"]
    assert cohorts.loc["T1 2026", [ON_TIME, LATE, PENDING, NEVER, "cohort"]].tolist() == [1, 1, 1, 0, 3]
    assert cohorts.loc["T2 2026", [ON_TIME, LATE, PENDING, NEVER, "cohort"]].tolist() == [0, 0, 1, 0, 1]
    assert cohorts.loc["T3 2026", [ON_TIME, LATE, PENDING, NEVER, "cohort"]].tolist() == [1, 0, 1, 0, 2]
    assert cohorts.loc["T1 2026", "on_time_rate"] == pytest.approx(33.3)
    assert not cohorts["masked"].any()


def test_quarterly_cohorts_mask_small_counts_and_a_complementary_cell():
    # 14 people in Q1 2026: 12 on time, 2 never. The 2 is masked, and with it the smallest other non-zero cell
    # (on time, 12): masking a zero (late) would leave « never » at 1 or 2 (14 − 12 − late, late hidden but tiny).
    rows = [(f"t{i}", "2026-01-10", "2026-02-01") for i in range(12)] + [(f"n{i}", "2026-01-10", None)
                                                                          for i in range(2)]
    cohorts = training.quarterly_cohorts(people(rows), AS_OF, quarters=3, threshold=11).set_index("label")
    q1 = cohorts.loc["T1 2026"]
    assert q1["cohort"] == 14 and q1["masked"] and q1[LATE] == 0 and q1[PENDING] == 0
    assert pd.isna(q1[NEVER]) and pd.isna(q1[ON_TIME])
    assert q1["hidden"] == 14                  # the grey segment: what the two masked cells add up to (12 + 2)
    assert pd.isna(q1["on_time_rate"])         # 12 / 14 would give the on-time count back
    # A quarter of fewer than 11 new RU shows nothing at all.
    small = training.quarterly_cohorts(people(rows[:5]), AS_OF, quarters=3, threshold=11).set_index("label")
    assert pd.isna(small.loc["T1 2026", "cohort"]) and pd.isna(small.loc["T1 2026", "on_time_rate"])


def test_first_designation_excludes_elected_cvs_members(fresh_raw, tmp_path):
    from pipelines.build import build

    # A CVS where Weber (first CDU designation 01/01/2026) sat since 2020, and a CVS-only member.
    with open(fresh_raw / "instances" / "instances.csv", "a", encoding="utf-8") as fh:
        fh.write("CVS;670000041;;Conseil de la vie sociale – CH Haguenau;3;0;01/01/2016;\n")
    with open(fresh_raw / "nominations" / "arretes_2026.csv", "a", encoding="utf-8") as fh:
        fh.write("670000041;;CVS;titulaire;Weber;Luc;;AIDES;01/01/2020;31/12/2022;;;;\n"
                 "670000041;;CVS;titulaire;Durand;Rose;;AIDES;01/01/2026;31/12/2028;;;;\n")
    build(fresh_raw, tmp_path / "out")
    found = training.designated_people(Store(tmp_path / "out"), Scope("national"))
    assert len(found) == 12                   # the 12 people with a CDU mandate; not the CVS-only member
    assert sorted(found["first_start"].dt.date.unique()) == [
        dt.date(2023, 1, 1), dt.date(2023, 3, 1), dt.date(2023, 6, 1), dt.date(2023, 9, 1), dt.date(2024, 2, 1),
        dt.date(2026, 1, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 16)]


def test_states_agree_with_the_catalogue_measure(store):
    # tests/test_indicators.py: first designated 01/06/2025-28/02/2026, on 30/09/2026: 2 on time, 1 late, 2 never.
    found = training.designated_people(store, Scope("national"))
    cohort = found[found["first_start"].between("2025-06-01", "2026-02-28")]
    assert training.states(cohort, AS_OF).value_counts().to_dict() == {ON_TIME: 2, NEVER: 2, LATE: 1}


def test_to_train_counts_days_left_and_urgency():
    persons = people([("a", "2026-05-01", None), ("b", "2026-06-15", None), ("c", "2026-01-01", None),
                      ("d", "2026-02-01", "2026-03-01"), ("e", "2025-01-10", None)])
    mandates = pd.DataFrame({
        "person_key": ["a", "b", "c", "d", "e", "a"],
        "body_id": ["CDU-1", "CDU-1", "CDU-2", "CDU-2", "CDU-3", "CS-1"],
        "body_type": ["CDU", "CDU", "CDU", "CDU", "CDU", "CS"],
        "body_label": ["CDU 1", "CDU 1", "CDU 2", "CDU 2", "CDU 3", "CS 1"],
        "finess": ["1", "1", "2", "2", "3", "1"], "establishment": ["E1", "E1", "E2", "E2", "E3", "E1"],
        "department_code": ["67"] * 6, "region_code": ["44"] * 6})
    table = training.to_train(persons, mandates, AS_OF, threshold=2).set_index("body_id")
    # CDU-1: a (deadline 01/11/2026, 32 days) and b (15/12/2026); CS-1: a; CDU-2: c overdue since 01/07/2026
    # (d trained); CDU-3: e overdue since 10/07/2025.
    assert list(table.index) == ["CDU-1", "CS-1", "CDU-2", "CDU-3"]
    assert table.loc["CDU-1", ["untrained", "pending", "overdue", "days_left"]].tolist() == [2, 2, 0, 32]
    assert table.loc["CDU-1", "untrained_label"] == "2" and table.loc["CS-1", "untrained_label"] == "< 2"
    assert table.loc["CDU-2", ["untrained", "overdue", "days_left"]].tolist() == [1, 1, -91]
    assert table.loc["CDU-3", "days_left"] == -447
    assert training.filter_urgency(table.reset_index(), "pending")["body_id"].tolist() == ["CDU-1", "CS-1"]
    assert training.filter_urgency(table.reset_index(), "overdue")["body_id"].tolist() == ["CDU-2", "CDU-3"]


def test_sessions_calendar_and_attendance(store):
    sessions = training.sessions(store, Scope("national"))
    # tests/conftest.py FORMATIONS: REA-67-2026-1 (10/03/2026): Weber present, Fischer absent, Wagner excused.
    first = sessions.set_index("session").loc["REA-67-2026-1"]
    assert (first["registered"], first["attendees"]) == (3, 1)
    calendar = training.calendar(sessions, dt.date(2026, 9, 16), threshold=11).set_index("session")
    assert calendar.loc["REA-67-2026-1", ["state", "registered_label", "attendees_label"]].tolist() == [
        "passée", "< 11", "< 11"]
    later = calendar.reset_index().set_index("session_date").loc[dt.date(2026, 9, 20)]
    assert (later["state"], later["attendees_label"]) == ("à venir", "–")   # attendance not known yet
    assert calendar.reset_index().set_index("session_date").loc[dt.date(2026, 9, 15), "state"] == "passée"
    attendance = training.attendance_by_year(sessions, dt.date(2026, 12, 31), threshold=1)
    assert dict(zip(zip(attendance["training"], attendance["year"]), attendance["attendees"])) == {
        ("RU en Avant !", 2025): 1, ("RU en Avant !", 2026): 3,
        ("RU et patients partenaires : agir ensemble", 2026): 1}
    assert training.attendance_by_year(sessions, dt.date(2026, 12, 31), threshold=11)["masked"].all()


def test_the_formation_table_and_the_catalogue_share_one_cohort(store, monkeypatch):
    """15/10/2026 is judged on 30/09/2026 (last completed quarter). Cohort: first designated by decree between
    01/10/2025 and 31/03/2026 with the deadline passed: the five of 01/01/2026. Weber (10/03/2026) and Keller
    (before his designation) on time, Muller (15/09/2026, deadline 01/07/2026) late, Fischer (absent, then another
    module) and Wagner (excused) never: 2/5 = 40 %. Hoffmann (01/04/2026) and Braun (16/05/2026) are designated
    in the period but still within their delay: beside the table, outside the rate."""
    from observatoire.base import dates, referential
    from observatoire.domain import indicators
    from observatoire.domain.training import COMPLIANCE, designated_people, pending_counts, territory_states

    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "1")
    as_of = dt.date(2026, 10, 15)
    card = indicators.compute(store, "taux_formation_6m", Scope("departement", "67"), as_of).iloc[0]
    assert (card["numerator"], card["denominator"], card["value"]) == (2, 5, 40.0)
    judged = dates.last_quarter_end(as_of)
    shares = pd.concat([indicators.compute(store, i, Scope("departement"), as_of) for i in COMPLIANCE])
    pending = pending_counts(designated_people(store, Scope("national")), judged, "departement",
                             dates.default_period(judged))
    table = territory_states(shares, pending, referential.names("departement"), 1,
                             indicators.parents(store, "departement"))
    row = table.set_index("territory_code").loc["67"]
    assert (row[ON_TIME], row[LATE], row[NEVER], row["cohort"], row["on_time_rate"]) == (2, 1, 2, 5, 40.0)
    assert row[PENDING] == 2
    # Nothing moves until the quarter ends: the same on 15/12/2026.
    assert indicators.compute(store, "taux_formation_6m", Scope("departement", "67"),
                              dt.date(2026, 12, 15)).iloc[0]["value"] == 40.0


def test_the_obligation_applies_from_its_legal_date(store, monkeypatch):
    """Set the obligation's start after the five designations of 01/01/2026: nobody is due, and nobody is « à
    former » (Meyer, first designated in 2023, neither)."""
    from observatoire.domain import indicators
    from observatoire.domain.training import active_mandates, designated_people, to_train

    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "1")
    monkeypatch.setenv("OBSERVATOIRE_TRAINING_OBLIGATION_FROM", "2026-02-01")
    assert indicators.compute(store, "taux_formation_6m", Scope("departement", "67"), dt.date(2026, 10, 15)).empty
    listed = to_train(designated_people(store, Scope("departement", department="67")),
                      active_mandates(store, Scope("departement", department="67"), dt.date(2026, 10, 15)),
                      dt.date(2026, 10, 15), threshold=1)
    # Only Hoffmann (01/04/2026, deadline 01/10/2026 passed by 14 days) and Braun (16/05/2026, 32 days left),
    # designated after the date, are left to train.
    assert [(r.finess, r.untrained, r.days_left) for r in listed.itertuples()] == [
        ("670000033", 1, 32), ("670000025", 1, -14)]
