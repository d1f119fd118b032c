"""Typed parsers: tables of cases, raw cell -> value and problem code."""
import datetime as dt

import pytest

from pipelines import casting


@pytest.mark.parametrize("raw, value, code", [
    ("21/01/2026", dt.date(2026, 1, 21), None),
    ("2026-01-21", dt.date(2026, 1, 21), None),
    ("1/3/2026", dt.date(2026, 3, 1), None),
    ("2026-01-21 00:00:00", dt.date(2026, 1, 21), None),
    ("46043", dt.date(2026, 1, 21), None),          # Excel serial
    ("31/02/2025", None, "date_invalide"),
    ("demain", None, "date_invalide"),
    ("", None, None),
])
def test_parse_date(raw, value, code):
    parsed, problem = casting.parse_date(raw)
    assert parsed == value
    assert (problem[0] if problem else None) == code


@pytest.mark.parametrize("raw, value, code", [
    ("1 400", 1400, None), ("1\u00a0400", 1400, None), ("1\u202f400", 1400, None), ("12,0", 12, None),
    ("2,5", None, "entier_invalide"), ("-1", None, "entier_invalide"), ("deux", None, "entier_invalide"),
])
def test_parse_int(raw, value, code):
    parsed, problem = casting.parse_int(raw)
    assert parsed == value
    assert (problem[0] if problem else None) == code


@pytest.mark.parametrize("raw, value", [("24,5", 24.5), ("24,5 %", 24.5), ("1 400,25", 1400.25), ("30", 30.0),
                                        ("0.5", 0.5)])
def test_parse_float(raw, value):
    assert casting.parse_float(raw) == (value, None)


@pytest.mark.parametrize("raw, value, code, severity", [
    ("010000024", "010000024", None, None),
    ("10000024", "010000024", "finess_zero_perdu", "avertissement"),
    ("2A0000015", "2A0000015", None, None),
    ("67 000 0025", "670000025", None, None),
    ("12345", None, "finess_invalide", "erreur"),
])
def test_parse_finess(raw, value, code, severity):
    parsed, problem = casting.parse_finess(raw)
    assert parsed == value
    assert (problem[0] if problem else None) == code
    assert (problem[1] if problem else None) == severity


@pytest.mark.parametrize("raw, value, code", [
    ("01", "01", None), ("1", "01", "departement_zero_perdu"), ("2a", "2A", None), ("974", "974", None),
    ("20", None, "departement_20"), ("99", None, "departement_inconnu"),
])
def test_parse_department(raw, value, code):
    parsed, problem = casting.parse_department(raw)
    assert parsed == value
    assert (problem[0] if problem else None) == code


@pytest.mark.parametrize("raw, value", [("Titulaire", "titulaire"), ("Suppléant", "suppleant"),
                                        ("SUPPLEANTE", "suppleant"), ("T", "titulaire"), ("membre", None)])
def test_parse_role(raw, value):
    parsed, problem = casting.parse_choice(raw, ("titulaire", "suppleant"))
    assert parsed == value
    assert (problem is None) == (value is not None)
