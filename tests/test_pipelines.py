"""Ingestion: each source, encodings, separators, XLSX, planted errors with their lines, FINESS, atomic build."""
import datetime as dt
import json

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines import build as build_module
from pipelines.__main__ import main as pipelines_main
from pipelines.build import build
from tests.conftest import NOMINATIONS, NOMINATIONS_HEADER


def _issues(result, source=None):
    return [(i.file, i.line, i.column, i.code, i.severity) for i in result.log.issues
            if source is None or i.source == source]


def test_fixture_build_counts(fixture_store_dir):
    manifest = json.loads((fixture_store_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["establishments"] == 5
    assert manifest["tables"]["bodies"] == 3
    assert manifest["tables"]["mandates"] == 15
    assert manifest["tables"]["meetings"] == 3            # one planted error: 3 present for 2 expected
    assert manifest["tables"]["surveys"] == 3
    seances = manifest["sources"]["seances"]["files"][0]
    assert (seances["rows_read"], seances["rows_kept"], seances["rows_rejected"]) == (4, 3, 1)
    finess = manifest["sources"]["finess"]["files"][0]
    assert finess["encoding"] == "cp1252"
    # 6 establishment rows: 5 kept, the Polynésie one kept out.
    assert (finess["rows_read"], finess["rows_kept"], finess["rows_rejected"]) == (6, 5, 1)
    assert manifest["pseudonym_key"] == "configuree"


def test_finess_extract(store):
    rows = store.df("SELECT * FROM establishments ORDER BY finess").set_index("finess")
    # WGS84 control values: Strasbourg cathedral, Saint-Denis (La Réunion, UTM 40S), Ajaccio.
    assert rows.loc["670000025", ["lon", "lat"]].tolist() == pytest.approx([7.7509, 48.5819], abs=1e-4)
    assert rows.loc["970400017", ["lon", "lat"]].tolist() == pytest.approx([55.4504, -20.8823], abs=1e-4)
    assert rows.loc["2A0000015", ["lon", "lat"]].tolist() == pytest.approx([8.7369, 41.9192], abs=1e-4)
    assert rows.loc["970400017", "department_code"] == "974" and rows.loc["970400017", "region_code"] == "04"
    assert rows.loc["2A0000015", "region_code"] == "94"
    assert rows.loc["670000025", "name"] == 'CENTRE HOSPITALIER "LES TILLEULS"; STRASBOURG'
    assert rows.loc["970400017", "name"] == "CHU DE LA RÉUNION SITE NORD"
    assert pd.isna(rows.loc["670000041", "lon"])                  # no geolocalisation row
    assert "980000018" not in rows.index                          # Polynésie: outside the 101 départements
    assert str(rows.loc["670000025", "extract_date"])[:10] == "2026-11-01"


def test_finess_outside_referential_is_a_warning_with_its_line(store):
    rejects = store.df("SELECT * FROM rejects WHERE source = 'finess'")
    assert rejects[["line", "code", "severity", "kept"]].values.tolist() == [[7, "hors_referentiel", "avertissement", False]]


def _variant_build(tmp_path, name, writer):
    from tests.conftest import write_fixture_raw

    raw = write_fixture_raw(tmp_path / name)
    target = raw / "nominations" / "arretes_2026.csv"
    target.unlink()
    writer(raw / "nominations")
    build(raw, tmp_path / name / "out")
    return (tmp_path / name / "out" / "mandates.parquet").read_bytes()


def _rows():
    return [line.split(";") for line in NOMINATIONS.strip().splitlines()]


def test_same_content_in_any_form_gives_identical_parquet(tmp_path):
    rows = _rows()
    text = NOMINATIONS

    def utf8(folder):
        (folder / "arretes.csv").write_text(text, encoding="utf-8")

    def utf8_bom(folder):
        (folder / "arretes.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))

    def cp1252_comma(folder):
        (folder / "arretes.csv").write_bytes("\n".join(",".join(r) for r in rows).encode("cp1252"))

    def tab_iso(folder):
        def iso(cell):
            try:
                return dt.datetime.strptime(cell, "%d/%m/%Y").date().isoformat()
            except ValueError:
                return cell
        (folder / "arretes.tsv").write_text("\n".join("\t".join(iso(c) for c in r) for r in rows), encoding="utf-8")

    def xlsx(folder):
        book = openpyxl.Workbook()
        sheet = book.active
        for i, r in enumerate(rows):
            cells = []
            for j, c in enumerate(r):
                if i and "date" in rows[0][j] and c and rows[0][j] != "date_naissance":
                    cells.append(dt.datetime.strptime(c, "%d/%m/%Y"))
                elif i and rows[0][j] == "date_naissance" and c:
                    cells.append((dt.date(*reversed([int(x) for x in c.split("/")])) - dt.date(1899, 12, 30)).days)
                else:
                    cells.append(c)
            sheet.append(cells)
        book.save(folder / "arretes.xlsx")

    outputs = {w.__name__: _variant_build(tmp_path, w.__name__, w) for w in (utf8, utf8_bom, cp1252_comma, tab_iso, xlsx)}
    reference = outputs["utf8"]
    assert len(pq.read_table(pq.BufferReader(reference) if hasattr(pq, "BufferReader") else
                             __import__("io").BytesIO(reference))) == 15
    assert {name: data == reference for name, data in outputs.items()} == {name: True for name in outputs}


PLANTED_INSTANCES = """type_instance;finess;code_territoire;libelle;sieges_titulaires;sieges_suppleants;date_creation;date_fermeture
CDU;670000025;;CDU CH Strasbourg;2;2;01/01/2016;
CDU;10000024;;CDU CH Bourg-en-Bresse;2;2;01/01/2016;
CRSA;;44;CRSA Grand Est;8;8;;
CTS;;20;CTS Corse;4;4;;
"""
PLANTED_NOMINATIONS = NOMINATIONS_HEADER + """
670000025;;CDU;titulaire;Meyer;Jean;;UFC;01/01/2026;31/12/2028;;;A1;15/12/2025
670000025;;CDU;titulaire;Roth;Anne;;UFC;31/02/2025;31/12/2028;;;A2;15/12/2025
670000025;;CDU;membre;Klein;Paul;;UFC;01/01/2026;31/12/2028;;;A3;15/12/2025
670000025;;CDU;suppleant;Weber;Luc;;UFC;01/01/2026;31/12/2024;;;A4;15/12/2025
670000099;;CDU;suppleant;Braun;Eva;;UFC;01/01/2026;31/12/2028;;;A5;15/12/2025
10000024;;CDU;titulaire;Fischer;Marc;;UFC;01/01/2026;31/12/2028;;;A6;15/12/2025
;44;CRSA;titulaire;Keller;Henri;;UFC;01/01/2026;31/12/2030;;;A7;15/12/2025
670000025;;CDU;suppleant;Wagner;Julie;;UFC;01/01/2026;;;;A8;15/12/2025
"""
PLANTED_FORMATIONS = """formation;session;date_session;departement;nom;prenom;date_naissance;association;statut
RU en Avant !;S1;10/03/2026;1;Fischer;Marc;;UFC;présent
RU en Avant !;S1;10/03/2026;20;Meyer;Jean;;UFC;présent
RU en Avant !;S1;10/03/2026;67;Meyer;Jean;;UFC;=1+1
"""


def test_planted_errors_are_reported_with_their_lines(tmp_path):
    raw = tmp_path / "raw"
    for folder, name, text in (("instances", "instances.csv", PLANTED_INSTANCES),
                               ("nominations", "arretes.csv", PLANTED_NOMINATIONS),
                               ("formations", "formations.csv", PLANTED_FORMATIONS)):
        (raw / folder).mkdir(parents=True)
        (raw / folder / name).write_text(text, encoding="utf-8")
    result = build(raw, tmp_path / "out")
    issues = _issues(result)
    assert ("instances.csv", 3, "finess", "finess_zero_perdu", "avertissement") in issues
    assert ("instances.csv", 5, "code_territoire", "departement_20", "erreur") in issues
    assert ("arretes.csv", 3, "date_debut", "date_invalide", "erreur") in issues
    assert ("arretes.csv", 4, "role", "valeur_non_autorisee", "erreur") in issues
    assert ("arretes.csv", 5, "date_fin", "fin_avant_debut", "erreur") in issues
    assert ("arretes.csv", 6, "finess", "instance_inconnue", "erreur") in issues
    assert ("arretes.csv", 7, "finess", "finess_zero_perdu", "avertissement") in issues
    assert ("arretes.csv", 9, "date_fin", "valeur_manquante", "erreur") in issues
    assert ("formations.csv", 2, "departement", "departement_zero_perdu", "avertissement") in issues
    assert ("formations.csv", 3, "departement", "departement_20", "erreur") in issues
    assert ("formations.csv", 4, "statut", "valeur_non_autorisee", "erreur") in issues
    assert ("instances.csv", 1, "", "") not in issues
    mandates = pd.read_parquet(tmp_path / "out" / "mandates.parquet")
    # Kept: line 2 (CDU 670000025), line 7 (repaired FINESS 010000024), line 8 (CRSA Grand Est).
    assert sorted(mandates["body_id"]) == ["CDU-010000024", "CDU-670000025", "CRSA-44"]
    assert mandates.set_index("body_id").loc["CRSA-44", "region_code"] == "44"
    rejects_csv = (tmp_path / "out" / "rejects.csv").read_bytes()
    assert rejects_csv.startswith("\ufeffSource;Fichier;Ligne;Colonne;Valeur;Code;Gravité;Message;Ligne conservée"
                                  "\r\n".encode())
    # The formula typed in the raw file comes out neutralised, the line number as a plain number.
    assert "formations;formations.csv;4;statut;'=1+1;valeur_non_autorisee;erreur;".encode() in rejects_csv


def test_missing_sources_give_empty_tables_and_a_message(tmp_path):
    raw = tmp_path / "raw"
    (raw / "instances").mkdir(parents=True)
    (raw / "instances" / "i.csv").write_text(PLANTED_INSTANCES, encoding="utf-8")
    result = build(raw, tmp_path / "out")
    assert result.ok
    assert result.manifest["tables"]["mandates"] == 0
    assert result.manifest["sources"]["nominations"]["status"] == "absent"
    assert "Aucun fichier" in result.manifest["sources"]["nominations"]["message_fr"]
    assert len(pd.read_parquet(tmp_path / "out" / "mandates.parquet")) == 0


def test_unreadable_and_headerless_files_are_rejected_whole(tmp_path):
    raw = tmp_path / "raw"
    (raw / "instances").mkdir(parents=True)
    (raw / "instances" / "binaire.csv").write_bytes(b"type_instance;finess\n\x81\x8d\x8f\x90;\x9d\n")
    (raw / "instances" / "mauvais.csv").write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    (raw / "instances" / "bon.csv").write_text(PLANTED_INSTANCES, encoding="utf-8")
    result = build(raw, tmp_path / "out")
    codes = {(i.file, i.code) for i in result.log.issues}
    assert ("binaire.csv", "fichier_illisible") in codes
    assert ("mauvais.csv", "colonne_manquante") in codes
    assert result.manifest["tables"]["bodies"] == 3
    assert (raw / "instances" / "binaire.csv").read_bytes() == b"type_instance;finess\n\x81\x8d\x8f\x90;\x9d\n"


def test_failed_build_leaves_previous_store_untouched(tmp_path, fresh_raw, monkeypatch):
    out = tmp_path / "out"
    build(fresh_raw, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = {"n": 0}
    real = build_module.pq.write_table

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module.pq, "write_table", failing)
    with pytest.raises(OSError):
        build(fresh_raw, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_missing_key_blocks_named_sources_and_keeps_previous_store(tmp_path, fresh_raw, monkeypatch, capsys):
    out = tmp_path / "out"
    build(fresh_raw, out)
    before = (out / "mandates.parquet").read_bytes()
    monkeypatch.delenv("OBSERVATOIRE_PSEUDONYM_KEY")
    code = pipelines_main(["build", "--raw", str(fresh_raw), "--out", str(out)])
    assert code == 2
    assert "bloquée(s) : nominations, formations" in capsys.readouterr().err
    assert (out / "mandates.parquet").read_bytes() == before


def test_demo_files_use_the_demo_key(tmp_path, monkeypatch):
    monkeypatch.delenv("OBSERVATOIRE_PSEUDONYM_KEY")
    raw = tmp_path / "raw"
    (raw / "instances").mkdir(parents=True)
    (raw / "nominations").mkdir(parents=True)
    (raw / "instances" / "demo_i.csv").write_text(PLANTED_INSTANCES, encoding="utf-8")
    (raw / "nominations" / "demo_n.csv").write_text(PLANTED_NOMINATIONS, encoding="utf-8")
    # The planted file rejects 5 rows of 8: allow it, this test is about the key.
    result = build(raw, tmp_path / "out", max_reject_rate=1.0)
    assert result.ok and result.manifest["demo"] is True


def test_check_command_prints_lines(tmp_path, capsys, monkeypatch):
    path = tmp_path / "formations.csv"
    path.write_text(PLANTED_FORMATIONS, encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_RAW", str(tmp_path / "nothing"))
    code = pipelines_main(["check", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "source « formations »" in out
    assert "ligne 3, colonne departement" in out and "ligne 4, colonne statut" in out


def test_if_stale(tmp_path, fresh_raw):
    out = tmp_path / "out"
    assert build_module.is_stale(fresh_raw, out)
    build(fresh_raw, out)
    assert not build_module.is_stale(fresh_raw, out)


def test_every_store_column_has_a_type_and_a_description(fixture_store_dir):
    dictionary = json.loads((fixture_store_dir / "dictionary.json").read_text(encoding="utf-8"))
    assert {row["table"] for row in dictionary} >= {"establishments", "bodies", "mandates", "trainings", "meetings",
                                                   "surveys", "targets", "campaigns", "rejects"}
    assert [r["column"] for r in dictionary if not r["description"]] == []


def test_templates_are_up_to_date_and_read_back(tmp_path):
    from pipelines.reading import match_headers, read_tabular
    from pipelines.schemas import TABLES
    from pipelines.templates import write_templates

    written = write_templates(tmp_path)
    for path in written:
        committed = build_module.settings.TEMPLATES_DIR / path.name
        assert committed.exists(), path.name
        header = read_tabular(committed).header
        table = next(t for t in TABLES if t.headers == header)
        assert match_headers(header, table)[1] == []


def test_a_meeting_never_expects_more_rus_than_titular_seats(fresh_raw, tmp_path):
    """RU attendus are the titulaires convened (a suppléant sits in place of an absent one): a CDU of 2 titular
    seats expecting 4 RU is rejected at its line, column ru_attendus, with a French message."""
    (fresh_raw / "seances" / "seances.csv").write_text(
        "finess;code_territoire;type_instance;date_seance;ru_attendus;ru_presents\n"
        "670000025;;CDU;15/03/2026;2;2\n670000025;;CDU;15/06/2026;4;1\n670000033;;CDU;20/03/2026;2;2\n"
        "670000033;;CDU;21/03/2026;1;1\n670000041;;CDU;22/03/2026;2;0\n", encoding="utf-8")
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok and result.manifest["tables"]["meetings"] == 4
    rejects = pd.read_parquet(tmp_path / "out" / "rejects.parquet")
    row = rejects[rejects["source"] == "seances"].iloc[0]
    assert (row["file"], row["line"], row["column"], row["value"]) == ("seances.csv", 3, "ru_attendus", "4")
    assert row["message_fr"].startswith("4 RU attendus pour une instance de 2 siège(s) de titulaire")
