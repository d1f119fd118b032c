"""The bilan pack from the command line on a small fixture store, and the one-line messages of the mode séance."""
import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from observatoire.__main__ import main as cli_main
from observatoire.base import vocabulary
from observatoire.domain import convention
from observatoire.present import charts, exports, seance
from observatoire.present import convention as convention_view
from tests.conftest import write_fixture_raw

D = dt.date
AS_OF = D(2026, 6, 15)
EXTRA_TARGETS = """GE-TEST;taux_vacance;region;44;2028;15
GE-TEST;part_cdu_completes;region;44;2028;80
GE-TEST;taux_participation;region;44;2027;70
"""


@pytest.fixture(scope="module")
def pack_store_dir(tmp_path_factory):
    """The shared fixture plus région-level targets: four convention indicators, two territories."""
    from pipelines.build import build

    root = tmp_path_factory.mktemp("bilan")
    raw = write_fixture_raw(root)
    targets = raw / "convention" / "cibles.csv"
    targets.write_text(targets.read_text(encoding="utf-8") + EXTRA_TARGETS, encoding="utf-8")
    build(raw, root / "parquet")
    return root / "parquet"


def _text(pdf) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))


@pytest.mark.skipif(not exports.available(), reason="Debian chromium absent (make test installs it)")
@pytest.mark.browser
def test_bilan_cli_writes_the_pdf_every_chart_and_every_table(pack_store_dir, tmp_path, capsys, monkeypatch):
    from observatoire.base.db import Store

    monkeypatch.setenv("OBSERVATOIRE_RECORDS", str(tmp_path / "records"))
    out = tmp_path / "bilan"
    code = cli_main(["bilan", "--data", str(pack_store_dir), "--convention", "GE-TEST", "--as-of", "2026-06-15",
                     "--out", str(out), "--zip"])
    assert code == 0
    pdf = out / "bilan_ge-test_grand-est_2026-06-15.pdf"
    assert capsys.readouterr().out.splitlines()[-1] == str(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = _text(pdf)
    card = convention.scorecard(Store(pack_store_dir), "GE-TEST", AS_OF)
    shown = convention_view.scorecard_display(card)
    assert len(card) == 4
    for label, place, value in zip(shown["Indicateur"], card["territory_name"], shown["Valeur"]):
        assert label in text                       # in the synthesis, and as the heading of its chart
        assert f"{label} – {place}" in text and f"{value.replace(chr(0x202f), ' ')} au 15/06/2026" in text
    # The figures behind the chart: Bas-Rhin has 3 of its 12 seats vacant on 01/03/2026 (as the CLI test counts).
    assert "01/02/2026 : 8,3 % · 01/03/2026 : 25,0 % · 01/04/2026" in text
    for words in ("Convention de test", "Situation au 15/06/2026", "Synthèse au 15/06/2026",
                  "Préparé pour : Groupe de suivi du 15/06/2026 – Groupe de suivi de juin 2026",
                  "Aucun groupe de suivi avant le 15/06/2026", "Feuille de route au 15/06/2026",
                  "Campagne de nomination 2026", "Annexe : méthodes et sources", "Données extraites le",
                  "Jalons de suivi", "Validation du bilan", "✗ non atteint"):
        assert words in text
    assert "SHA-256" not in text               # one line per source, no pages of hashes
    charts_written = sorted(p.name for p in (out / "graphiques").iterdir())
    assert charts_written == ["00_tableau_de_bord_ge-test_grand-est_2026-06-15.png",
                              "01_part_cdu_completes_grand-est_2026-06-15.png",
                              "02_taux_vacance_grand-est_2026-06-15.png",
                              "03_taux_vacance_bas-rhin_2026-06-15.png",
                              "04_taux_participation_grand-est_2026-06-15.png",
                              "jalons_ge-test_2026-06-15.png"]
    tables_written = sorted(p.name for p in (out / "tableaux").iterdir())
    assert "tableau_de_bord_ge-test_grand-est_2026-06-15.csv" in tables_written
    assert "feuille_de_route_ge-test_2026-06-15.csv" in tables_written and len(tables_written) == 14
    assert {Path(n).with_suffix(".xlsx").name for n in tables_written} == {n for n in tables_written
                                                                          if n.endswith(".xlsx")}  # each has its twin
    series = (out / "tableaux" / "03_taux_vacance_bas-rhin_2026-06-15.csv").read_bytes()
    assert series.startswith("\ufeffDate;Valeur\r\n21/01/2026;".encode()) and series.endswith(b"15/06/2026;16,6667\r\n")
    sheet = openpyxl.load_workbook(out / "tableaux" / "03_taux_vacance_bas-rhin_2026-06-15.xlsx").active
    assert sheet.title == "Bas-Rhin 15-06-2026" and sheet.freeze_panes == "A3"
    assert sheet["A1"].value.endswith("– Bas-Rhin – situation au 15/06/2026")
    assert [c.value for c in sheet[2]] == ["Date", "Valeur"]
    assert sheet["A3"].value == dt.datetime(2026, 1, 21) and sheet["A3"].number_format == "DD/MM/YYYY"
    assert sheet.cell(sheet.max_row, 2).value == pytest.approx(16.6667, abs=1e-3)
    with zipfile.ZipFile(out.with_suffix(".zip")) as archive:
        assert set(archive.namelist()) == {f"graphiques/{n}" for n in charts_written} | \
            {f"tableaux/{n}" for n in tables_written} | {pdf.name}
    # --territory keeps that territory's rows only; an unknown one is refused in French.
    assert cli_main(["bilan", "--data", str(pack_store_dir), "--convention", "GE-TEST", "--as-of", "2026-06-15",
                     "--territory", "67", "--out", str(tmp_path / "bas-rhin")]) == 0
    assert (tmp_path / "bas-rhin" / "bilan_ge-test_bas-rhin_2026-06-15.pdf").exists()
    assert cli_main(["bilan", "--data", str(pack_store_dir), "--convention", "GE-TEST", "--as-of", "2026-06-15",
                     "--territory", "75", "--out", str(tmp_path / "x")]) == 2
    assert "Aucun indicateur de la convention GE-TEST pour le territoire 75" in capsys.readouterr().err


# --- the report a director signs, built with a stand-in for Chromium (these tests check words, not pixels) --------

def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (22, 11), "white").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


def fake_render(figure, caption=None, **size) -> bytes:
    return PNG


def _pack(store_dir, tmp_path, as_of=AS_OF, **options):
    from observatoire import bilan
    from observatoire.base.db import Store

    options.setdefault("records_dir", tmp_path / "records")
    out = tmp_path / f"pack{len(list(tmp_path.glob('pack*')))}"
    pack = bilan.build(Store(store_dir), "GE-TEST", as_of, out, render=fake_render, **options)
    return pack, _text(pack.pdf)


def test_the_validation_block_names_the_meeting_and_who_validated(pack_store_dir, tmp_path):
    from observatoire.domain import records

    pack, text = _pack(pack_store_dir, tmp_path, meeting=D(2026, 6, 15),
                       validated_by="  Claire   Martin, directrice de la stratégie ", validated_on=D(2026, 6, 20))
    assert ("Validation du bilan Préparé pour Groupe de suivi du 15/06/2026 – Groupe de suivi de juin 2026 Validé "
            "par Claire Martin, directrice de la stratégie Date de validation 20/06/2026 Signature") in text
    assert "Préparé pour Groupe de suivi du 15/06/2026 – Groupe de suivi de juin 2026" in text   # on the cover too
    # The name is kept in the bilans' own record (beside the séance records), with the PDF it validated...
    [entry] = records.validations(tmp_path / "records", "GE-TEST")
    assert entry["validated_by"] == "Claire Martin, directrice de la stratégie"
    assert (entry["prepared_for"], entry["validated_on"], entry["as_of"]) == ("2026-06-15", "2026-06-20", "2026-06-15")
    assert entry["pdf"] == pack.pdf.name == "bilan_ge-test_grand-est_2026-06-15.pdf"
    assert entry["pdf_sha256"] == hashlib.sha256(pack.pdf.read_bytes()).hexdigest()
    # ... and never in the store.
    assert not any(b"Claire Martin" in f.read_bytes() for f in pack_store_dir.rglob("*") if f.is_file())
    # Without a name the block is left to fill in by hand and nothing is recorded; the meeting defaults to the next
    # follow-up group or review from the as-of date (the convention's next one after 15/06/2026 is on 15/12/2027).
    _, text = _pack(pack_store_dir, tmp_path, as_of=D(2026, 7, 1))
    assert ("Validation du bilan Préparé pour Bilan intermédiaire du 15/12/2027 – Bilan intermédiaire 2027 Validé par "
            "Date de validation Signature") in text
    assert len(records.validations(tmp_path / "records", "GE-TEST")) == 1


def test_the_bilan_prints_two_dates_side_by_side(pack_store_dir, tmp_path, monkeypatch, capsys):
    """The comparison of tests/test_comparison.py in the pack: Bas-Rhin's vacancy 25,0 % (⚠ en retard) on 01/03/2026,
    16,7 % (✔ atteint) on 15/06/2026, −8,3 points; its own page in the PDF, the table as CSV and XLSX."""
    from observatoire import bilan

    pack, text = _pack(pack_store_dir, tmp_path, compare_from=D(2026, 3, 1))
    assert "Évolution du 01/03/2026 au 15/06/2026" in text
    assert "0 → 1 ✔ atteint 0 → 2 ↗ en bonne voie 3 → 1 ⚠ en retard 0 → 0 ✗ non atteint 1 → 0 ○ non évaluable" in text
    assert re.search(r"Département · Bas- ?Rhin 25,0 % 16,7 % −8,3 pt ⚠ en retard ◆ ✔ atteint", text)
    assert ("Actions de la feuille de route dont le statut a changé entre le 01/03/2026 et le 15/06/2026 Aucune."
            in text)   # the fixture's roadmap statuses are undated
    rows = _csv_rows(pack.folder / "tableaux" / "comparaison_ge-test_grand-est_2026-03-01_2026-06-15.csv")
    bas_rhin = next(row for row in rows if row[2] == "Bas-Rhin")
    assert bas_rhin[4:] == ["25", "16,6667", "-8,3333", "en retard", "atteint", "oui"]
    sheet = openpyxl.load_workbook(pack.folder / "tableaux" /
                                   "comparaison_ge-test_grand-est_2026-03-01_2026-06-15.xlsx").active
    assert sheet["A1"].value.endswith("comparaison du 01/03/2026 et du 15/06/2026 – Grand Est – "
                                                   "situation au 15/06/2026")
    # Without the option, no comparison page nor table.
    plain, text = _pack(pack_store_dir, tmp_path)
    assert "Évolution du" not in text and not list((plain.folder / "tableaux").glob("comparaison_*"))
    # A first date that is not before the as-of date is refused in French.
    with pytest.raises(bilan.PackError, match=re.escape("La date de comparaison (15/06/2026) doit précéder la date "
                                                        "de situation (15/06/2026).")):
        _pack(pack_store_dir, tmp_path, compare_from=AS_OF)
    # The command line takes it as --compare-with.
    monkeypatch.setattr(exports, "available", lambda: True)
    monkeypatch.setattr(exports, "png", fake_render)
    monkeypatch.setattr(exports, "renderer", lambda: __import__("types").SimpleNamespace(warm=lambda: None))
    monkeypatch.setenv("OBSERVATOIRE_RECORDS", str(tmp_path / "records"))
    out = tmp_path / "cli"
    assert cli_main(["bilan", "--data", str(pack_store_dir), "--convention", "GE-TEST", "--as-of", "2026-06-15",
                     "--compare-with", "2026-03-01", "--out", str(out)]) == 0
    assert (out / "tableaux" / "comparaison_ge-test_grand-est_2026-03-01_2026-06-15.csv").exists()
    assert "Évolution du 01/03/2026 au 15/06/2026" in _text(out / "bilan_ge-test_grand-est_2026-06-15.pdf")


@pytest.mark.parametrize("meeting, name, on, message", [
    (D(2026, 6, 16), None, None, ("Aucun groupe de suivi ni revue le 16/06/2026 dans les jalons de la convention "
                                  "(dates possibles : 15/06/2026, 15/12/2027).")),
    (None, "claire.martin@ars.sante.fr", None, "Le nom de la personne qui valide contient une adresse électronique"),
    (None, "Claire Martin 06 12 34 56 78", None, "contient un numéro de téléphone"),
    (None, None, D(2026, 6, 20), "Une date de validation demande le nom de la personne qui valide."),
    (None, "x" * 121, None, "dépasse 120 caractères"),
])
def test_a_validation_that_cannot_be_signed_is_refused_in_french(pack_store_dir, meeting, name, on, message):
    from observatoire import bilan
    from observatoire.base.db import Store

    milestones = convention.read_milestones(Store(pack_store_dir), "GE-TEST")
    with pytest.raises(bilan.PackError, match=re.escape(message)):
        bilan.validate(milestones, AS_OF, meeting, name, on)


def test_meetings_a_bilan_is_prepared_for_come_next_first():
    from observatoire import bilan

    milestones = pd.DataFrame({"milestone_date": [D(2026, 3, 16), D(2026, 6, 18), D(2026, 11, 5), D(2026, 12, 10)],
                               "milestone_type": ["revue_strategique", "comite_suivi", "autre", "comite_suivi"],
                               "label": ["Revue de lancement", "Comité n° 1", "Séminaire", "Comité n° 2"]})
    assert bilan.meeting_choices(milestones, D(2026, 6, 18)) == {   # a seminar is no meeting to prepare a bilan for
        D(2026, 6, 18): "Groupe de suivi du 18/06/2026 – Comité n° 1",
        D(2026, 12, 10): "Groupe de suivi du 10/12/2026 – Comité n° 2",
        D(2026, 3, 16): "Revue stratégique annuelle du 16/03/2026 – Revue de lancement"}


@pytest.mark.parametrize("names, expected", [
    (["etalab-cs1100507-stock-20261101-0430.csv"], "etalab-cs1100507-stock-20261101-0430.csv"),
    (["demo_arretes_01_2013.csv", "demo_arretes_44_2026.xlsx", "demo_arretes_94_2026.csv"],
     "3 fichiers demo_arretes_…"),
    (["demo_seances_01.csv", "demo_seances_94.csv"], "2 fichiers demo_seances_….csv"),
    (["barometre.csv", "enquete_aura_2023.csv"], "2 fichiers"),
    ([], "aucun fichier"),
])
def test_one_line_per_source_names_its_files_in_a_few_words(names, expected):
    from observatoire import bilan

    assert bilan.files_text(names) == expected


def test_the_sources_annex_has_one_line_per_source():
    from observatoire import bilan

    manifest = {"built_at": "2026-12-05T11:46:55", "sources": {
        "finess": {"files": [{"file": "etalab.csv", "extract_date": "2026-11-01", "rows_kept": 5448,
                              "rows_rejected": 3, "sha256": "ab" * 32}]},
        "nominations": {"files": [{"file": f"arretes_{i}.csv", "rows_kept": 1000, "rows_rejected": i}
                                  for i in range(3)] + [{"file": "arretes_vide.csv", "read": False, "rows_kept": 0}]}}}
    assert bilan.sources_table(manifest)["rows"] == [
        ["Établissements (FINESS)", "etalab.csv", "extrait le 01/11/2026", "5\u202f448", "3"],
        ["Nominations (arrêtés)", "4 fichiers arretes_….csv, dont 1 non lu(s)", "lu le 05/12/2026", "3\u202f000", "3"]]


def _row(**values):
    base = {"label": "Taux de vacance", "unit": "%", "value": 18.2, "masked": False, "status": "en bonne voie",
            "status_reason": "", "baseline": 25.0, "baseline_date": D(2026, 1, 21),
            "baseline_how": vocabulary.BASELINE_AT_SIGNATURE}
    return pd.Series({**base, **values})


@pytest.mark.parametrize("row, expected", [
    (_row(), "Taux de vacance : 18,2\u202f% au 01/06/2026, −6,8\u202fpoints depuis la signature"),
    (_row(value=26.0), "Taux de vacance : 26,0\u202f% au 01/06/2026, +1,0\u202fpoint depuis la signature"),
    (_row(baseline_how=vocabulary.BASELINE_FIRST_KNOWN, baseline_date=D(2026, 4, 1), value=25.0),
     "Taux de vacance : 25,0\u202f% au 01/06/2026, 0,0\u202fpoint depuis le 01/04/2026"),
    (_row(label="Sièges vacants", unit="sièges", value=180.0, baseline=200.0),
     "Sièges vacants : 180 au 01/06/2026, −20 sièges depuis la signature"),
    (_row(label="RU formés", unit="personnes", value=None, masked=True, status="non évaluable",
          status_reason=vocabulary.REASON_MASKED.format(threshold=11)),
     "RU formés : masqué au 01/06/2026, non évaluable : valeur masquée (secret statistique : moins de 11 personnes)"),
    (_row(status=None, status_reason=None, baseline=None),
     "Taux de vacance : 18,2\u202f% au 01/06/2026 (convention non encore signée à cette date)"),
])
def test_one_line_message(row, expected):
    assert seance.message(row, D(2026, 6, 1)) == expected


def test_slides_follow_the_convention_priorities():
    card = pd.DataFrame({"label": ["B", "A", "A", "C"], "priority": [2, 1, 1, None],
                         "level": ["region", "departement", "region", "region"],
                         "territory_code": ["44", "67", "44", "44"]})
    assert seance.ordered(card)[["label", "territory_code"]].values.tolist() == [
        ["A", "44"], ["A", "67"], ["B", "44"], ["C", "44"]]


def _luminance(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("foreground, background, minimum", [
    ("#000000", "#ffffff", 7), ("#ffffff", "#000000", 7), ("#ffd166", "#000000", 7),   # text, banner, frozen date
    *(("#000000", tint, 7) for tint in seance.STATUS_BACKGROUND.values()),             # status badges
    ("#595959", "#ffffff", 7),                                                          # disabled button
    (charts.TARGET_COLOR, "#ffffff", 4.5), (charts.AS_OF_COLOR, "#ffffff", 3),         # chart text, 24 px and more
    (charts.PALETTE[0], "#ffffff", 4.5),                                                # the observed series
])
def test_meeting_theme_contrast(foreground, background, minimum):
    """WCAG contrast of the mode séance colours (3:1 is the large-text threshold, every chart text is ≥ 24 px)."""
    assert _contrast(foreground, background) >= minimum


def test_seance_overview_and_late_actions_slides():
    card = pd.DataFrame([
        {"label": "Taux <b>de</b> vacance", "level": "region", "territory_name": "Grand Est", "value": 20.4,
         "unit": "%", "masked": False, "target": 20.0, "target_year": 2026, "status": "en bonne voie"},
        {"label": "RU formés", "level": "departement", "territory_name": "Bas-Rhin", "value": None, "unit": "%",
         "masked": True, "target": 80.0, "target_year": 2026, "status": "non évaluable"}])
    html = seance.overview(card)
    assert html.count("<tr>") == 3                                      # the header and one row per indicator
    assert "Taux &lt;b&gt;de&lt;/b&gt; vacance" in html and "<b>de" not in html   # data text is escaped
    assert "20,4\u202f%" in html and "20,0\u202f% (2026)" in html and "↗ en bonne voie" in html
    assert "masqué" in html and "○ non évaluable" in html
    actions = pd.DataFrame([
        {"action_id": "A1", "label": "Relancer", "owner": "FAS", "due_date": D(2026, 9, 30), "overdue": True,
         "lateness": "⚠ 61 j"},
        {"action_id": "A2", "label": "Former", "owner": "ARS", "due_date": D(2027, 1, 31), "overdue": False,
         "lateness": ""}])
    late = seance.late_actions(actions, D(2026, 11, 30))
    assert "A1" in late and "⚠ 61 j" in late and "A2" not in late
    assert "Aucune action" in seance.late_actions(actions.assign(overdue=False), D(2026, 11, 30))
    long_title = seance.heading({"label": "Taux de vacance des sièges pourvus par arrêté", "level": "region",
                                 "territory_name": "Grand Est", "status": "en retard"}, 2, 19)
    assert 'class="long"' in long_title and "3 / 19" in long_title and "Région · Grand Est" in long_title


# --- the synthesis, the séance records and the access cut, on two régions ---------------------------------------------
# tests/conftest.py's two régions (Bas-Rhin 67 in Grand Est 44: 12 seats; Corse-du-Sud 2A in Corse 94: 4 seats, one
# titulaire until 31/12/2026), a convention of Grand Est with targets outside its région, and dated action statuses.
# Vacancy on 15/06/2026 and on 01/10/2026 alike: Bas-Rhin 2 of 12 seats (16,7 %), Corse-du-Sud 3 of 4 (75,0 %),
# France entière 5 of 16 (31,25 % -> 31,3 %).
OUTSIDE_TARGETS = """GE-TEST;taux_vacance;national;;2026;30
GE-TEST;taux_vacance;region;44;2026;20
GE-TEST;taux_vacance;region;94;2026;60
GE-TEST;taux_vacance;departement;2A;2026;60
"""
DATED_ACTIONS = """id_convention;id_action;axe;libelle_action;pilote;echeance;statut_action;date_statut;commentaire
GE-TEST;A1;Réduire la vacance;Campagne de nomination 2026;ARS – Démocratie en santé;30/06/2026;fait;25/06/2026;Close
GE-TEST;A2;Former;Sessions RU en Avant ! supplémentaires;FAS GE;30/09/2026;en_cours;01/04/2026;Deux sessions prévues
"""
ACCESS = """
[[acces]]
adresse = "chef.ge@ars.sante.fr"
territoire = "region:44"
role = "charge_de_mission"

[[acces]]
groupe = "ars-ge-dd67"
territoire = "departement:67"
role = "charge_de_mission"

[[acces]]
adresse = "chef.corse@ars.sante.fr"
territoire = "region:94"
role = "administrateur"

[[acces]]
domaine = "ars.sante.fr"
territoire = "region:44"
role = "lecture"
"""


@pytest.fixture(scope="module")
def two_region_pack_dir(tmp_path_factory):
    from pipelines.build import build
    from tests.conftest import CORSICA_CDU, CORSICA_MANDATE

    root = tmp_path_factory.mktemp("bilan_two_regions")
    raw = write_fixture_raw(root)
    with (raw / "instances" / "instances.csv").open("a", encoding="utf-8") as fh:
        fh.write(CORSICA_CDU)
    with (raw / "nominations" / "arretes_2026.csv").open("a", encoding="utf-8") as fh:
        fh.write(CORSICA_MANDATE)
    targets = raw / "convention" / "cibles.csv"
    targets.write_text(targets.read_text(encoding="utf-8") + OUTSIDE_TARGETS, encoding="utf-8")
    (raw / "convention" / "actions.csv").write_text(DATED_ACTIONS, encoding="utf-8")
    build(raw, root / "parquet")
    return root / "parquet"


def _record(store_dir, folder, meeting: dt.date, organisations, notes, actions):
    from observatoire.base.db import Store
    from observatoire.domain import records

    card = convention.scorecard(Store(store_dir), "GE-TEST", meeting)
    return records.append(folder, records.build_record("GE-TEST", meeting, card, organisations, notes, actions,
                                                       closed_by="agent@ars.sante.fr",
                                                       closed_at=dt.datetime(2026, 6, 16, 9, 0)))


@pytest.fixture
def recorded(two_region_pack_dir, tmp_path):
    """The follow-up group of 15/06/2026 closed twice (version 2 adds an organisation), and a record of a later
    meeting (15/12/2027) that a bilan at an earlier date never shows."""
    folder = tmp_path / "records"
    notes = {"taux_vacance|departement|67": {"comment": "Deux sièges vacants", "decision": "Relancer les UDAF"},
             "taux_vacance|departement|2A": {"comment": "Trois sièges vacants", "decision": "Appel à candidatures"}}
    _record(two_region_pack_dir, folder, D(2026, 6, 15), ["ARS Grand Est"], notes, {})
    _record(two_region_pack_dir, folder, D(2026, 6, 15), ["ARS Grand Est", "France Assos Santé Grand Est"], notes,
            {"A2": {"comment": "Une session reportée", "decision": "Session de rattrapage en octobre"}})
    _record(two_region_pack_dir, folder, D(2027, 12, 15), ["ARS Grand Est"],
            {"taux_vacance|departement|67": {"comment": "Plus tard", "decision": "Jamais vue au 01/10/2026"}}, {})
    return folder


def _csv_rows(path: Path) -> list[list[str]]:
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    return [line.split(";") for line in lines[1:]]   # after the header (the fixture is no demonstration data)


def test_the_synthesis_holds_every_indicator_the_late_actions_and_the_last_decisions(two_region_pack_dir, tmp_path,
                                                                                       recorded):
    pack, text = _pack(two_region_pack_dir, tmp_path, as_of=D(2026, 10, 1), records_dir=recorded)
    synthesis = text[text.index("Synthèse au 01/10/2026"):text.index("Feuille de route au 01/10/2026")]
    # Every indicator and territory: value, target (year), change since the follow-up group of 15/06/2026, status.
    # The label is written once for the rows of one indicator.
    for row in ("Taux de vacance des sièges (toutes instances, CVS compris) France entière 31,3 % 30,0 % (2026) 0,0 pt",
                "Grand Est 16,7 % 20,0 % (2026) 0,0 pt", "Corse 75,0 % 60,0 % (2026) 0,0 pt",
                "Corse-du-Sud (2A) 75,0 % 60,0 % (2026) 0,0 pt", "Bas-Rhin (67) 16,7 % 20,0 % (2026) 0,0 pt"):
        assert row in synthesis
    assert "Évolution depuis le groupe de suivi du 15/06/2026." in synthesis
    # A2 (due 30/09/2026, « en cours » since 01/04/2026) is one day late; A1 was done on 25/06/2026.
    assert ("Actions en retard au 01/10/2026 N° Action Pilote Échéance Retard Statut A2 Sessions RU en Avant ! "
            "supplémentaires FAS GE 30/09/2026 ⚠ 1 j En cours (au 01/04/2026)") in synthesis
    assert "A1 Campagne" not in synthesis
    # The decisions: the latest version of the last meeting's record on or before the date (not the 2027 one).
    assert ("Relevé de la séance du 15/06/2026 (version 2, close le 16/06/2026) · organisations présentes : ARS Grand "
            "Est, France Assos Santé Grand Est.") in synthesis
    for decision in (("Taux de vacance des sièges (toutes instances, CVS compris) – Corse-du-Sud Trois sièges vacants "
                      "Appel à candidatures"), "– Bas-Rhin Deux sièges vacants Relancer les UDAF",
                     ("Action A2 – Sessions RU en Avant ! supplémentaires Une session reportée Session de rattrapage "
                      "en octobre")):
        assert decision in synthesis
    assert "Jamais vue" not in text
    # The records go with the pack, CSV and XLSX: the latest version of each meeting up to the date, every row the room
    # saw (values and statuses recorded on 15/06/2026) and every action discussed; who closed it is not exported.
    tables_dir = pack.folder / "tableaux"
    rows = _csv_rows(tables_dir / "releves_seances_ge-test_grand-est_2026-10-01.csv")
    assert [r[:2] + r[4:8] + r[10:] for r in rows] == [
        ["15/06/2026", "2", "Indicateur", "Taux de vacance des sièges (toutes instances, CVS compris)", "France entière",
         "31,25",
         "", ""],
        ["15/06/2026", "2", "Indicateur", "Taux de vacance des sièges (toutes instances, CVS compris)", "Grand Est",
         "16,6667", "", ""],
        ["15/06/2026", "2", "Indicateur", "Taux de vacance des sièges (toutes instances, CVS compris)", "Corse", "75",
         "", ""],
        ["15/06/2026", "2", "Indicateur", "Taux de vacance des sièges (toutes instances, CVS compris)", "Corse-du-Sud",
         "75", "Trois sièges vacants", "Appel à candidatures"],
        ["15/06/2026", "2", "Indicateur", "Taux de vacance des sièges (toutes instances, CVS compris)", "Bas-Rhin",
         "16,6667", "Deux sièges vacants", "Relancer les UDAF"],
        ["15/06/2026", "2", "Action", "A2 – Sessions RU en Avant ! supplémentaires", "", "", "Une session reportée",
         "Session de rattrapage en octobre"]]
    assert rows[0][2:4] == ["16/06/2026", "ARS Grand Est, France Assos Santé Grand Est"]
    assert not any("agent@" in cell for row in rows for cell in row)
    sheet = openpyxl.load_workbook(tables_dir / "releves_seances_ge-test_grand-est_2026-10-01.xlsx").active
    assert sheet["A3"].value == dt.datetime(2026, 6, 15) and sheet.max_row == 2 + len(rows)
    # Before the follow-up group, nothing to compare with and no record yet.
    _, text = _pack(two_region_pack_dir, tmp_path, as_of=D(2026, 6, 1), records_dir=recorded)
    assert "Aucun groupe de suivi avant le 01/06/2026 : pas d'évolution à donner." in text
    assert "Aucun relevé de séance à cette date" in text and "Aucune action de la feuille de route en retard" in text


GE = ("region", "44", "charge_de_mission", "chef.ge@ars.sante.fr")
DD67 = ("departement", "67", "charge_de_mission", "x@ars.sante.fr")
CORSE = ("region", "94", "administrateur", "chef.corse@ars.sante.fr")


def _everything(folder: Path) -> str:
    """Every word of a pack: the PDF's text, the file names, every CSV and every XLSX cell."""
    words = [_text(next(folder.glob("*.pdf")))]
    for path in folder.rglob("*"):
        words.append(path.name)
        if path.suffix == ".csv":
            words.append(path.read_text(encoding="utf-8-sig"))
        elif path.suffix == ".xlsx":
            sheet = openpyxl.load_workbook(path).active
            words.extend(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    return "\n".join(words)


@pytest.mark.parametrize("who, territory, places", [
    (None, None, ["France entière", "Grand Est", "Corse", "Corse-du-Sud", "Bas-Rhin"]),   # the operator sees every target
    (GE, None, ["France entière", "Grand Est", "Bas-Rhin"]),       # its région, its départements, France (an aggregate)
    (DD67, None, ["Bas-Rhin"]),                            # a délégation départementale: its own territory only
    (DD67, "67", ["Bas-Rhin"]),
])
def test_the_pack_holds_only_the_rows_the_user_may_see(two_region_pack_dir, tmp_path, recorded, who, territory,
                                                        places):
    from observatoire.domain.access import OPEN_ACCESS, Access

    access = Access(*who) if who else OPEN_ACCESS
    pack, _ = _pack(two_region_pack_dir, tmp_path, as_of=D(2026, 10, 1), access=access, territory=territory,
                    records_dir=recorded, compare_from=D(2026, 3, 1))
    card = next((pack.folder / "tableaux").glob("tableau_de_bord_*.csv"))
    assert [row[2] for row in _csv_rows(card)] == places
    compared = next((pack.folder / "tableaux").glob("comparaison_*.csv"))   # the two dates: the same rows, same order
    assert [row[2] for row in _csv_rows(compared)] == places
    records_table = next((pack.folder / "tableaux").glob("releves_seances_*.csv"))
    assert [row[6] for row in _csv_rows(records_table) if row[4] == "Indicateur"] == places
    if "Corse" not in places:
        assert "corse" not in _everything(pack.folder).lower()   # PDF, file names, CSV, XLSX: no other région


@pytest.mark.parametrize("who, territory, message", [
    (CORSE, None, "La convention GE-TEST est hors de vos droits (Corse)."),
    (DD67, "44", ("Le territoire 44 est hors de vos droits : le dossier de bilan d'une délégation départementale "
                  "porte sur son département (Bas-Rhin (67)).")),
    (GE, "2A", "Aucun indicateur de la convention GE-TEST pour le territoire 2A."),
])
def test_a_pack_out_of_the_users_rights_is_refused(two_region_pack_dir, tmp_path, who, territory, message):
    from observatoire import bilan
    from observatoire.domain.access import Access

    with pytest.raises(bilan.PackError, match=re.escape(message)):
        _pack(two_region_pack_dir, tmp_path, access=Access(*who), territory=territory)


@pytest.fixture
def cli_without_chromium(monkeypatch, tmp_path):
    """The CLI's bilan with the stand-in renderer and an access file; records in a temporary folder."""
    from types import SimpleNamespace

    access_file = tmp_path / "acces.toml"
    access_file.write_text(ACCESS, encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_ACCESS_FILE", str(access_file))
    monkeypatch.setenv("OBSERVATOIRE_RECORDS", str(tmp_path / "records"))
    monkeypatch.setattr(exports, "available", lambda: True)
    monkeypatch.setattr(exports, "png", fake_render)
    monkeypatch.setattr(exports, "renderer", lambda: SimpleNamespace(warm=lambda: None))


def test_cli_bilan_as_user_goes_through_the_access_cut(two_region_pack_dir, tmp_path, capsys, cli_without_chromium):
    from observatoire.domain import records

    common = ["bilan", "--data", str(two_region_pack_dir), "--convention", "GE-TEST", "--as-of", "2026-06-15"]
    assert cli_main([*common, "--out", str(tmp_path / "op")]) == 0        # the operator: every territory
    assert [r[2] for r in _csv_rows(tmp_path / "op" / "tableaux" / "tableau_de_bord_ge-test_grand-est_2026-06-15.csv")] \
        == ["France entière", "Grand Est", "Corse", "Corse-du-Sud", "Bas-Rhin"]
    assert cli_main([*common, "--out", str(tmp_path / "ge"), "--as-user", "chef.ge@ars.sante.fr",
                     "--meeting", "2026-06-15", "--validated-by", "Claire Martin", "--validated-on", "2026-06-20"]) == 0
    assert [r[2] for r in _csv_rows(tmp_path / "ge" / "tableaux" / "tableau_de_bord_ge-test_grand-est_2026-06-15.csv")] \
        == ["France entière", "Grand Est", "Bas-Rhin"]
    assert "corse" not in _everything(tmp_path / "ge").lower()
    assert "Validé par Claire Martin Date de validation 20/06/2026" in _text(
        tmp_path / "ge" / "bilan_ge-test_grand-est_2026-06-15.pdf")
    [entry] = records.validations(tmp_path / "records", "GE-TEST")
    assert (entry["validated_by"], entry["prepared_for"]) == ("Claire Martin", "2026-06-15")
    assert cli_main([*common, "--out", str(tmp_path / "dd"), "--as-user", "x@ars.sante.fr", "--group",
                     "ars-ge-dd67"]) == 0
    assert sorted(p.name for p in (tmp_path / "dd").glob("*.pdf")) == ["bilan_ge-test_bas-rhin_2026-06-15.pdf"]
    capsys.readouterr()
    for argv, message in [
        (["--as-user", "chef.corse@ars.sante.fr"], "La convention GE-TEST est hors de vos droits (Corse)."),
        (["--as-user", "lecteur@ars.sante.fr"], ("Le rôle « Lecture » de lecteur@ars.sante.fr ne permet pas "
                                                  "d'exporter de dossier de bilan.")),
        (["--as-user", "x@gmail.com"], "Aucun accès pour x@gmail.com"),
        (["--meeting", "2026-06-16"], "Aucun groupe de suivi ni revue le 16/06/2026"),
    ]:
        assert cli_main([*common, "--out", str(tmp_path / "x"), *argv]) == 2
        captured = capsys.readouterr()
        assert message in captured.err and captured.out == ""
    with pytest.raises(SystemExit):
        cli_main([*common, "--out", str(tmp_path / "x"), "--validated-on", "2026-06-20"])
    assert "--validated-on va avec --validated-by" in capsys.readouterr().err


@pytest.mark.parametrize("who, territory", [(GE, None), (DD67, "67")])
def test_the_pages_bilan_button_builds_the_pack_of_the_signed_in_user(two_region_pack_dir, monkeypatch, who, territory):
    from streamlit.testing.v1 import AppTest

    from observatoire import bilan, session
    from observatoire.domain.access import Access

    access = Access(*who)
    built = []
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(two_region_pack_dir))
    monkeypatch.setattr(session, "current", lambda: access)
    monkeypatch.setattr(exports, "available", lambda: True)
    monkeypatch.setattr(bilan, "build_zip", lambda *args, **options: built.append((args, options)) or ("b.zip", b"PK"))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=90)
    at.query_params["territoire"] = f"{access.level}:{access.code}"
    at.query_params["date"] = "2026-06-15"
    at.switch_page("pages/convention.py").run()
    assert not at.exception
    [meeting] = [s for s in at.selectbox if s.label == "Préparé pour"]
    assert meeting.value == D(2026, 6, 15)                       # the follow-up group of the date, by default
    [compare] = [c for c in at.checkbox if c.label.startswith("Comparer avec le ")]
    assert (compare.label, compare.value) == ("Comparer avec le 21/01/2026", True)   # the signature: no group before
    [name] = [t for t in at.text_input if t.label.startswith("Validé par")]
    name.input("Claire Martin").run()
    [button] = [b for b in at.button if b.label == "Préparer le dossier de bilan"]
    button.click().run()
    assert not at.exception
    [(args, options)] = built
    assert args[1:4] == ("GE-TEST", D(2026, 6, 15), territory)
    assert options["access"] == access and options["meeting"] == D(2026, 6, 15)
    assert options["validated_by"] == "Claire Martin" and options["compare_from"] == D(2026, 1, 21)
    assert "Télécharger le dossier de bilan (ZIP)" in [b.label for b in at.get("download_button")]


def test_synthesis_rows_say_every_status_and_number_each_remark_once():
    from observatoire import bilan

    def row(label, level, code, name, value, status, reason="", note="", since=None, masked=False):
        return {"label": label, "level": level, "territory_code": code, "territory_name": name, "unit": "%",
                "value": value, "masked": masked, "target": 75.0, "target_year": 2026, "since_last_meeting": since,
                "status": status, "status_reason": reason, "note": note, "last_meeting": D(2026, 6, 18)}

    card = pd.DataFrame([
        row("Réalisation de la campagne", "region", "44", "Grand Est", 72.5, "non atteint",
            reason="résultat définitif de la campagne 2026"),
        row("RU formés", "region", "44", "Grand Est", None, "non évaluable", reason="valeur masquée", masked=True),
        row("RU formés", "departement", "67", "Bas-Rhin", None, "non évaluable", reason="valeur masquée", masked=True),
        row("Vacance", "departement", "08", "Ardennes", 26.0, "en retard", since=2.04),
        row("Vacance", "departement", "10", "Aube", 27.3, "en bonne voie", note="petit effectif : 3 sur 11",
            since=-0.25),
    ])
    shown = bilan.synthesis(card, pd.DataFrame(), None, lambda level, code: True, {}, bilan.Validation(),
                            D(2026, 12, 1))
    assert shown["indicators"]["rows"] == [
        ["Réalisation de la campagne", "Grand Est", "72,5\u202f%", "75,0\u202f% (2026)", "–", "✗ non atteint"],
        ["RU formés", "Grand Est", "masqué", "75,0\u202f% (2026)", "–", "○ non évaluable (1)"],
        ["", "Bas-Rhin (67)", "masqué", "75,0\u202f% (2026)", "–", "○ non évaluable (1)"],   # the label once
        ["Vacance", "Ardennes (08)", "26,0\u202f%", "75,0\u202f% (2026)", "+2,0\u202fpt", "⚠ en retard"],
        ["", "Aube (10)", "27,3\u202f%", "75,0\u202f% (2026)", "−0,3\u202fpt", "↗ en bonne voie (2)"]]
    assert shown["notes"] == ["(1) Valeur masquée.", "(2) Petit effectif : 3 sur 11."]
    assert shown["intro"] == ("5 indicateur(s) et territoire(s) suivis · ✔ atteint : 0 · ↗ en bonne voie : 1 · "
                              "⚠ en retard : 1 · ✗ non atteint : 1 · ○ non évaluable : 2")
    assert shown["change_note"] == "Évolution depuis le groupe de suivi du 18/06/2026."
    assert shown["late"]["rows"] == [] and shown["decisions"]["rows"] == [] and shown["prepared_for"] == ""
