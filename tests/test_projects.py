"""The partnership projects register: forms, territory, planted errors (tests/conftest.py PROJETS)."""
import pandas as pd
import pytest

from pipelines.sources import parse_forms, parse_project_territory


@pytest.mark.parametrize("text, codes, unknown", [
    ("pair-aidance | éducation thérapeutique du patient", ["pair_aidance", "etp"], []),
    ("Patient partenaire / usager partenaire, pair aidance", ["patient_partenaire", "pair_aidance"], []),
    ("ETP|ETP", ["etp"], []),
    ("Médiation en santé pair | chant choral", ["mediation_sante_pair"], ["chant choral"]),
    ("", [], []),
])
def test_parse_forms(text, codes, unknown):
    assert parse_forms(text) == (codes, unknown)


@pytest.mark.parametrize("text, expected", [
    ("69", ("69", "84")), ("1", ("01", "84")), ("2A", ("2A", "94")), ("974", ("974", "04")),
    ("R84", (None, "84")), ("région 24", (None, "24")), ("84 (région)", (None, "84")),
    ("99", (None, None)), ("R99", (None, None)), ("", (None, None)),
])
def test_project_territory(text, expected):
    assert parse_project_territory(text) == expected


def test_register_is_stored_with_forms_and_territories(projects_store_dir):
    projects = pd.read_parquet(projects_store_dir / "projects.parquet").set_index("project_id")
    assert sorted(projects.index) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert list(projects.loc["P2", "forms"]) == ["patient_partenaire", "pair_aidance"]
    assert projects.loc["P1", ["department_code", "region_code"]].tolist() == ["67", "44"]   # from the FINESS
    assert pd.isna(projects.loc["P5", "department_code"]) and projects.loc["P5", "region_code"] == "44"
    assert projects["involves_ru"].tolist() == [True, False, False, True, True, True]
    assert projects.loc["P1", "title"] == "Pair-aidance en cancérologie"
    assert projects.loc["P3", "link"] == "http://exemple.fr/p3"


def test_planted_errors_have_file_line_column_and_french_message(projects_store_dir):
    rejects = pd.read_parquet(projects_store_dir / "rejects.parquet")
    mine = rejects[rejects["source"] == "projets"]
    found = {(r.file, r.line, r.column, r.code, r.severity) for r in mine.itertuples()}
    assert found == {
        ("registre.csv", 8, "formes_engagement", "forme_inconnue", "erreur"),
        ("registre.csv", 9, "id_projet", "projet_en_double", "erreur"),
        ("registre.csv", 10, "lien", "lien_invalide", "erreur"),
        ("registre.csv", 11, "intitule", "donnee_personnelle", "erreur"),
        ("registre.csv", 12, "code_territoire", "territoire_inconnu", "erreur"),
        ("registre.csv", 13, "date_fin", "fin_avant_debut", "erreur"),
        ("registre.csv", 14, "finess", "projet_non_localise", "erreur"),
        ("registre.csv", 15, "implication_ru", "valeur_non_autorisee", "erreur"),
    }
    message = mine.set_index("line").loc[8, "message_fr"]
    assert message.startswith("Forme(s) d'engagement non reconnue(s) : chant choral.")
    # The e-mail address is personal data: neither stored nor copied into the rejects.
    assert mine.set_index("line").loc[11, "value"] == "(masqué)"
    assert not rejects["value"].astype(str).str.contains("dupont").any()
    assert "P9" not in set(pd.read_parquet(projects_store_dir / "projects.parquet")["project_id"])


def test_map_counts_zero_only_where_the_register_covers_the_region():
    import pandas as pd

    from observatoire.domain.projects import with_zero_counts
    values = pd.DataFrame({"territory_code": ["69"], "value": [3.0], "numerator": [3.0], "masked": [False]})
    filled = with_zero_counts(values, ["15", "69", "75"], covered={"84"})
    assert dict(zip(filled["territory_code"], filled["value"])) == {"69": 3.0, "15": 0.0}   # Paris: no data
