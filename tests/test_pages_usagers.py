"""Formation, Enquêtes, Projets de partenariat and the Centre-Val de Loire roadmap render through the router (AppTest)
on the fixture store plus the real survey files, the real CVL roadmap and the projects fixture."""
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from observatoire.base import formatting
from tests.conftest import PROJETS, write_fixture_raw
from tests.test_surveys import SEED_003, SEED_003_TOTAL
from tests.chart_support import drawn_charts

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
# A share question answered by three départements (and France), dropped beside the real survey files.
SHARE_SURVEY = """enquete;annee;niveau;territoire;question;modalite;effectif;base;pourcentage
Enquête test par département;2025;departement;18;connait_cdu;oui;;50;40
Enquête test par département;2025;departement;18;connait_cdu;non;;50;60
Enquête test par département;2025;departement;28;connait_cdu;oui;;200;55
Enquête test par département;2025;departement;28;connait_cdu;non;;200;45
Enquête test par département;2025;departement;45;connait_cdu;oui;;80;72,5
Enquête test par département;2025;departement;45;connait_cdu;non;;80;27,5
Enquête test par département;2025;national;;connait_cdu;oui;;1000;48
Enquête test par département;2025;national;;connait_cdu;non;;1000;52
"""


@pytest.fixture(scope="module")
def usagers_store_dir(tmp_path_factory) -> Path:
    from pipelines.build import build

    root = tmp_path_factory.mktemp("usagers")
    raw = write_fixture_raw(root)
    (raw / "enquetes" / "barometre.csv").unlink()
    for path in (ROOT / "data" / "raw" / "enquetes").glob("*.csv"):
        shutil.copy(path, raw / "enquetes" / path.name)
    (raw / "enquetes" / "enquete_test_departements.csv").write_text(SHARE_SURVEY, encoding="utf-8")
    for path in (ROOT / "data" / "raw" / "convention").glob("cvl_*.csv"):
        shutil.copy(path, raw / "convention" / path.name)
    (raw / "projets").mkdir()
    (raw / "projets" / "registre.csv").write_text(PROJETS, encoding="utf-8")
    build(raw, root / "parquet")
    return root / "parquet"


@pytest.fixture
def app(usagers_store_dir, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(usagers_store_dir))
    return AppTest.from_file(APP, default_timeout=90)


def open_page(app, page, territory, date):
    app.query_params["territoire"] = territory
    app.query_params["date"] = date
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def test_enquetes_shows_seed_003_table_and_totals(app):
    open_page(app, "pages/enquetes.py", "region:84", "2026-06-15")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Répondants (total)"] == "152" and metrics["Projets en cours ou à venir (total)"] == "96"
    table = next(d.value for d in app.dataframe if "Répondants" in d.value.columns).set_index("Territoire")
    for department, (respondents, share, projects) in {**SEED_003, "Total": SEED_003_TOTAL}.items():
        row = table.loc[department]
        assert (row["Répondants"], row["Part – répondants"], row["Projets en cours ou à venir"]) == (
            str(respondents), formatting.percent(share, 2), str(projects)), department
    markdown = " ".join(m.value for m in app.markdown)
    assert "le plus : Rhône (32) ; aucun : Cantal, Haute-Loire." in markdown
    intervals = {v for d in app.dataframe if "Intervalle de confiance à 95 %" in d.value.columns
                 for v in d.value["Intervalle de confiance à 95 %"]}
    assert "28,5–31,5\u202f% (n = 3\u202f690)" in intervals
    assert "échantillon de convenance (n = 152) : pas d'intervalle de confiance" in intervals   # AURA 2023
    # Published survey counts under the threshold (Allier: 6 respondents) stay shown, and the page says why.
    captions = " ".join(c.value for c in app.caption)
    assert "Ce sont les chiffres publiés par l'enquête" in captions and "ils ne sont pas masqués" in captions


def test_enquetes_maps_a_share_question_answered_by_departements(app):
    import json

    open_page(app, "pages/enquetes.py", "national", "2026-06-15")
    maps = {}
    for element in drawn_charts(app):
        traces = json.loads(element.spec)["data"]
        coloured = [t for t in traces if t.get("type") == "choroplethmap" and t.get("name") == "valeurs"]
        if coloured:
            maps[coloured[0]["colorbar"]["title"]["text"].replace("<br>", " ")] = coloured[0]
    # the AURA count map and the new share map; the national and single-région share questions get bars only
    assert len(maps) == 2, list(maps)
    title = next(t for t in maps if "part «\u202foui\u202f»" in t)
    assert "Connaissent la commission des usagers (CDU)" in title and "(2025)" in title
    assert sorted(set(maps[title]["z"])) == [40.0, 55.0, 72.5]        # Cher, Eure-et-Loir, Loiret


def test_formation_page(app):
    open_page(app, "pages/formation.py", "departement:67", "2026-09-30")
    assert "RU en Avant" in app.info[0].value                     # the rule is stated on the page
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["RU formés dans les 6 mois"] == "masqué"       # 5 people: masked
    # One section at a time, the cohorts first: the other sections' lists and charts are not built.
    assert [t.label for t in app.tabs][:4] == ["Cohortes par trimestre", "Par territoire", "RU à former", "Sessions"]
    assert [c.key for c in drawn_charts(app)] == [] and not app.dataframe   # 5 new RU: no quarter to show
    assert "Aucun trimestre de 11 nouveaux RU ou plus" in app.info[1].value
    app.session_state["formation_section"] = "RU à former"
    app.run()
    assert [c.key for c in drawn_charts(app)] == []
    to_train = next(d.value for d in app.dataframe if "untrained_label" in d.value.columns)
    # Deadlines still running on 30/09/2026: Hoffmann (CDU Strasbourg, designated 01/04/2026 -> 01/10/2026) and
    # Braun (CDU Sainte-Odile, 16/05/2026 -> 16/11/2026); the most urgent first, counts masked.
    assert to_train["body_id"].tolist() == ["CDU-670000025", "CDU-670000033"]
    assert to_train["days_left"].tolist() == [1, 47]
    assert to_train["untrained_label"].tolist() == ["< 11", "< 11"]
    assert metrics == {m.label: m.value for m in app.metric}        # the headline cards stay above every section
    app.session_state["formation_section"] = "Sessions"
    app.run()
    assert not any("untrained_label" in d.value.columns for d in app.dataframe)
    keys = [c.key for c in drawn_charts(app)]
    assert "formation_calendrier" in keys and "formation_participation" not in keys   # the open tab only
    app.session_state["formation_sessions"] = "Participations par module"
    app.run()
    keys = [c.key for c in drawn_charts(app)]
    assert "formation_participation" in keys and "formation_calendrier" not in keys



def test_formation_map_is_drawn_when_its_tab_is_opened(app):
    # The table by territory is the open tab; the map (WebGL, the heaviest thing the browser draws on this page) is
    # built only when its own tab is opened, then the table waits.
    open_page(app, "pages/formation.py", "departement:67", "2026-09-30")
    app.session_state["formation_section"] = "Par territoire"
    app.run()
    assert [t.label for t in app.tabs][2:4] == ["Tableau par territoire", "Carte : RU formés dans les 6 mois"]
    assert "formation_carte" not in [c.key for c in drawn_charts(app)]
    assert any("cohort" in d.value.columns for d in app.dataframe)              # the table by territory
    app.session_state["formation_par_territoire"] = "Carte : RU formés dans les 6 mois"
    app.run()
    assert not app.exception
    assert "formation_carte" in [c.key for c in drawn_charts(app)]
    assert not any("cohort" in d.value.columns for d in app.dataframe)


def test_projets_page(app):
    open_page(app, "pages/projets.py", "region:44", "2026-03-01")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Projets en cours"] == "3"
    assert metrics["Impliquant au moins un RU"] == "66,7\u202f%"
    assert metrics["Forme la plus fréquente"] == "pair-aidance"
    # The map and the forms first; the register is a section of its own, built when opened.
    assert [c.key for c in drawn_charts(app)] == ["projets_carte", "projets_formes", "projets_part_ru"]
    assert not app.dataframe and not app.text_input
    app.session_state["projets_section"] = "Liste des projets"
    app.run()
    assert not drawn_charts(app) and metrics == {m.label: m.value for m in app.metric}
    app.text_input(key="projets_recherche").input("pair aidance").run()
    listed = app.dataframe[-1].value
    assert sorted(listed["project_id"]) == ["P1", "P2"]


def test_convention_page_serves_the_cvl_roadmap_without_targets(app):
    open_page(app, "pages/convention.py", "region:24", "2026-06-15")
    assert next(s for s in app.selectbox if s.label == "Convention").value == "CVL-2023-2026"
    assert any("ni indicateur ni cible" in i.value for i in app.info)
    assert [t.label for t in app.tabs] == ["Indicateurs et statuts", "Relevé de la séance", "Jalons et feuille de route"]
    app.session_state["convention_section"] = "Jalons et feuille de route"
    app.run()
    roadmap = next(d.value for d in app.dataframe if "Résultat attendu" in d.value.columns)
    assert roadmap["N°"].tolist() == ["1.2", "2.2.4", "2.3.2", "2.3.4"]
    assert set(roadmap["Statut"]) == {"À faire (au 04/09/2023)"}    # retained at the 4 September 2023 seminar
    assert roadmap.set_index("N°").loc["2.3.4", "Résultat attendu"].endswith(
        "Création d'un annuaire des référents associatifs en charge de cette animation.")
    milestones = next(d.value for d in app.dataframe if "Jalon" in d.value.columns)
    assert milestones["Date"].tolist() == ["01/07/2023", "04/09/2023"]
