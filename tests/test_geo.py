"""Committed geographic reference (data/reference) and the observatoire.present.geo helpers."""
from __future__ import annotations

import json
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import shapely

from observatoire.present import geo

DEPARTEMENTS = [
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17",
    "18", "19", "21", "22", "23", "24", "25", "26", "27", "28", "29", "2A", "2B", "30", "31", "32", "33",
    "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47", "48", "49", "50",
    "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63", "64", "65", "66", "67",
    "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79", "80", "81", "82", "83", "84",
    "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95", "971", "972", "973", "974", "976",
]
REGIONS = ["01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
FILES = [
    "departements.geojson", "departements_carte.geojson", "regions.geojson", "regions_carte.geojson",
    "cadres_carte.geojson", "territoires.csv", "communes.csv",
]
STRASBOURG = (7.7521, 48.5734)
SAINT_DENIS_REUNION = (55.4504, -20.8823)


def shapes(level: str, display: bool = False) -> dict[str, shapely.Geometry]:
    """Feature id -> shapely geometry."""
    return {f["id"]: shapely.from_geojson(json.dumps(f["geometry"]))
            for f in geo.load_geojson(level, display)["features"]}


def area_km2(geometry) -> float:
    """Rough area (equal-area enough for ratios): degrees scaled by cos(latitude)."""
    lat = geometry.centroid.y
    return geometry.area * 111.2**2 * np.cos(np.radians(lat))


def test_reference_files_are_small():
    for name in FILES:
        assert (geo.REFERENCE_DIR / name).stat().st_size < 600_000, name


def test_attribution_names_source_and_licence():
    assert "IGN" in geo.ATTRIBUTION and "Licence Ouverte" in geo.ATTRIBUTION


@pytest.mark.parametrize("level, codes", [("departement", DEPARTEMENTS), ("region", REGIONS)])
@pytest.mark.parametrize("display", [False, True])
def test_features_are_the_referential(level, codes, display):
    features = geo.load_geojson(level, display)["features"]
    real = [f for f in features if f["properties"].get("inset") != "zoom"]
    assert sorted(f["properties"]["code"] for f in real) == sorted(codes)
    assert sorted(f["id"] for f in real) == sorted(codes)
    assert "20" not in {f["properties"]["code"] for f in features}
    for feature in features:
        assert feature["properties"]["id"] == feature["id"]
        assert feature["properties"]["nom"]
        geometry = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert geometry.geom_type in ("Polygon", "MultiPolygon")
        assert not geometry.is_empty and geometry.is_valid, feature["id"]


def test_true_geometry_is_wgs84_france():
    departements = shapes("departement")
    assert departements["67"].contains(shapely.Point(*STRASBOURG))
    assert departements["974"].contains(shapely.Point(*SAINT_DENIS_REUNION))
    assert departements["2A"].contains(shapely.Point(8.7369, 41.9192))  # Ajaccio
    assert departements["75"].contains(shapely.Point(2.3522, 48.8566))
    assert 4_650 < area_km2(departements["67"]) < 4_850  # Bas-Rhin: 4,755 km²
    assert 83_000 < area_km2(departements["973"]) < 85_000  # Guyane: ~83,850 km²


def test_regions_are_the_union_of_their_departements():
    departements = shapes("departement")
    regions = shapes("region")
    region_of = geo.territories().query("niveau == 'departement'").set_index("code")["region_code"]
    for region_code, region in regions.items():
        members = shapely.union_all([departements[c] for c in region_of[region_of == region_code].index])
        gap_or_overlap = shapely.symmetric_difference(members, region).area
        assert gap_or_overlap < 1e-6 * region.area, region_code


def test_neighbouring_departements_do_not_overlap():
    departements = shapes("departement")
    codes = list(departements)
    tree = shapely.STRtree([departements[c] for c in codes])
    pairs = 0
    for i, code in enumerate(codes):
        for j in tree.query(departements[code], predicate="intersects"):
            if j <= i:
                continue
            pairs += 1
            overlap = departements[code].intersection(departements[codes[j]]).area
            assert overlap < 1e-7 * min(departements[code].area, departements[codes[j]].area), (code, codes[j])
    assert pairs > 200  # mainland France has ~250 pairs of neighbouring départements


def test_shared_borders_leave_no_gap_inside_a_region():
    # Any hole of a région must be filled by another territory (enclaves), never be a gap.
    regions = shapes("region")
    everything = shapely.union_all(list(regions.values()))
    for part in shapely.get_parts(everything):
        for ring in part.interiors:
            assert shapely.Polygon(ring).area < 1e-6, ring.representative_point()


def test_territories_csv():
    table = geo.territories()
    assert len(table) == 119
    assert list(table.columns) == ["niveau", "code", "nom", "region_code"]
    assert sorted(table.query("niveau == 'region'")["code"]) == sorted(REGIONS)
    assert sorted(table.query("niveau == 'departement'")["code"]) == sorted(DEPARTEMENTS)
    names = dict(zip(table["code"] + "/" + table["niveau"], table["nom"]))
    assert names["21/departement"] == "Côte-d'Or"
    assert names["93/region"] == "Provence-Alpes-Côte d'Azur"
    assert names["04/region"] == "La Réunion"
    assert names["2A/departement"] == "Corse-du-Sud"


@pytest.mark.parametrize("departement, region", [
    ("67", "44"), ("2A", "94"), ("2B", "94"), ("974", "04"), ("976", "06"), ("75", "11"), ("971", "01"),
    ("21", "27"), ("13", "93"), ("35", "53"),
])
def test_region_code_by_hand(departement, region):
    table = geo.territories().set_index(["niveau", "code"])
    assert table.loc[("departement", departement), "region_code"] == region


def test_every_departement_lies_in_its_region():
    departements = shapes("departement")
    regions = shapes("region")
    table = geo.territories().query("niveau == 'departement'")
    for code, region_code in zip(table["code"], table["region_code"]):
        assert regions[region_code].contains(departements[code].representative_point()), code


def test_display_layout_insets_do_not_touch_mainland():
    display = shapes("departement", display=True)
    true = shapes("departement")
    mainland = shapely.union_all([g for c, g in true.items() if c not in ("971", "972", "973", "974", "976")])
    for feature in geo.load_geojson("departement", display=True)["features"]:
        inset = feature["properties"]["inset"]
        if inset == "":
            assert display[feature["id"]].equals(true[feature["id"]])
        else:
            assert not display[feature["id"]].intersects(mainland), feature["id"]
    frames = [shapely.Polygon(shapely.from_geojson(json.dumps(f["geometry"])).coords)
              for f in geo.inset_frames()["features"]]
    assert len(frames) == 6
    for a, b in combinations(frames, 2):
        assert not a.intersects(b)
    for frame in frames:
        assert not frame.intersects(mainland)


def test_region_display_insets_match_departement_insets():
    departements = shapes("departement", display=True)
    regions = shapes("region", display=True)
    for departement, region in [("971", "01"), ("972", "02"), ("973", "03"), ("974", "04"), ("976", "06")]:
        assert regions[region].equals(departements[departement])


def test_display_feature_ids():
    ids = geo.display_feature_ids("departement")
    assert ids["75"] == ["75", "zoom-75"]
    assert "zoom-92" in ids["92"] and "zoom-93" in ids["93"] and "zoom-94" in ids["94"]
    assert ids["67"] == ["67"]
    assert len(ids) == 101
    assert geo.display_feature_ids("region")["11"] == ["11"]


def frame_of(code: str) -> shapely.Polygon:
    frame = next(f for f in geo.inset_frames()["features"] if f["properties"]["departement_code"] == code)
    return shapely.Polygon(shapely.from_geojson(json.dumps(frame["geometry"])).coords)


def test_to_display_lonlat_scalar():
    lon, lat = geo.to_display_lonlat("974", *SAINT_DENIS_REUNION)
    assert frame_of("974").contains(shapely.Point(lon, lat))
    assert shapes("departement", display=True)["974"].distance(shapely.Point(lon, lat)) < 0.02
    assert geo.to_display_lonlat("67", *STRASBOURG) == STRASBOURG
    assert geo.to_display_lonlat("75", 2.3522, 48.8566) == (2.3522, 48.8566)


def test_to_display_lonlat_vectorised():
    codes = pd.Series(["67", "974", "976", "2A"], index=[10, 11, 12, 13])
    lon = pd.Series([STRASBOURG[0], SAINT_DENIS_REUNION[0], 45.2279, 8.7369], index=codes.index)
    lat = pd.Series([STRASBOURG[1], SAINT_DENIS_REUNION[1], -12.7806, 41.9192], index=codes.index)
    new_lon, new_lat = geo.to_display_lonlat(codes, lon, lat)
    assert list(new_lon.index) == [10, 11, 12, 13]
    assert (new_lon[10], new_lat[10]) == STRASBOURG
    assert (new_lon[13], new_lat[13]) == (8.7369, 41.9192)
    assert frame_of("974").contains(shapely.Point(new_lon[11], new_lat[11]))
    assert frame_of("976").contains(shapely.Point(new_lon[12], new_lat[12]))  # Mamoudzou
    arrays = geo.to_display_lonlat("974", np.array([55.45, 55.5]), np.array([-20.9, -21.2]))
    assert all(frame_of("974").contains(shapely.Point(x, y)) for x, y in zip(*arrays))


def test_communes_reference():
    communes = pd.read_csv(geo.REFERENCE_DIR / "communes.csv", dtype={"code_insee": str, "departement_code": str,
                                                                      "region_code": str})
    assert list(communes.columns) == ["code_insee", "nom", "departement_code", "region_code", "population", "lon", "lat"]
    assert set(communes["departement_code"]) == set(DEPARTEMENTS)
    assert communes["code_insee"].is_unique
    per_departement = communes.groupby("departement_code").size()
    assert per_departement["75"] == 1  # Paris is a single commune
    assert per_departement.drop("75").min() >= 5
    strasbourg = communes.set_index("code_insee").loc["67482"]
    assert strasbourg["nom"] == "Strasbourg" and strasbourg["region_code"] == "44"
    assert abs(strasbourg["lon"] - STRASBOURG[0]) < 0.05 and abs(strasbourg["lat"] - STRASBOURG[1]) < 0.05
    # every point lies in (or within ~2 km of) its département
    departements = shapes("departement")
    points = shapely.points(communes["lon"].to_numpy(), communes["lat"].to_numpy())
    polygons = np.array([departements[c] for c in communes["departement_code"]], dtype=object)
    assert (shapely.distance(points, polygons) < 0.03).all()


@pytest.mark.parametrize("level", ["departement", "region"])
def test_map_center_zoom_france(level):
    center, zoom = geo.map_center_zoom(level)
    assert -3 < center["lon"] < 2 and 45 < center["lat"] < 48
    assert 3.5 < zoom < 5.5


def test_map_center_zoom_region():
    center, zoom = geo.map_center_zoom("departement", "44")
    assert 4 < center["lon"] < 8 and 47 < center["lat"] < 50
    assert zoom > geo.map_center_zoom("departement")[1]
    # overseas: centred on the inset, not on the Indian Ocean
    center, zoom = geo.map_center_zoom("region", "04")
    assert frame_of("974").contains(shapely.Point(center["lon"], center["lat"]))
    with pytest.raises(ValueError):
        geo.map_center_zoom("departement", "99")
