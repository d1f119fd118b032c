"""Territories and establishments: reference geography, the FINESS establishments and their official extract."""
from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from pipelines.demo.calibration import (
    CDU_ESTABLISHMENTS,
    EHPAD_PER_CDU_ESTABLISHMENT,
    EHPAD_PER_CDU_ESTABLISHMENT_DEFAULT,
    NATIONAL_CDU_ESTABLISHMENTS,
    STRESS_FACTOR,
)
from pipelines.demo.common import (
    GRAND_EST,
    DateText,
    cp1252_safe,
    de,
    largest_remainder,
    luhn_complete,
    norm,
    strip_accents,
)
from pipelines.demo.names import EHPAD_NAMES, PLACE_NAMES, QUOTED_NAMES, SAINTS, STREET_NAMES, STREET_TYPES

# `sourcecoordet` is "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,<PROJECTION>": its last comma-separated token names
# the projection of coordxet/coordyet. The last two only serve the rows outside the 101 départements.
SOURCECOORD_PREFIX = "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,"
SOURCECOORD_EPSG = {"LAMBERT_93": 2154, "UTM_N20": 5490, "UTM_N22": 2972, "RGR92_UTM_40S": 2975,
                    "RGM04_UTM_38S": 4471, "RGSPM06_UTM_21N": 4467, "RGWF96_UTM_1S": 8903}
FINESS_EXTRACT_NUMBER = 112  # third field of the first line: the extraction's sequence number, not a row count

# Régions: name, short code in arrêté references, telephone prefix.
REGIONS = {
    "01": ("Guadeloupe", "GP", "0590"), "02": ("Martinique", "MQ", "0596"), "03": ("Guyane", "GF", "0594"),
    "04": ("La Réunion", "RE", "0262"), "06": ("Mayotte", "YT", "0269"), "11": ("Île-de-France", "IDF", "01"),
    "24": ("Centre-Val de Loire", "CVL", "02"), "27": ("Bourgogne-Franche-Comté", "BFC", "03"),
    "28": ("Normandie", "NOR", "02"), "32": ("Hauts-de-France", "HDF", "03"), "44": ("Grand Est", "GE", "03"),
    "52": ("Pays de la Loire", "PDL", "02"), "53": ("Bretagne", "BRE", "02"), "75": ("Nouvelle-Aquitaine", "NA", "05"),
    "76": ("Occitanie", "OC", "05"), "84": ("Auvergne-Rhône-Alpes", "ARA", "04"),
    "93": ("Provence-Alpes-Côte d'Azur", "PACA", "04"), "94": ("Corse", "COR", "04"),
}
# Overseas départements: FINESS `departement` code, libdepartement, projection, FINESS number prefix.
OVERSEAS = {
    "971": ("9A", "GUADELOUPE", "UTM_N20", "9701"), "972": ("9B", "MARTINIQUE", "UTM_N20", "9702"),
    "973": ("9C", "GUYANE", "UTM_N22", "9703"), "974": ("9D", "LA REUNION", "RGR92_UTM_40S", "9704"),
    "976": ("9F", "MAYOTTE", "RGM04_UTM_38S", "9706"),
}
CATEGORIES = {
    # code: libcategetab, categagretab, libcategagretab
    "101": ("Centre Hospitalier Régional (C.H.R.)", "1101", "Centres Hospitaliers Régionaux"),
    "355": ("Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers"),
    "106": ("Centre hospitalier, ex Hôpital local", "1102", "Centres Hospitaliers"),
    "292": ("Centre Hospitalier Spécialisé lutte Maladies Mentales", "1104",
            "Etablissements de Lutte contre les Maladies Mentales"),
    "365": ("Etablissement de Soins Pluridisciplinaire", "1110", "Etablissements de Soins de Courte Durée"),
    "128": ("Etablissement de Soins Chirurgicaux", "1110", "Etablissements de Soins de Courte Durée"),
    "129": ("Etablissement de Soins Médicaux", "1110", "Etablissements de Soins de Courte Durée"),
    "109": ("Etablissement de santé privé autorisé en SSR", "1111",
            "Etablissements de Soins de Suite et de Réadaptation"),
    "131": ("Centre de Lutte Contre Cancer", "1106", "Centres de Lutte contre le Cancer"),
    "500": ("Etablissement d'hébergement pour personnes âgées dépendantes", "4401",
            "Etablissements d'Hébergement pour Personnes Âgées"),
}
PUBLIC_CATEGORIES = ("101", "355", "106", "292")
SPH = {"1": "Etablissement public de santé", "6": "Etablissement de santé privé d'intérêt collectif (ESPIC)",
       "7": "Etablissement de santé privé non ESPIC"}
ESPIC_SHARE = {"109": 0.45, "129": 0.40, "365": 0.25, "128": 0.10, "131": 1.0}
PRIVATE_MIX = (("109", 0.32), ("365", 0.26), ("128", 0.22), ("129", 0.20))

# Prefecture of each département (name as in communes.csv); sub-prefectures are approximated by the
# largest other communes.
PREFECTURES = {
    "01": "Bourg-en-Bresse", "02": "Laon", "03": "Moulins", "04": "Digne-les-Bains", "05": "Gap", "06": "Nice",
    "07": "Privas", "08": "Charleville-Mézières", "09": "Foix", "10": "Troyes", "11": "Carcassonne", "12": "Rodez",
    "13": "Marseille", "14": "Caen", "15": "Aurillac", "16": "Angoulême", "17": "La Rochelle", "18": "Bourges",
    "19": "Tulle", "2A": "Ajaccio", "2B": "Bastia", "21": "Dijon", "22": "Saint-Brieuc", "23": "Guéret",
    "24": "Périgueux", "25": "Besançon", "26": "Valence", "27": "Évreux", "28": "Chartres", "29": "Quimper",
    "30": "Nîmes", "31": "Toulouse", "32": "Auch", "33": "Bordeaux", "34": "Montpellier", "35": "Rennes",
    "36": "Châteauroux", "37": "Tours", "38": "Grenoble", "39": "Lons-le-Saunier", "40": "Mont-de-Marsan",
    "41": "Blois", "42": "Saint-Étienne", "43": "Le Puy-en-Velay", "44": "Nantes", "45": "Orléans", "46": "Cahors",
    "47": "Agen", "48": "Mende", "49": "Angers", "50": "Saint-Lô", "51": "Châlons-en-Champagne", "52": "Chaumont",
    "53": "Laval", "54": "Nancy", "55": "Bar-le-Duc", "56": "Vannes", "57": "Metz", "58": "Nevers", "59": "Lille",
    "60": "Beauvais", "61": "Alençon", "62": "Arras", "63": "Clermont-Ferrand", "64": "Pau", "65": "Tarbes",
    "66": "Perpignan", "67": "Strasbourg", "68": "Colmar", "69": "Lyon", "70": "Vesoul", "71": "Mâcon",
    "72": "Le Mans", "73": "Chambéry", "74": "Annecy", "75": "Paris", "76": "Rouen", "77": "Melun",
    "78": "Versailles", "79": "Niort", "80": "Amiens", "81": "Albi", "82": "Montauban", "83": "Toulon",
    "84": "Avignon", "85": "La Roche-sur-Yon", "86": "Poitiers", "87": "Limoges", "88": "Épinal", "89": "Auxerre",
    "90": "Belfort", "91": "Évry-Courcouronnes", "92": "Nanterre", "93": "Bobigny", "94": "Créteil", "95": "Cergy",
    "971": "Basse-Terre", "972": "Fort-de-France", "973": "Cayenne", "974": "Saint-Denis", "976": "Mamoudzou",
}
# "de la Meuse", "du Bas-Rhin", "des Vosges", "de l'Aube"…
DEPARTMENT_ARTICLES = {
    "de l'": "01 02 03 07 09 10 11 12 27 34 36 38 60 61 89 91",
    "des ": "04 05 06 08 13 22 40 64 65 66 78 79 88 92",
    "du ": "14 15 18 25 29 30 32 39 41 45 46 47 56 59 62 63 67 68 69 81 82 83 84 90 94 95",
    "de la ": "16 17 19 2A 2B 21 23 24 26 31 33 42 43 44 48 50 51 52 53 55 57 58 70 72 73 74 76 80 85 86 87 93 "
              "971 972 973",
    "d'": "28 35 37",
    "de ": "49 54 71 75 77 974 976",
}
DEPARTMENT_ARTICLE = {code: article for article, codes in DEPARTMENT_ARTICLES.items() for code in codes.split()}

# Teaching / regional hospitals (category 101), at least one per région, then cancer centres (131).
CHR_SITES = {
    "11": (("75", "Paris", "Hôpital Pitié-Salpêtrière (AP-HP)"), ("75", "Paris", "Hôpital Bichat – Claude-Bernard (AP-HP)"),
           ("75", "Paris", "Hôpital Cochin (AP-HP)"), ("75", "Paris", "Hôpital Necker – Enfants malades (AP-HP)"),
           ("75", "Paris", "Hôpital Saint-Louis (AP-HP)"), ("75", "Paris", "Hôpital Lariboisière (AP-HP)"),
           ("75", "Paris", "Hôpital Tenon (AP-HP)"), ("75", "Paris", "Hôpital européen Georges-Pompidou (AP-HP)"),
           ("94", "Le Kremlin-Bicêtre", "Hôpital Bicêtre (AP-HP)"), ("94", "Créteil", "Hôpital Henri-Mondor (AP-HP)"),
           ("93", "Bobigny", "Hôpital Avicenne (AP-HP)"), ("92", "Clichy", "Hôpital Beaujon (AP-HP)"),
           ("92", "Boulogne-Billancourt", "Hôpital Ambroise-Paré (AP-HP)")),
    "24": (("37", "Tours", "CHRU de Tours"), ("45", "Orléans", "CHR d'Orléans")),
    "27": (("21", "Dijon", "CHU Dijon Bourgogne"), ("25", "Besançon", "CHU de Besançon")),
    "28": (("76", "Rouen", "CHU de Rouen"), ("14", "Caen", "CHU de Caen Normandie")),
    "32": (("59", "Lille", "CHU de Lille"), ("80", "Amiens", "CHU Amiens-Picardie")),
    "44": (("67", "Strasbourg", "Hôpitaux universitaires de Strasbourg"), ("54", "Nancy", "CHRU de Nancy"),
           ("51", "Reims", "CHU de Reims"), ("57", "Metz", "CHR Metz-Thionville")),
    "52": (("44", "Nantes", "CHU de Nantes"), ("49", "Angers", "CHU d'Angers")),
    "53": (("35", "Rennes", "CHU de Rennes"), ("29", "Brest", "CHU de Brest")),
    "75": (("33", "Bordeaux", "CHU de Bordeaux"), ("87", "Limoges", "CHU de Limoges"), ("86", "Poitiers", "CHU de Poitiers")),
    "76": (("31", "Toulouse", "CHU de Toulouse"), ("34", "Montpellier", "CHU de Montpellier"), ("30", "Nîmes", "CHU de Nîmes")),
    "84": (("69", "Lyon", "Hospices civils de Lyon"), ("38", "Grenoble", "CHU Grenoble Alpes"),
           ("42", "Saint-Étienne", "CHU de Saint-Étienne"), ("63", "Clermont-Ferrand", "CHU de Clermont-Ferrand")),
    "93": (("13", "Marseille", "AP-HM – Hôpital de la Timone"), ("06", "Nice", "CHU de Nice")),
    "94": (("2A", "Ajaccio", "Centre hospitalier de la Miséricorde"),),
    "01": (("971", "Pointe-à-Pitre", "CHU de la Guadeloupe"),),
    "02": (("972", "Fort-de-France", "CHU de Martinique"),),
    "03": (("973", "Cayenne", "CHU de Guyane"),),
    "04": (("974", "Saint-Denis", "CHU de La Réunion"),),
    "06": (("976", "Mamoudzou", "Centre hospitalier de Mayotte"),),
}
CANCER_CENTRES = {
    "11": (("94", "Villejuif", "Gustave Roussy"), ("75", "Paris", "Institut Curie")),
    "84": (("69", "Lyon", "Centre Léon Bérard"), ("63", "Clermont-Ferrand", "Centre Jean Perrin")),
    "93": (("13", "Marseille", "Institut Paoli-Calmettes"), ("06", "Nice", "Centre Antoine Lacassagne")),
    "75": (("33", "Bordeaux", "Institut Bergonié"),),
    "76": (("31", "Toulouse", "Institut Claudius Regaud"), ("34", "Montpellier", "Institut du Cancer de Montpellier")),
    "52": (("44", "Saint-Herblain", "Institut de Cancérologie de l'Ouest"),),
    "53": (("35", "Rennes", "Centre Eugène Marquis"),),
    "28": (("14", "Caen", "Centre François Baclesse"), ("76", "Rouen", "Centre Henri Becquerel")),
    "32": (("59", "Lille", "Centre Oscar Lambret"),),
    "44": (("51", "Reims", "Institut Godinot"), ("54", "Vandœuvre-lès-Nancy", "Institut de Cancérologie de Lorraine"),
           ("67", "Strasbourg", "Institut de cancérologie Strasbourg Europe")),
    "27": (("21", "Dijon", "Centre Georges-François Leclerc"),),
}
# Three establishments outside the 101 départements: the pipeline must keep them out with a warning.
OUTSIDE_ESTABLISHMENTS = (
    # departement, libdepartement, INSEE commune, commune, lon, lat, projection, FINESS prefix, category, name
    ("9E", "ST PIERRE ET MIQUELON", "97502", "Saint-Pierre", -56.1773, 46.7811, "RGSPM06_UTM_21N", "9750", "355",
     "Centre hospitalier François Dunan"),
    ("9E", "ST PIERRE ET MIQUELON", "97501", "Miquelon-Langlade", -56.3814, 47.0975, "RGSPM06_UTM_21N", "9750", "500",
     "EHPAD Maison Sainte-Croix"),
    ("9J", "WALLIS ET FUTUNA", "98613", "Uvéa", -176.1745, -13.2825, "RGWF96_UTM_1S", "9860", "355", "Hôpital de Sia"),
)


# --------------------------------------------------------------------------------------------------------------
# Reference geography
@dataclass
class Geography:
    regions: list[str]
    region_names: dict[str, str]
    departments: dict[str, list[str]]  # région -> départements
    department_names: dict[str, str]
    communes: dict[str, list[dict]]  # département -> communes (records) sorted by population desc


def load_geography(reference_dir: Path, scale: str) -> Geography:
    communes = pd.read_csv(reference_dir / "communes.csv", dtype={"code_insee": str, "departement_code": str,
                                                                   "region_code": str, "nom": str})
    territories = pd.read_csv(reference_dir / "territoires.csv", dtype=str)
    communes["population"] = communes["population"].fillna(15000).astype(float)
    regions_df = territories[territories["niveau"] == "region"].sort_values("code")
    deps_df = territories[territories["niveau"] == "departement"].sort_values("code")
    regions = [GRAND_EST] if scale == "region" else list(regions_df["code"])
    departments = {r: sorted(deps_df.loc[deps_df["region_code"] == r, "code"]) for r in regions}
    by_dep = {}
    for dep, frame in communes.groupby("departement_code", sort=True):
        frame = frame.sort_values(["population", "code_insee"], ascending=[False, True])
        by_dep[dep] = [dict(rec, key=norm(rec["nom"])) for rec in frame.to_dict("records")]
    return Geography(regions=regions, region_names=dict(zip(regions_df["code"], regions_df["nom"])),
                     departments=departments, department_names=dict(zip(deps_df["code"], deps_df["nom"])),
                     communes=by_dep)


def dep_label(geo: Geography, dep: str) -> str:
    return DEPARTMENT_ARTICLE.get(dep, "de ") + geo.department_names[dep]


# --------------------------------------------------------------------------------------------------------------
# Establishments (FINESS)
@dataclass
class Establishment:
    category: str
    name: str  # mixed case, used in body labels
    dep: str
    region: str
    insee: str
    commune: str
    lon: float
    lat: float
    population: float
    finess: str = ""
    ej: str = ""
    sph: str = ""
    opened: int = 0  # ordinal of an opening during the period (0: older)
    closed: int = 0  # ordinal of the closing date (0: open)
    dateouv: int = 0


def _commune_row(geo: Geography, dep: str, name: str):
    key = norm(name)
    return next((c for c in geo.communes[dep] if c["key"] == key), geo.communes[dep][0])


class _Namer:
    """Plausible establishment names, unique within a département."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def _unique(self, dep: str, name: str, commune: str) -> str:
        candidate, k = name, 1
        while (dep, candidate) in self.used:
            k += 1
            candidate = f"{name} – {commune}" if k == 2 else f"{name} – {commune} ({k - 1})"
        self.used.add((dep, candidate))
        return candidate

    def name(self, category: str, dep: str, commune: str, dep_label: str) -> str:
        rng = self.rng
        if rng.random() < 0.006 and category != "500":
            name = (QUOTED_NAMES[0] if category in PUBLIC_CATEGORIES else rng.choice(QUOTED_NAMES[1:])).format(
                commune=commune)
        elif category in ("355", "106"):
            name = (f"CH {de(commune)}" if rng.random() < 0.85 else f"Centre hospitalier intercommunal {de(commune)}")
        elif category == "292":
            name = rng.choice((f"CHS {de(commune)}", f"EPSM {dep_label}", f"Centre psychothérapique {de(commune)}"))
        elif category in ("365", "128"):
            name = rng.choice((f"Clinique {rng.choice(SAINTS)}", f"Polyclinique {de(commune)}",
                               f"Clinique {rng.choice(PLACE_NAMES)}", f"Hôpital privé {de(commune)}"))
        elif category == "129":
            name = rng.choice((f"Centre médical {rng.choice(PLACE_NAMES)}", f"Clinique médicale {rng.choice(SAINTS)}",
                               f"Maison de santé {rng.choice(PLACE_NAMES)}"))
        elif category == "109":
            name = rng.choice((f"Centre de rééducation {de(commune)}", f"SSR {rng.choice(EHPAD_NAMES)}",
                               f"Centre de réadaptation {rng.choice(PLACE_NAMES)}",
                               f"Maison de convalescence {rng.choice(SAINTS)}"))
        else:  # 500
            name = rng.choice((f"EHPAD {rng.choice(EHPAD_NAMES)}", f"EHPAD {rng.choice(EHPAD_NAMES)}",
                               f"EHPAD {de(commune)}", f"Maison de retraite {rng.choice(SAINTS)}"))
        return self._unique(dep, name, commune)


def _long_name(est: Establishment) -> str:
    n = est.name
    for short, long in (("CH ", "Centre hospitalier "), ("CHS ", "Centre hospitalier spécialisé "),
                        ("CHU ", "Centre hospitalier universitaire "), ("CHR ", "Centre hospitalier régional "),
                        ("CHRU ", "Centre hospitalier régional universitaire "),
                        ("SSR ", "Soins de suite et de réadaptation "),
                        ("EPSM ", "Etablissement public de santé mentale ")):
        if n.startswith(short):
            return long + n[len(short):]
    return n


def _department_mix(n: int) -> list[str]:
    if n <= 0:
        return []
    n_ch = max(1, round(0.20 * n))
    n_hl = round(0.10 * n)
    n_chs = (1 if n >= 4 else 0) + (round(0.02 * n) if n >= 30 else 0)
    while n_ch + n_hl + n_chs > n:
        if n_hl:
            n_hl -= 1
        elif n_chs:
            n_chs -= 1
        else:
            n_ch -= 1
    private = largest_remainder(dict(PRIVATE_MIX), n - n_ch - n_hl - n_chs)
    return ["355"] * n_ch + ["292"] * n_chs + ["106"] * n_hl + [c for c, _ in PRIVATE_MIX for _ in range(private[c])]


def build_establishments(geo: Geography, scale: str, rng: random.Random, today: date) -> list[Establishment]:
    factor = STRESS_FACTOR if scale == "stress" else 1
    # Département weight: population of its communes (≥ 2 000 inhabitants), dampened for rural areas.
    dep_weight = {d: float(sum(c["population"] for c in geo.communes[d])) ** 0.8
                  for r in geo.regions for d in geo.departments[r]}
    if scale == "region":
        region_totals = {GRAND_EST: CDU_ESTABLISHMENTS[GRAND_EST]}
    else:
        others = {r: sum(dep_weight[d] for d in geo.departments[r]) for r in geo.regions if r not in CDU_ESTABLISHMENTS}
        region_totals = {**largest_remainder(others, NATIONAL_CDU_ESTABLISHMENTS - sum(CDU_ESTABLISHMENTS.values()), 8),
                         **CDU_ESTABLISHMENTS}
    namer = _Namer(rng)
    establishments: list[Establishment] = []

    def make(category, dep, region, row, name=None):
        est = Establishment(category=category, name="", dep=dep, region=region, insee=row["code_insee"],
                            commune=row["nom"], lon=float(row["lon"]), lat=float(row["lat"]),
                            population=float(row["population"]))
        est.name = name or namer.name(category, dep, row["nom"], dep_label(geo, dep))
        if name:
            namer.used.add((dep, name))
        establishments.append(est)
        return est

    for region in geo.regions:
        deps = geo.departments[region]
        dep_totals = largest_remainder({d: dep_weight[d] for d in deps}, region_totals[region] * factor, 2)
        named = [(d, city, name, "101") for d, city, name in CHR_SITES.get(region, ())]
        named += [(d, city, name, "131") for d, city, name in CANCER_CENTRES.get(region, ())]
        for dep in deps:
            frame = geo.communes[dep]
            general_communes: set[str] = set()
            placed = 0
            for d, city, name, category in named:
                if d == dep:
                    row = _commune_row(geo, dep, city)
                    make(category, dep, region, row, name)
                    if category == "101":
                        general_communes.add(row["code_insee"])
                    placed += 1
            mix = _department_mix(max(dep_totals[dep] - placed, 1))
            # Prefecture first, then communes by population: CH in prefectures and (proxy) sub-prefectures.
            prefecture = _commune_row(geo, dep, PREFECTURES.get(dep, ""))
            ranked = [prefecture] + [c for c in frame[:60] if c["code_insee"] != prefecture["code_insee"]]
            pops = np.array([c["population"] for c in frame])
            cum = {e: np.cumsum(pops ** e).tolist() for e in (1.0, 0.7, 0.5)}
            small = [i for i, c in enumerate(frame) if 2000 <= c["population"] <= 20000] or [0]
            ch_rank = 0
            for category in mix:
                if category == "355":
                    while ch_rank < len(ranked) and ranked[ch_rank]["code_insee"] in general_communes:
                        ch_rank += 1
                    row = ranked[ch_rank] if ch_rank < len(ranked) else frame[
                        rng.choices(range(len(frame)), cum_weights=cum[1.0])[0]]
                    general_communes.add(row["code_insee"])
                    ch_rank += 1
                elif category == "106":
                    row = frame[rng.choice(small)]
                elif category == "292":
                    row = prefecture if rng.random() < 0.6 else frame[
                        rng.choices(range(len(frame)), cum_weights=cum[1.0])[0]]
                else:
                    exponent = 1.0 if category in ("365", "128") else 0.7
                    row = frame[rng.choices(range(len(frame)), cum_weights=cum[exponent])[0]]
                make(category, dep, region, row)
            ratio = EHPAD_PER_CDU_ESTABLISHMENT.get(region, EHPAD_PER_CDU_ESTABLISHMENT_DEFAULT)
            n_ehpad = max(1, round(ratio * dep_totals[dep]))
            for _ in range(n_ehpad):
                make("500", dep, region, frame[rng.choices(range(len(frame)), cum_weights=cum[0.5])[0]])
        # Every région has at least one name that needs CSV quoting (`"` or `;`) in the FINESS extract.
        in_region = [e for e in establishments if e.region == region]
        if not any('"' in e.name or ";" in e.name for e in in_region):
            clinic = next(e for e in in_region if e.category in ("365", "128", "129", "109"))
            clinic.name = namer._unique(clinic.dep, QUOTED_NAMES[1 + len(namer.used) % (len(QUOTED_NAMES) - 1)].format(
                commune=clinic.commune), clinic.commune)

    # Sector, dates of opening, mid-period openings and closings (~1 % each).
    last_day = today.toordinal()
    for est in establishments:
        if est.category in PUBLIC_CATEGORIES:
            est.sph = "1"
        elif est.category == "500":
            est.sph = ""
        else:
            est.sph = "6" if rng.random() < ESPIC_SHARE.get(est.category, 0.3) else "7"
        first_year = {"500": 1975, "109": 1960, "129": 1960, "365": 1960, "128": 1960}.get(est.category, 1900)
        est.dateouv = date(rng.randint(first_year, 2012), rng.randint(1, 12), 1).toordinal()
        if est.category in ("101", "131"):
            continue
        u = rng.random()
        if u < 0.012:
            est.opened = date(rng.randint(2017, 2025), rng.randint(1, 12), 1).toordinal()
            est.dateouv = est.opened
        elif u < 0.022:
            est.closed = min(date(rng.randint(2017, 2025), rng.randint(1, 12), 1).toordinal() - 1, last_day)
    _number_establishments(establishments, rng)
    return establishments


def _number_establishments(establishments: list[Establishment], rng: random.Random) -> None:
    """9-character FINESS numbers: département prefix, sequence, Luhn key; EJ numbers from another range."""
    by_dep: dict[str, list[Establishment]] = {}
    for est in establishments:
        by_dep.setdefault(est.dep, []).append(est)
    for dep in sorted(by_dep):
        if dep in OVERSEAS:
            prefix, width, et_next, ej_next = OVERSEAS[dep][3], 4, 10, 5000
        else:
            prefix, width, et_next, ej_next = dep, 6, 10, 780000
        public_ej: dict[str, str] = {}
        for est in sorted(by_dep[dep], key=lambda e: (e.category not in PUBLIC_CATEGORIES, e.dateouv, e.insee)):
            et_next += rng.randint(1, 9)
            est.finess = luhn_complete(f"{prefix}{et_next:0{width}d}")
            if est.category in PUBLIC_CATEGORIES and rng.random() < 0.9:
                ej_next += rng.randint(1, 9)
                est.ej = luhn_complete(f"{prefix}{ej_next:0{width}d}")
                public_ej[est.insee] = est.ej
            elif est.category == "500" and est.insee in public_ej and rng.random() < 0.3:
                est.ej = public_ej[est.insee]  # EHPAD run by the local hospital
            else:
                ej_next += rng.randint(1, 9)
                est.ej = luhn_complete(f"{prefix}{ej_next:0{width}d}")


# --------------------------------------------------------------------------------------------------------------
# Files
def finess_rows(establishments: list[Establishment], geo: Geography, rng: random.Random,
                 np_rng: np.random.Generator, extraction: date) -> tuple[list[list[str]], list[list[str]]]:
    ests = sorted(establishments, key=lambda e: e.finess)
    outside = []
    for dept, libdep, insee, commune, lon, lat, projection, prefix, category, name in OUTSIDE_ESTABLISHMENTS:
        est = Establishment(category=category, name=name, dep=dept, region="", insee=insee, commune=commune, lon=lon,
                            lat=lat, population=5000.0, sph="1" if category == "355" else "",
                            dateouv=date(1975 + len(outside), 1, 1).toordinal())
        est.finess = luhn_complete(f"{prefix}{100 + 17 * len(outside):04d}")
        est.ej = luhn_complete(f"{prefix}{5100 + 17 * len(outside):04d}")
        outside.append((est, libdep, projection))
    projections: dict[str, list[int]] = {}
    everything = [(e, None, None) for e in ests] + outside
    for idx, (est, _lib, projection) in enumerate(everything):
        projection = projection or (OVERSEAS[est.dep][2] if est.dep in OVERSEAS else "LAMBERT_93")
        projections.setdefault(projection, []).append(idx)
    xy = np.zeros((len(everything), 2))
    for projection in sorted(projections):
        idx = projections[projection]
        transformer = Transformer.from_crs(4326, SOURCECOORD_EPSG[projection], always_xy=True)
        lon = np.array([everything[i][0].lon for i in idx])
        lat = np.array([everything[i][0].lat for i in idx])
        x, y = transformer.transform(lon, lat)
        xy[idx, 0], xy[idx, 1] = x, y
    # Jitter of a few hundred metres around the town hall (more in big cities, where many sit in one commune).
    radius = np.clip(np.sqrt([e.population for e, _, _ in everything]) * 4.0, 300.0, 2500.0)
    xy += np_rng.uniform(-1.0, 1.0, size=xy.shape) * radius[:, None]

    structure, geoloc = [], []
    iso = DateText(iso=True)
    for idx, (est, libdep_outside, projection) in enumerate(everything):
        projection = projection or (OVERSEAS[est.dep][2] if est.dep in OVERSEAS else "LAMBERT_93")
        if libdep_outside:
            dep_field, libdep, phone = est.dep, libdep_outside, "0508"
        elif est.dep in OVERSEAS:
            dep_field, libdep, phone = OVERSEAS[est.dep][0], OVERSEAS[est.dep][1], REGIONS[est.region][2]
        else:
            dep_field = est.dep
            libdep = strip_accents(geo.department_names[est.dep]).upper().replace("-", " ").replace("'", " ")
            phone = REGIONS[est.region][2]
        suffix = est.insee[-3:]
        if est.insee[:2] in ("97", "98"):
            postal = est.insee[:3] + f"{int(suffix) % 100:02d}"
        elif est.dep in ("2A", "2B"):
            postal = "20" + ("1" if est.dep == "2A" else "2") + f"{int(suffix) % 10}0"
        elif est.commune == PREFECTURES.get(est.dep):
            postal = est.dep + "000"
        else:
            postal = est.dep + f"{(int(suffix) * 37) % 90 + 10:02d}0"
        town = strip_accents(est.commune).upper().replace("-", " ").replace("'", " ")
        town = re.sub(r"\bSAINTE\b", "STE", re.sub(r"\bSAINT\b", "ST", town))
        cedex = " CEDEX" if est.category in PUBLIC_CATEGORIES and rng.random() < 0.5 else ""
        width = 10 - len(phone)
        phone_number = phone + f"{rng.randrange(10 ** width):0{width}d}"
        fax = phone + f"{rng.randrange(10 ** width):0{width}d}" if rng.random() < 0.6 else ""
        lib, agr, libagr = CATEGORIES[est.category]
        if est.category in PUBLIC_CATEGORIES:
            mft = ("03", "ARS établissements Publics de santé dotation globale")
        elif est.category == "500":
            mft = rng.choice((("40", "ARS/PCD, Tarif global, habilité aide sociale, recours PUI"),
                              ("44", "ARS/PCD, Tarif partiel, habilité aide sociale, pas de PUI")))
        else:
            mft = ("07", "ARS établissements de santé non financés dotation globale")
        siret = luhn_complete(("26" if est.sph == "1" else rng.choice(("31", "44", "53", "77"))) +
                               f"{rng.randrange(10 ** 11):011d}")
        long_name = _long_name(est)
        dateautor = est.dateouv - (rng.randint(0, 400) if rng.random() < 0.4 else 0)
        datemaj = date(rng.randint(2016, extraction.year), 1, 1).toordinal() + rng.randint(0, 300)
        datemaj = min(datemaj, extraction.toordinal() - 3)
        fields = [
            "structureet", est.finess, est.ej, est.name.upper()[:38] if len(est.name) > 38 else est.name.upper(),
            long_name.upper(), "", "",
            str(rng.randint(1, 250)) if rng.random() < 0.8 else "", rng.choice(STREET_TYPES), rng.choice(STREET_NAMES),
            "B" if rng.random() < 0.03 else "", f"BP {rng.randint(10, 999)}" if rng.random() < 0.25 else "",
            suffix, dep_field, libdep, f"{postal} {town}{cedex}", phone_number, fax,
            est.category, lib, agr, libagr, siret, "8710A" if est.category == "500" else "8610Z", mft[0], mft[1],
            est.sph, SPH.get(est.sph, ""), iso(est.dateouv), iso(dateautor), iso(datemaj), "",
        ]
        structure.append([cp1252_safe(f) for f in fields])
        geo_maj = date(extraction.year, 1, 1).toordinal() + rng.randint(0, extraction.toordinal() -
                                                                         date(extraction.year, 1, 1).toordinal() - 1)
        geoloc.append(["geolocalisation", est.finess, f"{xy[idx, 0]:.1f}", f"{xy[idx, 1]:.1f}",
                       SOURCECOORD_PREFIX + projection, iso(geo_maj)])
    return structure, geoloc


def write_finess(out_dir: Path, establishments, geo, rng, np_rng, today: date) -> dict[str, int]:
    extraction = date(today.year, today.month, 1)
    structure, geoloc = finess_rows(establishments, geo, rng, np_rng, extraction)
    name = f"demo_etalab-cs1100507-stock-{extraction:%Y%m%d}-0430.csv"
    path = out_dir / "finess" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="cp1252", newline="") as handle:
        handle.write(f"finess;etalab;{FINESS_EXTRACT_NUMBER};{extraction.isoformat()}\n")
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerows(structure)
        writer.writerows(geoloc)
    return {f"finess/{name}": len(structure) + len(geoloc)}

