"""The desk's pages through the router (AppTest) and its queries, cut to the user's access: the establishment page
(deep link, search, seats one by one or counts only, « hors de vos droits »), « À traiter », two dates side by side
on Convention and Accueil, and the links that open an establishment from the other pages.

Stores of tests/conftest.py: the fixture (Bas-Rhin 67) and the two-région one (plus CH AJACCIO, Corse-du-Sud 2A).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from observatoire.base.db import Scope
from observatoire.domain.access import Access
from tests.conftest import FIXTURE_NAMES

APP = str(Path(__file__).resolve().parent.parent / "app.py")
AS_OF = dt.date(2026, 3, 1)
DD67 = Access("departement", "67", "charge_de_mission", "agent.67@ars.sante.fr")
DD67_READER = Access("departement", "67", "lecture", "lecteur.67@ars.sante.fr")
DD2A = Access("departement", "2A", "charge_de_mission", "agent.2a@ars.sante.fr")


def page(monkeypatch, store_dir, path: str, access: Access | None = None, territory: str = "departement:67",
         date: str = "2026-03-01", **params) -> AppTest:
    from observatoire import session

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(store_dir))
    if access is not None:
        monkeypatch.setattr(session, "current", lambda: access)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["territoire"] = territory
    at.query_params["date"] = date
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(path).run()
    assert not at.exception
    return at


def text_of(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.markdown, *at.caption, *at.header, *at.subheader, *at.info, *at.warning,
                               *at.error)]
    parts += [m.label + " " + m.value for m in at.metric]
    parts += [df.value.to_csv() for df in (*at.dataframe, *at.table)]  # a reader's tables are static (no toolbar)
    return "\n".join(str(p) for p in parts)


# --- the establishment page -------------------------------------------------------------------------------------

def test_deep_link_to_an_establishment(fixture_store_dir, monkeypatch):
    at = page(monkeypatch, fixture_store_dir, "pages/etablissement.py", finess="670000025")
    assert at.title[0].value.replace("\\", "") == 'CENTRE HOSPITALIER "LES TILLEULS"; STRASBOURG'
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Sièges": "4", "Sièges pourvus": "3", "Sièges vacants": "1"}   # Klein ended 28/02/2026
    seats = at.dataframe[1].value
    assert seats["État"].tolist() == ["Pourvu", "Pourvu", "Pourvu", "Vacant depuis le 01/03/2026 (0 jour)"]
    assert seats["Association"].tolist()[:3] == ["UNAF", "UFC-Que Choisir", "France Alzheimer"]
    assert seats["Échéance de formation"].tolist()[:3] == ["01/08/2024", "01/07/2023", "01/12/2023"]
    text = text_of(at)
    assert "Mandats finissant dans les 6 mois" in text and "31/05/2026" in text   # Schmitt, suppléant
    assert not any(name in text for name in FIXTURE_NAMES)                       # never a name


def test_search_by_name_opens_the_page(fixture_store_dir, monkeypatch):
    at = page(monkeypatch, fixture_store_dir, "pages/etablissement.py")
    at.text_input(key="etablissement_recherche").input("hagueNAU").run()
    choice = at.selectbox(key="etablissement_choix")
    assert choice.options == ["CENTRE HOSPITALIER DE HAGUENAU – 670000041 – Haguenau – Bas-Rhin (67)"]
    choice.set_value("670000041").run()
    assert at.query_params["finess"] in (["670000041"], "670000041")
    assert at.title[0].value == "CENTRE HOSPITALIER DE HAGUENAU"


def test_an_unknown_number_says_so(fixture_store_dir, monkeypatch):
    at = page(monkeypatch, fixture_store_dir, "pages/etablissement.py", finess="999999999")
    assert "Aucun établissement de n° FINESS" in at.warning[0].value


def test_outside_the_users_territory_it_is_hors_de_vos_droits(two_region_store_dir, monkeypatch):
    at = page(monkeypatch, two_region_store_dir, "pages/etablissement.py", DD2A, territory="departement:2A",
              finess="670000025")
    assert "hors de vos droits" in at.error[0].value
    text = text_of(at)
    assert "TILLEULS" not in text and "Sièges" not in text and len(at.dataframe) == 0


def test_a_reader_gets_counts_a_charge_de_mission_the_seats(two_region_store_dir, monkeypatch):
    reader = page(monkeypatch, two_region_store_dir, "pages/etablissement.py", DD67_READER, finess="670000025")
    assert "Sièges par rôle" in text_of(reader) and "Les sièges un par un" not in text_of(reader)
    counts = reader.table[1].value   # a reader gets static tables: no toolbar to export them
    assert counts.columns.tolist() == ["Instance", "Rôle", "Sièges", "Pourvus", "Vacants", "RU pas encore formés"]
    assert counts["RU pas encore formés"].tolist() == ["< 11", "< 11"]
    assert "Association" not in text_of(reader) and "UNAF" not in text_of(reader)
    assert len(reader.get("download_button")) == 0
    officer = page(monkeypatch, two_region_store_dir, "pages/etablissement.py", DD67, finess="670000025")
    assert "Les sièges un par un" in text_of(officer) and "UNAF" in text_of(officer)


@pytest.fixture
def as_user(two_region_store_dir, monkeypatch):
    from observatoire import session

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(two_region_store_dir))

    def _as(access: Access):
        monkeypatch.setattr(session, "current", lambda: access)
    return _as


def test_establishment_queries_follow_the_users_territory(as_user):
    from observatoire import queries

    as_user(DD2A)
    assert queries.establishment_access("670000025") == queries.ESTABLISHMENT_DENIED
    assert queries.establishment_identity("670000025") is None
    assert queries.establishment_bodies("670000025", AS_OF).empty
    assert queries.establishment_seats("670000025", AS_OF).empty
    assert queries.establishment_seat_counts("670000025", AS_OF).empty
    assert queries.establishment_vacancy("670000025", AS_OF).empty
    assert queries.establishment_meetings("670000025", AS_OF).empty
    assert queries.establishment_search("strasbourg").empty
    assert queries.establishment_search("centre hospitalier")["finess"].tolist() == ["2A0000015"]
    assert queries.establishment_access("2A0000015") == queries.ESTABLISHMENT_OK
    assert queries.establishment_access("123456789") == queries.ESTABLISHMENT_UNKNOWN
    # « À traiter » of France asked by a délégation: its own département only.
    lines = queries.worklist(Scope("national"), AS_OF)
    assert set(lines["department_code"].dropna()) == {"2A"} and lines["convention_id"].isna().all()

    as_user(DD67)
    assert len(queries.establishment_seats("670000025", AS_OF)) == 4
    assert set(queries.worklist(Scope("national"), AS_OF)["department_code"].dropna()) == {"67"}
    as_user(DD67_READER)
    assert queries.establishment_seats("670000025", AS_OF).empty and queries.establishment_ending(
        "670000025", AS_OF).empty
    assert queries.establishment_ending_counts("670000025", AS_OF)["ending"].tolist() == [1]


# --- « À traiter » ------------------------------------------------------------------------------------------------

def test_a_traiter_page(two_region_store_dir, monkeypatch):
    at = page(monkeypatch, two_region_store_dir, "pages/a_traiter.py", DD67)
    table = at.dataframe[0].value
    assert table["À traiter"].tolist()[0] == "Sièges à renouveler sous 3 mois (fin de mandat)"
    assert table["Fiche"].iloc[0] == "etablissement?finess=670000025&territoire=departement%3A67&date=2026-03-01"
    assert not any(name in text_of(at) for name in FIXTURE_NAMES)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Télécharger la liste (CSV)", "Télécharger la liste (Excel)"]
    corsica = page(monkeypatch, two_region_store_dir, "pages/a_traiter.py", DD2A, territory="departement:67")
    assert "TILLEULS" not in text_of(corsica) and "670000" not in text_of(corsica)   # clamped to 2A, Ajaccio only


# --- links from the other pages -----------------------------------------------------------------------------------

def test_the_map_a_former_and_the_vacancy_table_open_the_establishment(fixture_store_dir, monkeypatch):
    formation = page(monkeypatch, fixture_store_dir, "pages/formation.py")
    formation.session_state["formation_section"] = "RU à former"
    formation.run()
    to_train = next(df.value for df in formation.dataframe if "link" in df.value.columns)   # « Fiche » on screen
    assert to_train["link"].str.startswith("etablissement?finess=6700000").all()
    carte = page(monkeypatch, fixture_store_dir, "pages/carte.py")     # Bas-Rhin's drill-down, under the map
    drill = next(df.value for df in carte.dataframe if "link" in df.value.columns)
    assert set(drill["link"]) == {f"etablissement?finess={f}&territoire=departement%3A67&date=2026-03-01"
                                  for f in ("670000025", "670000033", "670000041")}
    vacance = page(monkeypatch, fixture_store_dir, "pages/vacance.py")
    vacance.session_state["vacance_section"] = "Sièges qui vont se libérer"
    vacance.run()
    ahead = next(df.value for df in vacance.dataframe if "Fiche" in df.value.columns)
    assert ahead["Fiche"].iloc[0].startswith("etablissement?finess=")


# --- two dates side by side ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, key", [("pages/convention.py", "convention_comparer"), ("pages/accueil.py",
                                                                                       "accueil_comparer")])
def test_two_dates_side_by_side(fixture_store_dir, monkeypatch, path, key):
    from observatoire import session

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(fixture_store_dir))
    monkeypatch.setattr(session, "current", lambda: session.OPEN_ACCESS)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["territoire"] = "departement:67"
    at.query_params["date"] = "2026-06-15"
    at.session_state[key] = True   # the expander open: built only then
    at.switch_page(path).run()
    assert not at.exception
    # No follow-up group before 15/06/2026: the first date is the signature (21/01/2026).
    assert at.date_input(key=key.replace("comparer", "premiere")).value == dt.date(2026, 1, 21)
    comparison = next(df.value for df in at.dataframe if "Évolution" in df.value.columns)
    row = comparison.iloc[0]
    assert row["Au 21/01/2026"] == "8,3\u202f%" and row["Au 15/06/2026"] == "16,7\u202f%"
    # 8,3 % at the signature and 16,7 % on 15/06/2026, both under the 20 % target: atteint at both, not changed.
    assert row["Statut au 21/01/2026"] == row["Statut au 15/06/2026"] == "✔ atteint"
    assert comparison["Territoire"].iloc[0] == "Département · Bas-Rhin"
