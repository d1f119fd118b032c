"""Masking cannot be undone: counts that would give a masked number of people away are masked with it."""
from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout

import numpy as np
import pandas as pd

from observatoire.domain.privacy import mask_people_table, mask_revealing_indicators
from observatoire.present.tables import Col, display, label_masked


def test_people_table_masks_the_mandates_beside_and_a_complementary_row():
    counts = pd.DataFrame({"region": ["A", "B", "C", "D"], "mandates": [3, 40, 30, 50], "people": [2, 25, 15, 30],
                           "trained": [0, 12, 5, 20]})
    masked, labels = mask_people_table(counts, {"people": ("mandates",), "trained": ()}, 11)
    # A: 2 people (< 11) and the 3 mandates that would say "at most 3". Only one region is masked in the column,
    # so the smallest other (C, 15) is masked too, with its mandates: A = total − B − C − D no longer works.
    # trained: C (5) is masked; its complementary cell is B (12), the smallest other non-zero; A's 0 stays.
    assert labels.to_dict("list") == {
        "region": ["", "", "", ""],
        "mandates": ["secret", "", "secret", ""],
        "people": ["< 11", "", "secret", ""],
        "trained": ["", "secret", "< 11", ""],
    }
    assert masked["mandates"].isna().tolist() == [True, False, True, False]
    assert masked["people"].tolist()[1::2] == [25, 30] and masked["trained"].tolist()[::3] == [0, 20]
    columns = {"region": Col("Région"), "mandates": Col("Mandats actifs", "int"), "people": Col("RU en mandat", "int")}
    shown = label_masked(display(masked, columns), labels, columns)
    assert shown.iloc[0].tolist() == ["A", "secret", "< 11"] and shown.iloc[1].tolist() == ["B", "40", "25"]


def test_two_masked_rows_need_no_complementary_cell():
    counts = pd.DataFrame({"mandates": [3, 4, 50], "people": [2, 3, 30]})
    _, labels = mask_people_table(counts, {"people": ("mandates",)}, 11)
    assert labels["people"].tolist() == ["< 11", "< 11", ""] and labels["mandates"].tolist() == ["secret", "secret", ""]


def _rows(values: dict[str, list]) -> pd.DataFrame:
    """Long indicator rows for territories D1, D2, D3 (level departement); NaN value = masked by compute."""
    rows = []
    for indicator_id, per_territory in values.items():
        for code, value in zip(["D1", "D2", "D3"], per_territory):
            rows.append({"indicator_id": indicator_id, "level": "departement", "territory_code": code,
                         "value": value, "numerator": value, "denominator": np.nan,
                         "masked": indicator_id == "ru_actifs" and np.isnan(value)})
    return pd.DataFrame(rows)


def test_indicator_rows_mask_what_rebuilds_a_masked_people_count():
    rows = _rows({
        "ru_actifs": [np.nan, 20, 15],         # D1 has fewer than 11 RU
        "sieges": [4, 32, 24],
        "sieges_pourvus": [3, 30, 20],         # 3 filled seats: at most 3 RU
        "sieges_vacants": [1, 2, 4],           # 4 − 1 would give the 3 back
        "taux_vacance": [25.0, 6.25, 16.67],   # and 4 × 25 % too
        "mandats_fin_12m": [1, 12, 5],
    })
    out = mask_revealing_indicators(rows, 11).set_index(["indicator_id", "territory_code"])
    shown = {k: v for k, v in out["value"].items() if not np.isnan(v)}
    # D1: everything but its seat count. Complementary cells (only D1 masked in a column): the smallest other,
    # D3, for ru_actifs (15), filled seats (20, and so its vacant seats and rate) and mandates ending (5).
    assert shown == {
        ("sieges", "D1"): 4, ("sieges", "D2"): 32, ("sieges", "D3"): 24,
        ("ru_actifs", "D2"): 20, ("sieges_pourvus", "D2"): 30, ("sieges_vacants", "D2"): 2,
        ("taux_vacance", "D2"): 6.25, ("mandats_fin_12m", "D2"): 12,
    }
    assert out["masked"].sum() == 18 - 8
    # the masked rate keeps its denominator (seats, public) but not its numerator
    assert np.isnan(out.loc[("taux_vacance", "D1"), "numerator"])


def test_nothing_to_mask_when_no_people_count_is_masked():
    rows = _rows({"ru_actifs": [30, 20, 15], "sieges_pourvus": [3, 30, 20]})
    assert mask_revealing_indicators(rows, 11)["value"].tolist() == [30, 20, 15, 3, 30, 20]


def test_cli_indicators_never_show_filled_seats_or_mandates_beside_a_masked_count(fixture_store_dir):
    from observatoire.__main__ import main

    out = io.StringIO()
    with redirect_stdout(out):
        rc = main(["indicators", "--level", "etablissement", "--as-of", "2026-03-01", "--data",
                   str(fixture_store_dir), "--id", "ru_actifs", "--id", "sieges", "--id", "sieges_pourvus",
                   "--id", "mandats_fin_12m", "--id", "taux_vacance", "--format", "json"])
    assert rc == 0
    table = {(r["territory_code"], r["indicator_id"]): (r["value"], r["masked"]) for r in json.loads(out.getvalue())}
    # Each CDU has 2 to 5 RU on 01/03/2026 (all masked): seats (4) stay, the rest goes with the people count.
    for finess in ("670000025", "670000033", "670000041"):
        assert table[(finess, "sieges")] == (4.0, False)
        for indicator_id in ("ru_actifs", "sieges_pourvus", "mandats_fin_12m", "taux_vacance"):
            assert table[(finess, indicator_id)] == (None, True)
    assert {k[1] for k in table} == {"ru_actifs", "sieges", "sieges_pourvus", "mandats_fin_12m", "taux_vacance"}


def test_accueil_table_masks_the_mandates_beside_a_masked_count(fixture_store_dir, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(fixture_store_dir))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    at.query_params["territoire"] = "national:FR"
    at.query_params["date"] = "2026-03-01"
    at.run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("Région")
    # Grand Est: 10 active mandates held by 8 RU (conftest): « < 11 » and the mandates masked with it.
    assert table.loc["Grand Est", "RU désignés en mandat"] == "< 11" and table.loc["Grand Est", "Mandats actifs"] == "secret"
    assert table.loc["Grand Est", "Membres élus de CVS"] == "0"       # no CVS in this fixture
    assert table.loc["Grand Est", "Sièges"] == "12"


def test_the_mask_notices_state_the_configured_threshold(monkeypatch):
    from observatoire.base import formatting
    from observatoire.domain import targets

    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "50")
    assert formatting.fewer_than() == "moins de 50 personnes" and formatting.masked_count() == "< 50"
    status = targets.evaluate("higher_is_better", 40.0, 80.0, None, dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                              dt.date(2026, 6, 1), masked=True)
    assert status == ("non évaluable", "valeur masquée (secret statistique : moins de 50 personnes)")


def test_three_shares_of_one_cohort_never_give_a_masked_one_back():
    """France: 1 545 on time, 516 late, 9 never of a 2 070 cohort. « never » is masked (9 < 11); shown beside the
    other two it would come back (100 − 74,6 − 24,9): the smallest shown one, « late », is masked with it."""
    from observatoire.domain.privacy import mask_complementary_shares

    rows = pd.DataFrame([
        {"indicator_id": "taux_formation_6m", "level": "national", "territory_code": "FR", "value": 74.64,
         "numerator": 1545.0, "denominator": 2070.0, "masked": False},
        {"indicator_id": "taux_formation_tardive", "level": "national", "territory_code": "FR", "value": 24.93,
         "numerator": 516.0, "denominator": 2070.0, "masked": False},
        {"indicator_id": "taux_sans_formation", "level": "national", "territory_code": "FR", "value": None,
         "numerator": None, "denominator": 2070.0, "masked": True}])
    out = mask_complementary_shares(rows).set_index("indicator_id")
    assert out["masked"].tolist() == [False, True, True]
    assert out.loc["taux_formation_6m", "value"] == 74.64 and pd.isna(out.loc["taux_formation_tardive", "value"])
    # Nothing masked, or two already masked: nothing more to hide.
    shown = rows.assign(masked=False, value=[74.64, 24.93, 0.43], numerator=[1545.0, 516.0, 9.0])
    assert mask_complementary_shares(shown)["masked"].tolist() == [False, False, False]
