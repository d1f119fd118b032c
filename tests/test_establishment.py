"""One establishment's page: seats one by one, since when a seat is vacant, training of the holders, mandates ending,
meetings by year, campaigns, the search, and the access rules (hand-computed on tiny frames and the fixture store)."""
import datetime as dt

import pandas as pd
import pytest

from observatoire.base.db import Scope
from observatoire.domain import establishment as E
from observatoire.domain.access import Access
from observatoire.present import establishment as view
from tests.desk_frames import bodies, day, mandates, meetings, people

AS_OF = dt.date(2026, 3, 1)


def since(frame, body_id, role):
    rows = frame[(frame["body_id"] == body_id) & (frame["role"] == role)].sort_values("rank")
    return [None if pd.isna(s) else s.strftime("%d/%m/%Y") for s in rows["since"]]


# --- since when a seat is vacant ----------------------------------------------------------------------------

# One CDU of 2 titular seats created 01/01/2016. Each case: the titular mandates, what vacancy_since says on 01/03/2026.
VACANCY_CASES = [
    # Two mandates, one left 31/12/2020, the other 30/06/2022: 2 vacant seats, the first since 01/01/2021.
    ([("CDU-1", "titulaire", "a", "01/01/2020", "31/12/2020"), ("CDU-1", "titulaire", "b", "01/01/2020", "30/06/2022")],
     ["01/01/2021", "01/07/2022"]),
    # Never any mandate: both seats vacant since the body's creation.
    ([], ["01/01/2016", "01/01/2016"]),
    # One seat filled again on 01/01/2024: the body has lacked at least one titulaire without a break since 01/01/2021.
    ([("CDU-1", "titulaire", "a", "01/01/2020", "31/12/2020"), ("CDU-1", "titulaire", "b", "01/01/2020", "30/06/2022"),
      ("CDU-1", "titulaire", "c", "01/01/2024", "31/12/2026")], ["01/01/2021"]),
    # ... but a break (both seats filled during 2023) starts the count again: vacant since 01/01/2024.
    ([("CDU-1", "titulaire", "a", "01/01/2020", "31/12/2023"), ("CDU-1", "titulaire", "b", "01/01/2020", "30/06/2022"),
      ("CDU-1", "titulaire", "c", "01/01/2023", "31/12/2026")], ["01/01/2024"]),
    # Both seats filled (3 mandates for 2 seats): nothing vacant.
    ([("CDU-1", "titulaire", p, "01/01/2025", "31/12/2027") for p in "abc"], []),
    # An early end: the seat is vacant from the day after it (planned end 2027, resigned 15/02/2026).
    ([("CDU-1", "titulaire", "a", "01/01/2025", "31/12/2027", "15/02/2026"),
      ("CDU-1", "titulaire", "b", "01/01/2025", "31/12/2027")], ["16/02/2026"]),
]


@pytest.mark.parametrize("rows, expected", VACANCY_CASES)
def test_since_when_a_seat_is_vacant(rows, expected):
    roles = E.body_roles(bodies(("CDU-1", "CDU", 2, 0, "01/01/2016")), AS_OF)
    assert since(E.vacancy_since(roles, mandates(*rows), AS_OF), "CDU-1", "titulaire") == expected


def test_a_body_without_creation_date_and_never_filled_is_vacant_since_an_unknown_date():
    roles = E.body_roles(bodies(("CDU-1", "CDU", 1, 0, None)), AS_OF)
    assert since(E.vacancy_since(roles, mandates(), AS_OF), "CDU-1", "titulaire") == [None]
    rows = view.seat_display(E.seat_rows(roles, mandates(), people(), AS_OF), AS_OF)
    assert rows["state"].tolist() == ["Vacant, jamais pourvu dans les données"]


# --- the seats one by one ------------------------------------------------------------------------------------

def test_seats_one_by_one_with_association_dates_and_training_never_a_name():
    frame_bodies = bodies(("CDU-670000199", "CDU", 2, 2, "01/01/2016"))
    frame_mandates = mandates(
        ("CDU-670000199", "titulaire", "p1", "01/12/2025", "30/11/2028"),   # trained 10/01/2026: formé
        ("CDU-670000199", "titulaire", "p2", "01/12/2025", "30/11/2028"),   # first designated 2015: not bound
        ("CDU-670000199", "suppleant", "p3", "01/01/2026", "31/12/2028"),   # deadline 01/07/2026, not trained yet
        ("CDU-670000199", "suppleant", "p4", "01/06/2023", "31/05/2026", "31/12/2025"))  # resigned, p3 followed
    holders = people(("p1", "01/12/2025", "10/01/2026"), ("p2", "01/01/2015", None),
                     ("p3", "01/01/2026", None), ("p4", "01/06/2023", None))
    roles = E.body_roles(frame_bodies, AS_OF)
    rows = E.seat_rows(roles, frame_mandates, holders, AS_OF)
    assert rows[["role", "seat", "filled"]].values.tolist() == [
        ["titulaire", 1, True], ["titulaire", 2, True], ["suppleant", 1, True], ["suppleant", 2, False]]
    assert rows["training_state"].tolist()[:3] == [E.TRAINED, E.NOT_BOUND, E.NOT_YET]
    assert rows["deadline"].iloc[2] == day("01/07/2026")
    assert pd.isna(rows["deadline"].iloc[1])                        # before the obligation: no deadline
    # Never two suppléants at once since the creation: the second seat has been vacant since 01/01/2016.
    assert rows["vacant_since"].iloc[3] == day("01/01/2016")
    assert rows["association"].iloc[0] == "Association p1"
    assert "person_key" not in rows.columns                         # the pseudonym never reaches the page
    shown = view.seat_display(rows, AS_OF)
    assert shown["state"].tolist() == ["Pourvu", "Pourvu", "Pourvu", "Vacant depuis le 01/01/2016 (10 ans et 2 mois)"]
    assert shown["training"].tolist() == ["Formé", "Non concerné (désigné avant l'obligation)",
                                          "Pas encore formé (délai en cours)", ""]
    by_role = E.seats_by_role(roles, frame_mandates, AS_OF)
    assert by_role[["role", "seats", "filled", "vacant"]].values.tolist() == [["titulaire", 2, 2, 0],
                                                                            ["suppleant", 2, 1, 1]]


def test_a_mandate_above_the_seat_count_is_shown_in_excess_and_fills_nothing():
    roles = E.body_roles(bodies(("CDU-1", "CDU", 2, 0, "01/01/2016")), AS_OF)
    rows = E.seat_rows(roles, mandates(*[("CDU-1", "titulaire", p, f"0{i}/01/2026", "31/12/2028")
                                         for i, p in enumerate("abc", start=1)]), people(), AS_OF)
    assert rows["in_excess"].tolist() == [False, False, True]
    assert view.seat_display(rows, AS_OF)["state"].tolist() == ["Pourvu", "Pourvu", "Pourvu, en surnombre"]
    counts = E.seat_counts(rows, 11)
    assert counts[["seats", "filled", "vacant"]].values.tolist() == [[2, 2, 0]]


def test_a_cvs_member_is_elected_never_bound_to_the_training():
    roles = E.body_roles(bodies(("CVS-1", "CVS", 1, 0, "01/01/2016")), AS_OF)
    rows = E.seat_rows(roles, mandates(("CVS-1", "titulaire", "e", "01/01/2026", "31/12/2028")),
                       people(("e", "01/01/2026", None)), AS_OF)
    assert rows["training_state"].tolist() == [E.ELECTED] and pd.isna(rows["deadline"].iloc[0])


def test_a_reader_gets_counts_with_people_under_the_threshold_masked():
    roles = E.body_roles(bodies(("CDU-1", "CDU", 2, 0, "01/01/2016")), AS_OF)
    rows = E.seat_rows(roles, mandates(("CDU-1", "titulaire", "a", "01/01/2026", "31/12/2028")),
                       people(("a", "01/01/2026", None)), AS_OF)
    counts = E.seat_counts(rows, 11)
    assert counts[["seats", "filled", "vacant", "untrained", "untrained_label"]].values.tolist() == [
        [2, 1, 1, 1, "< 11"]]
    assert E.seat_counts(rows.assign(training_state=E.TRAINED), 11)["untrained_label"].tolist() == ["0"]


@pytest.mark.parametrize("role, seat_rows", [("lecture", False), ("charge_de_mission", True),
                                             ("administrateur", True)])
def test_seat_level_rows_for_charges_de_mission_and_administrateurs_only(role, seat_rows):
    assert E.may_see_seats(Access("departement", "67", role)) is seat_rows


# --- mandates ending, meetings, campaigns -----------------------------------------------------------------------

def test_mandates_ending_within_6_months_with_a_successor_already_decreed():
    roles = E.body_roles(bodies(("CDU-1", "CDU", 2, 2, "01/01/2016")), AS_OF)
    frame = mandates(("CDU-1", "titulaire", "a", "01/08/2023", "31/07/2026"),       # ends 31/07/2026: listed
                     ("CDU-1", "titulaire", "b", "01/01/2026", "31/12/2028"),       # not ending
                     ("CDU-1", "suppleant", "c", "01/09/2023", "31/08/2026"),       # ends after 01/09? no: listed
                     ("CDU-1", "suppleant", "d", "01/09/2026", "31/08/2029", None, "20/02/2026"))  # decreed
    ending = E.ending_mandates(frame, roles, AS_OF)
    assert ending[["role", "planned_end_date", "successors"]].values.tolist() == [
        ["titulaire", day("31/07/2026"), 0], ["suppleant", day("31/08/2026"), 1]]
    assert view.ending_display(ending)["successor"].tolist() == ["non", "oui"]
    assert E.ending_counts(ending)[["role", "ending"]].values.tolist() == [["titulaire", 1], ["suppleant", 1]]
    # On 01/03/2026 a planned end on 01/09/2026 is 6 months away: not within 6 months.
    later = mandates(("CDU-1", "titulaire", "a", "01/09/2023", "01/09/2026"))
    assert E.ending_mandates(later, roles, AS_OF).empty


def test_meetings_and_real_participation_by_year():
    frame = meetings(("CDU-1", "15/03/2025", 2, 1), ("CDU-1", "15/06/2025", 2, 2), ("CDU-1", "15/01/2026", 2, 0),
                     ("CDU-1", "15/04/2026", 2, 2))    # after the date: not counted
    out = E.meetings_by_year(frame, bodies(("CDU-1", "CDU", 2, 2, "01/01/2016")), AS_OF)
    assert out[["year", "meetings", "expected", "present", "rate"]].values.tolist() == [
        [2026, 1, 2, 0, 0.0], [2025, 2, 4, 3, 75.0]]


def test_campaigns_with_the_designations_decreed_into_the_establishment():
    situations = pd.DataFrame({"label": ["Campagne 2026"], "body_type": ["CDU"], "opens_on": [dt.date(2026, 3, 2)],
                               "closes_on": [dt.date(2026, 5, 29)], "window_end": [dt.date(2026, 7, 31)],
                               "status_date": [dt.date(2026, 6, 30)], "seats_opened": [400], "candidacies": [380],
                               "designations": [269]})
    frame = mandates(("CDU-1", "titulaire", "a", "01/07/2026", "30/06/2029", None, "15/06/2026"),   # in the window
                     ("CDU-1", "titulaire", "b", "01/09/2026", "30/08/2029", None, "10/08/2026"),   # after it
                     ("CDU-1", "suppleant", "c", "01/01/2026", "31/12/2028", None, "15/12/2025"))   # before it
    out = E.campaigns(situations, frame, {"CDU"}, dt.date(2026, 9, 1))
    assert out[["seats_opened", "candidacies", "designations", "designations_here"]].values.tolist() == [
        [400, 380, 269, 1]]
    assert E.campaigns(situations, frame, {"CS"}, dt.date(2026, 9, 1)).empty


# --- search and identity on the fixture store ------------------------------------------------------------------

SEARCH_CASES = [
    ("haguenau", Scope("etablissement"), ["670000041"]),
    ("HAGUENAU", Scope("etablissement"), ["670000041"]),
    ("sainte odile", Scope("etablissement"), ["670000033"]),       # hyphen and case ignored
    ("réunion", Scope("etablissement"), ["970400017"]),
    ("reunion", Scope("etablissement"), ["970400017"]),             # accent ignored
    ("670000041", Scope("etablissement"), ["670000041"]),            # exact number first
    ("6700000", Scope("etablissement"), ["670000041", "670000025", "670000033"]),  # a number's beginning
    ("centre hospitalier", Scope("etablissement", region="44"), ["670000041", "670000025"]),
    ("centre hospitalier", Scope("etablissement", department="2A"), ["2A0000015"]),
    ("ajaccio", Scope("etablissement", department="67"), []),       # outside the territory: never found
    ("   ", Scope("etablissement"), []),
]


def test_the_territory_looked_at_comes_first(store):
    assert E.search(store, "centre hospitalier", Scope("etablissement"))["finess"].tolist()[:1] == ["2A0000015"]
    near = E.search(store, "centre hospitalier", Scope("etablissement"), near=Scope("departement", "67"))
    assert near["finess"].tolist()[:2] == ["670000041", "670000025"]


@pytest.mark.parametrize("text, scope, expected", SEARCH_CASES)
def test_search_by_number_or_name_ignoring_case_and_accents(store, text, scope, expected):
    assert E.search(store, text, scope)["finess"].tolist() == expected


def test_identity_from_the_finess_extract(store):
    found = E.identity(store, "670000025")
    assert found["category_label"] == "Centre Hospitalier (C.H.)" and found["department_name"] == "Bas-Rhin"
    lines = dict(view.identity_lines(found))
    assert lines["Commune"] == "Strasbourg – Bas-Rhin (67)" and lines["Région"] == "Grand Est"
    assert lines["Coordonnées"].endswith("E") and E.identity(store, "999999999") is None


def test_the_page_address_carries_the_territory_and_the_date():
    assert view.url("670000199") == "etablissement?finess=670000199"
    assert view.url("670000199", "region:44", dt.date(2026, 3, 1), "https://obs.example.fr/") == (
        "https://obs.example.fr/etablissement?finess=670000199&territoire=region%3A44&date=2026-03-01")
    frame = view.with_links(pd.DataFrame({"finess": ["670000199", None]}), "departement:67", None)
    assert frame["link"].iloc[0] == "etablissement?finess=670000199&territoire=departement%3A67"
    assert pd.isna(frame["link"].iloc[1])


@pytest.mark.parametrize("since_, expected", [(dt.date(2026, 2, 17), "12 jours"), (dt.date(2026, 1, 31), "1 mois"),
                                              (dt.date(2025, 3, 1), "1 an"), (dt.date(2023, 12, 15), "2 ans et 2 mois"),
                                              (dt.date(2026, 2, 28), "1 jour")])
def test_how_long_a_seat_has_been_vacant_in_words(since_, expected):
    assert view.duration(since_, AS_OF) == expected


def test_seats_by_body_and_role_in_words():
    roles = E.body_roles(bodies(("CDU-1", "CDU", 2, 2, None)), AS_OF)
    frame = E.seats_by_role(roles, mandates(("CDU-1", "titulaire", "a", "01/01/2025", "31/12/2027"),
                                            ("CDU-1", "titulaire", "b", "01/01/2025", "31/12/2027", "15/02/2026"),
                                            ("CDU-1", "suppleant", "c", "01/01/2025", "31/12/2027")), AS_OF)
    assert view.body_rows(frame)["vacant_since_text"].tolist() == ["16/02/2026", "jamais pourvu dans les données"]
