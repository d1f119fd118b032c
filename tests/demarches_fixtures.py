"""« Démarches simplifiées » exports built in code, as the service writes them (issue 25, part 2).

Démarche « candidatures-ru-cdu-grand-est » (XLSX, standard column names, typed cells): the establishments sought
are in a repeated block « (9876) Etablissements souhaites » (one row per wish). Démarche 5151 (CSV export of an
export template: « N° dossier », « Date de dépôt »…, text cells, datetimes « 2026-03-12 14:32:10 +0100 », booleans
true/false): the establishment is a field of the form; the « Association » field was added by a later version of
the form (the first dossier has it empty). Both collect the candidacies of the Grand Est CDU campaign opened on
02/03/2026 (tests/conftest.py).

Hand count on 30/04/2026 (dossier: deposit, state, decision, wishes):
  A 1001 05/03 en instruction          025 titulaire, 041 suppléant
  A 1002 10/03 accepté 10/04           033 titulaire (+ a wish « CH inconnu »: planted error, block line 4)
  A 1003 12/03 refusé 12/04            025 suppléant
  A 1004 02/04 en construction         033 indifférent
  A 1005 20/03 classé sans suite 15/04 (no wish)
  A 1006 planted error: state « Brouillon » (Dossiers line 7)
  B 2001 15/03 accepté 01/04           041 (association empty: the field did not exist yet)
  B 2002 25/03 en instruction          041, association UNAF
  => 7 received, 3 in progress, 2 accepted, 1 refused, 1 closed without follow-up.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

DEMARCHES_TOML = """
[[demarche]]
fichier = "candidatures-ru-cdu-grand-est"
region = "44"
type_instance = "CDU"
[demarche.champs]
association = "Association agréée de rattachement"

[[demarche]]
numero = 5151
region = "44"
type_instance = "CDU"
"""

XLSX_NAME = "dossiers_candidatures-ru-cdu-grand-est_2026-04-20_09-15.xlsx"
CSV_NAME = "dossiers_procedure-5151_2026-04-21_10-00.csv"
CANDIDATE_NAMES = ["Meyer", "Dupont", "Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Jean-Michel"]

STANDARD_HEADERS = ["ID", "Email", "FranceConnect ?", "Civilité", "Nom", "Prénom", "Dépôt pour un tiers",
                    "Nom du mandataire", "Prénom du mandataire", "Date de naissance", "À archiver", "État du dossier",
                    "Dernière mise à jour le", "Dernière mise à jour du dossier le", "Déposé le",
                    "Passé en instruction le", "Traité le", "Motivation de la décision", "Instructeurs",
                    "Association agréée de rattachement", "Vos motivations", "Etablissements souhaites"]


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=5)


# ID, e-mail, civility, last name, first name, birth date, state, updated, deposited, instructed, decided, association
DOSSIERS_A = [
    (1001, "jm.meyer@exemple.fr", "M.", "Meyer", "Jean-Michel", dt.date(1955, 3, 12), "En instruction", "2026-03-20",
     "2026-03-05", "2026-03-20", None, "UFC-Que Choisir"),
    (1002, "m.dupont@exemple.fr", "Mme", "Dupont", "Marie", dt.date(1960, 5, 2), "Accepté", "2026-04-10",
     "2026-03-10", "2026-03-15", "2026-04-10", "UNAF"),
    (1003, "l.martin@exemple.fr", "M.", "Martin", "Luc", dt.date(1971, 1, 30), "Refusé", "2026-04-12",
     "2026-03-12", "2026-03-16", "2026-04-12", "AIDES"),
    (1004, "a.bernard@exemple.fr", "Mme", "Bernard", "Anne", dt.date(1958, 9, 9), "En construction", "2026-04-02",
     "2026-04-02", None, None, "France Rein"),
    (1005, "p.petit@exemple.fr", "M.", "Petit", "Paul", dt.date(1949, 12, 1), "Classé sans suite", "2026-04-15",
     "2026-03-20", "2026-03-25", "2026-04-15", "UNAFAM"),
    (1006, "c.durand@exemple.fr", "Mme", "Durand", "Claire", dt.date(1966, 7, 7), "Brouillon", "2026-03-22",
     "2026-03-22", None, None, "CLCV"),
]
# Dossier ID, Ligne, establishment (as the drop-down list writes it), role sought
WISHES_A = [
    (1001, 1, "CH de Strasbourg (670000025)", "Titulaire"),
    (1001, 2, "CH de Haguenau (670000041)", "Suppléant"),
    (1002, 1, "Clinique Sainte-Odile - 670 000 033", "Titulaire"),
    (1002, 2, "CH inconnu", "Titulaire"),
    (1003, 1, "670000025", "Suppléant"),
    (1004, 1, "670000033", "Indifférent"),
]


def standard_xlsx() -> bytes:
    """The XLSX export: « Dossiers » (typed cells: integers, dates, booleans), « Etablissements », « Avis » and the
    repeated block of the establishments sought."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dossiers"
    sheet.append(STANDARD_HEADERS)
    for (number, email, civility, last, first, born, state, updated, deposited, instructed, decided,
         association) in DOSSIERS_A:
        sheet.append([number, email, False, civility, last, first, False, None, None, born, False, state,
                      _at(updated, 15), _at(updated, 14), _at(deposited), _at(instructed) if instructed else None,
                      _at(decided) if decided else None, "Motivation : voir le courrier de M. Xylophage" if decided
                      else None, "agent.instructeur@ars.sante.fr", association, "Je souhaite représenter…", None])
    etablissements = book.create_sheet("Etablissements")
    etablissements.append(["Dossier ID", "Champ", "Établissement SIRET"])
    avis = book.create_sheet("Avis")
    avis.append(["Dossier ID", "Introduction", "Réponse", "Question", "Réponse oui/non", "Créé le", "Répondu le",
                 "Instructeur", "Expert"])
    block = book.create_sheet("(9876) Etablissements souhaites")
    block.append(["Dossier ID", "Ligne", "Établissement (n° FINESS)", "Rôle souhaité"])
    for row in WISHES_A:
        block.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TEMPLATE_HEADERS = ["N° dossier", "Adresse électronique", "Nom", "Prénom", "État du dossier", "Date de dépôt",
                    "Date de passage en instruction", "Date de traitement", "Dépôt pour un tiers",
                    "N° FINESS de l'établissement", "Rôle souhaité", "Association"]


def _csv_cell(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ',"\n') else value


def template_csv() -> bytes:
    """The CSV export of an export template: comma-separated UTF-8 without BOM, text cells."""
    rows = [TEMPLATE_HEADERS,
            ["2001", "c.leroy@exemple.fr", "Leroy", "Camille", "Accepté", "2026-03-15 09:12:44 +0100",
             "2026-03-18 11:00:00 +0100", "2026-04-01 16:30:00 +0200", "false", "670000041", "titulaire", ""],
            ["2002", "h.moreau@exemple.fr", "Moreau", "Hugo", "En instruction", "2026-03-25 18:02:10 +0100",
             "2026-03-30 08:45:00 +0200", "", "true", "CH Haguenau, 670000041", "Suppléant", "UNAF"]]
    return ("\n".join(",".join(_csv_cell(c) for c in row) for row in rows) + "\n").encode("utf-8")


def ods(sheets: dict[str, list[list]]) -> bytes:
    """An ODS workbook written by hand, as the service writes it: booleans as `office:value="1"` with no text (not
    the standard `office:boolean-value`)."""
    def cell(value) -> str:
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, bool):
            return f'<table:table-cell office:value-type="boolean" office:value="{int(value)}"/>'
        if isinstance(value, int):
            return (f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p>'
                    "</table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    tables = "".join(f'<table:table table:name="{escape(name)}">'
                     + "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
                               for row in rows)
                     + "</table:table>" for name, rows in sheets.items())
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def standard_ods() -> bytes:
    """The same démarche exported as ODS (dates as text « 2026-03-05 10:05:00 +0100 », as the service writes them)."""
    dossiers = [STANDARD_HEADERS[:19]]
    for number, email, civility, last, first, born, state, updated, deposited, instructed, decided, _ in DOSSIERS_A:
        stamp = "{} 10:05:00 +0100".format
        dossiers.append([number, email, False, civility, last, first, True, "Martin", "Léa", born.isoformat(), False,
                         state, stamp(updated), stamp(updated), stamp(deposited),
                         stamp(instructed) if instructed else None, stamp(decided) if decided else None, None,
                         "agent.instructeur@ars.sante.fr"])
    block = [["Dossier ID", "Ligne", "Établissement (n° FINESS)", "Rôle souhaité"], *[list(w) for w in WISHES_A]]
    return ods({"Dossiers": dossiers, "Etablissements": [["Dossier ID", "Champ"]],
                "Avis": [["Dossier ID", "Introduction"]], "(9876) Etablissements souhaites": block})


def write_exports(raw: Path, demarches_file: Path) -> None:
    """Both exports into data/raw/candidatures and the mapping file."""
    folder = raw / "candidatures"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / XLSX_NAME).write_bytes(standard_xlsx())
    (folder / CSV_NAME).write_bytes(template_csv())
    demarches_file.write_text(DEMARCHES_TOML, encoding="utf-8")
