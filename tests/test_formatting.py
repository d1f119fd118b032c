"""French formats and the CSV export, compared byte for byte."""
import datetime as dt

import pandas as pd
import pytest

from observatoire import formatting, tables


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
    (25.0, "%", False, "25,0\u202f%"), (1400, "sièges", False, "1\u202f400"), (8, "personnes", True, "< 11"),
    (1.25, "ratio", False, "1,25"), (60, "jours", False, "60\u202fj")])
def test_value_with_unit(value, unit, masked, expected):
    assert formatting.value_with_unit(value, unit, masked) == expected


def test_points():
    # Half rounds away from zero since issue 12 (one rounding everywhere): −2,25 -> −2,3 (was −2,2).
    assert formatting.points(5) == "+5,0\u202fpt" and formatting.points(-2.25) == "−2,3\u202fpt"


def test_csv_export_golden_bytes():
    frame = pd.DataFrame({"name": ["CH de Verdun", "Clinique « Saint-Joseph »; Metz"], "rate": [24.5, 100 / 3],
                          "seats": [1400, 4], "day": [dt.date(2026, 1, 21), None]})
    columns = {"name": tables.Col("Établissement"), "rate": tables.Col("Taux de vacance (%)", "percent"),
               "seats": tables.Col("Sièges", "int"), "day": tables.Col("Date", "date")}
    expected = ("\ufeffÉtablissement;Taux de vacance (%);Sièges;Date\r\n"
                "CH de Verdun;24,5;1400;21/01/2026\r\n"
                "\"Clinique « Saint-Joseph »; Metz\";33,33;4;\r\n").encode("utf-8")
    assert tables.csv_bytes(frame, columns) == expected


def test_display_uses_french_headers_and_formats():
    frame = pd.DataFrame({"rate": [24.5], "seats": [1400]})
    shown = tables.display(frame, {"seats": tables.Col("Sièges", "int"), "rate": tables.Col("Taux", "percent")})
    assert shown.columns.tolist() == ["Sièges", "Taux"]
    assert shown.iloc[0].tolist() == ["1\u202f400", "24,5\u202f%"]
