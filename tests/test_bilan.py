"""The bilan pack from the command line on a small fixture store, and the one-line messages of the mode séance."""
import datetime as dt
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
def test_bilan_cli_writes_the_pdf_every_chart_and_every_table(pack_store_dir, tmp_path, capsys):
    from observatoire.base.db import Store

    out = tmp_path / "bilan"
    code = cli_main(["bilan", "--data", str(pack_store_dir), "--convention", "GE-TEST", "--as-of", "2026-06-15",
                     "--out", str(out), "--zip"])
    assert code == 0
    pdf = out / "bilan_ge-test_grand-est_2026-06-15.pdf"
    assert capsys.readouterr().out.splitlines()[-1] == str(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = _text(pdf)
    card = convention.scorecard(Store(pack_store_dir), "GE-TEST", AS_OF)
    shown = convention_view.scorecard_display(card.assign(trend=[[]] * len(card)))
    assert len(card) == 4
    for label, value in zip(shown["Indicateur"], shown["Valeur"]):  # every indicator with its value as on the page
        assert label in text
        assert f"{label} : {value.replace(chr(0x202f), ' ')} au 15/06/2026" in text
    # The figures behind the chart: Bas-Rhin has 3 of its 12 seats vacant on 01/03/2026 (as the CLI test counts).
    assert "01/02/2026 8,3 % 01/03/2026 25,0 % 01/04/2026" in text
    for words in ("Convention de test", "Situation au 15/06/2026", "Tableau de bord au 15/06/2026",
                  "Feuille de route au 15/06/2026", "Campagne de nomination 2026", "Méthodes et sources",
                  "Données extraites le", "Groupe de suivi de juin 2026"):
        assert words in text
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
