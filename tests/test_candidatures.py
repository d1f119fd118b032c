"""Candidacies from « Démarches simplifiées » exports read as they are (issue 25, part 2): standard and template
column names, XLSX typed cells and CSV text, a repeated block, a form version that added a column, ODS."""
import csv
import datetime as dt
import io
import os

import pandas as pd
import pytest

from observatoire.base.db import Scope
from observatoire.domain import indicators, measures
from pipelines import candidatures
from pipelines.build import build
from tests import demarches_fixtures as ds
from tests.conftest import write_fixture_raw


def _build(tmp_path, name, writer=ds.write_exports, **kwargs):
    root = tmp_path / name
    raw = write_fixture_raw(root)
    config = root / "demarches.toml"
    writer(raw, config)
    before = os.environ.get("OBSERVATOIRE_DEMARCHES_FILE")
    os.environ["OBSERVATOIRE_DEMARCHES_FILE"] = str(config)
    try:
        result = build(raw, root / "parquet", **kwargs)
    finally:
        if before is None:
            os.environ.pop("OBSERVATOIRE_DEMARCHES_FILE")
        else:
            os.environ["OBSERVATOIRE_DEMARCHES_FILE"] = before
    return result, root / "parquet", raw


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("candidatures"), "store")


def _rows(out):
    return pd.read_parquet(out / "candidacies.parquet")


def _issues(result, code=None):
    return [(i.file, i.line, i.column, i.code, i.severity) for i in result.log.issues
            if i.source == "candidatures" and (code is None or i.code == code)]


def test_both_exports_give_one_row_per_dossier_and_wish(built):
    result, out, _ = built
    assert result.ok
    rows = _rows(out)
    dossiers = rows.groupby(["demarche", "dossier_number"]).size()
    assert dossiers.to_dict() == {("5151", 2001): 1, ("5151", 2002): 1, ("candidatures-ru-cdu-grand-est", 1001): 2,
                                  ("candidatures-ru-cdu-grand-est", 1002): 1, ("candidatures-ru-cdu-grand-est", 1003): 1,
                                  ("candidatures-ru-cdu-grand-est", 1004): 1, ("candidatures-ru-cdu-grand-est", 1005): 1}
    by_key = rows.set_index(["dossier_number", "wish_line"], drop=False)
    first = by_key.loc[(1001, 1)]
    assert (first["finess"], first["role"], first["body_type"], first["state"]) == \
        ("670000025", "titulaire", "CDU", "en_instruction")
    assert (first["department_code"], first["region_code"], first["association"]) == ("67", "44", "UFC-Que Choisir")
    assert str(first["deposited_on"])[:10] == "2026-03-05" and str(first["instructed_on"])[:10] == "2026-03-20"
    assert by_key.loc[(1001, 2)]["role"] == "suppleant" and by_key.loc[(1001, 2)]["finess"] == "670000041"
    assert by_key.loc[(1002, 1)]["finess"] == "670000033"           # « 670 000 033 » in a drop-down label
    assert pd.isna(by_key.loc[(1004, 1)]["role"])                  # « Indifférent »
    no_wish = rows[rows["dossier_number"] == 1005].iloc[0]
    assert pd.isna(no_wish["finess"]) and no_wish["state"] == "sans_suite" and no_wish["region_code"] == "44"


def test_template_names_csv_text_and_a_field_added_by_a_later_form_version(built):
    _, out, _ = built
    rows = _rows(out).set_index("dossier_number")
    assert rows.loc[2001, "state"] == "accepte" and str(rows.loc[2001, "decided_on"])[:10] == "2026-04-01"
    assert str(rows.loc[2002, "deposited_on"])[:10] == "2026-03-25"   # « 2026-03-25 18:02:10 +0100 »
    assert pd.isna(rows.loc[2001, "association"]) and rows.loc[2002, "association"] == "UNAF"
    assert rows.loc[2002, "role"] == "suppleant" and rows.loc[2002, "finess"] == "670000041"


def test_planted_errors_keep_file_line_column_and_a_french_message(built):
    result, _, _ = built
    sheet = f"{ds.XLSX_NAME} (feuille « Dossiers »)"
    block = f"{ds.XLSX_NAME} (feuille « (9876) Etablissements souhaites »)"
    assert (sheet, 7, "État du dossier", "valeur_non_autorisee", "erreur") in _issues(result)
    assert (block, 5, "N° FINESS", "finess_invalide", "erreur") in _issues(result)
    message = next(i.message_fr for i in result.log.issues if i.code == "finess_invalide")
    # A nominative file: the rejects never repeat a cell that may hold a name (pipelines/issues.py).
    assert message == "Aucun n° FINESS (9 caractères, ex. 670000025) dans « … »."
    entries = {e["file"]: e for e in result.manifest["sources"]["candidatures"]["files"]}
    assert (entries[sheet]["rows_read"], entries[sheet]["rows_kept"], entries[sheet]["rows_rejected"]) == (6, 5, 1)
    assert (entries[block]["rows_read"], entries[block]["rows_kept"], entries[block]["rows_rejected"]) == (6, 5, 1)
    assert (entries[ds.CSV_NAME]["rows_read"], entries[ds.CSV_NAME]["rows_kept"]) == (2, 2)


def test_names_emails_birth_dates_and_free_text_are_never_stored(built):
    _, out, _ = built
    stored = b"".join(p.read_bytes() for p in out.iterdir() if p.is_file())
    for secret in [*ds.CANDIDATE_NAMES, "exemple.fr", "Xylophage", "Je souhaite", "1955-03-12", "instructeur@ars"]:
        assert secret.encode("utf-8") not in stored, secret
    assert set(_rows(out).columns) >= {"person_key"} and not {"last_name", "first_name", "birth_date"} & set(
        _rows(out).columns)


def test_a_candidate_later_designated_links_to_the_mandate(built):
    # Meyer Jean-Michel, born 12/03/1955, holds mandates in tests/conftest.py: the same key gives the same pseudonym.
    _, out, _ = built
    mandates = pd.read_parquet(out / "mandates.parquet")
    candidate = _rows(out).set_index("dossier_number").loc[1001, "person_key"].iloc[0]
    assert candidate in set(mandates["person_key"])
    assert _rows(out).set_index("dossier_number").loc[2002, "person_key"] not in set(mandates["person_key"])


def test_columns_are_matched_by_name_never_by_position(tmp_path):
    def shuffled(raw, config):
        ds.write_exports(raw, config)
        rows = list(csv.reader(io.StringIO(ds.template_csv().decode("utf-8"))))
        with (raw / "candidatures" / ds.CSV_NAME).open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows([list(reversed(row)) for row in rows])

    _, out, _ = _build(tmp_path, "shuffled", shuffled)
    rows = _rows(out).set_index("dossier_number")
    assert rows.loc[2002, "state"] == "en_instruction" and rows.loc[2002, "finess"] == "670000041"


def test_an_ods_export_with_the_services_booleans_is_read(tmp_path):
    def as_ods(raw, config):
        folder = raw / "candidatures"
        folder.mkdir(parents=True)
        (folder / ds.XLSX_NAME.replace(".xlsx", ".ods")).write_bytes(ds.standard_ods())
        config.write_text(ds.DEMARCHES_TOML, encoding="utf-8")

    _, out, _ = _build(tmp_path, "ods", as_ods)
    rows = _rows(out)
    assert sorted(rows["dossier_number"].unique()) == [1001, 1002, 1003, 1004, 1005]
    assert rows.set_index(["dossier_number", "wish_line"]).loc[(1001, 2), "finess"] == "670000041"
    assert b"Martin" not in (out / "candidacies.parquet").read_bytes()   # the mandataire's name neither


def test_the_latest_export_of_a_dossier_counts_once(tmp_path):
    # A week later the instructeur exports again: 2002 was accepted meanwhile; the older line is set aside like a
    # copy (never counted as a rejected row).
    def twice(raw, config):
        ds.write_exports(raw, config)
        later = ds.template_csv().decode("utf-8").replace(
            '"CH Haguenau, 670000041",Suppléant', '"CH Haguenau, 670000041",Suppléant').replace(
            "En instruction,2026-03-25 18:02:10 +0100,2026-03-30 08:45:00 +0200,",
            "Accepté,2026-03-25 18:02:10 +0100,2026-03-30 08:45:00 +0200,2026-04-27 10:00:00 +0200")
        (raw / "candidatures" / "dossiers_procedure-5151_2026-04-28_08-00.csv").write_text(later, encoding="utf-8")

    result, out, _ = _build(tmp_path, "twice", twice)
    rows = _rows(out)
    assert len(rows[rows["demarche"] == "5151"]) == 2
    assert rows.set_index("dossier_number").loc[2002, "state"] == "accepte"
    older = [i for i in result.log.issues if i.code == "dossier_plus_recent"]
    assert {(i.file, i.line, i.kept) for i in older} == {(ds.CSV_NAME, 2, False), (ds.CSV_NAME, 3, False)}
    entry = next(e for e in result.manifest["sources"]["candidatures"]["files"] if e["file"] == ds.CSV_NAME)
    assert (entry["rows_duplicate"], entry["rows_rejected"], entry["rows_superseded"]) == (2, 0, 2)


def test_an_unknown_demarche_is_not_read_and_says_what_to_add(tmp_path):
    def unknown(raw, config):
        ds.write_exports(raw, config)
        (raw / "candidatures" / "dossiers_autre-demarche_2026-04-20_09-15.csv").write_bytes(ds.template_csv())

    result, _, _ = _build(tmp_path, "unknown", unknown)
    issue = next(i for i in result.log.issues if i.code == "demarche_inconnue")
    assert issue.file == "dossiers_autre-demarche_2026-04-20_09-15.csv" and issue.line is None
    assert issue.message_fr.startswith("Démarche « autre-demarche » absente de config/demarches.toml : ajoutez-y")


@pytest.mark.parametrize("text, expected", [
    ('[[demarche]]\nfichier = "x"\nregion = "99"\n', "région « 99 » inconnue"),
    ('[[demarche]]\nregion = "44"\n', "indiquez le numéro de la démarche"),
    ('[[demarche]]\nnumero = 3\nregion = "44"\ntype_instance = "comité"\n', "type d'instance « comité » inconnu"),
    ('[[demarche]]\nnumero = 3\nregion = "44"\n[demarche.champs]\nfiness = "x"\nnom = "y"\n', "clé inconnue : nom"),
    ('[[demarche]\n', "fichier TOML illisible"),
])
def test_a_bad_mapping_file_is_refused_with_its_entry(text, expected):
    with pytest.raises(candidatures.DemarchesFileError) as error:
        candidatures.parse_demarches(text)
    assert expected in error.value.message_fr


@pytest.mark.parametrize("label, field", [
    ("N° FINESS de l'établissement", "finess"), ("Type d'instance souhaitée", "instance"),
    ("Rôle souhaité", "role"), ("Association agréée", "association"), ("Contrôle des pièces", None),
    ("Groupe instructeur", None),
])
def test_default_field_labels_hold_the_word(label, field):
    found = [word for word in ("finess", "instance", "role", "association")
             if candidatures._find([label], None, word, set()) is not None]
    assert found == ([field] if field else [])


@pytest.mark.parametrize("text, expected", [
    ("CDU", "CDU"), ("Commission des usagers (CDU)", "CDU"), ("commission des usagers", "CDU"),
    ("Conseil de surveillance", "CS"), ("CRSA", "CRSA"), ("", None), ("Comité d'éthique", None),
])
def test_body_type_answers(text, expected):
    assert candidatures.parse_body_type(text) == expected


@pytest.mark.parametrize("name, expected", [
    ("dossiers_candidatures-ru-cdu-grand-est_2026-04-20_09-15.xlsx", ("candidatures-ru-cdu-grand-est", None)),
    ("dossiers_procedure-5151_2026-04-21_10-00.csv", (None, 5151)),
    ("candidatures 2026.xlsx", (None, None)),
])
def test_export_names(name, expected):
    assert candidatures.export_identity(name)[:2] == expected


# --- counting: the catalogue's entries and the campaign funnel, by hand (tests/demarches_fixtures.py) ------------

@pytest.fixture(scope="module")
def cstore(built):
    from observatoire.base.db import Store

    return Store(built[1])


APRIL = dt.date(2026, 4, 30)


@pytest.mark.parametrize("indicator_id, scope, expected", [
    ("candidatures_recues", Scope("national"), {"FR": 7}),
    ("candidatures_recues", Scope("region"), {"44": 7}),
    # 1005 names no establishment: counted in its région only.
    ("candidatures_recues", Scope("departement"), {"67": 6}),
    # 1001 asks for two establishments: once in each.
    ("candidatures_recues", Scope("etablissement"), {"670000025": 2, "670000033": 2, "670000041": 3}),
    ("candidatures_retenues", Scope("national"), {"FR": 2}),          # 1002 (10/04), 2001 (01/04)
    ("candidatures_retenues", Scope("etablissement"), {"670000025": 0, "670000033": 1, "670000041": 1}),
])
def test_candidacies_in_the_catalogue(cstore, indicator_id, scope, expected):
    frame = indicators.compute(cstore, indicator_id, scope, APRIL)
    assert dict(zip(frame["territory_code"], frame["value"])) == expected
    assert not frame["masked"].any()


def test_candidacies_follow_the_period_and_the_date(cstore):
    # On 05/04/2026 only 2001 was accepted; the period of a year before 01/03/2026 has no dossier.
    early = indicators.compute(cstore, "candidatures_retenues", Scope("national"), dt.date(2026, 4, 5))
    assert early["value"].tolist() == [1]
    none = indicators.compute(cstore, "candidatures_recues", Scope("national"), dt.date(2026, 3, 1))
    assert none["value"].tolist() == [0]


def test_the_campaign_counts_its_dossiers(cstore):
    # The Grand Est CDU campaign opened on 02/03/2026 has dossiers: its candidacies are the dossiers deposited by
    # the date, no longer the campaign file's 150 (01/04) or 380 (30/06).
    situations = measures.campaign_situations(cstore, APRIL, "44")
    row = situations.iloc[0]
    assert bool(row["candidacies_from_dossiers"]) and row["candidacies"] == 7
    assert [row[c] for c in measures.FUNNEL_COLUMNS] == [7, 3, 2, 1, 1]
    assert indicators.compute(cstore, "campagne_candidatures", Scope("region", "44"), APRIL)["value"].tolist() == [7]
    on_5_april = measures.campaign_situations(cstore, dt.date(2026, 4, 5), "44").iloc[0]
    assert [on_5_april[c] for c in measures.FUNNEL_COLUMNS] == [7, 6, 1, 0, 0]
    on_11_march = measures.campaign_situations(cstore, dt.date(2026, 3, 11), "44").iloc[0]
    assert [on_11_march[c] for c in measures.FUNNEL_COLUMNS] == [2, 2, 0, 0, 0]


@pytest.mark.parametrize("level, expected", [
    ("region", {"44": [7, 3, 2, 1, 1]}),
    ("departement", {"67": [6, 3, 2, 1, 0]}),
    ("etablissement", {"670000041": [3, 2, 1, 0, 0], "670000025": [2, 1, 0, 1, 0], "670000033": [2, 1, 1, 0, 0]}),
])
def test_the_campaign_funnel_per_territory(cstore, level, expected):
    frame = measures.campaign_candidacies(cstore, APRIL, "44", "CDU", dt.date(2026, 3, 2),
                                          "Campagne CDU Grand Est 2026", level)
    assert {r.territory_code: [getattr(r, c) for c in measures.FUNNEL_COLUMNS] for r in frame.itertuples()} == expected


def test_a_campaign_without_dossiers_keeps_its_files_counts(store):
    # The fixture store has no candidatures: the monthly counts typed in campagnes/ remain.
    row = measures.campaign_situations(store, dt.date(2026, 7, 15), "44").iloc[0]
    assert row["candidacies"] == 380 and not bool(row["candidacies_from_dossiers"])
    assert indicators.compute(store, "candidatures_recues", Scope("national"), APRIL).empty


def test_the_shipped_mapping_file_and_its_example_parse():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "config" / "demarches.toml").read_text(encoding="utf-8")
    assert candidatures.parse_demarches(text) == ()
    example = "\n".join(line[2:] for line in text.split("# Exemple", 1)[1].splitlines()[2:])
    (demarche,) = candidatures.parse_demarches(example)
    assert (demarche.number, demarche.region, demarche.body_type, demarche.campaign) == \
        (98765, "44", "CDU", "Campagne CDU Grand Est 2026")
    assert demarche.fields == {"finess_text": "Établissement souhaité (n° FINESS)", "role_text": "Rôle souhaité",
                               "association": "Association agréée de rattachement"}


def test_the_vacancy_page_shows_the_campaigns_dossiers(built, monkeypatch):
    from tests.test_pages_vacancy import open_section, run_page

    app = open_section(run_page("vacance.py", built[1], monkeypatch, as_of=APRIL), "Campagnes de nomination")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Candidatures reçues (Grand Est · CDU)"] == "7"
    assert [metrics[label] for label in ("Candidatures reçues", "En cours d'instruction", "Acceptées", "Refusées",
                                         "Classées sans suite")] == ["7", "3", "2", "1", "1"]
    assert "Candidatures déposées sur « Démarches simplifiées »" in [s.value for s in app.subheader]
    table = app.dataframe[-1].value
    assert table.iloc[0].tolist() == ["Grand Est", "7", "3", "2", "1", "1"]
    app.radio(key="vacance_candidatures_par").set_value("etablissement").run()
    rows = app.dataframe[-1].value
    assert rows.iloc[0, 0] == "CENTRE HOSPITALIER DE HAGUENAU" and rows.iloc[0, 1:].tolist() == ["3", "2", "1", "0", "0"]


def test_an_older_export_without_the_columns_a_later_form_version_added(tmp_path):
    # The export of 20/03 predates the form's « Rôle souhaité » and « Association » fields: it is read alongside the
    # export of 21/04 (columns matched by name); 2001's later line wins, 2000 exists only in the older export.
    def older(raw, config):
        ds.write_exports(raw, config)
        (raw / "candidatures" / "dossiers_procedure-5151_2026-03-20_08-00.csv").write_text(
            "N° dossier,Nom,Prénom,État du dossier,Date de dépôt,N° FINESS de l'établissement\n"
            "2000,Perrin,Jade,En construction,2026-03-10 08:00:00 +0100,670000025\n"
            "2001,Leroy,Camille,En instruction,2026-03-15 09:12:44 +0100,670000041\n", encoding="utf-8")

    result, out, _ = _build(tmp_path, "older", older)
    rows = _rows(out).set_index("dossier_number")
    assert rows.loc[2001, "state"] == "accepte"
    assert rows.loc[2000, "state"] == "en_construction" and rows.loc[2000, "finess"] == "670000025"
    assert pd.isna(rows.loc[2000, "role"]) and pd.isna(rows.loc[2000, "association"])
    assert not [i for i in result.log.issues if i.code in ("colonne_manquante", "colonne_inconnue")]
