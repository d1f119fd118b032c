"""Every catalogue indicator hand-computed on the fixture of tests/conftest.py (3 CDU in Bas-Rhin)."""
import datetime as dt
import json
import math

import pytest

from observatoire.__main__ import main as cli_main
from observatoire.base.db import Scope
from observatoire.domain import convention, indicators, targets
from observatoire.domain.measures import MEASURES

MARCH = dt.date(2026, 3, 1)
NATIONAL = Scope("national")


def value(store, indicator_id, as_of=MARCH, scope=NATIONAL, period=None):
    frame = indicators.compute(store, indicator_id, scope, as_of, period)
    assert len(frame) == 1, frame
    return frame.iloc[0]


@pytest.mark.parametrize("indicator_id, expected, numerator, denominator", [
    ("sieges", 12, 12, None),
    ("sieges_pourvus", 9, 9, None),             # C has 3 titulaires for 2 seats: counted once per seat
    ("sieges_vacants", 3, 3, None),
    ("taux_vacance", 25.0, 3, 12),              # p4 ended 28/02/2026, p6 resigned 15/02/2026
    ("taux_vacance_cdu", 25.0, 3, 12),
    ("taux_vacance_designes", 25.0, 3, 12),     # no CVS here; see tests/test_convention_rules.py with one
    ("sieges_vacants_designes", 3, 3, None),
    ("taux_vacance_titulaires", 100 / 6, 1, 6),
    ("taux_vacance_suppleants", 200 / 6, 2, 6),
    ("part_cdu_completes", 100 / 3, 1, 3),      # only CH Haguenau
    ("part_cdu_avec_vacance", 200 / 3, 2, 3),
    ("associations_actives", 8, 8, None),
    ("mandats_fin_3m", 1, 1, None),             # Schmitt 31/05/2026
    ("mandats_fin_6m", 2, 2, None),             # + Roth 31/08/2026
    ("mandats_fin_12m", 3, 3, None),            # + Abélard 31/01/2027
])
def test_as_of_indicators(store, indicator_id, expected, numerator, denominator):
    row = value(store, indicator_id)
    assert row["value"] == pytest.approx(expected, abs=1e-3)
    assert row["numerator"] == numerator
    assert (math.isnan(row["denominator"]) if denominator is None else row["denominator"] == denominator)
    assert not row["masked"]


@pytest.mark.parametrize("indicator_id, expected", [
    ("mandats_fin_3m", 1),   # Klein, planned 28/02/2026; Muller's resignation of 15/02 was not known on 01/02
    ("mandats_fin_6m", 2),   # + Schmitt 31/05/2026
    ("mandats_fin_12m", 4),  # + Roth 31/08/2026 and Abélard 31/01/2027 (before 01/02/2027)
])
def test_ending_mandates_use_what_was_known_on_the_date(store, indicator_id, expected):
    # On 01/02/2026 Muller (CDU B) is in mandate until 31/12/2028 as far as anyone knows: the resignation of
    # 15/02/2026 is in the store today, but counting it would be hindsight.
    assert value(store, indicator_id, dt.date(2026, 2, 1))["value"] == expected


def test_vacancy_the_day_before_an_end(store):
    # On 28/02/2026 Klein (p4) still counts; Muller resigned on 15/02 no longer does: 10 filled of 12.
    assert value(store, "sieges_pourvus", dt.date(2026, 2, 28))["value"] == 10


def test_people_counts_are_masked_under_eleven(store, monkeypatch):
    row = value(store, "ru_actifs")
    assert row["masked"] and math.isnan(row["value"]) and math.isnan(row["numerator"])
    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "5")
    row = value(store, "ru_actifs")
    assert not row["masked"] and row["value"] == 8          # Meyer and Weber hold two mandates each
    assert value(store, "ru_designes")["value"] == 8        # no CVS in this fixture: every one is designated
    assert value(store, "mandats_par_ru")["value"] == pytest.approx(10 / 8)


TRAINING_PERIOD = (dt.date(2025, 6, 1), dt.date(2026, 2, 28))
TRAINING_AS_OF = dt.date(2026, 9, 30)


@pytest.mark.parametrize("indicator_id, expected, numerator", [
    ("taux_formation_6m", 40.0, 2),      # Weber (twice: counted once), Keller (trained before designation)
    ("taux_formation_tardive", 20.0, 1),  # Muller, 15/09/2026 > 01/07/2026
    ("taux_sans_formation", 40.0, 2),     # Fischer (absent, other module), Wagner (excusée)
])
def test_training_compliance(store, monkeypatch, indicator_id, expected, numerator):
    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "1")
    row = value(store, indicator_id, TRAINING_AS_OF, period=TRAINING_PERIOD)
    assert row["denominator"] == 5 and row["numerator"] == numerator
    assert row["value"] == pytest.approx(expected)


def test_training_compliance_is_masked_by_default(store):
    assert value(store, "taux_formation_6m", TRAINING_AS_OF, period=TRAINING_PERIOD)["masked"]


def test_time_to_fill(store):
    # Klein's suppléant seat vacant 01/03 -> Hoffmann 01/04 (31 d); Muller's seat 16/02 -> Braun 16/05 (89 d).
    row = value(store, "delai_pourvoi_median", dt.date(2026, 12, 31), period=(dt.date(2026, 1, 1),
                                                                             dt.date(2026, 12, 31)))
    assert row["value"] == 60.0


def test_participation(store):
    # 15/03: 1 of 2; 15/06: 1 of 2; 20/03: 2 of 2 (the 20/06 row, 3 present for 2 expected, was rejected).
    row = value(store, "taux_participation", dt.date(2026, 6, 30), period=(dt.date(2026, 1, 1),
                                                                          dt.date(2026, 6, 30)))
    assert (row["numerator"], row["denominator"]) == (4, 6)
    assert row["value"] == pytest.approx(400 / 6)


def test_awareness_with_confidence_interval(store):
    frame = indicators.compute(store, "notoriete_ru", NATIONAL, MARCH)
    row = frame.iloc[0]
    assert (row["value"], row["denominator"], row["year"]) == (30.0, 3690, 2023)
    # 1,96 × sqrt(0,3 × 0,7 / 3 690) = 1,48 points
    assert (row["ci_low"], row["ci_high"]) == (28.5, 31.5)
    assert value(store, "notoriete_ru", dt.date(2022, 12, 31))["value"] == 32.0


def test_campaign(store):
    # Designations come from the decrees (issue 12), no longer from the campaign file's 260: the fixture's
    # Grand Est CDU decrees in the window 02/03/2026 -> 29/07/2026 (closing + 2 months) are Hoffmann
    # (20/03/2026) and Braun (10/05/2026).
    row = value(store, "taux_realisation_campagne", dt.date(2026, 7, 15), Scope("region", "44"))
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 400, 0.5)
    assert row["note"] == "campagne 2026 en cours : désignations prises en compte jusqu'au 29/07/2026"
    assert value(store, "taux_realisation_campagne", dt.date(2026, 4, 15), Scope("region", "44"))["value"] == 0.25
    july = dt.date(2026, 7, 15)
    assert value(store, "campagne_sieges_ouverts", july, Scope("region", "44"))["value"] == 400
    assert value(store, "campagne_candidatures", july, Scope("region", "44"))["value"] == 380
    assert indicators.compute(store, "campagne_candidatures", Scope("region", "44"), dt.date(2026, 2, 1)).empty


def test_levels(store):
    by_department = indicators.compute(store, "taux_vacance", Scope("departement"), MARCH)
    assert by_department[["territory_code", "territory_name", "value"]].values.tolist() == [["67", "Bas-Rhin", 25.0]]
    by_establishment = indicators.compute(store, "sieges_vacants", Scope("etablissement", department="67"), MARCH)
    assert dict(zip(by_establishment["territory_code"], by_establishment["value"])) == {
        "670000025": 1, "670000033": 2, "670000041": 0}
    assert indicators.compute(store, "taux_vacance", Scope("region", "44"), MARCH)["value"].tolist() == [25.0]


def test_by_role(store):
    frame = indicators.compute(store, "taux_vacance", NATIONAL, MARCH, by=("role",))
    assert dict(zip(frame["role"], frame["numerator"])) == {"suppleant": 2, "titulaire": 1}


@pytest.mark.parametrize("direction, value_now, expected", [
    ("lower_is_better", 19, "atteint"),
    ("lower_is_better", 24, "en bonne voie"),   # halfway: the trajectory expects 25
    ("lower_is_better", 26, "en retard"),
    ("higher_is_better", 81, "atteint"),
])
def test_trajectory_status(direction, value_now, expected):
    baseline, target = (30, 20) if direction == "lower_is_better" else (60, 80)
    status = targets.trajectory_status(direction, baseline, target, value_now, dt.date(2026, 1, 1),
                                          dt.date(2026, 12, 31), dt.date(2026, 7, 2))
    assert status == expected


def test_trajectory_status_higher_is_better_halfway():
    args = (dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 7, 2))
    assert targets.trajectory_status("higher_is_better", 60, 80, 71, *args) == "en bonne voie"
    assert targets.trajectory_status("higher_is_better", 60, 80, 69, *args) == "en retard"


def test_scorecard(store):
    card = convention.scorecard(store, "GE-TEST", MARCH).set_index("indicator_id")
    row = card.loc["taux_vacance"]
    assert (row["value"], row["target"], row["target_year"], row["gap"]) == (25.0, 20.0, 2026, 5.0)
    # At signature (21/01/2026) 11 of 12 seats were filled.
    assert row["baseline"] == pytest.approx(100 / 12, abs=1e-3)
    assert row["status"] == "en retard"


def test_catalogue_is_documented():
    seen = set()
    for indicator in indicators.catalogue():
        assert indicator.id not in seen
        seen.add(indicator.id)
        assert indicator.label and len(indicator.definition) > 30, indicator.id
        assert indicator.numerator, indicator.id
        assert (indicator.den is None) == (indicator.denominator == "") or indicator.measure == "awareness"
        assert indicator.unit in indicators.UNITS
        assert indicator.direction in indicators.DIRECTIONS and indicator.grain in indicators.GRAINS
        assert indicator.measure in MEASURES
    assert {"taux_vacance", "taux_vacance_titulaires", "taux_vacance_suppleants", "part_cdu_completes",
            "part_cdu_avec_vacance", "ru_actifs", "mandats_par_ru", "associations_actives", "mandats_fin_3m",
            "mandats_fin_6m", "mandats_fin_12m", "delai_pourvoi_median", "taux_formation_6m",
            "taux_formation_tardive", "taux_sans_formation", "taux_participation", "notoriete_ru",
            "notoriete_cdu", "taux_realisation_campagne"} <= seen


def test_every_indicator_has_a_hand_computed_test():
    # A hand-computed test lives in this file or beside its rule (tests/test_convention_rules.py: CVS apart).
    from pathlib import Path

    source = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    missing = [i.id for i in indicators.catalogue() if f'"{i.id}"' not in source]
    assert missing == []


def test_cli_indicators_csv(fixture_store_dir, capsys):
    code = cli_main(["indicators", "--data", str(fixture_store_dir), "--level", "departement", "--territory", "67",
                     "--as-of", "2026-03-01", "--id", "taux_vacance", "--id", "part_cdu_completes"])
    out = capsys.readouterr().out
    assert code == 0
    # The same CSV writer as the pages: BOM, French headers, `;`, decimal comma, CRLF.
    assert out.split("\r\n") == [
        "\ufeffIdentifiant de l'indicateur;Niveau;Code du territoire;Territoire;Valeur;Numérateur;Dénominateur;Unité;"
        "Masqué (secret statistique);Cible;Statut",
        "taux_vacance;departement;67;Bas-Rhin;25;3;12;%;non;20;en retard",
        "part_cdu_completes;departement;67;Bas-Rhin;33,3333;1;3;%;non;;", ""]


def test_cli_indicators_json_and_catalogue(fixture_store_dir, capsys):
    cli_main(["indicators", "--data", str(fixture_store_dir), "--as-of", "2026-03-01", "--id", "sieges_vacants",
              "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"indicator_id": "sieges_vacants", "level": "national", "territory_code": "FR",
                     "territory_name": "France entière", "value": 3.0, "numerator": 3.0, "denominator": None,
                     "unit": "sièges", "masked": False, "target": None, "status": None}]
    cli_main(["catalogue"])
    out = capsys.readouterr().out
    assert out.startswith("\ufeffIdentifiant;Libellé;Définition") and "\r\ntaux_vacance;Taux de vacance des sièges (toutes instances, CVS compris);" in out


# --- partnership projects register (tests/conftest.py PROJETS) -------------------------------------------

@pytest.fixture(scope="module")
def projects_store(projects_store_dir):
    from observatoire.base.db import Store
    return Store(projects_store_dir)


@pytest.mark.parametrize("indicator_id, scope, as_of, expected, numerator, denominator", [
    # 01/03/2026: P1 (67, RU), P2 (67), P5 (région 44 only, RU); P3 ended, P4 abandoned, P6 not started.
    ("projets_actifs", NATIONAL, MARCH, 3, 3, None),
    ("projets_actifs", Scope("region", "44"), MARCH, 3, 3, None),
    ("projets_actifs", Scope("departement", "67"), MARCH, 2, 2, None),   # P5 has no département
    ("part_projets_avec_ru", NATIONAL, MARCH, 200 / 3, 2, 3),
    ("part_projets_avec_ru", Scope("departement", "67"), MARCH, 50.0, 1, 2),
    # 15/06/2025: P1, P2 (started 01/06/2025), P3 (ends 31/12/2025); only P1 involves an RU.
    ("projets_actifs", NATIONAL, dt.date(2025, 6, 15), 3, 3, None),
    ("part_projets_avec_ru", NATIONAL, dt.date(2025, 6, 15), 100 / 3, 1, 3),
])
def test_projects_register(projects_store, indicator_id, scope, as_of, expected, numerator, denominator):
    row = value(projects_store, indicator_id, as_of, scope)
    assert row["value"] == pytest.approx(expected, abs=1e-3)
    assert row["numerator"] == numerator
    assert (math.isnan(row["denominator"]) if denominator is None else row["denominator"] == denominator)


def test_projects_by_form(projects_store):
    frame = indicators.compute(projects_store, "projets_actifs", NATIONAL, MARCH, by=("form",))
    assert dict(zip(frame["form"], frame["value"])) == {
        "etp": 1, "formation_professionnels": 1, "pair_aidance": 2, "patient_partenaire": 1}
    shares = indicators.compute(projects_store, "part_projets_avec_ru", NATIONAL, MARCH, by=("form",))
    assert dict(zip(shares["form"], shares["value"])) == {
        "etp": 100.0, "formation_professionnels": 100.0, "pair_aidance": 50.0, "patient_partenaire": 0.0}


def test_projects_without_a_register(store):
    assert value(store, "projets_actifs")["value"] == 0
    assert math.isnan(value(store, "part_projets_avec_ru")["value"])    # no project: no share


@pytest.mark.parametrize("level", ["region", "departement"])
@pytest.mark.parametrize("as_of", [dt.date(2026, 3, 1), dt.date(2026, 6, 15)])
def test_one_territory_reads_the_same_in_its_whole_level(two_region_store_dir, level, as_of):
    """The pages compute an indicator once for every territory of a level and cut one out (queries.whole_level):
    each territory's row must not depend on the others."""
    from pandas.testing import assert_frame_equal

    from observatoire.base.db import Store

    store = Store(two_region_store_dir)
    codes = {"region": ["44", "94"], "departement": ["67", "2A"]}[level]
    for indicator in indicators.catalogue():
        whole = indicators.compute(store, indicator, Scope(level), as_of)
        for code in codes:
            alone = indicators.compute(store, indicator, Scope(level, code), as_of)
            cut = whole[whole["territory_code"] == code].reset_index(drop=True)
            assert_frame_equal(alone, cut, check_exact=True, check_dtype=False, obj=f"{indicator.id} {code}")
