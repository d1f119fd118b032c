"""The official FINESS etalab extract (no header, structureet + geolocalisation sections) -> establishments."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from observatoire.base import referential
from observatoire.base.formatting import number
from pipelines.issues import IssueLog
from pipelines.reading import UnreadableFile, decode, display_name, invalid_byte_problem, read_csv_text, sha256_of

SOURCE = "finess"
STRUCTURE_FIELDS = (
    "structureet nofinesset nofinessej rs rslongue complrs compldistrib numvoie typvoie voie compvoie lieuditbp "
    "commune departement libdepartement ligneacheminement telephone telecopie categetab libcategetab categagretab "
    "libcategagretab siret codeape codemft libmft codesph libsph dateouv dateautor datemaj numuai").split()
# Establishment categories that must have a commission des usagers (DOMAIN.md).
CDU_CATEGORIES = ("101", "355", "106", "292", "365", "128", "129", "109", "131")

# The last token of `sourcecoordet` names the projection.
PROJECTION_EPSG = {
    "LAMBERT_93": 2154, "L93": 2154,
    "UTM_N20": 5490, "RGAF09_UTM_20N": 5490, "WGS84_UTM_20N": 5490,
    "UTM_N22": 2972, "RGFG95_UTM_22N": 2972,
    "UTM_N40": 2975, "UTM_S40": 2975, "RGR92_UTM_40S": 2975,
    "UTM_N38": 4471, "UTM_S38": 4471, "RGM04_UTM_38S": 4471,
}
DEFAULT_EPSG = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}

COLUMNS = ["finess", "finess_ej", "name", "category_code", "category_label", "category_group_code",
           "category_group_label", "legal_status_code", "legal_status_label", "commune_code", "department_code",
           "region_code", "lon", "lat", "has_cdu", "opened_on", "extract_date"]


def is_finess_extract(first_line: str) -> bool:
    return first_line.lower().startswith("finess;etalab")


def epsg_of(sourcecoordet: str, department_code: str) -> int | None:
    token = (sourcecoordet or "").replace(";", ",").split(",")[-1].strip().upper()
    if token in PROJECTION_EPSG:
        return PROJECTION_EPSG[token]
    found = re.search(r"EPSG[:_ ]?(\d{4,5})", sourcecoordet or "", re.I)
    if found:
        return int(found.group(1))
    return DEFAULT_EPSG.get(department_code) if department_code else None


def _iso(text: str) -> dt.date | None:
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class FinessResult:
    frame: pd.DataFrame
    rows_read: int
    encoding: str
    sha256: str
    extract_date: dt.date | None


GEO_FIELDS = 6  # geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj


def read_finess(path: Path, log: IssueLog) -> FinessResult:
    """The establishments of one extract; a truncated extract is refused whole (UnreadableFile), before any of its
    rows is reported, so that the store in service keeps its establishments and their coordinates."""
    data = path.read_bytes()
    decoded = decode(data)
    name = display_name(path)
    _, records = read_csv_text(decoded.text, separator=";")
    if not records or not is_finess_extract(";".join(records[0][1])):
        raise UnreadableFile("Ce fichier n'est pas un extrait FINESS etalab (1re ligne attendue : finess;etalab;…).")
    head = records[0][1]
    extract_date = _iso(head[3]) if len(head) > 3 else None
    refuse_truncated(records, decoded.text)
    structures, geo = [], {}
    structure_rows = 0
    for line, cells in records[1:]:
        kind = cells[0].strip().lower() if cells else ""
        if decoded.invalid_bytes and kind in ("structureet", "geolocalisation"):
            problem = invalid_byte_problem(line, cells)
            if problem:
                structure_rows += kind == "structureet"
                log.add(SOURCE, name, line, "", problem.value, problem.code,
                        "erreur" if kind == "structureet" else "avertissement", problem.message_fr)
                continue
        if kind == "structureet":
            structure_rows += 1
            if len(cells) != len(STRUCTURE_FIELDS):
                log.error(SOURCE, name, line, "", f"{len(cells)} champs", "finess_champs",
                          f"Ligne structureet à {len(cells)} champs au lieu de {len(STRUCTURE_FIELDS)} : écartée.")
                continue
            structures.append((line, dict(zip(STRUCTURE_FIELDS, cells))))
        elif kind == "geolocalisation":
            if len(cells) < 5:
                log.warning(SOURCE, name, line, "", ";".join(cells), "finess_geo_champs",
                            "Ligne de géolocalisation incomplète : coordonnées ignorées.")
                continue
            geo[cells[1].strip()] = (line, cells[2], cells[3], cells[4])
        elif any(c.strip() for c in cells):
            log.warning(SOURCE, name, line, "", cells[0], "finess_section",
                        f"Section « {cells[0]} » inconnue : ligne ignorée.")

    region_of = referential.region_of_department()
    rows = []
    for line, s in structures:
        finess = s["nofinesset"].strip()
        dep = s["departement"].strip().upper()
        dep = referential.FINESS_OVERSEAS.get(dep, dep)
        if dep not in region_of:
            # Not an error in the extract (Saint-Pierre, Polynésie… are real FINESS rows), but outside our scope.
            log.add(SOURCE, name, line, "departement", s["departement"], "hors_referentiel", "avertissement",
                    f"Établissement {finess} hors des 101 départements (« {s['departement']} ») : tenu à l'écart.",
                    kept=False)
            continue
        if not re.fullmatch(r"[0-9AB]{9}", finess):
            log.error(SOURCE, name, line, "nofinesset", finess, "finess_invalide",
                      f"« {finess} » n'est pas un n° FINESS sur 9 caractères.")
            continue
        commune = s["commune"].strip()
        rows.append({
            "finess": finess, "finess_ej": s["nofinessej"].strip() or None,
            "name": (s["rslongue"] or s["rs"]).strip(), "category_code": s["categetab"].strip(),
            "category_label": s["libcategetab"].strip(), "category_group_code": s["categagretab"].strip() or None,
            "category_group_label": s["libcategagretab"].strip() or None,
            "legal_status_code": s["codesph"].strip() or None, "legal_status_label": s["libsph"].strip() or None,
            "commune_code": (dep[:2] + commune[-3:] if len(dep) == 2 else dep[:3] + commune[-2:]) if commune else None,
            "department_code": dep, "region_code": region_of[dep],
            "opened_on": _iso(s["dateouv"]), "extract_date": extract_date, "_line": line,
        })
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("lon", "lat", "has_cdu")] + ["_line"])
    frame = _project(frame, geo, name, log)
    frame["has_cdu"] = frame["category_code"].isin(CDU_CATEGORIES)
    frame = frame.drop_duplicates("finess", keep="first").sort_values("finess", kind="stable")
    # Rows read = establishment rows; the geolocalisation rows only complete them.
    return FinessResult(frame[COLUMNS].reset_index(drop=True), structure_rows, decoded.encoding, sha256_of(data),
                        extract_date)


def refuse_truncated(records: list[tuple[int, list[str]]], text: str) -> None:
    """Refuse an extract cut short (a download stopped half-way): its last line incomplete, its geolocalisation
    section missing, or fewer lines than the number its first line announces."""
    last_line, last = next(((line, cells) for line, cells in reversed(records) if any(c.strip() for c in cells)),
                           records[-1])
    kind = last[0].strip().lower() if last else ""
    wanted = {"structureet": len(STRUCTURE_FIELDS), "geolocalisation": GEO_FIELDS}.get(kind)
    if len(records) > 1 and not text.endswith(("\n", "\r")) and wanted and len(last) != wanted:
        raise UnreadableFile(
            f"Extrait FINESS tronqué : sa dernière ligne ({number(last_line)}) s'arrête au milieu ({len(last)} champs "
            f"au lieu de {wanted}). Le fichier n'est pas lu ; téléchargez-le à nouveau.")
    kinds = [cells[0].strip().lower() for _, cells in records[1:] if cells]
    if "structureet" in kinds and "geolocalisation" not in kinds:
        raise UnreadableFile("Extrait FINESS incomplet : la section « geolocalisation » (coordonnées des "
                             "établissements) manque. Le fichier n'est pas lu ; téléchargez l'extrait géolocalisé "
                             "complet.")
    head = records[0][1]
    announced = head[2].strip() if len(head) > 2 else ""
    lines = sum(1 for kind in kinds if kind)
    if announced.isdigit() and lines < int(announced):
        raise UnreadableFile(f"Extrait FINESS incomplet : {number(lines)} lignes au lieu des {number(int(announced))} "
                             "annoncées par sa 1re ligne. Le fichier n'est pas lu ; téléchargez-le à nouveau.")


def _project(frame: pd.DataFrame, geo: dict, file: str, log: IssueLog) -> pd.DataFrame:
    """Convert each establishment's coordinates to WGS84 from the projection its row names."""
    lon = np.full(len(frame), np.nan)
    lat = np.full(len(frame), np.nan)
    groups: dict[int, list[tuple[int, float, float]]] = {}
    for i, (finess, dep) in enumerate(zip(frame["finess"], frame["department_code"])):
        if finess not in geo:
            continue
        line, x, y, source = geo[finess]
        try:
            xf, yf = float(x.replace(",", ".")), float(y.replace(",", "."))
        except ValueError:
            log.warning(SOURCE, file, line, "coordxet", f"{x} {y}", "coordonnees_invalides",
                        f"Coordonnées illisibles pour {finess} : établissement sans position.")
            continue
        epsg = epsg_of(source, dep)
        if epsg is None:
            log.warning(SOURCE, file, line, "sourcecoordet", source, "projection_inconnue",
                        f"Projection « {source} » inconnue pour {finess} : établissement sans position.")
            continue
        groups.setdefault(epsg, []).append((i, xf, yf))
    for epsg, points in groups.items():
        transformer = Transformer.from_crs(epsg, 4326, always_xy=True)
        idx = np.array([p[0] for p in points])
        x, y = transformer.transform(np.array([p[1] for p in points]), np.array([p[2] for p in points]))
        lon[idx], lat[idx] = np.round(x, 6), np.round(y, 6)
    frame = frame.copy()
    frame["lon"], frame["lat"] = lon, lat
    return frame
