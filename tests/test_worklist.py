"""« À traiter »: each rule hand-computed on tiny frames, then the whole list on a tiny store (below), its words, its
CSV and XLSX, most urgent first.

Desk store (Bas-Rhin 67, Grand Est; the other sources from tests/conftest.py), situation on 01/03/2026:
  CDU-670000025  2 tit + 2 sup   A titulaire 01/08/2023–31/07/2026 (the issue's example), B titulaire to 2028;
                                 C and D suppléants to 31/05/2026, E suppléant from 01/06/2026 decreed 15/02/2026
                                 (E renews one of them: one seat left to renew)
  CDU-670000033  2 tit + 2 sup   F titulaire 2024, resigned 31/07/2025, G titulaire from 01/01/2026: one titular
                                 seat short without a break since the creation (2016); no suppléant ever
  CVS-670000041  1 tit           never filled: elected members, never in « À traiter »
  convention GE-DESK             A1 due 15/03/2026, en cours since 01/01/2026; A2 due 31/01/2026, à faire; A3 done
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest

from observatoire.base.db import Scope, Store
from observatoire.base.vocabulary import (
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
from observatoire.domain import establishment
from observatoire.domain import worklist as W
from observatoire.present import worklist as view
from tests.conftest import NOMINATIONS_HEADER, write_fixture_raw
from tests.desk_frames import bodies, day, mandates, meetings, people

AS_OF = dt.date(2026, 3, 1)


def lines_of(frame: pd.DataFrame, category: str) -> list:
    part = frame[frame["category"] == category]
    return [(r.body_id, r.role if isinstance(r.role, str) else None, 0 if pd.isna(r.count) else int(r.count),
             r.due.strftime("%d/%m/%Y") if not pd.isna(r.due) else None) for r in part.itertuples()]


# --- renewals to prepare --------------------------------------------------------------------------------------

def ahead(*rows) -> pd.DataFrame:
    """vacancy.vacancies_ahead rows: (body_id, role, seats freed, day the seat falls vacant)."""
    return pd.DataFrame([{"body_id": b, "body_label": b, "body_type": "CDU", "finess": b.split("-")[1],
                          "establishment": "É", "department_code": "67", "region_code": "44", "role": r,
                          "seats": 2, "seats_freed": n, "vacant_from": day(v).date()} for b, r, n, v in rows])


@pytest.mark.parametrize("as_of, category, absent", [
    (dt.date(2026, 3, 1), WL_ENDING_6M, WL_ENDING_3M),   # 31/07/2026 is 5 months away: 3 to 6 months, not under 3
    (dt.date(2026, 5, 1), WL_ENDING_3M, WL_ENDING_6M),   # 31/07/2026 < 01/08/2026: under 3 months
])
def test_a_titulaire_ending_on_31_07_2026_is_a_renewal_to_prepare(as_of, category, absent):
    frame = W.ending_lines(ahead(("CDU-1", "titulaire", 1, "01/08/2026")), as_of)
    assert lines_of(frame, category) == [("CDU-1", "titulaire", 1, "31/07/2026")]
    assert lines_of(frame, absent) == []


def test_renewals_are_counted_in_seats_per_body_and_role_first_end_first():
    frame = W.ending_lines(ahead(("CDU-1", "suppleant", 1, "01/05/2026"), ("CDU-1", "suppleant", 1, "15/05/2026"),
                                 ("CDU-1", "titulaire", 2, "01/08/2026")), AS_OF)
    assert lines_of(frame, WL_ENDING_3M) == [("CDU-1", "suppleant", 2, "30/04/2026")]
    assert lines_of(frame, WL_ENDING_6M) == [("CDU-1", "titulaire", 2, "31/07/2026")]


# --- vacant seats ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("resigned, listed", [
    ("31/08/2025", False),   # vacant since 01/09/2025: exactly 6 months on 01/03/2026, not more
    ("30/08/2025", True),    # vacant since 31/08/2025: more than 6 months
])
def test_a_seat_vacant_for_more_than_6_months(resigned, listed):
    roles = establishment.body_roles(bodies(("CDU-1", "CDU", 2, 0, "01/01/2016")), AS_OF)
    frame = W.vacancy_lines(roles, mandates(("CDU-1", "titulaire", "a", "01/01/2024", "31/12/2026", resigned),
                                            ("CDU-1", "titulaire", "b", "01/01/2024", "31/12/2026")), AS_OF)
    assert bool(lines_of(frame, WL_VACANT_6M)) is listed
    assert lines_of(frame, WL_NO_TITULAR) == []


def test_a_body_with_no_titulaire_since_its_last_one_left():
    roles = establishment.body_roles(bodies(("CDU-1", "CDU", 2, 2, "01/01/2016")), AS_OF)
    frame = W.vacancy_lines(roles, mandates(("CDU-1", "titulaire", "a", "01/01/2024", "31/12/2026", "31/10/2025"),
                                            ("CDU-1", "titulaire", "b", "01/01/2024", "31/12/2026", "15/02/2026"),
                                            ("CDU-1", "suppleant", "c", "01/01/2024", "31/12/2026"),
                                            ("CDU-1", "suppleant", "d", "01/01/2024", "31/12/2026")), AS_OF)
    assert lines_of(frame, WL_NO_TITULAR) == [("CDU-1", "titulaire", 2, "16/02/2026")]
    assert frame.loc[frame["category"] == WL_NO_TITULAR, "since"].iloc[0] == day("16/02/2026")
    assert lines_of(frame, WL_VACANT_6M) == []   # the first titular seat: vacant since 01/11/2025, 4 months


# --- training ---------------------------------------------------------------------------------------------------

def test_ru_past_their_deadline_and_those_due_within_2_months():
    roles = establishment.body_roles(bodies(("CDU-1", "CDU", 2, 2, "01/01/2016"), ("CVS-2", "CVS", 2, 0,
                                                                                    "01/01/2016")), AS_OF)
    frame = mandates(("CDU-1", "titulaire", "late", "01/01/2025", "31/12/2027"),   # deadline 01/07/2025 passed
                     ("CDU-1", "titulaire", "soon", "01/11/2025", "31/10/2028"),   # deadline 01/05/2026: in 2 months
                     ("CDU-1", "suppleant", "later", "02/11/2025", "31/10/2028"),  # deadline 02/05/2026: not yet
                     ("CDU-1", "suppleant", "done", "01/01/2025", "31/12/2027"),   # trained late: not listed
                     ("CVS-2", "titulaire", "elected", "01/01/2025", "31/12/2027"))  # CVS: never bound
    holders = people(("late", "01/01/2025", None), ("soon", "01/11/2025", None), ("later", "02/11/2025", None),
                     ("done", "01/01/2025", "01/09/2025"), ("elected", "01/01/2025", None),
                     ("old", "01/01/2016", None))
    out = W.training_lines(holders, frame, roles, AS_OF, threshold=11)
    assert lines_of(out, WL_TRAINING_OVERDUE) == [("CDU-1", None, 1, "01/07/2025")]
    assert lines_of(out, WL_TRAINING_SOON) == [("CDU-1", None, 1, "01/05/2026")]
    assert out["count_masked"].tolist() == [True, True]   # 1 person: under 11, never written
    shown = view.rows(out, AS_OF, "departement:67", 11)
    assert "< 11 RU en mandat non formé(s)" in shown["detail"].iloc[0] and " 1 " not in shown["detail"].iloc[0]


# --- meetings ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("last_meeting, listed", [
    ("01/03/2025", True),    # 12 months up to 01/03/2026 run from 02/03/2025: no meeting in them
    ("02/03/2025", False),
])
def test_a_body_without_meeting_in_12_months(last_meeting, listed):
    frame = W.meeting_lines(bodies(("CDU-1", "CDU", 2, 2, "01/01/2016")), meetings(("CDU-1", last_meeting, 2, 2)),
                            AS_OF, {"CDU"})
    assert bool(lines_of(frame, WL_NO_MEETING)) is listed


def test_no_meeting_says_nothing_for_a_young_body_or_a_type_whose_meetings_are_not_recorded():
    young = bodies(("CDU-1", "CDU", 2, 2, "01/06/2025"))
    assert W.meeting_lines(young, meetings(), AS_OF, {"CDU"}).empty
    assert W.meeting_lines(bodies(("CS-1", "CS", 2, 0, "01/01/2016")), meetings(), AS_OF, {"CDU"}).empty
    never = W.meeting_lines(bodies(("CDU-1", "CDU", 2, 2, "01/01/2016")), meetings(), AS_OF, {"CDU"})
    assert never["category"].tolist() == [WL_NO_MEETING] and never["due"].iloc[0] == day("01/01/2017")
    assert view.rows(never, AS_OF, "departement:67", 11)["detail"].tolist() == ["Aucune séance enregistrée"]


@pytest.mark.parametrize("present, listed", [((1, 1, 1, 0), True),    # 3 of 8: 37,5 %
                                             ((1, 1, 1, 1), False),   # 4 of 8: 50 %, not under
                                             ])
def test_real_participation_under_50_percent_over_the_last_4_meetings(present, listed):
    rows = [("CDU-1", f"01/0{m}/2025", 2, p) for m, p in zip((1, 3, 5, 7), present)]
    rows += [("CDU-1", "01/09/2025", 0, 0),          # no RU expected: not one of the 4
             ("CDU-1", "01/01/2024", 2, 2)]          # a fifth, older meeting: not counted
    frame = W.meeting_lines(bodies(("CDU-1", "CDU", 2, 2, "01/01/2016")), meetings(*rows), AS_OF, {"CDU"})
    low = frame[frame["category"] == WL_LOW_PARTICIPATION]
    assert (len(low) == 1) is listed
    if listed:
        assert low["rate"].iloc[0] == 37.5 and low["due"].iloc[0] == day("01/07/2025")


def test_three_meetings_are_not_enough_to_judge_participation():
    rows = [("CDU-1", d, 2, 0) for d in ("01/03/2025", "01/06/2025", "01/09/2025")]
    frame = W.meeting_lines(bodies(("CDU-1", "CDU", 2, 2, "01/01/2016")), meetings(*rows), AS_OF, {"CDU"})
    assert frame[frame["category"] == WL_LOW_PARTICIPATION].empty


# --- roadmap actions ---------------------------------------------------------------------------------------------

def test_roadmap_actions_late_or_due_within_a_month():
    actions = pd.DataFrame({"convention_id": "C", "action_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
                            "label": "Action", "owner": "ARS", "status": ["en_cours", "a_faire", "fait", "abandonne",
                                                                          None, "en_cours"],
                            "due_date": [dt.date(2026, 3, 15), dt.date(2026, 1, 31), dt.date(2026, 1, 31),
                                         dt.date(2026, 2, 1), dt.date(2026, 2, 1), dt.date(2026, 4, 2)]})
    frame = W.action_lines(actions, AS_OF)
    assert frame.loc[frame["category"] == WL_ACTION_LATE, "action_id"].tolist() == ["A2"]
    assert frame.loc[frame["category"] == WL_ACTION_DUE, "action_id"].tolist() == ["A1"]  # A6: 02/04, past a month


# --- most urgent first -------------------------------------------------------------------------------------------

def test_most_urgent_first():
    frame = pd.DataFrame({"category": [WL_ENDING_6M, WL_VACANT_6M, WL_VACANT_6M, WL_ENDING_3M, WL_ENDING_3M,
                                       WL_NO_TITULAR],
                          "due": pd.to_datetime(["2026-06-30", "2020-01-01", "2025-12-01", "2026-05-31",
                                                 "2026-04-30", None]),
                          "establishment": list("abcdef"), "body_label": list("abcdef"), "role": None,
                          "action_id": None})
    assert W.ordered(frame)["establishment"].tolist() == ["f", "e", "d", "c", "b", "a"]
    assert list(W.category_counts(frame).values())[:2] == [1, 2]
    assert list(W.category_counts(frame)) == list(WORKLIST_CATEGORIES)


# --- the whole list on a tiny store ------------------------------------------------------------------------------

INSTANCES = """type_instance;finess;code_territoire;libelle;sieges_titulaires;sieges_suppleants;date_creation;date_fermeture
CDU;670000025;;CDU A – CH Strasbourg;2;2;01/01/2016;
CDU;670000033;;CDU B – Clinique Sainte-Odile;2;2;01/01/2016;
CVS;670000041;;CVS C – CH Haguenau;1;0;01/01/2016;
"""
NOMINATIONS = NOMINATIONS_HEADER + """
670000025;;CDU;titulaire;Alpha;Anne;;UNAF;01/08/2023;31/07/2026;;;;15/07/2023
670000025;;CDU;titulaire;Bravo;Bruno;;UNAF;01/01/2026;31/12/2028;;;;15/12/2025
670000025;;CDU;suppleant;Charlie;Chloé;;AIDES;01/06/2023;31/05/2026;;;;15/05/2023
670000025;;CDU;suppleant;Delta;Denis;;AIDES;01/06/2023;31/05/2026;;;;15/05/2023
670000025;;CDU;suppleant;Echo;Emma;;AIDES;01/06/2026;31/05/2029;;;;15/02/2026
670000033;;CDU;titulaire;Foxtrot;Fanny;;CLCV;01/01/2024;31/12/2026;31/07/2025;démission;;15/12/2023
670000033;;CDU;titulaire;Golf;Gilles;;CLCV;01/01/2026;31/12/2028;;;;15/12/2025
"""
DESK_NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Anne", "Bruno", "Chloé", "Emma"]
SEANCES = """finess;code_territoire;type_instance;date_seance;ru_attendus;ru_presents
670000025;;CDU;15/06/2025;2;2
670000033;;CDU;15/06/2025;2;1
"""
CONVENTION = """id_convention;intitule;region;partie_ars;partie_association;date_signature;date_debut;date_fin
GE-DESK;Convention de test;44;ARS Grand Est;France Assos Santé Grand Est;21/01/2026;01/01/2026;31/12/2028
"""
ACTIONS = """id_convention;id_action;axe;libelle_action;pilote;echeance;statut_action;date_statut
GE-DESK;A1;Vacance;Relancer les associations;ARS – Démocratie en santé;15/03/2026;en_cours;01/01/2026
GE-DESK;A2;Formation;Programmer une session;FAS GE;31/01/2026;a_faire;21/01/2026
GE-DESK;A3;Formation;Publier le calendrier;FAS GE;31/01/2026;fait;20/01/2026
"""


def build_desk_store(root: Path) -> Path:
    from pipelines.build import build

    raw = write_fixture_raw(root)
    for relative in ("convention/cibles.csv", "convention/jalons.csv", "campagnes/campagnes.csv"):
        (raw / relative).unlink()
    files = {"instances/instances.csv": INSTANCES, "nominations/arretes_2026.csv": NOMINATIONS,
             "seances/seances.csv": SEANCES, "convention/convention.csv": CONVENTION,
             "convention/actions.csv": ACTIONS}
    for relative, text in files.items():
        (raw / relative).write_text(text, encoding="utf-8")
    build(raw, root / "parquet")
    return root / "parquet"


@pytest.fixture(scope="module")
def desk_store_dir(tmp_path_factory) -> Path:
    return build_desk_store(tmp_path_factory.mktemp("desk"))


@pytest.fixture(scope="module")
def desk(desk_store_dir) -> Store:
    return Store(desk_store_dir)


def test_the_whole_list_on_the_desk_store(desk):
    frame = W.worklist(desk, Scope("departement", "67"), AS_OF, 11)
    assert lines_of(frame, WL_ENDING_6M) == [("CDU-670000025", "titulaire", 1, "31/07/2026")]
    assert lines_of(frame, WL_ENDING_3M) == [("CDU-670000025", "suppleant", 1, "31/05/2026")]  # Echo renews one
    assert lines_of(frame, WL_VACANT_6M) == [("CDU-670000033", "suppleant", 2, "01/07/2016"),
                                             ("CDU-670000033", "titulaire", 1, "01/07/2016")]
    assert lines_of(frame, WL_NO_MEETING) == []
    assert frame.loc[frame["category"] == WL_ACTION_DUE, "action_id"].tolist() == ["A1"]
    assert frame.loc[frame["category"] == WL_ACTION_LATE, "action_id"].tolist() == ["A2"]
    assert not frame["body_id"].fillna("").str.startswith("CVS").any()   # elected members: not the ARS's to fill
    # Most urgent first: the renewal under 3 months, the action due, the late action, the vacant seats, the RU past
    # their deadline, then the renewal in 3 to 6 months.
    assert frame["category"].tolist() == [WL_ENDING_3M, WL_ACTION_DUE, WL_ACTION_LATE, WL_VACANT_6M, WL_VACANT_6M,
                                          WL_TRAINING_OVERDUE, WL_ENDING_6M]


def test_a_renewal_already_decreed_is_not_to_prepare(desk):
    # On 10/02/2026 Echo's decree (15/02/2026) is not known yet: both ending suppléants are to renew (31/05/2026 is
    # more than 3 months away then).
    frame = W.worklist(desk, Scope("departement", "67"), dt.date(2026, 2, 10), 11)
    assert lines_of(frame, WL_ENDING_6M) == [("CDU-670000025", "suppleant", 2, "31/05/2026"),
                                             ("CDU-670000025", "titulaire", 1, "31/07/2026")]


def test_a_territory_outside_sees_nothing_of_it(desk):
    assert W.worklist(desk, Scope("departement", "2A"), AS_OF, 11).query("category != @WL_ACTION_DUE "
                                                                          "and category != @WL_ACTION_LATE").empty


def test_training_lines_on_the_desk_store(desk):
    # CDU A: Alpha (deadline 01/02/2024), Charlie and Delta (01/12/2023), never trained: 3 people, the most recent
    # deadline passed first; CDU B: Golf, first designated 01/01/2026, has until 01/07/2026 (not within 2 months).
    frame = W.worklist(desk, Scope("departement", "67"), AS_OF, 11)
    assert lines_of(frame, WL_TRAINING_OVERDUE) == [("CDU-670000025", None, 3, "01/02/2024")]
    assert frame.loc[frame["category"] == WL_TRAINING_OVERDUE, "count_masked"].all()
    soon = W.worklist(desk, Scope("departement", "67"), dt.date(2026, 5, 1), 11)
    assert lines_of(soon, WL_TRAINING_SOON) == [("CDU-670000025", None, 1, "01/07/2026"),
                                                ("CDU-670000033", None, 1, "01/07/2026")]


def test_words_csv_and_xlsx_of_the_list(desk):
    lines = W.worklist(desk, Scope("departement", "67"), AS_OF, 11)
    shown = view.for_export(view.rows(lines, AS_OF, "departement:67", 11), "departement:67", AS_OF,
                            "https://obs.example.fr")
    first = shown.iloc[0]
    assert first["category_label"] == "Sièges à renouveler sous 3 mois (fin de mandat)"
    assert first["detail"] == "1 siège de suppléant à renouveler : fin de mandat prévue le 31/05/2026"
    assert first["days"] == 91 and first["where"] == 'CENTRE HOSPITALIER "LES TILLEULS"; STRASBOURG'
    assert first["link"] == ("https://obs.example.fr/etablissement?finess=670000025&territoire=departement%3A67"
                             "&date=2026-03-01")
    action = shown[shown["category"] == WL_ACTION_LATE].iloc[0]
    assert action["where"] == "Convention GE-DESK" and pd.isna(action["link"])
    assert action["detail"] == ("Action A2 – Programmer une session (échéance le 31/01/2026, à faire, pilote : "
                                "FAS GE)")
    text = view.csv_bytes(shown).decode("utf-8-sig")
    assert text.splitlines()[0] == ("Échéance;À traiter;Établissement ou convention;Fiche;Détail;"
                                    "Jours (négatif : dépassé);Instance;Département;N° FINESS")
    assert "31/05/2026;Sièges à renouveler sous 3 mois (fin de mandat)" in text
    assert not any(name in text for name in DESK_NAMES)               # no name ever leaves
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(view.xlsx_bytes(shown, "À traiter", "Bas-Rhin", AS_OF))).active
    assert sheet["A1"].value == "À traiter – Bas-Rhin – situation au 01/03/2026"
    assert sheet["A3"].value == dt.datetime(2026, 5, 31) and sheet["A3"].number_format == "DD/MM/YYYY"
    assert sheet["D3"].value == "Ouvrir la fiche" and sheet["D3"].hyperlink.target == first["link"]
    assert sheet["F3"].value == 91


def test_the_words_of_every_category():
    row = {"category": WL_NO_TITULAR, "count": 2, "count_masked": False, "since": day("16/02/2026"),
           "due": day("16/02/2026"), "role": "titulaire", "rate": 37.5, "status": None, "owner": None,
           "action_id": None, "action_label": None}
    cases = {WL_NO_TITULAR: "Aucun titulaire sur 2 sièges (depuis le 16/02/2026)",
             WL_VACANT_6M: "2 sièges de titulaires vacants (depuis le 16/02/2026)",
             WL_TRAINING_SOON: "2 RU à former avant le 16/02/2026 (échéance la plus proche)",
             WL_NO_MEETING: "Aucune séance depuis le 16/02/2026",
             WL_LOW_PARTICIPATION: "Participation réelle de 37,5\u202f% sur les 4 dernières séances (la dernière le "
                                   "16/02/2026)"}
    for category, text in cases.items():
        line = next(pd.DataFrame([{**row, "category": category}]).itertuples(index=False))
        assert view.detail(line, 11) == text


def test_a_territory_body_says_where_it_is():
    lines = pd.DataFrame([{"category": WL_VACANT_6M, "due": day("01/07/2016"), "body_id": "CTS-67",
                           "body_label": "Conseil territorial de santé du Bas-Rhin", "establishment": None,
                           "convention_id": None, "finess": None, "role": "titulaire", "count": 2,
                           "count_masked": False, "since": day("01/01/2016")}]).reindex(columns=W.LINE_COLUMNS)
    shown = view.rows(lines, AS_OF, "departement:67", 11)
    assert shown["where"].tolist() == ["Conseil territorial de santé du Bas-Rhin"] and pd.isna(shown["link"].iloc[0])
