"""Tiny hand-checkable raw fixtures and a store built from them.

The fixture region (Bas-Rhin, 67) has 3 CDU = 12 seats. On 01/03/2026 (see tests/test_indicators.py):
  CDU A 670000025: titulaires p1, p2 ; suppléants p3 (p4 ended 28/02/2026)      -> 3 filled, 1 vacant
  CDU B 670000033: titulaire p5 (p6 resigned 15/02/2026) ; suppléant p7         -> 2 filled, 2 vacant
  CDU C 670000041: titulaires p1, p9, p10 (3 for 2 seats) ; suppléants p5, p11 -> 4 filled, 0 vacant
  => 12 seats, 9 filled, 3 vacant = 25,0 %; 10 active mandates held by 8 people.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ["OBSERVATOIRE_PSEUDONYM_KEY"] = "test-key"  # tests never use a real key
# The command line's log (tracebacks for developers) goes to a temporary file, not to the checkout's data/logs.
os.environ["OBSERVATOIRE_LOG_FILE"] = str(Path(tempfile.mkdtemp(prefix="observatoire-log-")) / "pipelines.log")
os.environ.pop("OBSERVATOIRE_MASK_THRESHOLD", None)
# Each precomputed day costs about half a second whatever the store's size: fixtures are built without the
# precomputed table; tests/test_precomputed.py builds it and checks it reads what the computation gives.
os.environ["OBSERVATOIRE_PRECOMPUTE_MONTHS"] = "0"


def _app_py_routes() -> None:
    """What observatoire.ui.serve does for the server: app.py is the only router, never Streamlit's legacy
    `pages/` folder mode. AppTest resets that flag before every run, so it is said again after each reset."""
    from streamlit.runtime.pages_manager import PagesManager

    legacy_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        legacy_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


_app_py_routes()

FINESS_LINES = [
    "finess;etalab;4;2026-11-01",
    'structureet;670000025;670780055;CH STRASBOURG;"CENTRE HOSPITALIER ""LES TILLEULS""; STRASBOURG";;;1;RUE;DE LA CATHÉDRALE;;;482;67;BAS-RHIN;67000 STRASBOURG;0388000000;;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;;;03;ARS TG HORS CPOM;1;Etablissement public de santé;1990-01-01;1990-01-01;2025-01-01;',
    "structureet;670000033;670780063;CLINIQUE SAINTE-ODILE;CLINIQUE SAINTE-ODILE;;;2;RUE;DU RHIN;;;482;67;BAS-RHIN;67000 STRASBOURG;;;365;Etablissement de Soins Pluridisciplinaire;1110;Autres Etablissements Soins;;;07;TARIFS AUTORITE ARS;7;Etablissement de santé privé non ESPIC;1995-01-01;1995-01-01;2025-01-01;",
    "structureet;670000041;670780071;CH HAGUENAU;CENTRE HOSPITALIER DE HAGUENAU;;;3;RUE;DU MOULIN;;;180;67;BAS-RHIN;67500 HAGUENAU;;;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;;;03;ARS TG HORS CPOM;1;Etablissement public de santé;1980-01-01;1980-01-01;2025-01-01;",
    "structureet;970400017;970400009;CHU LA RÉUNION;CHU DE LA RÉUNION SITE NORD;;;1;AV;FÉLIX GUYON;;;411;9D;LA REUNION;97400 ST DENIS;;;101;Centre Hospitalier Régional (C.H.R.);1101;Centres Hospitaliers Régionaux;;;03;ARS TG;1;Etablissement public de santé;1970-01-01;1970-01-01;2025-01-01;",
    "structureet;2A0000015;2A0000007;CH AJACCIO;CENTRE HOSPITALIER D'AJACCIO;;;27;AV;IMPÉRATRICE EUGÉNIE;;;004;2A;CORSE-DU-SUD;20000 AJACCIO;;;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;;;03;ARS TG;1;Etablissement public de santé;1960-01-01;1960-01-01;2025-01-01;",
    "structureet;980000018;980000000;CH PAPEETE;CENTRE HOSPITALIER DE PAPEETE;;;1;RUE;X;;;735;98;POLYNESIE;98714 PAPEETE;;;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;;;03;X;1;Etablissement public de santé;1960-01-01;1960-01-01;2025-01-01;",
    "geolocalisation;670000025;1050217.51;6841837.55;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93;2025-01-01",
    "geolocalisation;670000033;1050300.0;6841900.0;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93;2025-01-01",
    "geolocalisation;970400017;338811.24;7690101.36;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,UTM_N40;2025-01-01",
    "geolocalisation;2A0000015;1176526.60;6108263.02;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93;2025-01-01",
]

INSTANCES = """type_instance;finess;code_territoire;libelle;sieges_titulaires;sieges_suppleants;date_creation;date_fermeture
CDU;670000025;;Commission des usagers – CH Strasbourg;2;2;01/01/2016;
CDU;670000033;;Commission des usagers – Clinique Sainte-Odile;2;2;01/01/2016;
CDU;670000041;;Commission des usagers – CH Haguenau;2;2;01/01/2016;
"""

NOMINATIONS_HEADER = ("finess;code_territoire;type_instance;role;nom;prenom;date_naissance;association;date_debut;"
                      "date_fin;date_fin_anticipee;motif_fin;reference_arrete;date_arrete")
NOMINATIONS = NOMINATIONS_HEADER + """
670000025;;CDU;titulaire;Meyer;Jean-Michel;12/03/1955;UFC-Que Choisir;01/01/2023;31/12/2025;;;ARS-GE-2022-001;15/12/2022
670000025;;CDU;titulaire;MEYER;jean michel;12/03/1955;UFC-Que Choisir;01/01/2026;31/12/2028;;;ARS-GE-2025-001;15/12/2025
670000025;;CDU;titulaire;Abélard;Hélène;;UNAF;01/02/2024;31/01/2027;;;ARS-GE-2024-002;20/01/2024
670000025;;CDU;suppleant;Schmitt;Paul;;France Alzheimer;01/06/2023;31/05/2026;;;ARS-GE-2023-003;20/05/2023
670000025;;CDU;suppléant;Klein;Anne;;France Rein;01/03/2023;28/02/2026;;;ARS-GE-2023-004;20/02/2023
670000033;;CDU;Titulaire;Weber;Luc;;AIDES;01/01/2026;31/12/2028;;;ARS-GE-2025-005;15/12/2025
670000033;;CDU;titulaire;Muller;Claire;;UNAFAM;01/01/2026;31/12/2028;15/02/2026;démission;ARS-GE-2025-006;15/12/2025
670000033;;CDU;suppleant;Fischer;Marc;;Familles Rurales;01/01/2026;31/12/2028;;;ARS-GE-2025-007;15/12/2025
670000041;;CDU;titulaire;Meyer;Jean-Michel;12/03/1955;UFC-Que Choisir;01/01/2026;31/12/2028;;;ARS-GE-2025-008;15/12/2025
670000041;;CDU;titulaire;Roth;Sophie;;CLCV;01/09/2023;31/08/2026;;;ARS-GE-2023-009;20/08/2023
670000041;;CDU;titulaire;Keller;Henri;;UDAF 67;01/01/2026;31/12/2028;;;ARS-GE-2025-010;15/12/2025
670000041;;CDU;suppleant;weber;LUC;;AIDES;01/01/2026;31/12/2028;;;ARS-GE-2025-011;15/12/2025
670000041;;CDU;suppleant;Wagner;Julie;;Ligue contre le cancer;01/01/2026;31/12/2028;;;ARS-GE-2025-012;15/12/2025
670000025;;CDU;suppleant;Hoffmann;Eva;;France Alzheimer;01/04/2026;31/12/2028;;;ARS-GE-2026-013;20/03/2026
670000033;;CDU;titulaire;Braun;Louis;;AIDES;16/05/2026;31/12/2028;;;ARS-GE-2026-014;10/05/2026
"""
# Names that must never reach the store (checked by tests/test_privacy.py).
FIXTURE_NAMES = ["Meyer", "Abélard", "Schmitt", "Klein", "Weber", "Muller", "Fischer", "Roth", "Keller", "Wagner",
                 "Hoffmann", "Braun", "Jean-Michel", "Hélène", "Sophie"]

FORMATIONS = """formation;session;date_session;departement;nom;prenom;date_naissance;association;statut
RU en Avant !;REA-67-2026-1;10/03/2026;67;Weber;Luc;;AIDES;présent
RU en Avant !;REA-67-2026-3;20/09/2026;67;WEBER;Luc;;AIDES;présent
RU en Avant !;REA-67-2026-3;15/09/2026;67;Muller;Claire;;UNAFAM;présent
RU en Avant !;REA-67-2026-1;10/03/2026;67;Fischer;Marc;;Familles Rurales;absent
RU et patients partenaires : agir ensemble;RPP-67-2026-1;12/04/2026;67;Fischer;Marc;;Familles Rurales;présent
RU en Avant !;REA-67-2025-4;20/11/2025;67;Keller;Henri;;UDAF 67;présent
RU en Avant !;REA-67-2026-1;10/03/2026;67;Wagner;Julie;;Ligue contre le cancer;excusé
"""

SEANCES = """finess;code_territoire;type_instance;date_seance;ru_attendus;ru_presents
670000025;;CDU;15/03/2026;2;1
670000025;;CDU;15/06/2026;2;1
670000033;;CDU;20/03/2026;2;2
670000033;;CDU;20/06/2026;2;3
"""

ENQUETES = """enquete;annee;niveau;territoire;question;modalite;effectif;base;pourcentage
Baromètre des droits des malades;2023;national;;connait_ru;oui;;3690;30
Baromètre des droits des malades;2023;national;;connait_cdu;oui;;3690;28
Baromètre des droits des malades;2022;national;;connait_ru;oui;;1802;32
"""

CONVENTION = """id_convention;intitule;region;partie_ars;partie_association;date_signature;date_debut;date_fin
GE-TEST;Convention de test;44;ARS Grand Est;France Assos Santé Grand Est;21/01/2026;01/01/2026;31/12/2028
"""
CIBLES = """id_convention;indicateur;niveau;territoire;annee;cible
GE-TEST;taux_vacance;departement;67;2026;20
GE-TEST;taux_vacance;departement;67;2028;10
"""
JALONS = """id_convention;date_jalon;type_jalon;libelle_jalon
GE-TEST;15/06/2026;comite_suivi;Groupe de suivi de juin 2026
GE-TEST;15/12/2027;bilan_intermediaire;Bilan intermédiaire 2027
"""
ACTIONS = """id_convention;id_action;axe;libelle_action;pilote;echeance;statut_action
GE-TEST;A1;Réduire la vacance;Campagne de nomination 2026;ARS – Démocratie en santé;30/06/2026;fait
GE-TEST;A2;Former;Sessions RU en Avant ! supplémentaires;FAS GE;30/09/2026;en_cours
"""
CAMPAGNES = """region;type_instance;libelle;date_ouverture;date_cloture;date_situation;sieges_ouverts;candidatures;designations
44;CDU;Campagne CDU Grand Est 2026;02/03/2026;29/05/2026;01/04/2026;400;150;40
44;CDU;Campagne CDU Grand Est 2026;02/03/2026;29/05/2026;30/06/2026;400;380;260
"""


def write_fixture_raw(root: Path) -> Path:
    raw = root / "raw"
    files = {
        "instances/instances.csv": INSTANCES, "nominations/arretes_2026.csv": NOMINATIONS,
        "formations/formations.csv": FORMATIONS, "seances/seances.csv": SEANCES, "enquetes/barometre.csv": ENQUETES,
        "convention/convention.csv": CONVENTION, "convention/cibles.csv": CIBLES, "convention/jalons.csv": JALONS,
        "convention/actions.csv": ACTIONS, "campagnes/campagnes.csv": CAMPAGNES,
    }
    for relative, text in files.items():
        path = raw / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (raw / "finess").mkdir(parents=True, exist_ok=True)
    (raw / "finess" / "etalab-cs1100507-stock-20261101-0430.csv").write_bytes(
        ("\r\n".join(FINESS_LINES) + "\r\n").encode("cp1252"))
    return raw


@pytest.fixture(scope="session")
def fixture_store_dir(tmp_path_factory) -> Path:
    from pipelines.build import build

    root = tmp_path_factory.mktemp("fixture")
    raw = write_fixture_raw(root)
    build(raw, root / "parquet")
    return root / "parquet"


# A second région for access tests: one CDU of 4 seats at CH AJACCIO (Corse-du-Sud 2A, région Corse 94) with one
# titulaire until 31/12/2026. With the fixture's 12 Bas-Rhin seats: 16 seats in France.
CORSICA_CDU = "CDU;2A0000015;;Commission des usagers – CH Ajaccio;2;2;01/01/2016;\n"
CORSICA_MANDATE = ("\n2A0000015;;CDU;titulaire;Santoni;Marie;;UFC-Que Choisir;01/01/2026;31/12/2026;;;"
                   "ARS-COR-2025-001;15/12/2025")


@pytest.fixture(scope="session")
def two_region_store_dir(tmp_path_factory) -> Path:
    from pipelines.build import build

    root = tmp_path_factory.mktemp("two_regions")
    raw = write_fixture_raw(root)
    with (raw / "instances" / "instances.csv").open("a", encoding="utf-8") as fh:
        fh.write(CORSICA_CDU)
    with (raw / "nominations" / "arretes_2026.csv").open("a", encoding="utf-8") as fh:
        fh.write(CORSICA_MANDATE)
    build(raw, root / "parquet")
    return root / "parquet"


@pytest.fixture(scope="session")
def store(fixture_store_dir):
    from observatoire.base.db import Store

    return Store(fixture_store_dir)


@pytest.fixture
def fresh_raw(tmp_path) -> Path:
    return write_fixture_raw(tmp_path)


@pytest.fixture
def copy_dir():
    def _copy(src: Path, dst: Path) -> Path:
        shutil.copytree(src, dst)
        return dst
    return _copy


# --- partnership projects register (tests/test_projects.py, tests/test_indicators.py) ---------------------
# Active on 01/03/2026: P1 (67, RU), P2 (67), P5 (région 44 only, RU) -> 3 projects, 2 with an RU.
# P3 ended 31/12/2025, P4 abandoned, P6 starts 01/09/2026. Lines 8-15 are planted errors (header = line 1).
PROJETS = """id_projet;intitule;finess;code_territoire;formes_engagement;initiateur;implication_ru;date_debut;date_fin;statut;lien
P1;Pair-aidance en cancérologie;670000025;;pair-aidance | éducation thérapeutique du patient;établissement;oui;01/01/2025;;en cours;https://exemple.fr/p1
P2;Patients partenaires en psychiatrie;;67;Patient partenaire / usager partenaire, pair aidance;association;non;01/06/2025;31/12/2026;en cours;
P3;Recherche participative régionale;;R44;recherche;usagers;non;01/01/2024;31/12/2025;terminé;http://exemple.fr/p3
P4;Comité d'éthique élargi;670000033;;réflexion éthique;autre;oui;01/01/2025;;abandonné;
P5;Formation des internes;;région 44;formation des professionnels;établissement;oui;01/02/2026;;en cours;
P6;Médiateurs de santé pairs;;67;médiation en santé pair;association;oui;01/09/2026;;en projet;
P7;Chorale des patients;;67;chant choral;association;non;01/01/2025;;en cours;
P1;Doublon;;67;recherche;association;non;01/01/2025;;en cours;
P8;Lien douteux;;67;recherche;association;non;01/01/2025;;en cours;javascript:alert(1)
P9;Contact jean.dupont@exemple.fr;;67;recherche;association;non;01/01/2025;;en cours;
P10;Territoire inconnu;;99;recherche;association;non;01/01/2025;;en cours;
P11;Dates à l'envers;;67;recherche;association;non;01/01/2025;01/01/2024;en cours;
P12;Sans lieu;;;recherche;association;non;01/01/2025;;en cours;
P13;RU ?;;67;recherche;association;peut-être;01/01/2025;;en cours;
"""


@pytest.fixture(scope="session")
def projects_store_dir(tmp_path_factory) -> Path:
    from pipelines.build import build

    root = tmp_path_factory.mktemp("projects")
    raw = write_fixture_raw(root)
    (raw / "projets").mkdir()
    (raw / "projets" / "registre.csv").write_text(PROJETS, encoding="utf-8")
    build(raw, root / "parquet")
    return root / "parquet"
