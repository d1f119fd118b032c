"""Masking cannot be undone: counts that would give a masked number of people away are masked with it."""
from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout

import numpy as np
import pandas as pd

from observatoire.domain import indicators
from observatoire.domain.privacy import mask_people_table, protect_indicators
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


def _rows(values: dict[str, list], seats=(4, 32, 24)) -> pd.DataFrame:
    """Long indicator rows for territories D1, D2, D3 of one level, as indicators.compute gives them: a count is its
    numerator; taux_vacance is vacant seats over seats; NaN = masked by the step before."""
    rows = []
    for indicator_id, per_territory in values.items():
        for code, value, seat_count in zip(["D1", "D2", "D3"], per_territory, seats):
            rate = indicator_id == "taux_vacance"
            rows.append({"indicator_id": indicator_id, "level": "departement", "territory_code": code,
                         "value": round(value / seat_count * 100, 4) if rate else value, "numerator": value,
                         "denominator": seat_count if rate else np.nan,
                         "masked": indicator_id == "ru_actifs" and np.isnan(value)})
    return pd.DataFrame(rows)


def _protect(rows: pd.DataFrame, threshold: int = 11) -> pd.DataFrame:
    maskable = {i.id for i in indicators.catalogue() if i.mask}
    return protect_indicators(rows, threshold, indicators.cells(), maskable, parents=None)


def test_indicator_rows_mask_what_rebuilds_a_masked_people_count():
    rows = _rows({
        "ru_actifs": [np.nan, 20, 15],         # D1 has fewer than 11 RU
        "sieges": [4, 32, 24],
        "sieges_pourvus": [3, 30, 20],         # 3 filled seats: at most 3 RU
        "sieges_vacants": [1, 2, 4],           # 4 − 1 would give the 3 back
        "taux_vacance": [1, 2, 4],             # and 4 × 25 % too
        "mandats_fin_12m": [1, 12, 5],
    })
    out = _protect(rows).set_index(["indicator_id", "territory_code"])
    shown = {k: v for k, v in out["value"].items() if not np.isnan(v)}
    # D1: everything but its seat count (filled seats and mandates ending bound its RU; its vacant seats give the
    # filled ones back from the public seat count). Then no hidden cell stays alone in a relation:
    # RU: D1 alone in its column (whose total is shown one level up) -> the smallest other, D3 (15);
    # mandates ending: D1 alone -> D3 (5); vacant seats: D1 alone -> D2 (2, smaller than D3's 4), and with it D2's
    # filled seats (30 + 2 = its 32 seats), which leaves D1 and D2 hidden in the filled column: D3's 20 stays.
    assert shown == {
        ("sieges", "D1"): 4, ("sieges", "D2"): 32, ("sieges", "D3"): 24,
        ("ru_actifs", "D2"): 20, ("sieges_pourvus", "D3"): 20, ("sieges_vacants", "D3"): 4,
        ("taux_vacance", "D3"): 16.6667, ("mandats_fin_12m", "D2"): 12,
    }
    assert out["masked"].sum() == 18 - 8
    # the masked rate keeps its denominator (seats, public) but not its numerator
    assert np.isnan(out.loc[("taux_vacance", "D1"), "numerator"]) and out.loc[("taux_vacance", "D1"), "denominator"] == 4


def test_nothing_to_mask_when_no_people_count_is_masked():
    rows = _rows({"ru_actifs": [30, 20, 15], "sieges_pourvus": [3, 30, 20]})
    assert _protect(rows)["value"].tolist() == [30, 20, 15, 3, 30, 20]


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
    other two it would come back (2 070 − 1 545 − 516 = 9): the smallest shown one, « late », is masked with it."""
    rows = pd.DataFrame([
        {"indicator_id": "taux_formation_6m", "level": "national", "territory_code": "FR", "value": 74.6377,
         "numerator": 1545.0, "denominator": 2070.0, "masked": False},
        {"indicator_id": "taux_formation_tardive", "level": "national", "territory_code": "FR", "value": 24.9275,
         "numerator": 516.0, "denominator": 2070.0, "masked": False},
        {"indicator_id": "taux_sans_formation", "level": "national", "territory_code": "FR", "value": 0.4348,
         "numerator": 9.0, "denominator": 2070.0, "masked": False}])
    out = _protect(rows).set_index("indicator_id")
    assert out["masked"].tolist() == [False, True, True]
    assert out.loc["taux_formation_6m", "value"] == 74.6377 and out.loc["taux_formation_6m", "numerator"] == 1545
    assert pd.isna(out.loc["taux_formation_tardive", "value"]) and pd.isna(out.loc["taux_sans_formation", "numerator"])
    assert out["denominator"].tolist() == [2070.0] * 3      # the cohort is no small count: it stays
    # Already masked by an earlier pass (value and numerator empty): the same result.
    again = rows.copy()
    again.loc[2, ["value", "numerator", "masked"]] = [np.nan, np.nan, True]
    assert _protect(again)["masked"].tolist() == [False, True, True]
    # Nothing small (19 never trained): nothing hidden.
    shown = rows.assign(numerator=[1545.0, 506.0, 19.0])
    assert _protect(shown)["masked"].tolist() == [False, False, False]
