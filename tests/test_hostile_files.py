"""Hostile and careless files, round 2 (issue 24, « Silent corruption »): each damaged file is built here, in the
test, from the hand-checkable fixtures; each case states where the damage is reported (file, line, column, French
message) and what happens to the store in service. The README's developer section lists them."""
from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from observatoire.__main__ import main as observatoire_main
from observatoire.base import settings
from observatoire.base.db import Store, StoreDamaged
from pipelines import build as build_module
from pipelines.__main__ import main as pipelines_main
from pipelines.build import build
from tests.conftest import (
    CORSICA_CDU,
    CORSICA_MANDATE,
    FINESS_LINES,
    INSTANCES,
    NOMINATIONS,
    NOMINATIONS_HEADER,
)

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
NNBSP = "\u202f"
FINESS_FILE = "etalab-cs1100507-stock-20261101-0430.csv"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def built(tmp_path, fresh_raw):
    """The fixture raw files and a good store built from them (what the user has before the bad file)."""
    out = tmp_path / "out"
    assert build(fresh_raw, out).ok
    return fresh_raw, out


def run_build(raw: Path, out: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = pipelines_main(["build", "--raw", str(raw), "--out", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def issues_of(result, code: str) -> list[tuple]:
    return [(i.file, i.line, i.column, i.value, i.message_fr) for i in result.log.issues if i.code == code]


def nominations_rows() -> list[list[str]]:
    return [line.split(";") for line in NOMINATIONS.strip().splitlines()]


def file_entry(result, source: str, name: str) -> dict:
    return next(f for f in result.manifest["sources"][source]["files"] if f["file"] == name)


def store_bytes(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(out.iterdir()) if p.is_file())


# --- Encodings: UTF-8 first, per file ------------------------------------------------------------------------

def test_a_stray_windows_1252_byte_in_a_utf8_file_is_an_error_at_its_line(tmp_path, fresh_raw):
    """One name pasted from a Windows-1252 file: the rest stays UTF-8 (no « Ã© »), that line is rejected."""
    text = NOMINATIONS.encode("utf-8").replace(b";Weber;Luc;", b";W\xe9ber;Luc;")
    (fresh_raw / "nominations" / "arretes_2026.csv").write_bytes(text)
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok
    entry = file_entry(result, "nominations", "arretes_2026.csv")
    assert (entry["encoding"], entry["invalid_bytes"], entry["rows_kept"], entry["rows_rejected"]) == (
        "utf-8", 1, 14, 1)
    assert issues_of(result, "octet_invalide") == [
        ("arretes_2026.csv", 7, "nom", "0xE9",
         "Octet 0xE9 invalide en UTF-8 (« é » en Windows-1252 ?) dans un fichier UTF-8 : ligne écartée. Corrigez ce "
         "caractère et enregistrez le fichier en UTF-8.")]
    mandates = pd.read_parquet(tmp_path / "out" / "mandates.parquet")
    assert "Familles Rurales" in set(mandates["association"]) and "Ligue contre le cancer" in set(mandates["association"])
    # « Jean-Michel MEYER » of three arrêtés still links: one person across the file.
    assert mandates[mandates["association"] == "UFC-Que Choisir"]["person_key"].nunique() == 1
    assert b"\xc3\x83" not in store_bytes(tmp_path / "out")  # no « Ã » anywhere


def test_a_windows_1252_file_is_still_read_as_windows_1252(tmp_path, fresh_raw):
    (fresh_raw / "nominations" / "arretes_2026.csv").write_bytes(NOMINATIONS.encode("cp1252"))
    result = build(fresh_raw, tmp_path / "out")
    entry = file_entry(result, "nominations", "arretes_2026.csv")
    assert (entry["encoding"], entry["rows_kept"], "invalid_bytes" in entry) == ("cp1252", 15, False)


def test_a_bom_followed_by_a_bad_byte_does_not_stop_the_build(built, capsys):
    raw, out = built
    (raw / "instances" / "instances.csv").write_bytes(b"\xef\xbb\xbf\xe9" + INSTANCES.encode("utf-8"))
    code, _, err = run_build(raw, out, capsys)
    assert (code, err) == (0, "")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["sources"]["instances"]["files"][0]
    assert (entry["encoding"], entry["rows_kept"]) == ("utf-8-sig", 3)
    rejects = pd.read_parquet(out / "rejects.parquet")
    header = rejects[rejects["code"] == "octet_invalide"]
    assert header[["line", "severity"]].values.tolist() == [[1, "avertissement"]]
    assert header["message_fr"].iloc[0].endswith("dans un fichier UTF-8 : en-tête illisible. Corrigez ce caractère "
                                                 "et enregistrez le fichier en UTF-8.")


# --- Workbooks: visible sheets, formulas, title rows, XLS and ODS ----------------------------------------------

def _workbook(sheets: list[tuple[str, list[list], str]]) -> openpyxl.Workbook:
    """sheets: (title, rows, state) in order; state « visible » or « hidden »."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    return book


def _replace_nominations(raw: Path, name: str, book: openpyxl.Workbook) -> Path:
    (raw / "nominations" / "arretes_2026.csv").unlink()
    path = raw / "nominations" / name
    book.save(path)
    return path


def test_a_hidden_first_sheet_is_never_read_in_place_of_the_visible_one(tmp_path, fresh_raw):
    rows = nominations_rows()
    old = [rows[0]] + [r[:8] + ["01/01/2010", "31/12/2012"] + r[10:] for r in rows[1:4]]
    book = _workbook([("Brouillon 2010", old, "hidden"), ("Arrêtés 2026", rows, "visible")])
    book.active = 1
    _replace_nominations(fresh_raw, "arretes.xlsx", book)
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok and result.manifest["tables"]["mandates"] == 15
    assert issues_of(result, "feuille_masquee") == [
        ("arretes.xlsx", None, "", "", "Feuille(s) masquée(s) non lue(s) : « Brouillon 2010 ».")]
    starts = pd.read_parquet(tmp_path / "out" / "mandates.parquet")["start_date"]
    assert starts.min().year == 2023


def test_several_visible_sheets_are_each_read_with_their_own_header(tmp_path, fresh_raw):
    rows = nominations_rows()
    # The second sheet has its columns in another order: each sheet is matched on its own header.
    order = list(reversed(range(len(rows[0]))))
    second = [[row[i] for i in order] for row in [rows[0]] + rows[9:]]
    book = _workbook([("2023-2025", rows[:9], "visible"), ("2026", second, "visible")])
    _replace_nominations(fresh_raw, "arretes.xlsx", book)
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok and result.manifest["tables"]["mandates"] == 15
    files = {f["file"]: (f["rows_read"], f["rows_kept"]) for f in result.manifest["sources"]["nominations"]["files"]}
    assert files == {"arretes.xlsx (feuille « 2023-2025 »)": (8, 8), "arretes.xlsx (feuille « 2026 »)": (7, 7)}


def test_a_formula_without_a_computed_value_is_said_to_be_a_formula(tmp_path, fresh_raw):
    rows = nominations_rows()
    rows[3][9] = "=DATE(2027,1,31)"  # written by a program: no cached value
    _replace_nominations(fresh_raw, "arretes.xlsx", _workbook([("Arrêtés", rows, "visible")]))
    result = build(fresh_raw, tmp_path / "out")
    assert issues_of(result, "formule_sans_valeur") == [
        ("arretes.xlsx", 4, "date_fin", "J4",
         "Cellule J4 : formule sans valeur calculée (classeur écrit par un programme, jamais recalculé). Ouvrez-le "
         "dans Excel ou LibreOffice, enregistrez-le, puis déposez-le à nouveau.")]
    assert issues_of(result, "valeur_manquante") == []
    assert result.manifest["tables"]["mandates"] == 14


def test_a_title_row_above_the_header_is_skipped_with_a_warning(tmp_path, fresh_raw):
    rows = [["Arrêtés de désignation 2026 — ARS Grand Est"], [], *nominations_rows()]
    _replace_nominations(fresh_raw, "arretes.xlsx", _workbook([("Arrêtés", rows, "visible")]))
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok and result.manifest["tables"]["mandates"] == 15
    assert issues_of(result, "entete_decale") == [
        ("arretes.xlsx", 3, "", "", "Ligne d'en-tête trouvée en ligne 3 : les lignes 1 à 2 au-dessus (titre, notes) "
                                    "ne sont pas lues.")]
    # Lines are the ones Excel shows: the first arrêté is on line 4.
    assert pd.read_parquet(tmp_path / "out" / "rejects.parquet").query("code == 'colonne_manquante'").empty


def test_a_header_too_far_down_says_where_it_must_be(tmp_path, fresh_raw):
    rows = [["Arrêtés de désignation"]] + [[f"note {i}"] for i in range(12)] + nominations_rows()
    _replace_nominations(fresh_raw, "arretes.xlsx", _workbook([("Arrêtés", rows, "visible")]))
    result = build(fresh_raw, tmp_path / "out")
    (message,) = [i.message_fr for i in result.log.issues if i.code == "colonne_manquante"]
    assert message.endswith("Fichier ignoré. La ligne d'en-tête doit être l'une des 10 premières lignes du fichier "
                            "(ici, la ligne 1 a été lue comme en-tête).")


def _ods(rows: list[list[str]]) -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice writes, without styles)."""
    def cell(value: str) -> str:
        text = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="Instances">{body}</table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def test_ods_and_xls_files_are_read(tmp_path, fresh_raw):
    rows = [line.split(";") for line in INSTANCES.strip().splitlines()]
    (fresh_raw / "instances" / "instances.csv").unlink()
    (fresh_raw / "instances" / "instances.ods").write_bytes(_ods(rows))
    # Calamine reads a workbook by its content: an .xls saved by a recent Excel « as .xls » is read too.
    book = _workbook([("Feuil1", nominations_rows(), "visible")])
    _replace_nominations(fresh_raw, "arretes.xls", book)
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok
    assert file_entry(result, "instances", "instances.ods")["encoding"] == "ods"
    assert (result.manifest["tables"]["bodies"], result.manifest["tables"]["mandates"]) == (3, 15)


def test_an_html_page_saved_as_xls_is_refused_in_french(tmp_path, fresh_raw):
    (fresh_raw / "nominations" / "export.xls").write_bytes(b"<html><table><tr><td>nom</td></tr></table></html>")
    result = build(fresh_raw, tmp_path / "out")
    assert file_entry(result, "nominations", "export.xls") == {
        "file": "export.xls", "read": False,
        "error": "Classeur illisible (fichier abîmé, ou d'un autre format que son extension) : ouvrez-le et "
                 "enregistrez-le à nouveau en XLSX ou en CSV UTF-8."}


# --- CSV: an unclosed quote, a huge cell -----------------------------------------------------------------------

def test_an_unclosed_quote_is_reported_at_its_line_and_swallows_nothing(tmp_path, fresh_raw):
    text = NOMINATIONS.replace(";Abélard;Hélène;;UNAF;", ';Abélard;Hélène;;"UNAF;')
    (fresh_raw / "nominations" / "arretes_2026.csv").write_text(text, encoding="utf-8")
    result = build(fresh_raw, tmp_path / "out")
    assert issues_of(result, "guillemet_non_ferme") == [
        ("arretes_2026.csv", 4, "association", "",
         "Guillemet ouvert sans guillemet fermant : les lignes 4 à 16 auraient été lues comme une seule cellule. "
         "Ligne écartée, les suivantes sont lues ; supprimez ce guillemet ou doublez-le (\"\").")]
    entry = file_entry(result, "nominations", "arretes_2026.csv")
    assert (entry["rows_read"], entry["rows_kept"], entry["rows_rejected"]) == (15, 14, 1)
    assert result.ok and result.manifest["tables"]["mandates"] == 14


def test_a_200_000_character_cell_is_rejected_at_its_line_and_the_build_goes_on(tmp_path, fresh_raw):
    text = NOMINATIONS.replace(";France Rein;", ";" + "x" * 200_000 + ";")
    (fresh_raw / "nominations" / "arretes_2026.csv").write_text(text, encoding="utf-8")
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok
    assert issues_of(result, "cellule_trop_longue") == [
        ("arretes_2026.csv", 6, "association", "",
         f"Cellule de 200{NNBSP}000 caractères, au-delà de 32{NNBSP}767 (la limite d'une cellule Excel) : ligne "
         "écartée.")]
    assert result.manifest["tables"]["mandates"] == 14
    assert b"xxxxxxxxxx" not in store_bytes(tmp_path / "out")


# --- FINESS: truncated extracts, several extracts ---------------------------------------------------------------

def _finess_bytes(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _cut_mid_line(data: bytes) -> bytes:
    return data[: int(len(data) * 0.55)]


def _without_geolocation(data: bytes) -> bytes:
    return _finess_bytes([line for line in FINESS_LINES if not line.startswith("geolocalisation")])


def _fewer_lines_than_announced(data: bytes) -> bytes:
    return _finess_bytes(["finess;etalab;20;2026-11-01", *FINESS_LINES[1:]])


TRUNCATIONS = {
    _cut_mid_line: "Extrait FINESS tronqué : sa dernière ligne (5) s'arrête au milieu (29 champs au lieu de 32). Le "
                   "fichier n'est pas lu ; téléchargez-le à nouveau.",
    _without_geolocation: "Extrait FINESS incomplet : la section « geolocalisation » (coordonnées des établissements) "
                          "manque. Le fichier n'est pas lu ; téléchargez l'extrait géolocalisé complet.",
    _fewer_lines_than_announced: "Extrait FINESS incomplet : 10 lignes au lieu des 20 annoncées par sa 1re ligne. Le "
                                 "fichier n'est pas lu ; téléchargez-le à nouveau.",
}


@pytest.mark.parametrize("damage", TRUNCATIONS, ids=[d.__name__ for d in TRUNCATIONS])
def test_a_truncated_finess_extract_is_refused_and_the_store_kept(built, capsys, damage):
    raw, out = built
    before = snapshot(out)
    path = raw / "finess" / FINESS_FILE
    path.write_bytes(damage(path.read_bytes()))
    code, stdout, err = run_build(raw, out, capsys)
    assert code == 3 and snapshot(out) == before
    assert f"[finess] Fichier(s) non lu(s) : {FINESS_FILE} ({TRUNCATIONS[damage]})." in stdout
    # The establishments' loss is said once (no second reason for their coordinates).
    assert err.startswith("Construction refusée : la source « finess » passerait de 5 ligne(s) à 0. L'entrepôt "
                          "actuel est conservé.")
    assert "    établissements localisés : 4 → 0\n" in stdout


def test_the_extraction_date_inside_the_file_decides_between_extracts(tmp_path, fresh_raw):
    # A 2019 extract whose name sorts after the current one: one establishment, another name.
    old = ["finess;etalab;2;2019-06-30", FINESS_LINES[1].replace("CH STRASBOURG", "ANCIEN NOM"), FINESS_LINES[7]]
    (fresh_raw / "finess" / "etalab-cs1100507-stock-zz-ancien.csv").write_bytes(_finess_bytes(old))
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok and result.manifest["tables"]["establishments"] == 5
    names = pd.read_parquet(tmp_path / "out" / "establishments.parquet").set_index("finess")["name"]
    assert names["670000025"] == 'CENTRE HOSPITALIER "LES TILLEULS"; STRASBOURG'
    assert issues_of(result, "extrait_ignore") == [
        ("etalab-cs1100507-stock-zz-ancien.csv", None, "", "",
         "Extrait FINESS etalab-cs1100507-stock-zz-ancien.csv ignoré (extraction du 30/06/2019) : l'extrait "
         f"{FINESS_FILE}, extrait le 01/11/2026, est plus récent (la date d'extraction écrite dans le fichier décide, "
         "pas son nom).")]
    ignored = file_entry(result, "finess", "etalab-cs1100507-stock-zz-ancien.csv")
    assert (ignored["read"], ignored["extract_date"]) == (False, "2019-06-30")
    assert ignored["error"] == f"extrait plus ancien (extraction du 30/06/2019) que {FINESS_FILE} (extraction du " \
                               "01/11/2026) : ignoré"
    assert [i for i in result.log.issues if i.file == "etalab-cs1100507-stock-zz-ancien.csv"
            and i.code != "extrait_ignore"] == []


# --- What lies in data/raw ---------------------------------------------------------------------------------------

def test_a_link_out_of_data_raw_is_never_followed(tmp_path, fresh_raw):
    outside = tmp_path / "ailleurs" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text(NOMINATIONS_HEADER + "\n670000025;;CDU;titulaire;SECRETUS;Maximus;;X;01/01/2026;"
                       "31/12/2028;;;R;15/12/2025\n", encoding="utf-8")
    (fresh_raw / "nominations" / "lien.csv").symlink_to(outside)
    result = build(fresh_raw, tmp_path / "out")
    assert file_entry(result, "nominations", "lien.csv") == {
        "file": "lien.csv", "read": False, "skipped": True,
        "error": "lien vers un emplacement hors de data/raw : non suivi"}
    assert result.manifest["tables"]["mandates"] == 15
    assert b"SECRETUS" not in store_bytes(tmp_path / "out")


def test_sub_folders_and_other_formats_are_listed_as_not_read(tmp_path, fresh_raw):
    (fresh_raw / "nominations" / "archives").mkdir()
    (fresh_raw / "nominations" / "archives" / "arretes_2019.csv").write_text(NOMINATIONS, encoding="utf-8")
    (fresh_raw / "nominations" / "arrete_scanne.pdf").write_bytes(b"%PDF-1.4")
    (fresh_raw / "nominations" / "~$arretes_2026.xlsx").write_bytes(b"lock")  # Excel's lock file: ignored
    result = build(fresh_raw, tmp_path / "out")
    report = result.manifest["sources"]["nominations"]
    assert report["status"] == "partiel"
    assert report["message_fr"] == (
        "Fichier(s) non lu(s) : archives (sous-dossier : ses fichiers ne sont pas lus, déposez-les directement dans "
        "le dossier de la source) ; arrete_scanne.pdf (format non lu (formats lus : CSV, TXT, TSV, XLSX, XLSM, XLS, "
        "ODS)).")
    assert result.manifest["tables"]["mandates"] == 15


def test_a_file_name_in_latin1_bytes_does_not_stop_the_build(built, capsys):
    raw, out = built
    source = raw / "nominations" / "arretes_2026.csv"
    latin1 = os.path.join(os.fsencode(raw / "nominations"), b"arr\xeat\xe9s 2026.csv")
    os.rename(source, latin1)
    code, _, err = run_build(raw, out, capsys)
    assert (code, err) == (0, "")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [f["file"] for f in manifest["sources"]["nominations"]["files"]] == ["arrêtés 2026.csv"]
    assert manifest["tables"]["mandates"] == 15


# --- One person, one seat --------------------------------------------------------------------------------------

OVERLAPS = NOMINATIONS + """670000033;;CDU;titulaire;Weber;Luc;;AIDES;01/06/2026;31/05/2029;;;ARS-GE-2026-015;20/05/2026
670000033;;CDU;suppleant;WEBER;luc;;AIDES;01/01/2027;31/12/2029;;;ARS-GE-2026-016;20/12/2026
"""


def test_the_same_person_twice_on_one_body_at_once_is_rejected_at_its_line(tmp_path, fresh_raw):
    (fresh_raw / "nominations" / "arretes_2026.csv").write_text(OVERLAPS, encoding="utf-8")
    result = build(fresh_raw, tmp_path / "out")
    assert issues_of(result, "mandat_chevauchant") == [
        ("arretes_2026.csv", 17, "date_debut", "01/06/2026",
         "Même personne déjà désignée titulaire de CDU-670000033 du 01/01/2026 au 31/12/2028 (ligne 7) : deux "
         "mandats qui se chevauchent sur la même instance, ligne écartée."),
        ("arretes_2026.csv", 18, "date_debut", "01/01/2027",
         "Même personne désignée titulaire et suppléant de CDU-670000033 sur des périodes qui se chevauchent (ligne 7, "
         "du 01/01/2026 au 31/12/2028) : une personne ne peut pas être sa propre suppléante, ligne écartée.")]
    # Renewals that follow each other (Jean-Michel Meyer, 2023-2025 then 2026-2028) are not overlaps.
    assert result.manifest["tables"]["mandates"] == 15
    assert not any(i.code == "sieges_depasses" and "CDU-670000033" in i.value for i in result.log.issues)


# --- The store in service is the reference, not only its manifest ----------------------------------------------

def test_without_its_manifest_the_store_is_damaged_not_missing(built, capsys, monkeypatch):
    raw, out = built
    (out / "manifest.json").unlink()
    with pytest.raises(StoreDamaged) as raised:
        Store(out)
    assert raised.value.problems == ["le fichier manifest.json est absent"]
    assert observatoire_main(["indicators", "--data", str(out), "--level", "departement", "--territory", "67"]) == 2
    assert capsys.readouterr().err == (f"L'entrepôt {out} est endommagé : relancez « make data ». le fichier "
                                       "manifest.json est absent.\n")
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(out))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "L'entrepôt est endommagé"
    assert at.text[0].value == "• Le fichier manifest.json est absent."
    # The raw files are intact: the next build loses nothing and puts the store back.
    code, _, err = run_build(raw, out, capsys, "--if-stale")
    assert code == 0 and "Entrepôt endommagé (le fichier manifest.json est absent) : reconstruction." in err
    assert Store(out).manifest["tables"]["mandates"] == 15


def test_without_its_manifest_a_build_losing_most_mandates_is_refused(built, capsys):
    raw, out = built
    (out / "manifest.json").unlink()
    before = snapshot(out)
    first_three = "\n".join(NOMINATIONS.strip().splitlines()[:4]) + "\n"
    (raw / "nominations" / "arretes_2026.csv").write_text(first_three, encoding="utf-8")
    code, stdout, err = run_build(raw, out, capsys)
    assert code == 3 and snapshot(out) == before
    assert err.startswith("Construction refusée : la table « mandates » passerait de 15 à 3 lignes (moins de la "
                          "moitié). L'entrepôt actuel est conservé.")
    assert "    table « mandates » : 15 → 3 ligne(s)" in stdout


def _two_regions(raw: Path) -> None:
    with (raw / "instances" / "instances.csv").open("a", encoding="utf-8") as fh:
        fh.write(CORSICA_CDU)
    with (raw / "nominations" / "arretes_2026.csv").open("a", encoding="utf-8") as fh:
        fh.write(CORSICA_MANDATE + "\n")


def test_losing_a_share_of_the_coordinates_keeps_the_store(built, capsys):
    raw, out = built
    before = snapshot(out)
    kept = [line for line in FINESS_LINES if not line.startswith(("geolocalisation;670000033",
                                                                  "geolocalisation;2A0000015"))]
    (raw / "finess" / FINESS_FILE).write_bytes(_finess_bytes(kept))
    code, stdout, err = run_build(raw, out, capsys)
    assert code == 3 and snapshot(out) == before
    assert err.startswith(f"Construction refusée : les établissements localisés (avec coordonnées) passeraient de 4 "
                          f"à 2 (perte de 50,0{NNBSP}%, au-delà du seuil de 25{NNBSP}%). L'entrepôt actuel est "
                          "conservé.")
    assert "    établissements localisés : 4 → 2" in stdout


def test_losing_a_regions_bodies_or_mandates_keeps_the_store(tmp_path, fresh_raw, capsys):
    raw, out = fresh_raw, tmp_path / "out"
    _two_regions(raw)
    assert build(raw, out).ok
    before = snapshot(out)
    # Five Bas-Rhin arrêtés (lines 12 to 16) are missing from the new file: Grand Est loses a third of its mandates,
    # the table keeps more than half of its rows.
    lines = (raw / "nominations" / "arretes_2026.csv").read_text(encoding="utf-8").splitlines()
    (raw / "nominations" / "arretes_2026.csv").write_text("\n".join(lines[:11] + lines[16:]) + "\n", encoding="utf-8")
    code, stdout, err = run_build(raw, out, capsys)
    assert code == 3 and snapshot(out) == before
    assert err.startswith(f"Construction refusée : les mandats de la région Grand Est passeraient de 15 à 10 (perte "
                          f"de 33,3{NNBSP}%, au-delà du seuil de 25{NNBSP}%). L'entrepôt actuel est conservé.")
    assert "  Par rapport à l'entrepôt en service :\n    source « nominations » : 16 → 11 ligne(s)\n" in stdout
    assert "    région Grand Est : mandats 15 → 10\n" in stdout
    # The Corsican body closed: its région loses every body.
    (raw / "instances" / "instances.csv").write_text(INSTANCES, encoding="utf-8")
    code, _, err = run_build(raw, out, capsys, "--max-loss-rate", "0.5")
    assert code == 3 and snapshot(out) == before
    assert "les instances de la région Corse passeraient de 1 à 0 (perte de 100,0" in err
    assert "les mandats de la région Corse passeraient de 1 à 0" in err
    assert "Grand Est" not in err  # a third lost is under the threshold given on the command line
    assert run_build(raw, out, capsys, "--force")[0] == 0


def test_the_loss_threshold_is_a_setting(built, capsys, monkeypatch):
    raw, out = built
    kept = [line for line in FINESS_LINES if not line.startswith("geolocalisation;670000033")]
    (raw / "finess" / FINESS_FILE).write_bytes(_finess_bytes(kept))
    monkeypatch.setenv("OBSERVATOIRE_MAX_LOSS_RATE", "0.2")
    assert settings.max_loss_rate() == 0.2
    assert run_build(raw, out, capsys)[0] == 3   # 1 of 4 located establishments lost: 25 %
    monkeypatch.setenv("OBSERVATOIRE_MAX_LOSS_RATE", "0.3")
    assert run_build(raw, out, capsys)[0] == 0


# --- Every failure speaks French, never a traceback --------------------------------------------------------------

def _encrypted_xlsx() -> bytes:
    """What Excel writes for a workbook with a password: an OLE compound file holding an EncryptedPackage stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    entry = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00")
    return header.ljust(512, b"\x00") + entry.ljust(1024, b"\x00")


CHECK_CASES = {
    "vide.csv": (b"", "vide.csv : Fichier vide : aucune ligne d'en-tête.\n", 1),
    "protege.xlsx": (_encrypted_xlsx(), "protege.xlsx : Classeur protégé par un mot de passe : enregistrez-le sans "
                                        "mot de passe (ou en CSV UTF-8) avant de le déposer.\n", 1),
    "bom_octet.csv": (b"\xef\xbb\xbf\xe9" + INSTANCES.encode("utf-8"), "", 0),
    "cellule_geante.csv": (NOMINATIONS.replace(";France Rein;", ";" + "x" * 200_000 + ";").encode("utf-8"), "", 1),
}


@pytest.mark.parametrize("name", CHECK_CASES)
def test_check_never_shows_a_traceback(tmp_path, fresh_raw, name):
    data, err_expected, code = CHECK_CASES[name]
    path = tmp_path / name
    path.write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OBSERVATOIRE_RAW": str(fresh_raw)}
    done = subprocess.run([sys.executable, "-m", "pipelines", "check", str(path)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, check=False)
    assert "Traceback" not in done.stdout + done.stderr
    assert (done.returncode, done.stderr) == (code, err_expected)
    if name == "bom_octet.csv":
        assert done.stdout.startswith("bom_octet.csv : lu comme source « instances », 1 problème(s).\n"
                                      "  [avertissement] ligne 1, colonne \ufffdtype_instance : Octet 0xE9 invalide")
    if name == "cellule_geante.csv":
        assert (f"  [erreur] ligne 6, colonne association : Cellule de 200{NNBSP}000 caractères, au-delà de "
                f"32{NNBSP}767") in done.stdout


def test_a_full_disk_during_the_build_is_a_french_sentence(built, capsys, monkeypatch):
    raw, out = built
    before = snapshot(out)

    def full(*args, **kwargs):
        raise OSError("[Errno 28] Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(build_module.pq, "write_table", full)
    code, _, err = run_build(raw, out, capsys)
    assert code == 1 and snapshot(out) == before
    assert err == (f"La construction a échoué (disque plein en écrivant dans {out} : libérez de la place puis "
                   f"relancez). L'entrepôt actuel est conservé. Détails techniques : {settings.log_file()}.\n")
    assert "No space left on device" in settings.log_file().read_text(encoding="utf-8")


def test_a_read_only_store_during_the_build_is_a_french_sentence(built, capsys, monkeypatch):
    raw, out = built
    before = snapshot(out)

    def read_only(src, dst):
        raise OSError(errno.EROFS, "Read-only file system", str(dst))

    monkeypatch.setattr(build_module.os, "replace", read_only)
    code, _, err = run_build(raw, out, capsys)
    monkeypatch.undo()
    assert code == 1 and snapshot(out) == before
    assert err.startswith(f"La construction a échoué (écriture impossible dans {out.parent}")
    assert err.endswith("(droits insuffisants ou disque en lecture seule)). L'entrepôt actuel est conservé. Détails "
                        f"techniques : {settings.log_file()}.\n")
    assert "Traceback" not in err


def test_a_store_that_cannot_be_written_prints_no_traceback(built, tmp_path):
    raw, _ = built
    blocker = tmp_path / "un_fichier"
    blocker.write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pipelines", "build", "--raw", str(raw), "--out",
                           str(blocker / "entrepot")], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
                          check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"La construction a échoué (erreur de lecture ou d'écriture sur {blocker}")
