"""Territorial views (observatoire/domain/territorial.py), the map figures and the map page (AppTest).

Hand-computed on the fixture (tests/conftest.py), Bas-Rhin on 01/03/2026:
  CDU 670000025 CH Strasbourg: 3 of 4 seats filled, 1 suppléant vacant; Schmitt ends 31/05/2026
  CDU 670000033 Clinique Sainte-Odile: 2 of 4 filled, 1 titulaire + 1 suppléant vacant; nothing ends
  CDU 670000041 CH Haguenau: complete (3 titulaires for 2 seats); Roth ends 31/08/2026
  => 12 seats, 3 vacant: 25,0 % in 67, the only département with seats (rank 1 of 1).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from observatoire.base import formatting, referential
from observatoire.base.db import Scope
from observatoire.domain import indicators, territorial
from observatoire.domain.targets import targets_in_force
from observatoire.present import charts, geo
from observatoire.present import territorial as territorial_view
from tests.chart_support import drawn_charts

AS_OF = dt.date(2026, 3, 1)
PAGE = Path(__file__).resolve().parent.parent / "pages" / "carte.py"


# --- geometry covers the store ----------------------------------------------------------------------------

def test_every_department_of_the_store_has_a_display_polygon(store):
    codes = set(store.df("SELECT DISTINCT department_code FROM establishments WHERE department_code IS NOT NULL"
                         " UNION SELECT DISTINCT department_code FROM bodies WHERE department_code IS NOT NULL")
                ["department_code"])
    drawn = geo.display_feature_ids("departement")
    assert codes and codes <= set(drawn)
    assert set(territorial.map_codes("departement")) <= set(drawn)
    assert set(territorial.map_codes("region")) <= set(geo.display_feature_ids("region"))


def test_map_codes_of_a_region():
    assert territorial.map_codes("departement", "44") == ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]
    assert len(territorial.map_codes("departement")) == 101
    assert len(territorial.map_codes("region")) == 18


# --- choropleth frame -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def vacancy_frame(store):
    values = indicators.compute(store, "taux_vacance", Scope("departement"), AS_OF)
    targets = targets_in_force(store.df("SELECT * FROM targets"), "taux_vacance", "departement", AS_OF)
    return territorial.choropleth_frame(values, "departement", territorial.map_codes("departement"),
                                        "lower_is_better", 25.0, targets)


def test_choropleth_frame_has_bas_rhin_at_25_percent_rank_1(vacancy_frame):
    row = vacancy_frame.set_index("territory_code").loc["67"]
    assert row["value"] == 25.0 and row["numerator"] == 3 and row["denominator"] == 12
    assert row["rank"] == 1 and row["ranked"] == 1
    assert row["territory_name"] == "Bas-Rhin"
    assert row["target"] == 20.0 and row["gap_target"] == 5.0 and row["target_year"] == 2026
    assert row["reference"] == 25.0 and row["gap_reference"] == 0.0
    assert len(vacancy_frame) == 101
    others = vacancy_frame[vacancy_frame["territory_code"] != "67"]
    assert not others["has_value"].any() and others["rank"].isna().all()
    assert others.loc[others["territory_code"] == "2A", "territory_name"].item() == "Corse-du-Sud"


@pytest.mark.parametrize("direction, expected", [
    ("lower_is_better", [1, 4, 2, 2, None]),
    ("higher_is_better", [4, 1, 2, 2, None]),
    ("neutral", [4, 1, 2, 2, None]),
])
def test_rank_is_1_for_the_most_favourable(direction, expected):
    ranks = territorial.rank(pd.Series([10.0, 40.0, 20.0, 20.0, None]), direction)
    assert [None if pd.isna(r) else int(r) for r in ranks] == expected


def test_masked_values_stay_masked_and_are_not_ranked():
    # A rate (a count would mask Haut-Rhin with Bas-Rhin: see test_a_masked_count_on_the_map_never_comes_back...).
    values = pd.DataFrame({
        "indicator_id": "taux_formation_6m", "level": "departement", "territory_code": ["67", "68"],
        "territory_name": ["Bas-Rhin", "Haut-Rhin"], "value": [None, 40.0], "numerator": [None, 4.0],
        "denominator": [None, 10.0], "masked": [True, False], "unit": "%"})
    frame = territorial.choropleth_frame(values, "departement", ["67", "68", "57"], "higher_is_better", 30.0)
    rows = frame.set_index("territory_code")
    assert bool(rows.at["67", "masked"]) and not bool(rows.at["67", "has_value"]) and pd.isna(rows.at["67", "rank"])
    assert rows.at["68", "rank"] == 1 and rows.at["68", "gap_reference"] == 10.0
    assert not bool(rows.at["57", "masked"]) and not bool(rows.at["57", "has_value"])


@pytest.mark.parametrize("as_of, expected", [
    (dt.date(2026, 3, 1), {"67": (20.0, 2026)}),
    (dt.date(2027, 6, 1), {"67": (10.0, 2028)}),   # no 2027 target: the next one (2028), as the scorecard does
    (dt.date(2028, 1, 1), {"67": (10.0, 2028)}),
    (dt.date(2030, 1, 1), {"67": (10.0, 2028)}),   # after the last one: the last one
])
def test_targets_in_force_take_the_as_of_year_else_the_next(store, as_of, expected):
    targets = store.df("SELECT * FROM targets")
    assert targets_in_force(targets, "taux_vacance", "departement", as_of) == expected
    assert targets_in_force(targets, "taux_vacance", "region", as_of) == {}


def test_frame_says_which_year_the_target_is(store):
    values = indicators.compute(store, "taux_vacance", Scope("departement"), AS_OF)
    targets = targets_in_force(store.df("SELECT * FROM targets"), "taux_vacance", "departement",
                                           dt.date(2027, 6, 1))
    frame = territorial.choropleth_frame(values, "departement", ["67", "68"], "lower_is_better", 25.0, targets)
    assert frame.set_index("territory_code").at["67", "target"] == 10.0
    assert territorial_view.target_years(frame) == [2028]


def test_references_leave_out_missing_values():
    refs = territorial.references(25.0, None, None, 20.0, "Cible de la convention")
    assert [r.key for r in refs] == ["national", "target"]
    assert territorial.reference_target({}, "FR", {"67": 20.0, "68": 30.0}) == \
        (25.0, "Cible de la convention (médiane des territoires)")
    # France entière: only Grand Est has targets, so no median of its targets is offered for the whole map.
    assert territorial.reference_target({}, "FR", {"67": 20.0, "68": 30.0}, ["67", "68", "75"]) == (None, "")
    assert territorial.reference_target({}, "44", {"67": 20.0, "68": 30.0}, ["67", "68"]) == \
        (25.0, "Cible de la convention (médiane des territoires)")
    assert territorial.reference_target({"44": 18.0}, "44", {"67": 20.0}) == (18.0, "Cible de la convention")
    assert territorial.reference_target({}, "FR", {}) == (None, "")


def test_median_reference_is_the_fallback_centre(vacancy_frame):
    assert territorial_view.median_reference(vacancy_frame).value == 25.0
    assert territorial_view.median_reference(vacancy_frame.assign(has_value=False)).value == 0.0


def test_clicked_territory_reads_customdata_then_location():
    assert territorial_view.clicked_territory({"points": [{"customdata": ["75", "…"], "location": "zoom-75"}]}) == "75"
    assert territorial_view.clicked_territory({"points": [{"location": "zoom-92"}]}) == "92"
    assert territorial_view.clicked_territory({"points": []}) is None
    assert territorial_view.clicked_territory(None) is None


# --- CDU state and drill-down -----------------------------------------------------------------------------

@pytest.mark.parametrize("seats, filled, expected", [
    (4, 4, "complète"), (4, 3, "partiellement vacante"), (4, 1, "partiellement vacante"), (4, 0, "vide"),
    (2, 2, "complète"),
])
def test_cdu_state_class(seats, filled, expected):
    assert territorial.cdu_state_class(seats, filled) == expected


def test_establishment_states_of_bas_rhin(store):
    states = territorial.department_establishments(store, "67", AS_OF).set_index("finess")
    assert list(states.index) == ["670000025", "670000033", "670000041"]
    assert states.loc["670000025", ["seats", "filled", "vacant_titulaire", "vacant_suppleant"]].tolist() == [4, 3, 0, 1]
    assert states.loc["670000033", ["seats", "filled", "vacant_titulaire", "vacant_suppleant"]].tolist() == [4, 2, 1, 1]
    assert states.loc["670000041", ["seats", "filled", "vacant_titulaire", "vacant_suppleant"]].tolist() == [4, 4, 0, 0]
    assert states["cdu_state"].to_dict() == {"670000025": "partiellement vacante",
                                            "670000033": "partiellement vacante", "670000041": "complète"}
    assert pd.isna(states.loc["670000041", "lon"])  # CH Haguenau has no FINESS geolocation
    assert states.loc["670000025", "lon"] == pytest.approx(7.7509, abs=1e-3)


def test_drilldown_table_of_bas_rhin_matches_hand_count(store):
    table = territorial.department_drilldown(store, "67", AS_OF)
    expected = pd.DataFrame([
        ("CLINIQUE SAINTE-ODILE", "670000033", "Strasbourg – Bas-Rhin (67)", "partiellement vacante", 1, 1, 0, None),
        ('CENTRE HOSPITALIER "LES TILLEULS"; STRASBOURG', "670000025", "Strasbourg – Bas-Rhin (67)",
         "partiellement vacante", 0, 1, 1, dt.date(2026, 5, 31)),
        ("CENTRE HOSPITALIER DE HAGUENAU", "670000041", "Haguenau – Bas-Rhin (67)", "complète", 0, 0, 1,
         dt.date(2026, 8, 31)),
    ], columns=["name", "finess", "place", "cdu_state", "vacant_titulaire", "vacant_suppleant", "ending",
                "first_end"])
    got = table.assign(first_end=table["first_end"].map(lambda d: None if pd.isna(d) else d.date()))
    assert got.to_dict("records") == expected.to_dict("records")


def test_drilldown_is_empty_where_there_is_no_cdu(store):
    assert territorial.department_drilldown(store, "2A", AS_OF).empty
    assert territorial.department_establishments(store, "2A", AS_OF).empty


def test_ending_by_establishment_counts_and_takes_the_earliest():
    mandates = pd.DataFrame({"finess": ["a", "a", "b"], "end_date": pd.to_datetime(
        ["2026-06-30", "2026-04-30", "2026-05-01"])})
    out = territorial.ending_by_establishment(mandates).set_index("finess")
    assert out.loc["a", "ending"] == 2 and out.loc["a", "first_end"] == dt.date(2026, 4, 30)
    assert out.loc["b", "ending"] == 1


def test_comparison_gives_b_minus_a():
    values = pd.DataFrame({"territory_code": ["67", "68"], "value": [25.0, 30.0], "masked": [False, False]})
    rows = [{"indicator_id": "taux_vacance", "label": "Taux", "unit": "%", "direction": "lower_is_better",
             "values": values}]
    out = territorial.comparison(rows, "67", "68").iloc[0]
    assert (out["value_a"], out["value_b"], out["difference"]) == (25.0, 30.0, 5.0)


# --- figures ----------------------------------------------------------------------------------------------

def test_choropleth_figure_payload_is_under_600_kb_with_national_geometry(vacancy_frame):
    figure = charts.choropleth_map(vacancy_frame, "departement", "Taux de vacance des sièges", "%",
                                   "lower_is_better", 25.0, "référence nationale 25,0 %", num_label="Vacants",
                                   den_label="Sièges", year=2026)
    payload = figure.to_json()
    assert len(payload.encode("utf-8")) < 600_000
    locations = [loc for trace in figure.data if trace.type == "choroplethmap" for loc in trace.locations]
    assert sorted(locations) == sorted(fid for ids in geo.display_feature_ids("departement").values() for fid in ids)
    codes = {row[0] for trace in figure.data if trace.type == "choroplethmap" for row in trace.customdata}
    assert codes == set(referential.department_codes())
    assert figure.layout.map.style == "white-bg"
    assert geo.ATTRIBUTION in [a.text for a in figure.layout.annotations]
    bas_rhin = next(trace for trace in figure.data if trace.type == "choroplethmap" and trace.name == "valeurs")
    assert "Bas-Rhin" in bas_rhin.customdata[0][1] and "Cible 2026" in bas_rhin.customdata[0][1]
    frames = [trace for trace in figure.data if trace.type == "scattermap"]
    assert frames and all(trace.mode == "lines" for trace in frames)  # no map text: it would fetch fonts
    assert len(figure.layout.map.layers) == 6  # five overseas labels and the Paris zoom label


def test_masked_territories_are_grey():
    from observatoire.domain import indicators

    values = pd.DataFrame({
        "indicator_id": "ru_actifs", "level": "departement", "territory_code": ["67", "68"],
        "territory_name": ["Bas-Rhin", "Haut-Rhin"], "value": [None, 40.0], "numerator": [None, 40.0],
        "denominator": [None, None], "masked": [True, False], "unit": "personnes"})
    values = indicators.protect(None, values, "departement")  # the masking step, as indicators.compute applies it
    frame = territorial.choropleth_frame(values, "departement", territorial.map_codes("departement", "44"),
                                         "higher_is_better", 30.0)
    figure = charts.choropleth_map(frame, "departement", "RU", "personnes", "higher_is_better", 30.0, "x",
                                   region="44")
    masked = next(trace for trace in figure.data if trace.name == "masquées")
    # Haut-Rhin is masked with Bas-Rhin: shown beside the région's total, its 40 would give Bas-Rhin back.
    assert list(masked.locations) == ["67", "68"] and masked.colorscale[0][1] == charts.MASKED_COLOR
    assert "moins de 11 personnes" in masked.customdata[0][1]
    assert not any(loc.startswith("zoom") for trace in figure.data if trace.type == "choroplethmap"
                   for loc in trace.locations)


def test_overseas_department_map_is_neutral_with_the_national_reference_and_no_giant_label():
    values = pd.DataFrame({"territory_code": ["971"], "territory_name": ["Guadeloupe"], "value": [26.0],
                           "numerator": [26], "denominator": [100], "masked": [False], "unit": "%"})
    frame = territorial.choropleth_frame(values, "departement", territorial.map_codes("departement", "01"),
                                         "lower_is_better", 25.1, unit="%")
    figure = charts.choropleth_map(frame, "departement", "Taux de vacance", "%", "lower_is_better", 25.1,
                                   "référence nationale 25,1\u202f%", region="01", outline=["971"])
    traces = [t for t in figure.data if t.type == "choroplethmap"]
    assert [t.name for t in traces] == ["valeur"]          # no diverging scale for a map of one territory
    assert traces[0].colorscale[0][1] == charts.NEUTRAL and traces[0].showscale is False
    texts = [a.text.replace("<br>", " ") for a in figure.layout.annotations]
    assert any("26,0\u202f%" in t and "référence nationale 25,1\u202f%" in t for t in texts)
    layers = figure.layout.map.layers
    assert [layer.sourcetype for layer in layers] == ["geojson"]  # the outline, no inset label image
    assert layers[0].type == "line" and [f["id"] for f in layers[0].source["features"]] == ["971"]


def test_chosen_department_is_outlined_in_its_region():
    frame = territorial.choropleth_frame(pd.DataFrame(columns=["territory_code", "value"]), "departement",
                                         territorial.map_codes("departement", "44"), "lower_is_better", 25.0,
                                         unit="%")
    figure = charts.choropleth_map(frame, "departement", "Taux", "%", "lower_is_better", 25.0, "x", region="44",
                                   outline=["67"])
    outlines = [layer for layer in figure.layout.map.layers if layer.type == "line"]
    assert len(outlines) == 1 and [f["id"] for f in outlines[0].source["features"]] == ["67"]
    assert all(t.unselected.marker.opacity == 1 for t in figure.data if t.type == "choroplethmap")


def test_region_map_has_the_18_regions():
    frame = territorial.choropleth_frame(pd.DataFrame(columns=["territory_code", "value"]), "region",
                                         territorial.map_codes("region"), "lower_is_better", 25.0, unit="%")
    assert frame.set_index("territory_code").at["44", "territory_name"] == "Grand Est"
    figure = charts.choropleth_map(frame, "region", "Taux", "%", "lower_is_better", 25.0, "x")
    assert len(figure.to_json()) < 600_000
    assert len([loc for trace in figure.data if trace.type == "choroplethmap" for loc in trace.locations]) == 18


def test_establishments_map_moves_overseas_points_and_names_states(store):
    points = territorial.department_establishments(store, "67", AS_OF)
    figure = charts.establishments_map(points, "67")
    named = [trace.name for trace in figure.data if trace.showlegend is not False]
    assert named == ["CDU complète (0)", "CDU partiellement vacante (2)", "CDU vide (0)"]
    reunion = pd.DataFrame([{"finess": "970400017", "name": "CHU", "department_code": "974", "lon": 55.45,
                             "lat": -20.88, "seats": 4, "filled": 0, "vacant_titulaire": 2, "vacant_suppleant": 2,
                             "cdu_state": "vide"}])
    trace = next(t for t in charts.establishments_map(reunion, "974").data if t.name == "CDU vide (1)")
    assert (trace.lon[0], trace.lat[0]) == pytest.approx(geo.to_display_lonlat("974", 55.45, -20.88))


# --- the page renders (AppTest) ---------------------------------------------------------------------------

@pytest.fixture
def app_env(fixture_store_dir, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(fixture_store_dir))
    monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("level", ["departement", "region"])
def test_map_page_renders(app_env, level):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.session_state["context"] = _context()
    app.run()
    assert not app.exception
    app.radio(key="carte_maille").set_value(level).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.radio(key="carte_maille").value == level
    assert app.radio(key="carte_centre").value == "national"


@pytest.mark.parametrize("indicator_id", ["ru_actifs", "notoriete_ru", "taux_formation_6m", "campagne_candidatures"])
def test_map_page_renders_other_indicators_in_a_region(app_env, indicator_id):
    from streamlit.testing.v1 import AppTest

    from observatoire import ui

    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.session_state["context"] = ui.Context("region", "44", "Grand Est", AS_OF)
    app.run()
    app.selectbox(key="carte_indicateur").set_value(indicator_id).run()
    assert not app.exception, [e.value for e in app.exception]
    app.radio(key="carte_maille").set_value("region").run()
    assert not app.exception, [e.value for e in app.exception]
    app.session_state["carte_onglet"] = "Écarts"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(s.value.startswith("Deux territoires") for s in app.header)


def test_map_page_drills_down_into_bas_rhin(app_env):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.session_state["context"] = _context()
    app.run()
    app.selectbox(key="carte_departement").set_value("67").run()
    assert not app.exception, [e.value for e in app.exception]
    table = app.dataframe[0].value
    assert list(table["finess"]) == ["670000033", "670000025", "670000041"]
    assert [m.value for m in app.metric][:3] == ["1", "2", "0"]  # complète, partiellement vacante, vide
    assert any(b.label.startswith("Exporter le tableau") for b in app.get("download_button"))


def _gaps_app(as_of, code="44", level="region"):
    from streamlit.testing.v1 import AppTest

    from observatoire import ui

    app = AppTest.from_file(str(PAGE), default_timeout=60)
    name = "Grand Est" if code == "44" else "Bas-Rhin"
    app.session_state["context"] = ui.Context(level, code, name, as_of)
    app.session_state["carte_onglet"] = "Écarts"  # only the open tab is built
    return app.run()


def test_gaps_use_the_next_target_and_say_which_year(app_env):
    app = _gaps_app(dt.date(2027, 6, 1))
    assert not app.exception, [e.value for e in app.exception]
    captions = " ".join(c.value for c in app.caption)
    assert "Pas de cible pour 2027 : écart à la cible suivante (2028)" in captions
    titles = [json.loads(el.spec)["layout"].get("title", {}).get("text") for el in drawn_charts(app)]
    assert "Écart à la cible 2028 de la convention" in titles


def test_gap_table_uses_the_one_gap_format_and_highlights_the_chosen_territory(app_env):
    app = _gaps_app(AS_OF, "67", "departement")
    assert not app.exception, [e.value for e in app.exception]
    ranking = next(df for df in app.dataframe if "Écart à la cible" in df.value.columns)
    row = ranking.value.set_index("Code").loc["67"]
    assert (row["Valeur"], row["Écart à la cible"], row["Cible"]) == ("25,0\u202f%", "+5,0\u202fpt", "20,0\u202f%")
    assert row["Année de la cible"] == "2026"
    assert "#fff3c4" in str(ranking.proto)  # Bas-Rhin, the chosen territory, is shaded


def test_scale_radio_keeps_a_selected_option_after_the_indicator_changes(app_env):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.session_state["context"] = _context()
    app.run()
    app.radio(key="carte_centre").set_value("target").run()
    app.selectbox(key="carte_indicateur").set_value("taux_vacance_titulaires").run()  # no target for this one
    assert not app.exception, [e.value for e in app.exception]
    radio = app.radio(key="carte_centre")
    assert radio.value == "national" and radio.index is not None
    app.selectbox(key="carte_indicateur").set_value("sieges_vacants").run()  # a count: read from zero, no centre
    assert not app.exception, [e.value for e in app.exception]
    assert "carte_centre" not in [r.key for r in app.radio]
    assert any("échelle de 0 (blanc)" in c.value for c in app.caption)


def _context():
    from observatoire import ui
    return ui.Context("national", None, referential.NATIONAL_NAME, AS_OF)


# --- maps drawn for an image, counts, secrecy ---------------------------------------------------------------

def _frame(level, region=None, unit="%", masked=(), values=None):
    codes = territorial.map_codes(level, region)
    values = values or {c: 10.0 + i for i, c in enumerate(codes)}
    rows = pd.DataFrame({"territory_code": codes, "value": [values.get(c) for c in codes], "numerator": 1.0,
                         "denominator": 2.0, "masked": [c in masked for c in codes], "unit": unit})
    rows.loc[rows["masked"], "value"] = None
    return territorial.choropleth_frame(rows, level, codes, "lower_is_better", 20.0, unit=unit)


def _labels(figure):
    return [a.text for a in figure.layout.annotations if a.xshift is not None]


def test_counts_are_drawn_on_a_sequential_scale_from_white_at_zero():
    frame = _frame("departement", "84", unit="projets", values={"69": 25.0, "15": 0.0, "01": 3.0})
    figure = charts.choropleth_map(frame, "departement", "Projets en cours", "projets", "higher_is_better", 12.5,
                                   "de 0 à 25 projets", region="84")
    scale = next(t for t in figure.data if t.name == "valeurs")
    assert scale.colorscale[0][1] == "#ffffff" and scale.zmin == 0 and scale.zmax > 25  # 0 is white, not darkest
    assert "centre" not in scale.colorbar.title.text
    empty = next(t for t in figure.data if t.name == "sans donnée")  # no value: light grey, apart from zero
    assert empty.colorscale[0][1] == charts.NO_DATA_SEQUENTIAL
    rates = charts.choropleth_map(_frame("departement", "44"), "departement", "Taux", "%", "lower_is_better", 20.0,
                                  "x", region="44")
    diverging = next(t for t in rates.data if t.name == "valeurs")  # rates keep their scale around the reference
    assert diverging.colorscale[0][1] == charts.DIVERGING[0][1] and diverging.zmin < 20 < diverging.zmax


def test_an_image_of_a_region_names_every_departement_with_its_value():
    frame = _frame("departement", "44", masked=["55"])
    figure = charts.choropleth_map(frame, "departement", "Taux", "%", "lower_is_better", 20.0, "x", region="44",
                                   annotated=True)
    labels = _labels(figure)
    assert len(labels) == 10
    assert "<b>Meuse</b><br>masqué" in labels and "<b>Ardennes</b><br>10,0\u202f%" in labels
    assert any("valeur masquée" in a.text for a in figure.layout.annotations)  # the grey explained on the image
    assert _labels(charts.choropleth_map(frame, "departement", "Taux", "%", "lower_is_better", 20.0, "x",
                                         region="44")) == []  # on screen the hover says it


def test_an_image_of_france_names_the_highest_and_lowest_departements():
    frame = _frame("departement")
    figure = charts.choropleth_map(frame, "departement", "Taux", "%", "lower_is_better", 20.0, "x", annotated=True)
    labels = _labels(figure)
    shown = frame.sort_values("value")
    assert len(labels) == 6
    for value in [*shown["value"].head(3), *shown["value"].tail(3)]:  # overseas ones: the value in its inset
        assert any(text.endswith(formatting.percent(value)) for text in labels)
    assert "<b>Ain</b><br>10,0 %" in labels
    assert any("les 3 valeurs les plus hautes" in a.text.replace("<br>", " ") for a in figure.layout.annotations)


def test_a_map_where_every_value_is_masked_says_why():
    frame = _frame("departement", "44", masked=territorial.map_codes("departement", "44"))
    figure = charts.choropleth_map(frame, "departement", "Formés", "%", "higher_is_better", 70.0, "x", region="44")
    assert any(a.text.startswith("Toutes les valeurs sont masquées") for a in figure.layout.annotations)


def test_the_training_map_goes_up_to_the_region_when_every_departement_is_masked(monkeypatch):
    from observatoire import queries

    departements = _frame("departement", "44", masked=territorial.map_codes("departement", "44"))
    regions = _frame("region", values={"44": 67.6})
    frames = {"departement": departements, "region": regions}
    monkeypatch.setattr(queries, "map_frame", lambda indicator_id, level, region, as_of: (frames[level], []))
    frame, _, level, region, note = queries.department_map_frame("taux_formation_6m", "44", AS_OF)
    assert (level, region, list(frame["territory_code"]), frame["value"].iloc[0]) == ("region", "44", ["44"], 67.6)
    assert note.startswith("Valeurs de tous les départements masquées")
    frame, _, level, _, note = queries.department_map_frame("taux_formation_6m", None, AS_OF)
    assert level == "region" and len(frame) == 18 and note.endswith("carte par région.")
    frames["region"] = _frame("region", masked=territorial.map_codes("region"))
    frame, _, level, _, note = queries.department_map_frame("taux_formation_6m", "44", AS_OF)
    assert level == "departement" and note == ""  # nothing better above: the map says every value is masked


def test_a_masked_count_on_the_map_never_comes_back_from_the_total(monkeypatch):
    """Threshold 50: Ardennes (30 RU) is masked; shown beside the région's 1 451 it would come back by difference
    (1 451 − 600 − 800 = 51): the smallest shown département, Aube, is masked with it by the masking step
    (indicators.protect), before the map frame is built. A rate is masked the same way: its numerators add up to
    the région's (the région's rate × the départements' denominators)."""
    from observatoire.domain import indicators

    monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", "50")
    codes = ["08", "10", "51"]
    counts = pd.DataFrame({"indicator_id": "ru_actifs", "level": "departement", "territory_code": codes,
                           "territory_name": ["Ardennes", "Aube", "Marne"], "value": [30.0, 600.0, 800.0],
                           "numerator": [30.0, 600.0, 800.0], "denominator": np.nan, "masked": False,
                           "unit": "personnes"})
    values = indicators.protect(None, counts, "departement")
    frame = territorial.choropleth_frame(values, "departement", codes, "higher_is_better", 1430.0)
    assert frame.set_index("territory_code")["masked"].to_dict() == {"08": True, "10": True, "51": False}
    assert frame["value"].tolist()[2] == 800.0 and frame["value"].isna().tolist() == [True, True, False]
    # Trained on time: 30 of 40 in Ardennes (masked: 30 < 50), 60 of 80 in Aube, 300 of 400 in Marne.
    rates = counts.assign(indicator_id="taux_formation_6m", numerator=[30.0, 60.0, 300.0],
                          denominator=[40.0, 80.0, 400.0], value=[75.0, 75.0, 75.0], unit="%")
    frame = territorial.choropleth_frame(indicators.protect(None, rates, "departement"), "departement", codes,
                                         "higher_is_better", 75.0)
    assert frame["masked"].tolist() == [True, True, False] and frame["numerator"].tolist()[2] == 300.0
