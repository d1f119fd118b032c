"""The Vacance and Participation pages run on the fixture stores and show their French figures."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from observatoire.ui import Context
from tests.test_vacancy import build_vacancy_store
from tests.chart_support import drawn_charts

PAGES = Path(__file__).resolve().parent.parent / "pages"
GRAND_EST = ("region", "44", "Grand Est")


@pytest.fixture(scope="module")
def page_store_dir(tmp_path_factory) -> Path:
    return build_vacancy_store(tmp_path_factory.mktemp("pages_vacancy"))


def run_page(name: str, data_dir: Path, monkeypatch, territory=GRAND_EST, as_of=dt.date(2024, 7, 1)) -> AppTest:
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(data_dir))
    app = AppTest.from_file(str(PAGES / name), default_timeout=60)
    level, code, label = territory
    app.session_state["context"] = Context(level, code, label, as_of)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    return "\n".join([*(m.value for m in app.markdown), *(c.value for c in app.caption), *(t.value for t in app.title),
                      *(s.value for s in app.header), *(i.value for i in app.info), *(t.label for t in app.tabs)])


def open_section(app: AppTest, label: str) -> AppTest:
    """Open one of the page's sections (tabs built only when open) and rerun."""
    app.session_state["vacance_section"] = label
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_vacancy_page(page_store_dir, monkeypatch):
    app = run_page("vacance.py", page_store_dir, monkeypatch, as_of=dt.date(2026, 4, 1))
    metrics = {m.label: m.value for m in app.metric}
    # 01/04/2026, Grand Est: 67 has 12 seats... C closed: A 4 + B 4 (4 vacant) and D 3 (3 vacant) -> 7 / 11.
    assert metrics["Vacance au 01/04/2026"] == "63,6\u202f%"
    assert metrics["Dans 12 mois, sans renouvellement"] == "81,8\u202f%"
    page = texts(app)
    assert "Vacance des sièges" in page and "au 1er de chaque mois" in page
    assert "Comparaison des départements" in page
    # One section at a time, the monthly series first: the seats ahead and the campaigns are not built.
    sections = ["Évolution mensuelle", "Sièges qui vont se libérer", "Campagnes de nomination"]
    assert [t.label for t in app.tabs if t.label in sections] == sections
    assert [r.label for r in app.radio] == ["Ventiler par"]
    assert not app.dataframe and not [s for s in app.selectbox if s.label == "Campagne"]
    # rate (the open tab: the count and comparison tabs are built only when opened)
    assert [c.key for c in drawn_charts(app)] == ["taux_vacance_mensuel"]
    app.session_state["vacance_onglet"] = "Sièges vacants"
    app.run()
    assert [c.key for c in drawn_charts(app)] == ["sieges_vacants_mensuel"]
    app.session_state["vacance_onglet"] = "Comparaison des départements"
    app.run()
    assert [c.key for c in drawn_charts(app)] == ["taux_vacance_departements"]
    # The headline cards stay above every section.
    open_section(app, "Campagnes de nomination")
    assert {m.label: m.value for m in app.metric}["Vacance au 01/04/2026"] == "63,6\u202f%"
    # Every campaign label names the région and the body type; the Grand Est campaign is preselected.
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Sièges ouverts (Grand Est · CDU)"] == "400" and metrics["Désignations (Grand Est · CDU)"] == "40"
    campaign = [s for s in app.selectbox if s.label == "Campagne"][0]
    assert campaign.value is not None and campaign.format_func(campaign.value).startswith("Grand Est · CDU · ")
    assert [c.key.rsplit("_", 1)[1] for c in drawn_charts(app)] == ["entonnoir", "realisation"]
    open_section(app, "Sièges qui vont se libérer")
    assert [r.label for r in app.radio] == ["Horizon"] and not drawn_charts(app)
    assert "**2 sièges** se libèrent d'ici le 01/04/2027" in texts(app)
    table = app.dataframe[0].value
    assert list(table.columns) == ["Instance", "Type", "Établissement", "Fiche", "Département", "Rôle", "Sièges libérés",
                                   "Vacant à partir du"]
    assert table["Vacant à partir du"].tolist() == ["01/06/2026", "01/03/2027"]


@pytest.mark.parametrize("breakdown", ["Type d'instance", "Rôle"])
def test_vacancy_page_breakdowns(page_store_dir, monkeypatch, breakdown):
    app = run_page("vacance.py", page_store_dir, monkeypatch, as_of=dt.date(2026, 4, 1))
    app.radio[0].set_value(breakdown).run()
    assert not app.exception


def test_vacancy_page_national_and_departement(page_store_dir, monkeypatch):
    app = run_page("vacance.py", page_store_dir, monkeypatch, ("national", None, "France entière"))
    assert "Comparaison des régions" in texts(app)
    # National scope: no campaign preselected, hence no campaign figures.
    open_section(app, "Campagnes de nomination")
    assert [s for s in app.selectbox if s.label == "Campagne"][0].value is None
    assert not [m for m in app.metric if m.label.startswith("Sièges ouverts")]
    # A département is compared with the other départements of its région (the same tabs as the région's: going
    # from one to the other keeps the open tab), for a user who may see them.
    app = run_page("vacance.py", page_store_dir, monkeypatch, ("departement", "67", "67 – Bas-Rhin"))
    app.session_state["vacance_onglet"] = "Comparaison des départements"
    app.run()
    (chart,) = drawn_charts(app)
    spec = json.loads(chart.spec)
    assert spec["layout"]["title"]["text"] == "Taux de vacance par département de la région Grand Est"
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["Bas-Rhin", "Haut-Rhin"]
    # A user of one département sees no other: no comparison tab.
    from observatoire import session
    from observatoire.domain.access import Access

    monkeypatch.setattr(session, "current", lambda: Access("departement", "67", "charge_de_mission", "a@b.fr"))
    app = run_page("vacance.py", page_store_dir, monkeypatch, ("departement", "67", "67 – Bas-Rhin"))
    assert "Comparaison" not in texts(app)
    # A user of the région, on one of its départements, compares it with the others.
    monkeypatch.setattr(session, "current", lambda: Access("region", "44", "charge_de_mission", "a@b.fr"))
    app = run_page("vacance.py", page_store_dir, monkeypatch, ("departement", "67", "67 – Bas-Rhin"))
    assert "Comparaison des départements" in texts(app)


def test_vacancy_page_national_during_a_campaign_lists_the_regions_campaigns(page_store_dir, monkeypatch):
    app = run_page("vacance.py", page_store_dir, monkeypatch, ("national", None, "France entière"),
                   as_of=dt.date(2026, 4, 1))
    open_section(app, "Campagnes de nomination")
    assert "Campagnes de nomination des régions" in texts(app)
    assert "Télécharger le tableau (CSV)" in [b.label for b in app.get("download_button")]


def test_participation_page(page_store_dir, monkeypatch):
    app = run_page("participation.py", page_store_dir, monkeypatch)
    page = texts(app)
    assert "Participation" in page
    assert "**1 instance** n’a eu aucun RU présent" in page
    empty = app.dataframe[-1].value
    assert empty["Instance"].tolist() == ["CDU A – CH Strasbourg"]
    assert empty["Dernière séance"].tolist() == ["25/06/2024"]
    assert len(app.dataframe) == 1         # « Tableau par trimestre » is built only when opened
    app.session_state["participation_tableau"] = True
    app.run()
    quarters = app.dataframe[0].value
    assert quarters["Participation réelle"].tolist()[-1] == "7,7\u202f%"
    # Every chart offers its PNG and its data; every table its CSV and its XLSX twin.
    assert [b.label for b in app.get("download_button")] == [
        "Télécharger (PNG)", "Télécharger les données (CSV)", "Télécharger les données (Excel)",
        "Télécharger le tableau (CSV)", "Télécharger le tableau (Excel)", "Télécharger la liste (CSV)",
        "Télécharger la liste (Excel)"]
    # The comparison of the départements is a tab of its own, built when opened.
    app.session_state["participation_onglet"] = "Comparaison des départements"
    app.run()
    assert [c.key for c in drawn_charts(app)] == ["taux_participation_departements"]
    assert [b.label for b in app.get("download_button")][:2] == ["Télécharger (PNG)", "Télécharger les données (CSV)"]


def test_participation_page_without_meetings(page_store_dir, monkeypatch):
    app = run_page("participation.py", page_store_dir, monkeypatch, as_of=dt.date(2020, 1, 1))
    assert "Aucune séance" in texts(app)


def test_participation_page_without_empty_chairs(page_store_dir, monkeypatch):
    app = run_page("participation.py", page_store_dir, monkeypatch, as_of=dt.date(2024, 6, 1))
    assert "Aucune instance n'a eu de chaise vide de RU à chacune de ses 4 dernières séances" in texts(app)
    assert "Télécharger la liste (CSV)" not in [b.label for b in app.get("download_button")]  # no empty-chair list


def test_without_chromium_a_french_message_replaces_the_png_button(page_store_dir, monkeypatch):
    from observatoire.present import exports

    monkeypatch.setattr(exports, "chromium_path", lambda: None)
    app = run_page("participation.py", page_store_dir, monkeypatch)
    labels = [b.label for b in app.get("download_button")]
    assert "Télécharger (PNG)" not in labels
    assert labels.count("Télécharger les données (CSV)") == 1  # the rest works
    assert texts(app).count("Image PNG indisponible : le navigateur Chromium n'est pas installé") == 1
