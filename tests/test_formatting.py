"""French formats and the CSV export, compared byte for byte."""
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from observatoire.base import formatting
from observatoire.present import tables


@pytest.mark.parametrize("value, expected", [(1400, "1\u202f400"), (0, "0"), (1234567, "1\u202f234\u202f567"),
                                             (None, "–"), (float("nan"), "–")])
def test_number(value, expected):
    assert formatting.number(value) == expected


@pytest.mark.parametrize("value, expected", [(24.5, "24,5\u202f%"), (25, "25,0\u202f%"), (100 / 3, "33,3\u202f%")])
def test_percent(value, expected):
    assert formatting.percent(value) == expected


@pytest.mark.parametrize("value, decimals, expected", [
    (72.5, 0, "73\u202f%"),        # 290 / 400: half rounds up, as by hand (not to the even 72)
    (0.5, 0, "1\u202f%"), (2.5, 0, "3\u202f%"), (24.25, 1, "24,3\u202f%"), (-2.5, 0, "-3\u202f%")])
def test_percent_rounds_half_up(value, decimals, expected):
    assert formatting.percent(value, decimals) == expected


@pytest.mark.parametrize("value, expected", [(dt.date(2026, 1, 21), "21/01/2026"), ("2026-01-21", "21/01/2026"),
                                             (pd.Timestamp("2026-01-21"), "21/01/2026"), (None, "–")])
def test_date(value, expected):
    assert formatting.date(value) == expected


@pytest.mark.parametrize("value, unit, masked, expected", [
    (25.0, "%", False, "25,0\u202f%"), (1400, "sièges", False, "1\u202f400"), (8, "personnes", True, "masqué"),
    (1.25, "ratio", False, "1,25"), (60, "jours", False, "60\u202fj")])
def test_value_with_unit(value, unit, masked, expected):
    assert formatting.value_with_unit(value, unit, masked) == expected


def test_points():
    # Half rounds away from zero since issue 12 (one rounding everywhere): −2,25 -> −2,3 (was −2,2).
    assert formatting.points(5) == "+5,0\u202fpt" and formatting.points(-2.25) == "−2,3\u202fpt"
    assert formatting.points(-0.04) == "0,0\u202fpt"          # no « −0,0 pt »


@pytest.mark.parametrize("value, unit, expected", [
    (17.172, "%", "+17,2\u202fpt"), (-3.915, "%", "\u22123,9\u202fpt"), (-0.9, "%", "\u22120,9\u202fpt"),
    (-1, "mandats", "\u22121 mandat"), (1, "mandats", "+1 mandat"), (-2, "mandats", "\u22122 mandats"),
    (12, "sièges", "+12 sièges"), (-1400, "sièges", "\u22121\u202f400 sièges"), (0, "sièges", "0 siège"),
    (0.254, "ratio", "+0,25"), (-30, "jours", "\u221230\u202fj"), (None, "%", "–"), (float("nan"), "sièges", "–"),
])
def test_gap_is_one_format_with_one_minus_sign(value, unit, expected):
    assert formatting.gap(value, unit) == expected
    assert "-" not in formatting.gap(value, unit)              # never the hyphen


@pytest.mark.parametrize("change, unit, direction, expected", [
    # Aube vs Ardennes: vacancy 7,2 points lower is better: a down arrow in green, the French text kept.
    (-7.2, "%", "lower_is_better", {"delta": "\u22127,2\u202fpt", "delta_color": "green", "delta_arrow": "down"}),
    (4.5, "%", "lower_is_better", {"delta": "+4,5\u202fpt", "delta_color": "red", "delta_arrow": "up"}),
    (-3, "mandats", "higher_is_better", {"delta": "\u22123 mandats", "delta_color": "red", "delta_arrow": "down"}),
    (2, "personnes", "neutral", {"delta": "+2 personnes", "delta_color": "gray", "delta_arrow": "up"}),
    (0.02, "%", "lower_is_better", {"delta": "0,0\u202fpt", "delta_color": "gray", "delta_arrow": "off"}),
    (float("nan"), "%", "lower_is_better", {"delta": None}),
])
def test_metric_delta_sets_arrow_and_colour_explicitly(change, unit, direction, expected):
    assert formatting.metric_delta(change, unit, direction) == expected


def test_metric_delta_reads_right_in_streamlit():
    """st.metric's own reading of the delta: the typographic minus alone would give an up arrow."""
    from streamlit.elements.metric import _determine_delta_color_and_direction
    from streamlit.proto.Metric_pb2 import Metric
    kwargs = formatting.metric_delta(-7.2, "%", "lower_is_better")
    assert _determine_delta_color_and_direction("normal", kwargs["delta"]).direction == Metric.MetricDirection.UP
    assert {"down": Metric.MetricDirection.DOWN}[kwargs["delta_arrow"]] == Metric.MetricDirection.DOWN


def test_blanks_of_nullable_columns_read_as_a_dash():
    assert formatting.number(pd.NA) == "–" and formatting.gap(pd.NA, "%") == "–" and formatting.date(pd.NaT) == "–"


def test_masked_reason_names_the_threshold():
    assert formatting.MASKED == "masqué"
    assert "moins de 11 personnes" in formatting.masked_reason(11)


def test_csv_export_golden_bytes():
    frame = pd.DataFrame({"name": ["CH de Verdun", "Clinique « Saint-Joseph »; Metz"], "rate": [24.5, 100 / 3],
                          "seats": [1400, 4], "day": [dt.date(2026, 1, 21), None]})
    columns = {"name": tables.Col("Établissement"), "rate": tables.Col("Taux de vacance (%)", "percent"),
               "seats": tables.Col("Sièges", "int"), "day": tables.Col("Date", "date")}
    expected = ("\ufeffÉtablissement;Taux de vacance (%);Sièges;Date\r\n"
                "CH de Verdun;24,5;1400;21/01/2026\r\n"
                "\"Clinique « Saint-Joseph »; Metz\";33,333333;4;\r\n").encode("utf-8")
    assert tables.csv_bytes(frame, columns) == expected


GOLDEN = Path(__file__).parent / "golden"


def test_csv_golden_file_participation():
    """13 300 stays a number (no 1,33e+04), formulas typed in raw text are neutralised, numbers are not, a
    masked count stays masked, dates are French; compared byte for byte with tests/golden/participation.csv."""
    frame = pd.DataFrame({
        "territory": ["Grand Est", "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-1+1", "@SUM(1)", "\tTab"],
        "quarter": [pd.Timestamp("2026-04-01"), dt.date(2026, 1, 1), None, dt.date(2025, 10, 1),
                    dt.date(2025, 7, 1), dt.date(2025, 4, 1)],
        "expected": [13300.0, 12.0, 3.0, 2.0, 1.0, 0.0],
        "present": [9975, 5, 2, 1, 1, 0],
        "rate": [75.0, 41.666666666666664, 2 / 3 * 100, 50.0, 100.0, float("nan")],
        "gap": [-6.8, 0.1 + 0.2, 1234567.891, -0.000001, 0.0, float("nan")],
    })
    masked = pd.DataFrame({"present": [False, True, False, False, False, False]})
    columns = {"territory": tables.Col("Territoire"), "quarter": tables.Col("Début du trimestre", "date"),
               "expected": tables.Col("RU attendus", "int"), "present": tables.Col("RU présents", "int"),
               "rate": tables.Col("Participation réelle (%)", "percent"), "gap": tables.Col("Écart (points)", "points")}
    produced = tables.csv_bytes(frame, columns, masked=masked)
    assert produced == (GOLDEN / "participation.csv").read_bytes()
    assert produced.startswith(b"\xef\xbb\xbf") and b"13300;" in produced and b"e+" not in produced
    assert b"\r\n\"'=HYPERLINK" in produced and b"\r\n'-1+1;" in produced and b";-6,8\r\n" in produced


@pytest.mark.parametrize("value, kind, expected", [
    ("=1+1", "text", "'=1+1"), ("+33 6", "text", "'+33 6"), ("-1+1", "text", "'-1+1"), ("@SUM(1)", "text", "'@SUM(1)"),
    ("\tx", "text", "'\tx"), ("\rx", "text", "'\rx"), ("CH =1", "text", "CH =1"), (-2.5, "float", "-2,5"),
    (-3, "int", "-3"), (13300.0, "int", "13300"), (13300.0, "float", "13300"), (1.5e-7, "float", "0"),
    (123456789.125, "float", "123456789,125"), (True, "text", "oui"), (None, "int", ""),
    (pd.Timestamp("2026-06-01"), "date", "01/06/2026"), ("2026-06-01", "date", "01/06/2026"),
])
def test_csv_cell(value, kind, expected):
    assert tables.csv_cell(value, kind) == expected


def test_csv_masked_by_column_and_default_headers():
    frame = pd.DataFrame({"value": [float("nan"), 24.5], "masked": [True, False], "label": ["=x", "ok"]})
    columns = {"label": tables.Col("Indicateur"), "value": tables.Col("Valeur", "float", masked_by="masked")}
    assert tables.csv_bytes(frame, columns) == "\ufeffIndicateur;Valeur\r\n'=x;masqué\r\nok;24,5\r\n".encode()
    # Without a column map every column is kept: a known column under its French header, another under its own
    # name, typed from its dtype.
    frame["other"] = [1, 2]
    assert tables.csv_bytes(frame[["label", "value", "other"]]) == \
        "\ufeffLibellé;Valeur;other\r\n'=x;;1\r\nok;24,5;2\r\n".encode()


def test_display_uses_french_headers_and_formats():
    frame = pd.DataFrame({"rate": [24.5], "seats": [1400]})
    shown = tables.display(frame, {"seats": tables.Col("Sièges", "int"), "rate": tables.Col("Taux", "percent")})
    assert shown.columns.tolist() == ["Sièges", "Taux"]
    assert shown.iloc[0].tolist() == ["1\u202f400", "24,5\u202f%"]


@pytest.mark.parametrize("rows, expected", [(0, 73), (3, 143), (12, 458), (25, 913), (400, 913)])
def test_tables_are_sized_to_their_rows_up_to_25(rows, expected):
    assert tables.height(rows) == expected      # (rows + header) × 35 px + 3, never the 10-row default


def test_pages_draw_tables_only_through_the_one_helper():
    from pathlib import Path
    pages = Path(__file__).resolve().parent.parent / "pages"
    assert [p.name for p in pages.glob("*.py") if "st.dataframe(" in p.read_text(encoding="utf-8")] == []


def test_highlight_shades_the_chosen_row_only():
    shown = pd.DataFrame({"Territoire": ["Ardennes", "Aube", "Marne"]})
    styles = tables.highlight(shown, [False, True, False])._compute().ctx
    assert set(styles) == {(1, 0)} and ("background-color", "#fff3c4") in styles[(1, 0)]


def test_gap_and_value_columns_use_the_indicator_unit():
    frame = pd.DataFrame({"value": [17.172], "gap": [-3.915], "n": [-1]})
    shown = tables.display(frame, {"value": tables.Col("Valeur", "value", "%"), "gap": tables.Col("Écart", "gap", "%"),
                                   "n": tables.Col("Mandats", "gap", "mandats")})
    assert shown.iloc[0].tolist() == ["17,2\u202f%", "\u22123,9\u202fpt", "\u22121 mandat"]


@pytest.mark.parametrize("numerator, denominator, expected", [
    (2, 9, "petit effectif : 2 sur 9"),     # a 9-project rate
    (19, 19, "petit effectif : 19 sur 19"),
    (5, 20, ""),                             # 20 units: no longer small
    (0, 0, ""),                              # nothing to rate
    (None, 9, ""),                           # masked numerator: the mask says it
])
def test_a_rate_on_few_units_says_so(numerator, denominator, expected):
    assert formatting.small_base_note(numerator, denominator, 20) == expected


# --- XLSX: the twin of every CSV ----------------------------------------------------------------------------

def _sheet(data: bytes):
    import io

    import openpyxl
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_keeps_codes_and_finess_as_text_numbers_and_dates_as_such():
    frame = pd.DataFrame({
        "finess": ["080000123", "670000025"], "department": ["08", "2A"], "seats": [1400, 4],
        "rate": [61.5, None], "masked": [False, True], "day": [dt.date(2026, 1, 21), None],
        "name": ["=HYPERLINK(\"http://x\")", "CH de Verdun"], "gap": [-6.8, 2.0]})
    columns = {"finess": tables.Col("N° FINESS"), "department": tables.Col("Département"),
               "seats": tables.Col("Sièges", "int"), "rate": tables.Col("Taux (%)", "percent", masked_by="masked"),
               "day": tables.Col("Vacant à partir du", "date"), "name": tables.Col("Établissement"),
               "gap": tables.Col("Écart", "gap", "%")}
    sheet = _sheet(tables.xlsx_bytes(frame, columns, title="Sièges qui vont se libérer", territory="Grand Est",
                                     as_of=dt.date(2026, 6, 15)))
    assert sheet.title == "Grand Est 15-06-2026"
    assert sheet["A1"].value == "Sièges qui vont se libérer – Grand Est – situation au 15/06/2026"
    assert [c.value for c in sheet[2]] == [c.label for c in columns.values()] and sheet.freeze_panes == "A3"
    finess, department, seats, rate, day, name, gap = sheet[3]
    assert (finess.value, finess.data_type, department.value, department.data_type) == ("080000123", "s", "08", "s")
    assert sheet["B4"].value == "2A" and sheet["A4"].value == "670000025"
    assert (seats.value, seats.number_format) == (1400, "#,##0")          # « 1 400 » in a French Excel
    assert (rate.value, rate.number_format) == (61.5, '0.0" %"')           # « 61,5 % »
    assert sheet["D4"].value == formatting.MASKED                           # a masked rate reads « masqué »
    assert day.value == dt.datetime(2026, 1, 21) and day.number_format == "DD/MM/YYYY" and sheet["E4"].value is None
    assert (name.value, name.data_type) == ("=HYPERLINK(\"http://x\")", "s")  # text, never a formula
    assert gap.value == -6.8 and gap.number_format.startswith('+0.0" pt"')
    assert all(sheet.column_dimensions[letter].width >= 8 for letter in "ABCDEFG")
    assert sheet.column_dimensions["F"].width >= len("=HYPERLINK(\"http://x\")")


def test_demonstration_data_is_said_on_the_first_line_of_csv_and_xlsx():
    frame = pd.DataFrame({"department": ["08"]})
    columns = {"department": tables.Col("Département")}
    assert tables.csv_bytes(frame, columns, demo=True).decode("utf-8").splitlines()[:2] == [
        "\ufeff" + tables.DEMO_LINE, "Département"]
    assert tables.csv_bytes(frame, columns).startswith("\ufeffDépartement\r\n".encode())
    sheet = _sheet(tables.xlsx_bytes(frame, columns, title="T", territory="Ardennes", demo=True))
    assert sheet["A1"].value == tables.DEMO_LINE and sheet["A2"].value == "T – Ardennes" and sheet["A4"].value == "08"


@pytest.mark.parametrize("territory, as_of, expected", [
    ("Grand Est", dt.date(2026, 6, 15), "Grand Est 15-06-2026"),
    ("Provence-Alpes-Côte d'Azur", dt.date(2026, 6, 15), "Provence-Alpes-Côte 15-06-2026"),
    ("a/b:c?[d]*", None, "a-b-c--d--"),
    ("", None, "Tableau"),
])
def test_sheet_names_keep_excel_limits(territory, as_of, expected):
    assert tables.sheet_name(territory, as_of) == expected and len(expected) <= 31


def test_grids_on_screen_read_french_whatever_the_browser_language():
    frame = pd.DataFrame({"rate": [61.5, None], "seats": [1400, 3], "day": [dt.date(2026, 1, 21), None]})
    columns = {"rate": tables.Col("Taux (%)", "percent"), "seats": tables.Col("Sièges", "int"),
               "day": tables.Col("Date", "date")}
    shown = tables.styled(frame, columns)
    shown._compute()
    texts = [[cell["display_value"] for cell in row[1:]] for row in shown._translate(False, False)["body"]]
    assert texts[0] == ["61,5\u202f%", "1\u202f400", "21/01/2026"]
    assert shown.data["rate"].dtype.kind == "f"  # the number stays: the grid sorts 9,0 % before 61,5 %



@pytest.mark.parametrize("change, placeholder, french_text", [
    (None, "–", False),                       # whole numbers under 1 000, dates, text, blanks shown « – »
    ({"days": [12.0, 1400.0, None]}, "–", True),  # « 1 400 » needs its thousands space
    ({"days": [12.0, -1000.0, None]}, "–", True),
    ({"days": [12.5, 3.0, None]}, "–", True),   # a decimal comma
    (None, "masqué", True),                   # a blank would read « masqué » where French text reads « – »
    ({"days": [12.0, 3.0, 4.0], "due": [dt.date(2026, 1, 21)] * 3}, "masqué", False),  # no blank left
    ({"due": ["2026-01-21", None, "2026-12-05"]}, "–", True),  # dates as text: only the French text is sure
])
def test_a_grid_gets_french_display_text_only_where_a_cell_needs_it(change, placeholder, french_text):
    frame = pd.DataFrame({"days": [12.0, -3.0, None], "due": [dt.date(2026, 1, 21), None, dt.date(2026, 12, 5)],
                          "name": ["CHU", "EHPAD", "CH"], "link": ["./etablissement?finess=1", None, None]})
    frame = frame.assign(**(change or {}))
    columns = {"days": tables.Col("Jours", "days"), "due": tables.Col("Échéance", "date"),
               "name": tables.Col("Nom"), "link": tables.Col("Fiche", "link")}
    given = tables.for_grid(frame, columns, placeholder)
    assert isinstance(given, pd.DataFrame) is not french_text
    if not french_text:  # whole numbers stay whole numbers (« 12 », never « 12.0 »), blanks stay blank
        assert str(given["days"].dtype) == "Int64"
        assert given["days"].dropna().tolist() == [int(v) for v in frame["days"].dropna()]


@pytest.mark.parametrize("kind", ["percent", "float", "value", "points", "gap", "percent2"])
def test_a_grid_of_rates_always_gets_french_display_text(kind):
    frame = pd.DataFrame({"rate": [50.0, 25.0]})
    assert not isinstance(tables.for_grid(frame, {"rate": tables.Col("Taux", kind, unit="%")}, "–"), pd.DataFrame)
    masked = pd.DataFrame({"n": [5, 7], "hidden": [True, False]})
    assert not isinstance(tables.for_grid(masked, {"n": tables.Col("N", "int", masked_by="hidden")}, "–"),
                          pd.DataFrame)


@pytest.mark.parametrize("changed", [None, "value", "flag"])
def test_a_styled_table_keeps_its_id_while_it_shows_the_same_thing(changed):
    # pandas gives every Styler a random id; the browser redraws a table whose id changed, so an unchanged table
    # (a rerun for another part of the page) must come back with the same id, and a changed one with another.
    frame = pd.DataFrame({"rate": [61.5, 9.0], "name": ["A", "B"]})
    columns = {"rate": tables.Col("Taux", "percent"), "name": tables.Col("Nom")}
    again = frame.copy()
    flags = [True, False]
    if changed == "value":
        again.loc[1, "rate"] = 9.5
    if changed == "flag":
        flags = [False, True]
    same = changed is None
    assert (tables.styled(frame, columns).uuid == tables.styled(again, columns).uuid) is (same or changed == "flag")
    assert (tables.highlight(frame, [True, False]).uuid == tables.highlight(again, flags).uuid) is same


def test_no_grid_format_follows_the_browser_language():
    from observatoire.ui import panels

    kinds = ["int", "float", "percent", "percent2", "days", "value", "gap", "points", "date", "text", "link"]
    config = panels.column_config({kind: tables.Col(kind, kind) for kind in kinds})
    assert "localized" not in str(config) and set(config) == set(kinds)


def test_a_masked_percentage_reads_masque_on_screen():
    frame = pd.DataFrame({"value": [None, 61.5], "masked": [True, False]})
    shown = tables.display(frame, {"value": tables.Col("Valeur", "value", "%", masked_by="masked")})
    assert shown["Valeur"].tolist() == ["masqué", "61,5\u202f%"]  # never « < 11 », which reads « under 11 % »
