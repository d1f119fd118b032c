"""Issue 12: the convention scorecard's rules, hand-computed on the fixture of tests/conftest.py plus a few rows.

Added to the fixture (files dropped next to the fixture's own, every file of a folder is read):
  bodies   CVS-670000058 (EHPAD, 2 titulaire seats, members elected), CS-670000025 (1 titulaire seat),
           CDU-2A0000015 (Ajaccio, Corse: région 94)
  mandates Zimmer, elected to the CVS on 01/01/2026 (no decree): 1 of the 2 CVS seats filled;
           Grand Est (44) CDU decrees around the 2026 campaign (02/03/2026 -> 29/05/2026, decrees counted up to
           29/07/2026, closing + 2 months): Lambert 01/03/2026 (the day before the opening: out), Marchal
           29/07/2026 (last day: in), Perrin 30/07/2026 (out); Roux, CS of région 44, 20/04/2026 (other body
           type: out); Santoni, CDU in Corse, 20/04/2026 (other région: out);
           Petit, CDU 44, decree 20/03/2027 (the 2027 campaign)
  campaigns Grand Est CDU 2027 (01/03/2027 -> 31/05/2027, 100 seats), La Réunion (04) CDU 2026 (no decree loaded:
           the file's 12 designations, flagged)
  targets  taux_vacance_designes, taux_formation_6m (Bas-Rhin), taux_realisation_campagne (Grand Est)
  roadmap  A3 with a history: a_faire 16/03/2026, en_cours 01/06/2026, fait 15/10/2026 (roadmap 2026);
           A4 of the 2027 roadmap
"""
from __future__ import annotations

import datetime as dt
import json
import math

import openpyxl
import pandas as pd
import pytest

from observatoire.__main__ import main as cli_main
from observatoire.base import vocabulary
from observatoire.base.db import Scope, Store
from observatoire.domain import convention, indicators, targets
from observatoire.domain.measures import campaign_situations
from observatoire.present import charts
from observatoire.present import convention as convention_view
from pipelines.build import build
from pipelines.schemas import RU_EXPECTED_DEFINITION
from tests.conftest import NOMINATIONS_HEADER, write_fixture_raw

D = dt.date
SIGNED = D(2026, 1, 21)
BAS_RHIN = ("departement", "67")

EXTRA = {
    "instances/autres.csv": """type_instance;finess;code_territoire;libelle;sieges_titulaires;sieges_suppleants;date_creation;date_fermeture
CVS;670000058;;CVS – EHPAD Les Vosges;2;0;01/01/2016;
CS;670000025;;Conseil de surveillance – CH Strasbourg;1;0;01/01/2016;
CDU;2A0000015;;Commission des usagers – CH Ajaccio;2;2;01/01/2016;
""",
    "nominations/autres.csv": NOMINATIONS_HEADER + """
670000058;;CVS;titulaire;Zimmer;Paul;;;01/01/2026;31/12/2028;;;;
670000041;;CDU;suppleant;Lambert;Yves;;AIDES;01/09/2026;31/08/2029;;;ARS-1;01/03/2026
670000041;;CDU;suppleant;Marchal;Rose;;AIDES;01/09/2026;31/08/2029;;;ARS-2;29/07/2026
670000041;;CDU;suppleant;Perrin;Lise;;AIDES;01/09/2026;31/08/2029;;;ARS-3;30/07/2026
670000025;;CS;titulaire;Roux;Jean;;UNAF;01/05/2026;30/04/2031;;;ARS-4;20/04/2026
2A0000015;;CDU;titulaire;Santoni;Ange;;UNAF;01/05/2026;30/04/2029;;;ARS-5;20/04/2026
670000041;;CDU;suppleant;Petit;Marie;;AIDES;01/04/2027;31/03/2030;;;ARS-6;20/03/2027
""",
    "campagnes/autres.csv": """region;type_instance;libelle;date_ouverture;date_cloture;date_situation;sieges_ouverts;candidatures;designations
44;CDU;Campagne CDU Grand Est 2027;01/03/2027;31/05/2027;31/03/2027;100;20;0
04;CDU;Campagne CDU La Réunion 2026;01/03/2026;31/05/2026;30/04/2026;50;30;12
""",
    "convention/cibles_autres.csv": """id_convention;indicateur;niveau;territoire;annee;cible
GE-TEST;taux_vacance_designes;departement;67;2026;20
GE-TEST;taux_formation_6m;departement;67;2026;80
GE-TEST;taux_realisation_campagne;region;44;2026;75
GE-TEST;taux_realisation_campagne;region;44;2027;85
""",
    "convention/actions_historique.csv": """id_convention;id_action;axe;libelle_action;pilote;echeance;statut_action;annee;date_statut;commentaire
GE-TEST;A3;Réduire la vacance;Relancer les associations;FAS GE;30/09/2026;a_faire;2026;16/03/2026;
GE-TEST;A3;Réduire la vacance;Relancer les associations;FAS GE;30/09/2026;en_cours;2026;01/06/2026;courrier envoyé
GE-TEST;A3;Réduire la vacance;Relancer les associations;FAS GE;30/09/2026;fait;2026;15/10/2026;
GE-TEST;A4;Former;Module patients partenaires;FAS GE;31/03/2027;a_faire;2027;04/02/2027;
""",
}


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("rules")
    raw = write_fixture_raw(root)
    for relative, text in EXTRA.items():
        (raw / relative).write_text(text, encoding="utf-8")
    build(raw, root / "parquet")
    return root / "parquet"


@pytest.fixture(scope="module")
def rules(rules_dir):
    return Store(rules_dir)


def row_of(card, indicator_id, code):
    rows = card[(card["indicator_id"] == indicator_id) & (card["territory_code"] == code)]
    assert len(rows) == 1, card
    return rows.iloc[0]


# --- rule 1: no status before the signature ----------------------------------------------------------------

def test_no_status_before_the_signature(store):
    card = convention.scorecard(store, "GE-TEST", D(2026, 1, 1))
    row = row_of(card, "taux_vacance", "67")
    # On 01/01/2026 every CDU seat but one suppléant seat of CDU B is filled: 1 of 12 vacant. A value, no status.
    assert row["value"] == pytest.approx(100 / 12, abs=1e-3)
    assert row["status"] is None and row["status_reason"] == "convention non encore signée à cette date"
    assert pd.isna(row["baseline"]) and pd.isna(row["since_last_meeting"])
    assert convention.status_counts(card) == {"atteint": 0, "en bonne voie": 0, "en retard": 0, "non atteint": 0, "non évaluable": 0}


def test_cli_prints_no_status_before_the_signature(fixture_store_dir, capsys):
    cli_main(["indicators", "--data", str(fixture_store_dir), "--level", "departement", "--territory", "67",
              "--as-of", "2021-01-01", "--id", "taux_vacance"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[1].endswith(";20;")                          # the target is given, the status is empty


# --- rule 2: missing or masked baseline ---------------------------------------------------------------------

SEGMENT = (D(2026, 1, 1), D(2026, 12, 31), D(2026, 7, 2))    # start, deadline, as-of: halfway


@pytest.mark.parametrize("baseline, value, masked, expected", [
    (30, 24, False, ("en bonne voie", "")),
    (30, 26, False, ("en retard", "")),
    (None, 26, False, ("non évaluable", vocabulary.REASON_NO_BASELINE)),   # was « en retard » for ever
    (None, 19, False, ("atteint", "")),                                     # a met target needs no baseline
    (30, None, False, ("non évaluable", vocabulary.REASON_NO_VALUE)),
    (30, None, True, ("non évaluable", "valeur masquée (secret statistique : moins de 11 personnes)")),
    (30, float("nan"), False, ("non évaluable", vocabulary.REASON_NO_VALUE)),
])
def test_missing_data_is_never_late(baseline, value, masked, expected):
    start, deadline, as_of = SEGMENT
    assert targets.evaluate("lower_is_better", baseline, 20, value, start, deadline, as_of,
                               masked=masked) == expected


def test_evaluate_before_the_signature():
    assert targets.evaluate("lower_is_better", 30, 20, 26, SIGNED, D(2026, 12, 31), D(2026, 1, 20),
                               signed_on=SIGNED) == (None, vocabulary.NOT_SIGNED_YET)
    assert targets.trajectory_status("lower_is_better", 30, 20, 26, SIGNED, D(2026, 12, 31), D(2026, 1, 1)) is None


def test_trajectory_runs_from_the_baseline_through_each_target():
    path = targets.trajectory_points((D(2026, 6, 1), 70.0), [(2027, 85.0), (2026, 80.0), (2025, 60.0)])
    assert path == [(D(2026, 6, 1), 70.0), (D(2026, 12, 31), 80.0), (D(2027, 12, 31), 85.0)]
    assert targets.segment_start(path, D(2027, 12, 31)) == (D(2026, 12, 31), 80.0)
    assert targets.segment_start(path, D(2026, 12, 31)) == (D(2026, 6, 1), 70.0)
    assert targets.trajectory_points(None, [(2026, 80.0)]) == []


def test_training_is_judged_at_the_last_completed_quarter(rules, monkeypatch):
    # Bas-Rhin's cohort (first designated by decree 12 to 6 months before the judging date, deadline passed): on
    # 15/10/2026 the indicator is judged on 30/09/2026, the end of the last completed quarter. The five RU first
    # designated on 01/01/2026 are due (Zimmer, elected to a CVS, is not; Hoffmann's deadline is 01/10/2026):
    # Weber (10/03/2026) and Keller (before his designation) trained on time: 2/5 = 40 %. No earlier quarter end
    # had anyone due, so the baseline is that first value, found at 30/09/2026: the line starts there.
    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "2")     # 2 trained of 5: shown
    october = row_of(convention.scorecard(rules, "GE-TEST", D(2026, 10, 15)), "taux_formation_6m", "67")
    assert october["judged_on"] == D(2026, 9, 30)
    assert (october["value"], october["numerator"], october["denominator"]) == (40.0, 2, 5)
    assert (october["baseline_date"], october["baseline"]) == (D(2026, 9, 30), 40.0)
    assert october["baseline_how"] == vocabulary.BASELINE_FIRST_KNOWN
    assert october["status"] == "en bonne voie"
    # Value and status do not move until the quarter ends: the same on 15/12/2026 as on 15/10/2026.
    december = row_of(convention.scorecard(rules, "GE-TEST", D(2026, 12, 15)), "taux_formation_6m", "67")
    assert (december["judged_on"], december["value"], december["status"]) == (D(2026, 9, 30), 40.0, "en bonne voie")
    # A 5-person rate is a small base: its numerator and denominator go with it.
    assert "petit effectif : 2 sur 5" in october["note"]


def test_no_baseline_yet_is_not_evaluable(rules):
    # Threshold 11: the cohort of 5 is masked at every quarter end since the signature.
    card = convention.scorecard(rules, "GE-TEST", D(2026, 10, 15))
    row = row_of(card, "taux_formation_6m", "67")
    assert row["masked"] and pd.isna(row["baseline"])
    assert row["status"] == "non évaluable"
    assert row["status_reason"] == "valeur masquée (secret statistique : moins de 11 personnes)"  # the threshold set
    before = convention.scorecard(rules, "GE-TEST", D(2026, 3, 1))
    # 01/03/2026: the last completed quarter ended on 31/12/2025, before the signature: never « en retard ».
    assert row_of(before, "taux_formation_6m", "67")["status"] == "non évaluable"
    assert row_of(before, "taux_formation_6m", "67")["status_reason"] == "aucun trimestre achevé depuis la signature"
    # 15/07/2026 (judged on 30/06/2026): nobody due yet, no value at all.
    july = row_of(convention.scorecard(rules, "GE-TEST", D(2026, 7, 15)), "taux_formation_6m", "67")
    assert (july["status"], july["status_reason"]) == ("non évaluable", vocabulary.REASON_NO_VALUE)


@pytest.mark.parametrize("value, tolerance, status", [
    (40.0, 20.0, "en bonne voie"),   # 5 people: one person weighs 20 points; the line expects 43,06 % on 15/07
    (40.0, 0.0, "en retard"),        # the same gap with no tolerance
    (40.0, 3.0, "en retard"),        # 3,06 points short is more than 3
    (40.1, 3.0, "en bonne voie"),    # 2,96 points short is less
    (23.0, 20.0, "en retard"),       # 20,06 points short: more than one person
])
def test_a_status_never_flips_on_less_than_one_unit(value, tolerance, status):
    # From 40 % on 01/07/2026 to 80 % on 31/12/2026 (183 days), 14 days in: 40 + 40 × 14/183 = 43,06 %.
    assert targets.evaluate("higher_is_better", 40.0, 80.0, value, D(2026, 7, 1), D(2026, 12, 31),
                            D(2026, 7, 15), tolerance=tolerance) == (status, "")


def test_one_unit_of_a_rate_and_the_quarter_a_date_is_judged_on():
    assert targets.one_unit(100, 5) == 20.0 and targets.one_unit(100, 400) == 0.25 and targets.one_unit(100, None) == 0
    assert [targets.judged_on(d, "quarter") for d in (D(2026, 6, 15), D(2026, 6, 30), D(2026, 7, 1), D(2026, 1, 1))] \
        == [D(2026, 3, 31), D(2026, 6, 30), D(2026, 6, 30), D(2025, 12, 31)]
    assert targets.judged_on(D(2026, 6, 15), "date") == D(2026, 6, 15)


# --- rule 3: campaign realisation from the decrees ----------------------------------------------------------

IN_PROGRESS = "campagne 2026 en cours : désignations prises en compte jusqu'au 29/07/2026"
FINAL_2026 = ("pas de campagne en cours : résultat définitif de la campagne 2026 (désignations prises en compte "
              "jusqu'au 29/07/2026)")


@pytest.mark.parametrize("as_of, designations, note", [
    (D(2026, 3, 1), None, None),     # before the opening: the previous situation is no campaign of 2026
    (D(2026, 3, 19), 0, IN_PROGRESS),  # Lambert's decree of 01/03 is before the opening
    (D(2026, 3, 20), 1, IN_PROGRESS),  # Hoffmann (fixture)
    (D(2026, 7, 15), 2, IN_PROGRESS),  # + Braun 10/05 (Roux: CS; Santoni: Corse)
    # + Marchal 29/07 (last day of the window); Perrin 30/07 is out, and reported
    (D(2026, 12, 31), 3, FINAL_2026 + " ; 1 arrêté(s) daté(s) après la fin de prise en compte, non comptés"),
])
def test_campaign_designations_are_the_decrees_of_its_window(rules, as_of, designations, note):
    frame = indicators.compute(rules, "taux_realisation_campagne", Scope("region", "44"), as_of)
    if designations is None:
        assert frame.empty
        return
    row = frame.iloc[0]
    assert (row["numerator"], row["denominator"]) == (designations, 400)
    assert row["value"] == pytest.approx(designations / 4)
    assert row["note"] == note


def test_campaign_without_decrees_uses_its_file_and_says_so(rules):
    row = indicators.compute(rules, "taux_realisation_campagne", Scope("region", "04"), D(2026, 7, 15)).iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (12, 50, 24.0)
    assert "fichier de campagne" in row["note"]
    situation = campaign_situations(rules, D(2026, 7, 15), "04").iloc[0]
    assert bool(situation["from_file"]) and situation["decrees_loaded"] == 0


def test_each_campaign_is_judged_on_its_own(rules, monkeypatch):
    # 15/04/2027: the 2027 campaign (100 seats, 01/03 -> 31/05/2027, decrees counted up to 31/07/2027) has Petit's
    # decree: 1 %. Its baseline is 0 at its opening, not the 2026 campaign's 0,75 %; the line to its own year's
    # 85 % at the end of its window expects 85 × 45/152 = 25,2 %: 24 points short, one seat weighs 1 point.
    monkeypatch.setattr(convention, "data_horizon", lambda store: D(2027, 12, 31))  # as if built in late 2027
    card = convention.scorecard(rules, "GE-TEST", D(2027, 4, 15))
    row = row_of(card, "taux_realisation_campagne", "44")
    assert (row["value"], row["baseline"], row["baseline_date"]) == (1.0, 0.0, D(2027, 3, 1))
    assert row["baseline_how"] == vocabulary.BASELINE_CAMPAIGN
    assert (row["target"], row["target_year"], row["status"]) == (85.0, 2027, "en retard")
    # Its chart starts at its opening, not at the signature.
    assert convention.series_start(SIGNED, D(2027, 4, 15), row) == D(2027, 3, 1)


@pytest.mark.parametrize("as_of, status, reason", [
    # During its window the campaign follows its line: 29/05 closing, 2 designations of 400 on 15/07 against a
    # line from 0 on 02/03 to 75 % on 29/07 (149 days, 135 in: 67,95 %).
    (D(2026, 7, 15), "en retard", ""),
    # The window is over on 30/07: 3/400 = 0,75 % is final, against its year's 75 %: non atteint, not a trajectory.
    (D(2026, 7, 30), "non atteint", "résultat définitif de la campagne 2026"),
    # Nothing changes at the new year: still the 2026 result, until the 2027 campaign opens on 01/03/2027.
    (D(2027, 1, 1), "non atteint", "résultat définitif de la campagne 2026"),
])
def test_a_campaign_is_final_once_its_window_is_over(rules, monkeypatch, as_of, status, reason):
    monkeypatch.setattr(convention, "data_horizon", lambda store: D(2027, 12, 31))
    row = row_of(convention.scorecard(rules, "GE-TEST", as_of), "taux_realisation_campagne", "44")
    assert (row["status"], row["status_reason"], row["target"], row["target_year"]) == (status, reason, 75.0, 2026)


def test_no_status_beyond_what_the_store_knows(rules, monkeypatch):
    # The store knows its decrees up to the later of its build date and its latest decree (Petit, 20/03/2027).
    monkeypatch.setattr(convention, "built_on", lambda store: D(2026, 11, 30))
    assert convention.data_horizon(rules) == D(2027, 3, 20)
    monkeypatch.setattr(convention, "built_on", lambda store: D(2027, 6, 1))
    assert convention.data_horizon(rules) == D(2027, 6, 1)
    monkeypatch.setattr(convention, "data_horizon", lambda store: D(2026, 11, 30))
    card = convention.scorecard(rules, "GE-TEST", D(2027, 1, 15))
    row = row_of(card, "taux_vacance_designes", "67")
    assert row["value"] is not None and row["status"] is None
    assert row["status_reason"] == "données connues jusqu'au 30/11/2026 : pas de statut au-delà"


# --- rule 4: designated, not elected ---------------------------------------------------------------------

def test_cvs_seats_are_left_out_of_the_designated_vacancy_rate(rules):
    # 01/03/2026: the 12 CDU seats of the Bas-Rhin have 3 vacant (tests/test_indicators.py), the CS seat is
    # vacant until 01/05, the CVS has 1 of its 2 seats filled (Zimmer).
    march = D(2026, 3, 1)
    all_bodies = indicators.compute(rules, "taux_vacance", Scope("departement", "67"), march).iloc[0]
    designated = indicators.compute(rules, "taux_vacance_designes", Scope("departement", "67"), march).iloc[0]
    assert (all_bodies["numerator"], all_bodies["denominator"]) == (5, 15)
    assert (designated["numerator"], designated["denominator"], designated["value"]) == (4, 13, round(400 / 13, 4))


def test_people_and_seats_of_cvs_are_counted_apart(rules, monkeypatch):
    # 01/03/2026 in the Bas-Rhin: the fixture's 8 RU designated by decree, plus Zimmer elected to the CVS (1 of its
    # 2 seats filled): 9 people in mandate in all.
    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "1")
    march, scope = D(2026, 3, 1), Scope("departement", "67")
    counts = {i: indicators.compute(rules, i, scope, march).iloc[0]["value"]
              for i in ("ru_actifs", "ru_designes", "membres_cvs", "taux_vacance_cvs", "sieges_vacants_designes")}
    assert counts == {"ru_actifs": 9, "ru_designes": 8, "membres_cvs": 1, "taux_vacance_cvs": 50.0,
                      "sieges_vacants_designes": 4}


def test_cvs_members_are_not_in_the_training_cohort(rules, monkeypatch):
    # Same period as tests/test_indicators.py: 5 RU first designated by decree; Zimmer (CVS) would be a sixth.
    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "1")
    row = indicators.compute(rules, "taux_formation_6m", Scope("departement", "67"), D(2026, 9, 30),
                             (D(2025, 6, 1), D(2026, 2, 28))).iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 5, 40.0)


# --- rule 5: participation -------------------------------------------------------------------------------

def test_ru_expected_is_defined_in_the_template_the_dictionary_and_the_indicator(rules_dir):
    from observatoire.base.settings import TEMPLATES_DIR

    assert "ne dépassent jamais les sièges de titulaires" in RU_EXPECTED_DEFINITION
    dictionary = json.loads((rules_dir / "dictionary.json").read_text(encoding="utf-8"))
    described = {(r["table"], r["column"]): r["description"] for r in dictionary}
    assert described[("meetings", "ru_expected")] == RU_EXPECTED_DEFINITION
    sheet = openpyxl.load_workbook(TEMPLATES_DIR / "seances.xlsx")["definitions"]
    assert ["ru_attendus", RU_EXPECTED_DEFINITION, "oui"] in [list(r) for r in sheet.iter_rows(values_only=True)]
    assert openpyxl.load_workbook(TEMPLATES_DIR / "seances.xlsx").active["E1"].comment.text == RU_EXPECTED_DEFINITION
    definition = indicators.get("taux_participation").definition
    assert "titulaires convoqués, plus les suppléants convoqués pour remplacer un titulaire" in definition


def test_participation_counts_a_replaced_seat_once(tmp_path):
    # CDU A, 15/03/2026: titulaire 1 convened and present; titulaire 2 excused, his suppléant convened to replace
    # him and present; the other suppléant convened as well, for information. RU attendus = 1 titulaire + 1
    # replacing suppléant = 2 (the informed suppléant is not expected), present = 2: 100 %, not 2 of 3.
    raw = write_fixture_raw(tmp_path)
    (raw / "seances" / "seances.csv").write_text(
        "finess;code_territoire;type_instance;date_seance;ru_attendus;ru_presents\n670000025;;CDU;15/03/2026;2;2\n",
        encoding="utf-8")
    build(raw, tmp_path / "out")
    row = indicators.compute(Store(tmp_path / "out"), "taux_participation", Scope("departement", "67"),
                             D(2026, 6, 30)).iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 2, 100.0)


# --- rule 6: a past review shows that day's roadmap ---------------------------------------------------------

def test_action_history_is_stored(rules):
    actions = rules.df("SELECT * FROM actions ORDER BY action_id").set_index("action_id")
    assert actions.loc["A3", "status"] == "fait" and actions.loc["A3", "year"] == 2026
    assert str(actions.loc["A3", "status_date"])[:10] == "2026-10-15"
    assert actions.loc["A1", "status"] == "fait" and pd.isna(actions.loc["A1", "status_date"])
    history = rules.df("SELECT * FROM action_history WHERE action_id = 'A3' ORDER BY status_date")
    assert history["status"].tolist() == ["a_faire", "en_cours", "fait"]
    assert history["comment"].tolist()[1] == "courrier envoyé"


@pytest.mark.parametrize("as_of, expected", [
    # A1, A2: undated (the fixture's file has no history): known at the build date only.
    (D(2026, 3, 1), {"A1": None, "A2": None, "A3": "a_faire"}),          # A3's first status comes later
    (D(2026, 3, 16), {"A1": None, "A2": None, "A3": "a_faire"}),
    (D(2026, 7, 1), {"A1": None, "A2": None, "A3": "en_cours"}),
    (D(2026, 11, 1), {"A1": None, "A2": None, "A3": "fait"}),
    (D(2027, 3, 1), {"A1": "fait", "A2": "en_cours", "A3": "fait", "A4": "a_faire"}),   # after the build
])
def test_roadmap_as_of_a_past_date(rules, as_of, expected):
    built_on = D(2026, 12, 1)
    actions = rules.df("SELECT * FROM actions")
    history = rules.df("SELECT * FROM action_history")
    roadmap = convention.roadmap_as_of(actions, history, as_of, built_on).set_index("action_id")
    assert {a: (s if isinstance(s, str) else None) for a, s in roadmap["status"].items()} == expected
    if as_of < built_on:
        assert roadmap.loc["A1", "status_note"] == "au 01/12/2026 : Fait"
        frame = convention_view.actions_frame(roadmap.reset_index(), as_of)
        # An unknown status is never called late; A3 « à faire » on 01/07 is not late before 30/09.
        assert not frame.set_index("action_id").loc["A1", "overdue"]


def test_history_less_file_reads_as_before_after_the_build(store):
    # The fixture's actions file has no annee/date_statut/commentaire: every status is the build date's.
    actions, history = store.df("SELECT * FROM actions"), store.df("SELECT * FROM action_history")
    assert history["status_date"].isna().all() and len(history) == 2
    roadmap = convention.roadmap_as_of(actions, history, D(2026, 12, 31), D(2026, 12, 1))
    assert dict(zip(roadmap["action_id"], roadmap["status"])) == {"A1": "fait", "A2": "en_cours"}
    frame = convention_view.actions_frame(roadmap, D(2026, 12, 31)).set_index("action_id")
    assert frame.loc["A2", "overdue"] and frame.loc["A2", "lateness"] == "⚠ 92 j"


def test_same_date_twice_keeps_the_later_row_and_warns(tmp_path):
    raw = write_fixture_raw(tmp_path)
    (raw / "convention" / "actions.csv").write_text(
        "id_convention;id_action;axe;libelle_action;pilote;echeance;statut_action;date_statut\n"
        "GE-TEST;A1;Axe;Action;;30/06/2026;en_cours;01/04/2026\n"
        "GE-TEST;A1;Axe;Action;;30/06/2026;fait;01/04/2026\n", encoding="utf-8")
    result = build(raw, tmp_path / "out")
    history = Store(tmp_path / "out").df("SELECT * FROM action_history")
    assert history["status"].tolist() == ["fait"]
    assert [(i.line, i.code) for i in result.log.issues if i.code == "statut_en_double"] == [(2, "statut_en_double")]
    report = result.manifest["sources"]["convention"]["files"]
    assert [(f["rows_read"], f["rows_kept"]) for f in report if f["file"] == "actions.csv"] == [(2, 1)]


# --- the page's pieces ------------------------------------------------------------------------------------

def test_change_since_the_last_follow_up_meeting(store):
    # Follow-up group of 15/06/2026: one suppléant seat vacant in CDU A (Schmitt gone on 31/05, Klein's seat
    # refilled by Hoffmann) and one in CDU B: 2 of 12, 16,7 %. On 01/02/2027 Abélard's mandate (31/01/2027)
    # has ended too: 3 of 12, 25 %.
    card = convention.scorecard(store, "GE-TEST", D(2027, 2, 1))
    row = row_of(card, "taux_vacance", "67")
    assert row["last_meeting"] == D(2026, 6, 15)
    assert row["value_at_last_meeting"] == pytest.approx(200 / 12, abs=1e-3)
    assert row["since_last_meeting"] == pytest.approx(25 - 200 / 12, abs=1e-3)
    shown = convention_view.scorecard_display(card)
    assert shown["Depuis le dernier groupe de suivi"].tolist() == ["+8,3\u202fpt"]
    # The review of the meeting itself compares with the meeting before it: none here.
    at_meeting = convention.scorecard(store, "GE-TEST", D(2026, 6, 15))
    assert pd.isna(row_of(at_meeting, "taux_vacance", "67")["since_last_meeting"])


def test_indicator_series_since_the_signature(store):
    series = convention.indicator_series(store, "taux_vacance", "departement", "67", SIGNED, D(2026, 3, 1))
    assert series["day"].tolist() == [SIGNED, D(2026, 2, 1), D(2026, 3, 1)]
    assert series["value"].round(4).tolist() == [8.3333, 8.3333, 25.0]
    masked = convention.indicator_series(store, "taux_formation_6m", "departement", "67", SIGNED, D(2026, 9, 30))
    assert masked["day"].tolist() == [SIGNED, D(2026, 4, 1), D(2026, 7, 1), D(2026, 9, 30)]
    # Judged at quarter ends: nobody is due before 30/09/2026 (no value), then the 5-person cohort is masked.
    assert masked["masked"].tolist() == [False, False, False, True] and masked["value"].isna().all()


def _font_sizes(fig) -> list[float]:
    layout = fig.layout
    sizes = [layout.font.size, layout.title.font.size, layout.legend.font.size, layout.hoverlabel.font.size,
             layout.xaxis.tickfont.size, layout.yaxis.tickfont.size, layout.yaxis.title.font.size]
    sizes += [a.font.size for a in layout.annotations]
    sizes += [t.textfont.size for t in fig.data if t.mode and "text" in t.mode]
    return sizes


def test_trajectory_chart():
    series = pd.DataFrame({"day": [SIGNED, D(2026, 4, 1), D(2026, 7, 1)], "value": [30.0, math.nan, 26.0]})
    targets = pd.DataFrame({"year": [2027, 2026], "target": [15.0, 22.0]})
    fig = charts.indicator_trajectory(series, targets, baseline=(SIGNED, 30.0),
                                      meetings=[D(2026, 6, 18), D(2026, 12, 10)], as_of=D(2026, 7, 1),
                                      title="Taux de vacance – Grand Est", unit="%", direction="lower_is_better")
    traces = {t.name: t for t in fig.data}
    assert math.isnan(traces["Valeur observée"].y[1]) and not traces["Valeur observée"].connectgaps
    assert [pd.Timestamp(x).date() for x in traces["Cibles"].x] == [D(2026, 12, 31), D(2027, 12, 31)]
    assert list(traces["Cibles"].text) == ["Cible 2026 : 22,0\u202f%", "Cible 2027 : 15,0\u202f%"]
    assert list(traces["Trajectoire"].y) == [30.0, 22.0, 15.0]
    assert len(fig.layout.shapes) == 3                            # two meetings and the as-of date
    assert [a.text for a in fig.layout.annotations] == ["Au 01/07/2026"]
    assert min(_font_sizes(fig)) < 24
    large = charts.indicator_trajectory(series, targets, baseline=None, meetings=[], as_of=D(2026, 7, 1),
                                        title="Taux", unit="%", direction="lower_is_better", large=True)
    assert "Trajectoire" not in {t.name for t in large.data}      # no baseline, no line
    assert min(_font_sizes(large)) >= 24


def test_campaign_panel_charts_round_one_way():
    funnel = charts.funnel(["Sièges ouverts", "Candidatures", "Désignations"], [400, 380, 290], "")
    bar = charts.progress(290 / 400 * 100, "", target=75, target_label="Cible de la convention 2026")
    assert funnel.data[0].text[2] == f"290 ({bar.data[0].text[0]})"
    assert bar.layout.shapes[0].x0 == 75
    assert bar.layout.annotations[0].text == "Cible de la convention 2026 : 75\u202f%"
    assert not charts.progress(50, "").layout.shapes              # no target, no line at 100 %


def test_a_campaigns_chart_aims_at_its_window_end(rules, monkeypatch):
    # 15/07/2026: the 2026 campaign's line runs from 0 on its opening (02/03) to its year's 75 % on 29/07/2026, the
    # end of its designation window, not on 31/12: the chart draws the very line the status is judged on.
    monkeypatch.setattr(convention, "data_horizon", lambda store: D(2027, 12, 31))
    row = row_of(convention.scorecard(rules, "GE-TEST", D(2026, 7, 15)), "taux_realisation_campagne", "44")
    assert row["target_date"] == D(2026, 7, 29)
    own = convention.row_targets(convention.read_targets(rules, "GE-TEST"), row)
    assert own[["year", "target", "due"]].values.tolist() == [[2026, 75.0, D(2026, 7, 29)]]
    fig = charts.indicator_trajectory(pd.DataFrame({"day": [D(2026, 3, 2)], "value": [0.0]}), own,
                                      baseline=(D(2026, 3, 2), 0.0), meetings=[], as_of=D(2026, 7, 15), title="t",
                                      unit="%", direction="higher_is_better")
    traces = {t.name: t for t in fig.data}
    assert [pd.Timestamp(x).date() for x in traces["Cibles"].x] == [D(2026, 7, 29)]
    assert [pd.Timestamp(x).date() for x in traces["Trajectoire"].x] == [D(2026, 3, 2), D(2026, 7, 29)]


def test_what_is_kept_with_the_store_gives_the_frames_a_fresh_store_gives(fixture_store_dir):
    """Points and scorecard computations are kept with the store (Store.memo) and reused by later dates: a date
    reviewed after others reads exactly what it reads first."""
    from pandas.testing import assert_frame_equal

    days = [D(2026, 1, 15), D(2026, 3, 1), D(2026, 6, 20), D(2026, 2, 10)]

    def everything(store, day):
        card = convention.scorecard(store, "GE-TEST", day)
        signed = convention.read_convention(store, "GE-TEST")["signed_on"]
        series = [convention.indicator_series(store, r["indicator_id"], r["level"], r["territory_code"],
                                              convention.series_start(signed, day, r), day)
                  for _, r in card.iterrows()]
        return card, series

    reused = Store(fixture_store_dir)
    for day in days:
        card, series = everything(reused, day)
        fresh_card, fresh_series = everything(Store(fixture_store_dir), day)
        assert_frame_equal(card, fresh_card, check_exact=True)
        for got, expected in zip(series, fresh_series):
            assert_frame_equal(got, expected, check_exact=True)


def test_a_memo_keeps_the_most_recently_used_values():
    from observatoire.base.db import Memo

    memo = Memo(limit=2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1        # a is now the most recent
    memo.put("c", 3)                 # b, least recently used, goes
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (1, None, 3)
