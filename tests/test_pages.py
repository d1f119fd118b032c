"""Accueil, Convention and Données render through the router on the fixture store (AppTest)."""
import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from tests.chart_support import drawn_charts

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(fixture_store_dir, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(fixture_store_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["territoire"] = "departement:67"
    at.query_params["date"] = "2026-03-01"
    return at


def test_accueil_headlines(app):
    app.run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    # The seats the ARS designates lead (no CVS in this fixture: the same as all seats).
    assert metrics["Taux de vacance des sièges pourvus par arrêté"] == "25,0\u202f%"
    assert metrics["Sièges vacants pourvus par arrêté"] == "3"
    assert metrics["CDU complètes"] == "33,3\u202f%"
    assert metrics["RU désignés en mandat"] == "masqué"     # 8 people: masked, not « < 11 » (%?)
    masked = next(m for m in app.metric if m.label == "RU désignés en mandat")
    assert "moins de 11 personnes" in masked.help
    assert metrics["Mandats arrivant à échéance sous 6 mois"] == "2"
    assert app.sidebar.selectbox[0].value == "departement:67"
    assert any("stMetricLabel" in h.proto.body and "white-space: normal" in h.proto.body
               for h in app.get("html"))                      # long labels wrap at 1366 px, not cut
    assert app.query_params["date"] == ["2026-03-01"] or app.query_params["date"] == "2026-03-01"


def test_convention_scorecard(app):
    app.switch_page("pages/convention.py").run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["⚠ En retard"] == "1"                     # taux_vacance 67: 25,0 % for a 20 % target
    table = app.dataframe[0].value
    assert table.iloc[0]["Valeur"] == "25,0\u202f%" and table.iloc[0]["Cible"] == "20,0\u202f% (2026)"
    assert table.iloc[0]["Écart à la cible"] == "+5,0\u202fpt"
    assert "#fff3c4" in str(app.dataframe[0].proto)          # Bas-Rhin, the territory chosen, is highlighted


def test_convention_page_charts_and_full_scorecard(app):
    app.switch_page("pages/convention.py").run()
    assert not app.exception
    table = app.dataframe[0]
    assert "Depuis le dernier groupe de suivi" in table.value.columns
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["○ Non évaluable"] == "0"
    # One section at a time: the scorecard first, no chart built with it.
    sections = ["Indicateurs et statuts", "Trajectoires des indicateurs", "Relevé de la séance",
                "Jalons et feuille de route"]
    assert [t.label for t in app.tabs if t.label in sections] == sections
    assert drawn_charts(app) == []
    # The fixture's one target is Bas-Rhin's: for the Bas-Rhin chosen in the sidebar it is charted first, not hidden
    # in « Cibles des autres territoires ».
    app.session_state["convention_section"] = "Trajectoires des indicateurs"
    app.run()
    assert [e.key for e in drawn_charts(app)] == ["trajectoire_taux_vacance_67_False"]
    assert not app.dataframe                                        # the scorecard waits in its own tab
    # From the région, Bas-Rhin's target is another territory's: built only when its expander is opened.
    app.query_params["territoire"] = "region:44"
    app.session_state["territoire"] = "region:44"
    app.run()
    assert [e.key for e in drawn_charts(app)] == []
    app.session_state["convention_autres_cibles"] = True
    app.run()
    assert [e.key for e in drawn_charts(app)] == ["trajectoire_taux_vacance_67_False"]
    app.session_state["convention_section"] = "Jalons et feuille de route"
    app.run()
    assert [e.key for e in drawn_charts(app)] == ["jalons_ge-test"]


@pytest.fixture(scope="module")
def three_targets_store_dir(tmp_path_factory) -> Path:
    """The fixture store plus two targets of Grand Est itself: three trajectories for a Bas-Rhin user."""
    from pipelines.build import build
    from tests.conftest import write_fixture_raw

    root = tmp_path_factory.mktemp("convention_tabs")
    raw = write_fixture_raw(root)
    with (raw / "convention" / "cibles.csv").open("a", encoding="utf-8") as fh:
        fh.write("GE-TEST;taux_vacance;region;44;2026;20\nGE-TEST;part_cdu_completes;region;44;2026;50\n")
    build(raw, root / "parquet")
    return root / "parquet"


def test_convention_draws_one_trajectory_per_tab(three_targets_store_dir, monkeypatch):
    # One tab per indicator and territory, the chosen département's first; only the open tab's chart is built (the
    # browser draws one trajectory per rerun, not all of them), every other one a tab away.
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(three_targets_store_dir))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["territoire"] = "departement:67"
    app.query_params["date"] = "2026-03-01"
    app.switch_page("pages/convention.py").run()
    assert not app.exception
    app.session_state["convention_section"] = "Trajectoires des indicateurs"
    app.run()
    sections = ["Indicateurs et statuts", "Trajectoires des indicateurs", "Relevé de la séance",
                "Jalons et feuille de route"]
    trajectories = [t.label for t in app.tabs if t.label not in sections]   # the tabs inside the open section
    assert len(trajectories) == 3 and trajectories[0].endswith("Bas-Rhin")
    assert sum(label.endswith("Grand Est") for label in trajectories) == 2
    keys = [e.key for e in drawn_charts(app)]
    assert keys == ["trajectoire_taux_vacance_67_False"]
    app.session_state["convention_indicateur"] = trajectories[2]
    app.run()
    assert not app.exception
    keys = [e.key for e in drawn_charts(app)]
    assert len(keys) == 1 and keys[0].startswith("trajectoire_") and keys[0].endswith("_44_False")


def test_convention_before_the_signature(app):
    app.query_params["date"] = "2026-01-01"
    app.switch_page("pages/convention.py").run()
    assert not app.exception
    assert "Convention non encore signée à cette date" in app.info[0].value
    assert not [m for m in app.metric if "retard" in m.label.lower()]
    assert app.dataframe[0].value.iloc[0]["Statut"] == "–"


def test_accueil_convention_status(app):
    app.run()
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["✔ Atteint"], metrics["⚠ En retard"], metrics["○ Non évaluable"]) == ("0", "1", "0")
    assert app.get("page_link")
    app.session_state["date"] = dt.date(2026, 1, 1)
    app.run()
    assert any("non encore signée" in i.value for i in app.info)


def test_convention_review_at_a_past_milestone(app):
    app.query_params["date"] = "2026-12-31"
    app.switch_page("pages/convention.py").run()
    picker = [s for s in app.selectbox if s.label == "Situation à afficher"][0]
    assert any("Groupe de suivi du 15/06/2026" in option for option in picker.options)


def test_donnees_lists_rejects(app):
    app.switch_page("pages/donnees.py").run()
    assert not app.exception
    assert "Mandats (mandates)" in set(app.dataframe[1].value["Table"])   # store tables named in French
    assert len(app.dataframe) == 2                 # only the open tab is built: the rejects wait for their tab
    app.session_state["donnees_onglet"] = "Lignes rejetées et avertissements"
    app.run()
    rejects = app.dataframe[0].value
    assert "3 RU présents pour 2 attendus." in set(rejects["Message"])
    caption = " ".join(c.value for c in app.caption)
    assert "un **avertissement** la conserve" not in caption and "« Ligne conservée » dit si" in caption
    assert rejects[rejects["Message"] == "3 RU présents pour 2 attendus."]["Ligne"].iloc[0] == "5"


def test_missing_store_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(tmp_path / "nothing"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Aucun entrepôt de données" in at.error[0].value


def test_a_territory_without_a_convention_of_its_own_chooses_one(app):
    # France has no convention of its own: none is preselected (the fixture's only one is Grand Est's), it says so.
    app.query_params["territoire"] = "national:FR"
    app.switch_page("pages/convention.py").run()
    assert not app.exception
    assert app.selectbox[0].value is None and "n'a pas de convention propre" in app.info[0].value
    assert not app.dataframe
    app.selectbox[0].select("GE-TEST").run()
    assert not app.exception and len(app.dataframe) >= 1
