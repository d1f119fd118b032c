"""Survey results: confidence intervals, shares beside their national value, the AURA 2023 table (seed 003)."""
from pathlib import Path

import pandas as pd
import pytest

from observatoire.domain import surveys
from observatoire.present import surveys as surveys_view
from observatoire.present import territorial as territorial_view

ENQUETES = Path(__file__).resolve().parent.parent / "data" / "raw" / "enquetes"
# Seed 003, « L'enquête régionale du groupe Voix et voies plurielles » : répondants, % des répondants, projets.
SEED_003 = {
    "Ain": (10, 6.58, 4), "Allier": (6, 3.94, 5), "Ardèche": (9, 5.92, 3), "Cantal": (5, 3.29, 0),
    "Drôme": (14, 9.21, 7), "Isère": (26, 17.10, 21), "Loire": (9, 5.92, 1), "Haute-Loire": (7, 4.60, 0),
    "Puy-de-Dôme": (16, 10.52, 6), "Rhône": (28, 18.42, 32), "Savoie": (10, 6.58, 5), "Haute-Savoie": (12, 7.89, 12),
}
SEED_003_TOTAL = (152, 100.0, 96)


@pytest.mark.parametrize("percent, base, expected", [
    (30, 3690, (28.5, 31.5)),      # 1,96 × √(0,30 × 0,70 / 3 690) = 1,48 point
    (28, 3690, (26.6, 29.4)),
    (32, 1802, (29.8, 34.2)),      # 1,96 × √(0,32 × 0,68 / 1 802) = 2,15 points
    (25, 1802, (23.0, 27.0)),
    (30, 96, (20.8, 39.2)),        # AURA: 30 % of the 96 projects
    (49, 152, (41.1, 56.9)),       # AURA: 49 % of the 152 respondents
    (24, None, None),              # Île-de-France 2023: base not published, no interval
    (22, float("nan"), None),
    (50, 0, None),
])
def test_confidence_interval(percent, base, expected):
    assert surveys.confidence_interval(percent, base) == expected


def test_confidence_text():
    assert surveys.ci_text(30, 3690) == "28,5–31,5\u202f% (n = 3\u202f690)"
    assert surveys.ci_text(24, None) == "base non publiée : pas d'intervalle de confiance"


def real_surveys() -> pd.DataFrame:
    from pipelines.issues import IssueLog
    from pipelines.reading import read_tabular
    from pipelines.schemas import SURVEYS
    from pipelines.sources import cast_file, finish_surveys

    log = IssueLog()
    parts = [cast_file(read_tabular(p), SURVEYS, log) for p in sorted(ENQUETES.glob("*.csv"))]
    assert not [i for i in log.issues if i.blocking]
    return finish_surveys(pd.concat(parts, ignore_index=True), log)


def test_barometer_shares_put_ile_de_france_beside_the_national_value_of_the_same_year():
    frame = real_surveys()
    name = next(s for s in surveys.surveys_in_order(frame) if s.startswith("Baromètre"))
    assert surveys.surveys_in_order(frame)[0] == name          # national results first
    rows = surveys.share_rows(frame, name)
    ru = rows[rows["question"] == "connait_ru"]
    assert ru["bar_label"].tolist() == ["France entière 2022", "France entière 2023", "Île-de-France 2023"]
    assert ru["percent"].tolist() == [32, 30, 24] and ru["base"].fillna(0).tolist() == [1802, 3690, 0]
    assert ru["ci_low"].fillna(-1).tolist() == [29.8, 28.5, -1]
    assert ru["ci_high"].fillna(-1).tolist() == [34.2, 31.5, -1]
    cdu = rows[rows["question"] == "connait_cdu"]
    assert cdu["percent"].tolist() == [25, 28, 22]
    assert cdu["ci"].iloc[2] == "base non publiée : pas d'intervalle de confiance"


def test_aura_table_equals_seed_003():
    frame = real_surveys()
    name = next(s for s in surveys.surveys_in_order(frame) if "Voix et voies" in s)
    table, facts = surveys.count_table(frame, name)
    assert list(facts) == ["repondants", "projets_en_cours_ou_a_venir"]      # the seed's column order
    shown = surveys.with_total(table, facts).set_index("territory_name")
    for department, (respondents, share, projects) in {**SEED_003, "Total": SEED_003_TOTAL}.items():
        row = shown.loc[department]
        assert (row["repondants__count"], row["repondants__percent"], row["projets_en_cours_ou_a_venir__count"]) \
            == (respondents, pytest.approx(share), projects), department
    assert len(table) == 12
    assert facts["projets_en_cours_ou_a_venir"]["most"] == ["Rhône"]
    assert facts["projets_en_cours_ou_a_venir"]["none"] == ["Cantal", "Haute-Loire"]
    assert surveys_view.count_facts_text(facts["projets_en_cours_ou_a_venir"]) == (
        "Projets en cours ou à venir — le plus : Rhône (32) ; aucun : Cantal, Haute-Loire.")
    shares = surveys.share_rows(frame, name).set_index("question")
    assert shares.loc["projet_implique_un_ru", ["percent", "base"]].tolist() == [30, 96]
    assert shares.loc["ru_et_patients_partenaires_memes_missions", ["percent", "base"]].tolist() == [49, 152]
    # A convenience sample (the association network's members who answered): no 95 % interval, and it says why.
    assert shares[["ci_low", "ci_high"]].isna().all().all()
    assert shares.loc["projet_implique_un_ru", "ci"] == "échantillon de convenance (n = 96) : pas d'intervalle de confiance"


def test_any_long_format_survey_gets_its_sections():
    frame = pd.DataFrame([
        {"survey": "Enquête test", "year": 2025, "level": "region", "territory_code": "24",
         "question": "acces_aux_soins", "option": "oui", "count": None, "base": 400, "percent": 61},
        {"survey": "Enquête test", "year": 2025, "level": "region", "territory_code": "24",
         "question": "acces_aux_soins", "option": "non", "count": None, "base": 400, "percent": 39},
        {"survey": "Enquête test", "year": 2025, "level": "departement", "territory_code": "18",
         "question": "participants", "option": "nombre", "count": 12, "base": None, "percent": None},
        {"survey": "Enquête test", "year": 2025, "level": "departement", "territory_code": "45",
         "question": "participants", "option": "nombre", "count": 30, "base": None, "percent": None},
    ])
    rows = surveys.share_rows(frame, "Enquête test")
    assert rows["bar_label"].tolist() == ["Centre-Val de Loire 2025 – non", "Centre-Val de Loire 2025 – oui"]
    assert rows["question_label"].iloc[0] == "Acces aux soins"
    table, facts = surveys.count_table(frame, "Enquête test")
    assert table["territory_name"].tolist() == ["Cher", "Loiret"]
    assert facts["participants"]["total"] == 42 and facts["participants"]["most"] == ["Loiret"]
    assert surveys.region_of_codes("departement", table["territory_code"]) == "24"


def share_fixture() -> pd.DataFrame:
    """Three départements of Centre-Val de Loire answer « oui »/« non »; a national-only question beside them."""
    rows = [("departement", "18", "oui", 40.0, 50), ("departement", "18", "non", 60.0, 50),
            ("departement", "28", "oui", 55.0, 200), ("departement", "28", "non", 45.0, 200),
            ("departement", "45", "non", 27.5, 80), ("departement", "45", "oui", 72.5, 80),
            ("national", None, "oui", 48.0, 1000), ("national", None, "non", 52.0, 1000)]
    frame = pd.DataFrame([{"survey": "Enquête test", "year": 2025, "level": lv, "territory_code": code,
                           "question": "connait_cdu", "option": opt, "count": None, "base": base, "percent": pct}
                          for lv, code, opt, pct, base in rows])
    national = pd.DataFrame([{"survey": "Enquête test", "year": 2025, "level": "national", "territory_code": None,
                              "question": "connait_ru", "option": opt, "count": None, "base": 1000, "percent": pct}
                             for opt, pct in (("oui", 35.0), ("non", 65.0))])
    return pd.concat([frame, national], ignore_index=True)


@pytest.mark.parametrize("options, expected", [
    (["non", "oui"], "oui"),                     # « oui » wherever it stands
    (["Non", "Oui"], "Oui"),
    (["plutôt d'accord", "pas d'accord"], "plutôt d'accord"),   # no « oui »: the first option given
    ([], None),
])
def test_main_option(options, expected):
    assert surveys.main_option(options) == expected


def test_share_question_by_departement_gets_a_map_of_its_oui_share():
    shares = surveys.share_rows(share_fixture(), "Enquête test")
    cdu = surveys.share_map(shares[shares["question"] == "connait_cdu"])
    assert (cdu["level"], cdu["option"], cdu["year"]) == ("departement", "oui", 2025)
    values = cdu["values"].set_index("territory_name")
    # the « oui » rows only, the national row left out: Cher 40 %, Eure-et-Loir 55 %, Loiret 72,5 %
    assert values["value"].to_dict() == {"Cher": 40.0, "Eure-et-Loir": 55.0, "Loiret": 72.5}
    assert values["denominator"].to_dict() == {"Cher": 50, "Eure-et-Loir": 200, "Loiret": 80}
    assert surveys.share_map_title("Connaissent la CDU", "oui", 2025) == \
        "Connaissent la CDU – part «\u202foui\u202f» (2025)"
    # the national-only question has no map
    assert surveys.share_map(shares[shares["question"] == "connait_ru"]) is None


def test_share_map_needs_two_territories_and_falls_back_to_regions():
    frame = share_fixture()
    one = frame[frame["territory_code"].isin(["18"]) | frame["territory_code"].isna()]
    assert surveys.share_map(surveys.share_rows(one, "Enquête test").query("question == 'connait_cdu'")) is None
    regions = frame[frame["territory_code"].isin(["18", "28"])].assign(
        level="region", territory_code=lambda f: f["territory_code"].map({"18": "24", "28": "11"}))
    rows = surveys.share_rows(pd.concat([one.iloc[:0], regions]), "Enquête test")
    result = surveys.share_map(rows)
    assert result["level"] == "region"
    assert result["values"].set_index("territory_name")["value"].to_dict() == \
        {"Centre-Val de Loire": 40.0, "Île-de-France": 55.0}


def test_share_map_is_drawn_on_the_departements_of_the_region():
    from observatoire.domain import territorial
    from observatoire.present import charts

    shares = surveys.share_rows(share_fixture(), "Enquête test")
    result = surveys.share_map(shares[shares["question"] == "connait_cdu"])
    region = surveys.region_of_codes("departement", result["values"]["territory_code"])
    assert region == "24"
    frame = territorial.choropleth_frame(result["values"], "departement",
                                         territorial.map_codes("departement", region), "higher_is_better", None,
                                         unit="%")
    # the 6 départements of Centre-Val de Loire, 3 of them with a value
    assert len(frame) == 6 and frame["has_value"].sum() == 3
    assert territorial_view.value_range(frame) == (40.0, 72.5)
    fig = charts.choropleth_map(frame, "departement", "Connaissent la CDU – part «\u202foui\u202f» (2025)", "%",
                                "higher_is_better", 56.25, "de 40 % à 72,5 %", region=region)
    coloured = [t for t in fig.data if t.name == "valeurs"]
    assert len(coloured) == 1 and sorted(coloured[0].z) == [40.0, 55.0, 72.5]
