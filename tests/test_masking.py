"""Masking cannot be undone: counts that would give a masked number of people away are masked with it."""
from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest

from observatoire.domain import indicators
from observatoire.domain.privacy import mask_people_table, protect_indicators
from observatoire.present.tables import Col, display, label_masked
from tests.chart_support import drawn_charts


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
    from observatoire import bilan
    from observatoire.base import formatting
    from observatoire.domain import targets

    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "50")
    assert formatting.fewer_than() == "moins de 50 personnes" and formatting.masked_count() == "< 50"
    assert dict(bilan.methods())["Secret statistique"].startswith("Les effectifs de moins de 50 personnes sont masqués")
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


# --- the three cases of issue 24 (§3), from outside: what a page, its map and its files show together -------------

# Trained on time, late, never, by département of first designation (Grand Est), for the training measure.
MARNE_CASE = {"51": (30, 12, 2), "67": (50, 15, 20)}


def _measure(columns: list[str], counts: dict[str, tuple]):
    """A catalogue measure over hand-chosen counts per département (`columns`), summed at every level the pages
    ask for (national, région, département)."""
    from observatoire.base import referential

    def measure(store, as_of, scope, by=(), filters=None, period=None, **_):
        rows = pd.DataFrame([(d, referential.region_of("departement", d), *c) for d, c in counts.items()],
                            columns=["department_code", "region_code", *columns])
        if scope.region:
            rows = rows[rows["region_code"] == scope.region]
        if scope.department:
            rows = rows[rows["department_code"] == scope.department]
        level = {"national": None, "region": "region_code", "departement": "department_code"}[scope.level]
        rows = rows.assign(territory_code="FR" if level is None else rows[level])
        if scope.code:
            rows = rows[rows["territory_code"] == scope.code]
        return rows.groupby("territory_code", as_index=False)[columns].sum()
    return measure


def _training_measure(counts: dict[str, tuple[int, int, int]]):
    """The training measure: on time, late, never per département, and their cohort."""
    return _measure(["on_time", "late", "never", "cohort"], {d: (*c, sum(c)) for d, c in counts.items()})


def _recomputable(known: dict, relations: list[list]) -> dict:
    """What a reader works out from figures shown together: any relation (a total first, then its parts) with a
    single unknown gives it; repeated until nothing more comes."""
    known = dict(known)
    found = True
    while found:
        found = False
        for total, *parts in relations:
            unknown = [k for k in (total, *parts) if k not in known]
            if len(unknown) == 1:
                key = unknown[0]
                known[key] = (sum(known[p] for p in parts) if key == total
                              else known[total] - sum(known[p] for p in parts if p != key))
                found = True
    return known


@pytest.fixture
def fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def test_formation_table_map_and_csv_never_give_marne_never_trained_back(fixture_store_dir, monkeypatch,
                                                                         fresh_caches):
    """Grand Est, threshold 11. Marne: 30 on time, 12 late, 2 never of 44; Bas-Rhin: 50, 15, 20 of 85; région: 80,
    27, 22 of 129. Before, the table hid Marne's 2 and its late 12, but the cards gave the région's 22 never trained
    (17,05 % of 129) and the table Bas-Rhin's 20: 22 − 20 = 2. Now « never » is hidden in both départements, and so
    is « late » (the row's second cell): on the page, in its map and in its CSV, nothing gives Marne's 2 back."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from observatoire import queries
    from observatoire.domain import measures
    from observatoire.present import tables, training

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(fixture_store_dir))
    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "11")
    monkeypatch.setitem(measures.MEASURES, "training", _training_measure(MARNE_CASE))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=90)
    at.query_params["territoire"] = "region:44"
    at.query_params["date"] = "2026-12-05"
    at.switch_page("pages/formation.py").run()
    assert not at.exception, at.exception
    at.session_state["formation_section"] = "Par territoire"   # the table under the same headline cards
    at.run()
    assert not at.exception, at.exception
    cards = {m.label: m.value for m in at.metric}
    table = next(d.value for d in at.dataframe if "jamais" in d.value.columns).set_index("territory_code")
    # The map is the table's neighbouring tab, drawn when opened: the reader sees both, one after the other.
    at.session_state["formation_par_territoire"] = "Carte : RU formés dans les 6 mois"
    at.run()
    assert not at.exception, at.exception
    carte = next(c for c in drawn_charts(at) if "formation_carte" in c.key)
    hover = {c[0]: c[1] for t in json.loads(carte.spec)["data"] for c in t.get("customdata") or []
             if isinstance(c, list) and c[0] in MARNE_CASE}
    frame = queries.training_by_territory(queries.Scope("region", "44"), "departement", dt.date(2026, 12, 5))
    csv = tables.csv_bytes(frame, training.TERRITORY_COLUMNS, masked=training.hidden_cells(frame)).decode("utf-8-sig")

    # The cards: the région's three shares of 129 (80, 27, 22), shown.
    assert cards == {"RU formés dans les 6 mois": "62,0\u202f%", "RU formés en retard": "20,9\u202f%",
                     "RU jamais formés": "17,1\u202f%"}
    # The table on screen and its CSV: cohort and on time shown, late and never masked in both départements.
    assert table[["cohort", "a_temps"]].to_dict("index") == {"51": {"cohort": 44.0, "a_temps": 30.0},
                                                             "67": {"cohort": 85.0, "a_temps": 50.0}}
    assert table[["en_retard", "jamais"]].isna().all().all()
    assert csv.splitlines()[1:3] == ["Marne;44;30;masqué;masqué;68,2;0", "Bas-Rhin;85;50;masqué;masqué;58,8;masqué"]
    # The map: each département's rate, with its on-time count and cohort in the hover.
    assert "68,2\u202f%" in hover["51"] and ": 30<br>" in hover["51"] and ": 44<br>" in hover["51"]
    assert "58,8\u202f%" in hover["67"] and ": 50<br>" in hover["67"] and ": 85<br>" in hover["67"]

    # What a reader works out from all of it together: nothing masked comes back.
    shown = {("44", "cohort"): 129.0, ("44", "a_temps"): 80.0, ("44", "en_retard"): 27.0, ("44", "jamais"): 22.0}
    for code, row in table.iterrows():
        shown |= {(code, c): row[c] for c in ("cohort", "a_temps", "en_retard", "jamais") if not pd.isna(row[c])}
    relations = [[(t, "cohort"), (t, "a_temps"), (t, "en_retard"), (t, "jamais")] for t in ("44", "51", "67")]
    relations += [[("44", c), ("51", c), ("67", c)] for c in ("cohort", "a_temps", "en_retard", "jamais")]
    worked_out = _recomputable(shown, relations)
    assert ("51", "jamais") not in worked_out and ("51", "en_retard") not in worked_out
    # The reader is not blind: with Bas-Rhin's 20 shown, as before, Marne's 2 comes back (22 − 20).
    assert _recomputable({**shown, ("67", "jamais"): 20.0}, relations)[("51", "jamais")] == 2


def test_the_map_s_regional_reference_never_gives_a_masked_departement_back(fixture_store_dir, monkeypatch,
                                                                             fresh_caches):
    """Threshold 50, RU in mandate: Ardennes 30, Aube 600, Marne 800; Grand Est 1 430, its reference beside the
    map. Ardennes is masked, and Aube with it: on the map, in its hover and in the « Deux territoires côte à côte »
    figures (which before showed Aube's 600, so that 1 430 − 600 − 800 gave Ardennes' 30 back)."""
    from observatoire import queries
    from observatoire.domain import measures
    from observatoire.present import charts

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(fixture_store_dir))
    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "50")
    monkeypatch.setitem(measures.MEASURES, "people", _measure(
        ["active_ru", "active_mandates", "active_associations"],
        {"08": (30, 40, 3), "10": (600, 800, 9), "51": (800, 1000, 12)}))
    as_of = dt.date(2026, 12, 5)
    frame, references = queries.map_frame("ru_actifs", "departement", "44", as_of)
    frame = frame.set_index("territory_code")
    assert {r.key: r.value for r in references}["region"] == 1430
    assert frame.loc[["08", "10", "51"], "masked"].tolist() == [True, True, False]
    assert frame.loc[["08", "10", "51"], "value"].isna().tolist() == [True, True, False]
    assert frame.at["51", "value"] == 800
    figure = charts.choropleth_map(frame.reset_index(), "departement", "RU", "personnes", "higher_is_better", 1430.0,
                                   "x", region="44")
    masked = next(trace for trace in figure.data if trace.name == "masquées")
    assert sorted(masked.locations) == ["08", "10"]
    assert all("Valeur masquée : moins de 50 personnes" in c[1] for c in masked.customdata)
    side = queries.territory_comparison("departement", "44", as_of, "10", "51").set_index("indicator_id")
    assert bool(side.at["ru_actifs", "masked_a"]) and pd.isna(side.at["ru_actifs", "value_a"])
    assert side.at["ru_actifs", "value_b"] == 800
    # A reader with the map, its reference and the side-by-side figures: 1 430 − 800 = Ardennes + Aube, no more.
    shown = {"44": 1430.0, "51": 800.0}
    assert set(_recomputable(shown, [["44", "08", "10", "51"]])) == {"44", "51"}


def test_three_training_rates_shown_together_never_give_a_masked_count_back(fixture_store_dir, monkeypatch,
                                                                            fresh_caches):
    """France (one département here): 1 545 trained on time, 9 late, 516 never, of 2 070. « Late » is masked
    (9 < 11); beside the other two it would come back (2 070 − 1 545 − 516 = 9), so « never » (516, the smallest
    shown one) is masked with it — whichever of the three a page, the scorecard, a map or the CLI asks for, alone
    or together (before, each rate computed alone kept the other two shown)."""
    from observatoire import queries
    from observatoire.__main__ import main
    from observatoire.domain import measures

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(fixture_store_dir))
    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "11")
    monkeypatch.setitem(measures.MEASURES, "training", _training_measure({"67": (1545, 9, 516)}))
    as_of = dt.date(2026, 12, 5)
    expected = {"taux_formation_6m": (74.6377, 1545.0, 2070.0, False),
                "taux_formation_tardive": (None, None, 2070.0, True),
                "taux_sans_formation": (None, None, 2070.0, True)}

    def row(frame):
        r = frame.iloc[0]
        return (None if pd.isna(r["value"]) else r["value"], None if pd.isna(r["numerator"]) else r["numerator"],
                r["denominator"], bool(r["masked"]))
    for level, code in (("national", "FR"), ("region", "44"), ("departement", "67")):
        scope = queries.Scope(level, None if level == "national" else code)
        alone = {i: row(queries.indicator(i, scope, as_of)) for i in expected}         # a map, a card, a series
        together = queries.indicators_at(list(expected), scope, as_of).set_index("indicator_id")
        assert alone == expected, level
        assert {i: row(together.loc[[i]]) for i in expected} == expected, level
    for ids in (["taux_formation_6m", "taux_sans_formation"], ["taux_formation_tardive"]):
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["indicators", "--level", "national", "--as-of", "2026-12-05", "--data",
                         str(fixture_store_dir), *(a for i in ids for a in ("--id", i)), "--format", "json"]) == 0
        cli = {r["indicator_id"]: (r["value"], r["masked"]) for r in json.loads(out.getvalue())}
        assert cli == {i: (expected[i][0], expected[i][3]) for i in ids}
