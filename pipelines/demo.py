"""Deterministic DEMO raw files (FINESS extract, bodies, arrêtés, trainings, meetings, convention, campaigns).

Everything is fake but calibrated on the public figures of shared/DOMAIN.md (Grand Est 800 CDU seats,
25 % vacant on 01/01/2026; Île-de-France 1 516 seats, 40 % vacant; …). Same arguments, same bytes:
only `random.Random(seed)` and `numpy.random.default_rng(seed)` drive the draws, and every collection
written out is ordered explicitly.
"""
from __future__ import annotations

import csv
import io
import math
import random
import re
import unicodedata
import zipfile
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from pipelines import schemas
from pipelines.demo_names import (
    EHPAD_NAMES, FEMALE_FIRST_NAMES, MALE_FIRST_NAMES, NATIONAL_ASSOCIATIONS, PLACE_NAMES, QUOTED_NAMES,
    REGIONAL_ASSOCIATIONS, REGIONAL_SURNAME_SHARE, REGIONAL_SURNAMES, SAINTS, STREET_NAMES, STREET_TYPES, SURNAMES,
)

DEFAULT_SEED = 20260121
SCALES = ("region", "national", "stress")
DEFAULT_TODAY = date(2026, 11, 23)
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"
SOURCES = ("finess", "instances", "nominations", "formations", "seances", "convention", "campagnes")

# `sourcecoordet` is "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,<PROJECTION>": its last comma-separated token names
# the projection of coordxet/coordyet. The last two only serve the rows outside the 101 départements.
SOURCECOORD_PREFIX = "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,"
SOURCECOORD_EPSG = {"LAMBERT_93": 2154, "UTM_N20": 5490, "UTM_N22": 2972, "RGR92_UTM_40S": 2975,
                    "RGM04_UTM_38S": 4471, "RGSPM06_UTM_21N": 4467, "RGWF96_UTM_1S": 8903}
FINESS_EXTRACT_NUMBER = 112  # third field of the first line: the extraction's sequence number, not a row count

GRAND_EST = "44"
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

# Calibration (shared/DOMAIN.md): establishments with a CDU, national total and fixed régions.
NATIONAL_CDU_ESTABLISHMENTS = 2900
CDU_ESTABLISHMENTS = {"44": 200, "11": 379, "32": 204, "84": 300}
EHPAD_PER_CDU_ESTABLISHMENT = 0.6
STRESS_FACTOR = 10
# CDU seat vacancy right after the end-2025 renewal wave (measured on 01/01/2026), per région.
CDU_VACANCY_2026 = {
    "01": 0.31, "02": 0.29, "03": 0.32, "04": 0.24, "06": 0.33, "11": 0.40, "24": 0.28, "27": 0.27, "28": 0.24,
    "32": 0.25, "44": 0.25, "52": 0.21, "53": 0.22, "75": 0.26, "76": 0.28, "84": 0.27, "93": 0.30, "94": 0.30,
}
# Earlier waves were slightly better filled: vacancy at wave k = 2025 vacancy × factor. Titulaire seats are
# rarely left vacant, suppléant seats often (Hauts-de-France: 25 titulaires vs 178 suppléants vacant).
# The number of seats left vacant at each CDU wave is exact per région and role (a quota drawn without
# replacement), so the headline figures do not drift with the seed.
CDU_WAVE_TREND = (0.78, 0.84, 0.90, 0.95, 1.0, 1.0)

# Renewal waves (first day of each mandate cycle); planned end = next wave − 1 day.
CYCLE_STARTS = {
    "CDU": (date(2013, 12, 1), date(2016, 12, 1), date(2019, 12, 1), date(2022, 12, 1), date(2025, 12, 1),
            date(2028, 12, 1)),
    "CS": (date(2015, 1, 1), date(2020, 1, 1), date(2025, 1, 1), date(2030, 1, 1)),
    "CRSA": (date(2014, 7, 1), date(2019, 7, 1), date(2024, 7, 1), date(2029, 7, 1)),
    "CTS": (date(2017, 1, 1), date(2022, 1, 1), date(2027, 1, 1)),
    "CDCA": (date(2017, 1, 1), date(2022, 1, 1), date(2027, 1, 1)),
    # CVS: 3-year elections, each body shifted by 0–11 months from these.
    "CVS": tuple(date(2013 + 3 * k, 1, 1) for k in range(6)),
}
TERRITORIAL_BODIES_CREATED = date(2016, 10, 1)  # CTS and CDCA (loi de modernisation du système de santé, 2016)
WAVE_FILL = {"CS": (0.92, 0.0), "CRSA": (0.97, 0.85), "CTS": (0.90, 0.70), "CDCA": (0.92, 0.75), "CVS": (0.88, 0.60)}
LATE_FILL = {"CDU": (0.55, 0.22), "CS": (0.6, 0.0), "CRSA": (0.7, 0.4), "CTS": (0.6, 0.3), "CDCA": (0.6, 0.3),
             "CVS": (0.3, 0.15)}
RESIGNATION_RATE = {"CDU": 0.042, "CS": 0.04, "CRSA": 0.04, "CTS": 0.045, "CDCA": 0.04, "CVS": 0.07}  # per year
RENEWAL = 0.7
END_REASONS = (("démission", 0.45), ("déménagement", 0.20), ("raisons de santé", 0.20), ("décès", 0.15))
CVS_END_REASONS = (("départ de l'établissement", 0.5), ("démission", 0.5))
CLOSURE_REASON = "fermeture de l'établissement"
LEAVING_REASONS = ("déménagement", "raisons de santé", "décès")  # the person takes no mandate afterwards

# Grand Est nomination campaign 2026 (seed 001): opens 02/03/2026, arrêtés in three batches.
GE_CAMPAIGN_OPENS = date(2026, 3, 2)
GE_CAMPAIGN_CLOSES = date(2026, 5, 29)
GE_CAMPAIGN_SEATS = 400
GE_CAMPAIGN_ARRETES = ((date(2026, 5, 15), 0.45), (date(2026, 6, 12), 0.35), (date(2026, 7, 10), 0.20))
AURA_CAMPAIGN_SEATS = 1200  # campaign 2 June–15 September 2025 (ARS ARA)
GE_CAMPAIGN_FILL = (0.65, 0.45)  # share of vacant titulaire / suppléant seats filled by the campaign
# The 400 seats opened = the ~200 vacant ones + 200 seats whose holders were only extended (« prorogés ») at the
# end-2025 wave until 30/06/2026 (date_fin); the campaign designates their successors from 01/07/2026.
GE_PROROGATED_SEATS = 200
GE_PROROGATION_END = date(2026, 6, 30)

BODY_ORDER = {"CRSA": 0, "CTS": 1, "CDCA": 2, "CDU": 3, "CS": 4, "CVS": 5}
ROLE_NAMES = ("titulaire", "suppleant")

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
# Planted input errors: fixed places, so the app's rejects screen has something to show.
@dataclass(frozen=True)
class PlantedError:
    file: str  # relative to the output directory
    line: int  # as a user sees it in a text editor / Excel: header = line 1
    column: str  # header of the column
    kind: str  # how the generator damages the value (see _damage)
    problem: str
    scales: tuple[str, ...] = SCALES


def _luhn_key(digits: str) -> str:
    """Luhn check digit (FINESS and SIRET numbers carry one); letters of 2A/2B count as 0."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) if ch.isdigit() else 0
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _luhn_complete(body: str) -> str:
    return body + _luhn_key(body)


UNKNOWN_FINESS = _luhn_complete("57999990")  # valid FINESS, no body anywhere
_GE_ARRETES_2025 = "nominations/demo_arretes_44_2025.csv"
# The damaged lines do not move with the scale: arrêtés are sorted by FINESS (Ardennes, 08, first), meetings
# start with the 33 CRSA plenaries 2016-2026, and each région's first training session is held in its first
# département (08 in Grand Est, 01 in Auvergne-Rhône-Alpes, 2A in Corse). tests/test_demo.py checks them.
PLANTED_ERRORS: tuple[PlantedError, ...] = (
    PlantedError(_GE_ARRETES_2025, 3, "finess", "lost_leading_zero",
                 "FINESS of an Ardennes (08) establishment written with 8 characters: its leading zero was lost"),
    PlantedError(_GE_ARRETES_2025, 12, "date_debut", "impossible_date", "impossible date 31/02/2025"),
    PlantedError(_GE_ARRETES_2025, 20, "role", "unknown_role", "unknown role « membre »"),
    PlantedError(_GE_ARRETES_2025, 25, "date_fin", "end_before_start",
                 "date_fin before date_debut (end year typed one year before the start)"),
    PlantedError(_GE_ARRETES_2025, 30, "finess", "finess_without_body",
                 f"nomination on a valid FINESS ({UNKNOWN_FINESS}) that has no body in instances/demo_instances.csv"),
    PlantedError(_GE_ARRETES_2025, 35, "nom", "missing_value", "required last name missing"),
    PlantedError("seances/demo_seances_44.csv", 40, "ru_presents", "present_above_expected",
                 "ru_presents greater than ru_attendus"),
    PlantedError("formations/demo_formations_44.csv", 2, "departement", "lost_leading_zero",
                 "département « 8 » instead of « 08 »"),
    PlantedError("formations/demo_formations_84.csv", 2, "departement", "lost_leading_zero",
                 "département « 1 » instead of « 01 »", ("national", "stress")),
    PlantedError("formations/demo_formations_94.csv", 2, "departement", "corsica_20",
                 "département « 20 » instead of « 2A » (no département 20 since 1976)", ("national", "stress")),
)


# --------------------------------------------------------------------------------------------------------------
# Small helpers
@lru_cache(maxsize=None)
def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).replace(
        "œ", "oe").replace("Œ", "OE")


@lru_cache(maxsize=None)
def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", _strip_accents(text).lower()).strip()


def _cp1252_safe(text: str) -> str:
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        return "".join(c if c.encode("cp1252", "ignore") else _strip_accents(c) for c in text)




_CUMULATIVE: dict[int, tuple[list, list, object]] = {}  # keyed by id, checked by identity


def _weighted(rng: random.Random, pairs) -> str:
    table = _CUMULATIVE.get(id(pairs))
    if table is None or table[2] is not pairs:
        values = [v for v, _ in pairs]
        cum, total = [], 0.0
        for _, w in pairs:
            total += w
            cum.append(total)
        table = _CUMULATIVE[id(pairs)] = (values, cum, pairs)
    return rng.choices(table[0], cum_weights=table[1])[0]


def _largest_remainder(weights: dict[str, float], total: int, minimum: int = 0) -> dict[str, int]:
    keys = list(weights)
    base = {k: minimum for k in keys}
    rest = total - minimum * len(keys)
    wsum = sum(weights.values()) or 1.0
    quotas = {k: rest * weights[k] / wsum for k in keys}
    for k in keys:
        base[k] += int(math.floor(quotas[k]))
    left = total - sum(base.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), k))[:max(left, 0)]:
        base[k] += 1
    return base


def _de(name: str) -> str:
    """French 'de' before a commune name: du Mans, des Sables-d'Olonne, d'Épinal, de La Rochelle, de Verdun."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1] in "AEIOUYÉÈÊÎÔÂ":
        return "d'" + name
    return "de " + name


class _DateText:
    """Cached dd/mm/yyyy (or ISO) rendering of day ordinals."""

    def __init__(self, iso: bool = False):
        self.iso = iso
        self.cache: dict[int, str] = {0: ""}

    def __call__(self, ordinal: int) -> str:
        text = self.cache.get(ordinal)
        if text is None:
            if not ordinal:
                return ""
            d = date.fromordinal(ordinal)
            text = d.isoformat() if self.iso else f"{d.day:02d}/{d.month:02d}/{d.year}"
            self.cache[ordinal] = text
        return text


def _weekday_on_or_after(ordinal: int, weekdays=(0, 1, 2, 3, 4)) -> int:
    while date.fromordinal(ordinal).weekday() not in weekdays:
        ordinal += 1
    return ordinal


# --------------------------------------------------------------------------------------------------------------
# Reference geography
@dataclass
class Geography:
    regions: list[str]
    region_names: dict[str, str]
    departments: dict[str, list[str]]  # région -> départements
    department_names: dict[str, str]
    communes: dict[str, list[dict]]  # département -> communes (records) sorted by population desc


def _load_geography(reference_dir: Path, scale: str) -> Geography:
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
        by_dep[dep] = [dict(rec, key=_norm(rec["nom"])) for rec in frame.to_dict("records")]
    return Geography(regions=regions, region_names=dict(zip(regions_df["code"], regions_df["nom"])),
                     departments=departments, department_names=dict(zip(deps_df["code"], deps_df["nom"])),
                     communes=by_dep)


def _dep_label(geo: Geography, dep: str) -> str:
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
    key = _norm(name)
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
            name = (f"CH {_de(commune)}" if rng.random() < 0.85 else f"Centre hospitalier intercommunal {_de(commune)}")
        elif category == "292":
            name = rng.choice((f"CHS {_de(commune)}", f"EPSM {dep_label}", f"Centre psychothérapique {_de(commune)}"))
        elif category in ("365", "128"):
            name = rng.choice((f"Clinique {rng.choice(SAINTS)}", f"Polyclinique {_de(commune)}",
                               f"Clinique {rng.choice(PLACE_NAMES)}", f"Hôpital privé {_de(commune)}"))
        elif category == "129":
            name = rng.choice((f"Centre médical {rng.choice(PLACE_NAMES)}", f"Clinique médicale {rng.choice(SAINTS)}",
                               f"Maison de santé {rng.choice(PLACE_NAMES)}"))
        elif category == "109":
            name = rng.choice((f"Centre de rééducation {_de(commune)}", f"SSR {rng.choice(EHPAD_NAMES)}",
                               f"Centre de réadaptation {rng.choice(PLACE_NAMES)}",
                               f"Maison de convalescence {rng.choice(SAINTS)}"))
        else:  # 500
            name = rng.choice((f"EHPAD {rng.choice(EHPAD_NAMES)}", f"EHPAD {rng.choice(EHPAD_NAMES)}",
                               f"EHPAD {_de(commune)}", f"Maison de retraite {rng.choice(SAINTS)}"))
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
    private = _largest_remainder(dict(PRIVATE_MIX), n - n_ch - n_hl - n_chs)
    return ["355"] * n_ch + ["292"] * n_chs + ["106"] * n_hl + [c for c, _ in PRIVATE_MIX for _ in range(private[c])]


def _build_establishments(geo: Geography, scale: str, rng: random.Random, today: date) -> list[Establishment]:
    factor = STRESS_FACTOR if scale == "stress" else 1
    # Département weight: population of its communes (≥ 2 000 inhabitants), dampened for rural areas.
    dep_weight = {d: float(sum(c["population"] for c in geo.communes[d])) ** 0.8
                  for r in geo.regions for d in geo.departments[r]}
    if scale == "region":
        region_totals = {GRAND_EST: CDU_ESTABLISHMENTS[GRAND_EST]}
    else:
        others = {r: sum(dep_weight[d] for d in geo.departments[r]) for r in geo.regions if r not in CDU_ESTABLISHMENTS}
        region_totals = {**_largest_remainder(others, NATIONAL_CDU_ESTABLISHMENTS - sum(CDU_ESTABLISHMENTS.values()), 8),
                         **CDU_ESTABLISHMENTS}
    namer = _Namer(rng)
    establishments: list[Establishment] = []

    def make(category, dep, region, row, name=None):
        est = Establishment(category=category, name="", dep=dep, region=region, insee=row["code_insee"],
                            commune=row["nom"], lon=float(row["lon"]), lat=float(row["lat"]),
                            population=float(row["population"]))
        est.name = name or namer.name(category, dep, row["nom"], _dep_label(geo, dep))
        if name:
            namer.used.add((dep, name))
        establishments.append(est)
        return est

    for region in geo.regions:
        deps = geo.departments[region]
        dep_totals = _largest_remainder({d: dep_weight[d] for d in deps}, region_totals[region] * factor, 2)
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
            n_ehpad = max(1, round(EHPAD_PER_CDU_ESTABLISHMENT * dep_totals[dep]))
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
            est.finess = _luhn_complete(f"{prefix}{et_next:0{width}d}")
            if est.category in PUBLIC_CATEGORIES and rng.random() < 0.9:
                ej_next += rng.randint(1, 9)
                est.ej = _luhn_complete(f"{prefix}{ej_next:0{width}d}")
                public_ej[est.insee] = est.ej
            elif est.category == "500" and est.insee in public_ej and rng.random() < 0.3:
                est.ej = public_ej[est.insee]  # EHPAD run by the local hospital
            else:
                ej_next += rng.randint(1, 9)
                est.ej = _luhn_complete(f"{prefix}{ej_next:0{width}d}")


# --------------------------------------------------------------------------------------------------------------
# Bodies
@dataclass
class Body:
    kind: str
    finess: str
    territory: str
    label: str
    seats: tuple[int, int]
    region: str
    dep: str  # "" for a région-level body
    created: int = 0
    closed: int = 0
    partner: int = -1  # CS -> CDU of the same establishment
    cvs_shift: int = 0  # months


def _build_bodies(geo: Geography, establishments: list[Establishment], rng: random.Random) -> list[Body]:
    bodies: list[Body] = []
    for region in geo.regions:
        bodies.append(Body("CRSA", "", region, f"Conférence régionale de la santé et de l'autonomie – "
                           f"{geo.region_names[region]}", (8, 8), region, ""))
        for dep in geo.departments[region]:
            created = TERRITORIAL_BODIES_CREATED.toordinal()
            bodies.append(Body("CTS", "", dep, f"Conseil territorial de santé {_dep_label(geo, dep)}", (4, 4), region,
                               dep, created=created))
            bodies.append(Body("CDCA", "", dep, f"Conseil départemental de la citoyenneté et de l'autonomie "
                               f"{_dep_label(geo, dep)}", (2, 2), region, dep, created=created))
    for est in sorted(establishments, key=lambda e: e.finess):
        common = dict(finess=est.finess, territory=est.dep, region=est.region, dep=est.dep, created=est.opened,
                      closed=est.closed)
        if est.category == "500":
            bodies.append(Body("CVS", label=f"Conseil de la vie sociale – {est.name}", seats=(2, 2),
                               cvs_shift=rng.randint(0, 11), **common))
            continue
        bodies.append(Body("CDU", label=f"Commission des usagers – {est.name}", seats=(2, 2), **common))
        if est.category in PUBLIC_CATEGORIES:
            bodies.append(Body("CS", label=f"Conseil de surveillance – {est.name}", seats=(2, 0),
                               partner=len(bodies) - 1, **common))
    return bodies


# --------------------------------------------------------------------------------------------------------------
# Mandates: seat timelines first, people afterwards
@dataclass
class Mandates:
    body: list[int] = field(default_factory=list)
    role: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    planned_end: list[int] = field(default_factory=list)
    early_end: list[int] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    arrete: list[int] = field(default_factory=list)
    prev: list[int] = field(default_factory=list)
    campaign: list[bool] = field(default_factory=list)
    person: list[int] = field(default_factory=list)

    def add(self, body, role, start, planned_end, early_end, reason, arrete, prev, campaign) -> int:
        self.body.append(body)
        self.role.append(role)
        self.start.append(start)
        self.planned_end.append(planned_end)
        self.early_end.append(early_end)
        self.reason.append(reason)
        self.arrete.append(arrete)
        self.prev.append(prev)
        self.campaign.append(campaign)
        self.person.append(-1)
        return len(self.body) - 1

    def end(self, i: int) -> int:
        return self.early_end[i] or self.planned_end[i]

    def __len__(self) -> int:
        return len(self.body)


def _cycles(body: Body) -> list[tuple[int, int]]:
    starts = CYCLE_STARTS[body.kind]
    if body.kind == "CVS":
        starts = tuple(date(s.year + (s.month - 1 + body.cvs_shift) // 12, (s.month - 1 + body.cvs_shift) % 12 + 1, 1)
                       for s in starts)
    ords = [s.toordinal() for s in starts]
    return [(ords[k], ords[k + 1] - 1) for k in range(len(ords) - 1)]


class _SeatSimulator:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today.toordinal()
        self.store = Mandates()
        self.wave_arrete: dict[tuple[int, int], int] = {}
        self.ge_cycle = CYCLE_STARTS["CDU"][4].toordinal()
        self.campaign_last = GE_CAMPAIGN_ARRETES[-1][0].toordinal()
        self.prorogation_end = GE_PROROGATION_END.toordinal()
        self.prorogated: set[tuple[int, int, int]] = set()

    def plan_cdu_waves(self, bodies: list[Body]) -> None:
        """Pick exactly round(vacancy × seats) CDU seats left vacant at each wave, per région and role."""
        self.cdu_wave_vacant: set[tuple[int, int, int, int]] = set()
        prorogation_pool: list[tuple[int, int, int, int]] = []
        cycles = _cycles(Body("CDU", "", "", "", (2, 2), "", ""))
        for k, (ws, _we) in enumerate(cycles):
            if ws > self.today:
                break
            groups: dict[tuple[str, int], list[tuple[int, int, int, int]]] = {}
            for bi, body in enumerate(bodies):
                if body.kind != "CDU" or (body.created and body.created > ws) or (body.closed and body.closed < ws):
                    continue
                for role in (0, 1):
                    for seat in range(body.seats[role]):
                        groups.setdefault((body.region, role), []).append((bi, role, seat, k))
            for (region, role), seats in sorted(groups.items()):
                v = CDU_VACANCY_2026.get(region, 0.28)
                v_role = 0.3 * v if role == 0 else min(1.7 * v, 0.9)
                vacant = self.rng.sample(seats, round(v_role * CDU_WAVE_TREND[k] * len(seats)))
                self.cdu_wave_vacant.update(vacant)
                if region == GRAND_EST and k == 4:
                    chosen = set(vacant)
                    prorogation_pool.extend(seat for seat in seats if seat not in chosen)
        # Grand Est, end 2025: part of the filled seats only got a prorogation until the 2026 campaign.
        prorogation_pool.sort()
        picked = self.rng.sample(prorogation_pool, min(GE_PROROGATED_SEATS, len(prorogation_pool)))
        self.prorogated = {(bi, role, seat) for bi, role, seat, _k in picked}

    def _end_reason(self, body: Body) -> str:
        return _weighted(self.rng, CVS_END_REASONS if body.kind == "CVS" else END_REASONS)

    def _late_fill(self, body: Body, role: int, vacant_from: int, ws: int, hi: int):
        """(start, arrêté date, campaign?) of a designation on a seat vacant since `vacant_from`, or None."""
        rng = self.rng
        q = LATE_FILL[body.kind][role]
        if body.kind == "CDU" and body.region == GRAND_EST and ws == self.ge_cycle:
            if vacant_from < self.campaign_last - 20:
                if rng.random() < GE_CAMPAIGN_FILL[role]:
                    batches = [(d.toordinal(), w) for d, w in GE_CAMPAIGN_ARRETES if d.toordinal() > vacant_from + 20]
                    arrete = _weighted(rng, batches)
                    return arrete + rng.randint(3, 12), arrete, True
                vacant_from, q = max(vacant_from, date(2026, 8, 1).toordinal()), q * 0.4
            elif vacant_from < self.today:
                q *= 0.6
        if rng.random() >= q:
            return None
        start = vacant_from + 60 + int(rng.expovariate(1 / 240))
        if start > hi - 90:
            return None
        return start, (0 if body.kind == "CVS" else start - rng.randint(5, 20)), False

    def simulate(self, bi: int, body: Body) -> None:
        rng, store, today = self.rng, self.store, self.today
        rate = RESIGNATION_RATE[body.kind]
        cycles = _cycles(body)
        for role in (0, 1):
            for seat in range(body.seats[role]):
                prev = -1
                for k, (ws, we) in enumerate(cycles):
                    if ws > today:
                        break
                    lo = max(ws, body.created or ws)
                    hi = min(we, body.closed or we)
                    if lo > hi:
                        prev = -1
                        continue
                    pending = None
                    if lo == ws:
                        if body.kind == "CDU":
                            filled = (bi, role, seat, k) not in self.cdu_wave_vacant
                        else:
                            filled = rng.random() < WAVE_FILL[body.kind][role]
                        if filled:
                            key = (bi, k)
                            if key not in self.wave_arrete:
                                self.wave_arrete[key] = 0 if body.kind == "CVS" else ws - rng.randint(5, 25)
                            pending = (ws, self.wave_arrete[key], False)
                        else:
                            pending = self._late_fill(body, role, ws, ws, hi)
                    elif rng.random() < (0.9 if role == 0 else 0.6):  # body opened during the cycle
                        start = lo + rng.randint(30, 150)
                        pending = (start, 0 if body.kind == "CVS" else start - rng.randint(5, 20), False)
                    prorogated = k == 4 and body.kind == "CDU" and (bi, role, seat) in self.prorogated
                    last, successor_of = -1, -1
                    while pending is not None and pending[0] <= min(hi, today):
                        start, arrete, campaign = pending
                        planned = self.prorogation_end if prorogated and start == ws else we
                        early, reason = 0, ""
                        resign = start + int(rng.expovariate(rate) * 365.25)
                        if start + 20 < resign < min(hi, planned) and resign <= today:
                            early, reason = resign, self._end_reason(body)
                        elif body.closed and body.closed <= planned and body.closed <= today:
                            early, reason = body.closed, CLOSURE_REASON
                        if start == ws:
                            renew_from = prev if prev >= 0 and rng.random() < RENEWAL else -1
                        else:
                            renew_from = successor_of if successor_of >= 0 and rng.random() < RENEWAL else -1
                        last = store.add(bi, role, start, planned, early, reason, arrete, renew_from, campaign)
                        successor_of = -1
                        if early and early < hi:
                            pending = self._late_fill(body, role, early + 1, ws, hi)
                        elif planned < we and rng.random() < 0.95:  # prorogation ends: the 2026 campaign takes over
                            successor_of = last
                            arrete = _weighted(rng, [(d.toordinal(), w) for d, w in GE_CAMPAIGN_ARRETES[:2]])
                            pending = (planned + 1, arrete, True)
                        elif planned < we:
                            pending = self._late_fill(body, role, planned + 1, ws, hi)
                        else:
                            pending = None
                    prev = last if last >= 0 and not store.early_end[last] else -1


# --------------------------------------------------------------------------------------------------------------
# People
@dataclass
class People:
    last: list[str] = field(default_factory=list)
    first: list[str] = field(default_factory=list)
    birth: list[int] = field(default_factory=list)
    association: list[str] = field(default_factory=list)
    dep: list[str] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)
    active_until: list[int] = field(default_factory=list)
    mandates: list[list[tuple[int, int, int, str]]] = field(default_factory=list)  # (start, end, body, kind)

    def __len__(self) -> int:
        return len(self.last)


class _PeopleMaker:
    NEVER = date(2200, 1, 1).toordinal()

    def __init__(self, geo: Geography, rng: random.Random):
        self.geo = geo
        self.rng = rng
        self.people = People()
        self.keys: set[tuple[str, str, int]] = set()
        self.pools: dict[str, list[int]] = {}
        self.region_of = {d: r for r in geo.regions for d in geo.departments[r]}
        self.associations = {dep: self._association_choices(dep) for r in geo.regions for dep in geo.departments[r]}

    def _association_choices(self, dep: str):
        geo = self.geo
        region = next(r for r in geo.regions if dep in geo.departments[r])
        prefecture = PREFECTURES.get(dep, geo.department_names[dep])
        local = [(f"UDAF {_dep_label(geo, dep)}", 18.0), (f"UFC-Que Choisir {_de(prefecture)}", 8.0)]
        regional = [(a, 1.5) for a in REGIONAL_ASSOCIATIONS.get(region, ())]
        national = [(a, 72.0 / len(NATIONAL_ASSOCIATIONS)) for a in NATIONAL_ASSOCIATIONS]
        return local + regional + national

    def new(self, dep: str, at: int) -> int:
        rng, p = self.rng, self.people
        region = self.region_of[dep]
        share = REGIONAL_SURNAME_SHARE.get(region, 0.0)
        year_max = date.fromordinal(at).year - 25
        while True:
            last = rng.choice(REGIONAL_SURNAMES[region]) if rng.random() < share else rng.choice(SURNAMES)
            first = rng.choice(FEMALE_FIRST_NAMES if rng.random() < 0.56 else MALE_FIRST_NAMES)
            year = min(int(rng.triangular(1940, 1996, 1953)), year_max)
            birth = date(year, 1, 1).toordinal() + rng.randint(0, 364)
            key = (_norm(last), _norm(first), birth)
            if key not in self.keys:
                self.keys.add(key)
                break
        p.last.append(last)
        p.first.append(first)
        p.birth.append(birth)
        p.association.append(_weighted(rng, self.associations[dep]))
        p.dep.append(dep)
        p.gone.append(self.NEVER)
        p.active_until.append(0)
        p.mandates.append([])
        self.pools.setdefault(dep, []).append(len(p.last) - 1)
        return len(p.last) - 1


def _assign_people(geo: Geography, bodies: list[Body], store: Mandates, rng: random.Random) -> People:
    maker = _PeopleMaker(geo, rng)
    p = maker.people
    n = len(store)
    order = np.lexsort((np.array(store.role), np.array(store.body), np.array(store.start))).tolist()
    occupants: dict[int, list[int]] = {}  # body -> mandate indices
    cdu_pools: dict[str, list[int]] = {}  # département -> people who ever held a CDU mandate
    region_deps = {r: geo.departments[r] for r in geo.regions}

    def can_take(pid: int, t: int, bi: int, kind: str) -> bool:
        if p.gone[pid] <= t:
            return False
        cdu = 0
        for s, e, b, k in p.mandates[pid]:
            if s <= t <= e:
                if b == bi:
                    return False
                cdu += k == "CDU"
        return kind != "CDU" or cdu < 3

    def holds_cdu(pid: int, t: int) -> bool:
        return any(k == "CDU" and s <= t <= e for s, e, _b, k in p.mandates[pid])

    def fits(pid: int, t: int, bi: int, kind: str, active: bool) -> bool:
        until = p.active_until[pid]
        if (until < t) if active else not (t - 3 * 365 < until < t):
            return False
        return can_take(pid, t, bi, kind)

    def pick(pool: list[int], t: int, bi: int, kind: str, active: bool = True, tries: int = 8,
             with_cdu: bool = False, without_cdu: bool = False) -> int:
        if not pool:
            return -1
        for _ in range(tries):
            pid = pool[len(pool) - 1 - int(len(pool) * rng.random() ** 1.3)]
            if fits(pid, t, bi, kind, active) and (not (with_cdu or without_cdu) or holds_cdu(pid, t) == with_cdu):
                return pid
        return -1

    for i in order:
        bi = store.body[i]
        body = bodies[bi]
        t, end = store.start[i], store.end(i)
        pid = -1
        if store.prev[i] >= 0:  # renewal: same person, if still around
            candidate = store.person[store.prev[i]]
            if candidate >= 0 and can_take(candidate, t, bi, body.kind):
                pid = candidate
        dep = body.dep or rng.choice(region_deps[body.region])
        pool = maker.pools.get(dep, [])
        if pid < 0:
            u = rng.random()
            if body.kind == "CDU":
                if u < 0.38:
                    pid = pick(pool, t, bi, "CDU")
                elif u < 0.45:
                    pid = pick(pool, t, bi, "CDU", active=False)
                else:  # an RU still sitting elsewhere (CVS, CS…) who lost their CDU seat takes this one
                    pid = pick(cdu_pools.get(dep, []), t, bi, "CDU", tries=10, without_cdu=True)
            else:
                if body.kind == "CS" and u < 0.5:
                    mates = [store.person[j] for j in occupants.get(body.partner, ())
                             if store.start[j] <= t <= store.end(j)]
                    mates = [m for m in mates if fits(m, t, bi, "CS", True)]
                    pid = mates[0] if mates else -1
                if pid < 0 and rng.random() < 0.97:
                    pid = pick(cdu_pools.get(dep, []), t, bi, body.kind, tries=25, with_cdu=True)
                if pid < 0 and rng.random() < 0.8:
                    pid = pick(pool, t, bi, body.kind, tries=12)
        if pid < 0:
            pid = maker.new(dep, t)
        store.person[i] = pid
        p.mandates[pid].append((t, end, bi, body.kind))
        if end > p.active_until[pid]:
            p.active_until[pid] = end
        if store.reason[i] in LEAVING_REASONS:
            p.gone[pid] = min(p.gone[pid], end)
        occupants.setdefault(bi, []).append(i)
        if body.kind == "CDU" and not any(k == "CDU" for _s, _e, _b, k in p.mandates[pid][:-1]):
            cdu_pools.setdefault(dep, []).append(pid)
    # Someone who moved away, fell ill or died leaves all their seats that day; when the first
    # resignation letter only covered one seat, the others go on (the reason is then a plain resignation).
    by_person: dict[int, list[int]] = {}
    for i in range(n):
        by_person.setdefault(store.person[i], []).append(i)
    for i in range(n):
        if store.reason[i] in LEAVING_REASONS and store.early_end[i]:
            e = store.early_end[i]
            others = [j for j in by_person[store.person[i]] if j != i and store.end(j) > e]
            if not others:
                continue
            if rng.random() < 0.35:
                for j in others:
                    if store.start[j] <= e:
                        store.early_end[j], store.reason[j] = e, store.reason[i]
            else:
                store.reason[i] = "démission"
    return p


# --------------------------------------------------------------------------------------------------------------
# Writing helpers
def _write_csv(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "utf-8",
               delimiter: str = ";", lineterminator: str = "\n") -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


_FIXED_ZIP_TIME = (2026, 1, 21, 0, 0, 0)


def _write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list], date_columns: set[int]) -> int:
    """Excel file with real date cells, made byte-reproducible (fixed document and zip timestamps)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    for col in date_columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            if cell.value is not None:
                cell.number_format = "DD/MM/YYYY"
    fixed = datetime(2026, 1, 21, 0, 0, 0)
    wb.properties.creator = "Observatoire de la démocratie en santé (démo)"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            out = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o600 << 16
            dst.writestr(out, data)
    return len(rows)


def _damage(error: PlantedError, header: list[str], row: list[str]) -> None:
    col = header.index(error.column)
    value = row[col]
    if error.kind == "lost_leading_zero":
        row[col] = value[1:] if value.startswith("0") else value.lstrip("0") or "8"
    elif error.kind == "impossible_date":
        row[col] = "31/02/2025"
    elif error.kind == "unknown_role":
        row[col] = "membre"
    elif error.kind == "end_before_start":
        start = row[header.index("date_debut")]
        row[col] = f"{start[:6]}{int(start[6:]) - 1}"
    elif error.kind == "finess_without_body":
        row[col] = UNKNOWN_FINESS
    elif error.kind == "missing_value":
        row[col] = ""
    elif error.kind == "present_above_expected":
        row[col] = str(int(row[header.index("ru_attendus")]) + 2)
    elif error.kind == "corsica_20":
        row[col] = "20"
    else:  # pragma: no cover - a typo in PLANTED_ERRORS
        raise ValueError(error.kind)


def _plant(rel: str, scale: str, header: list[str], rows: list[list[str]]) -> None:
    for error in PLANTED_ERRORS:
        if error.file == rel and scale in error.scales and 0 <= error.line - 2 < len(rows):
            _damage(error, header, rows[error.line - 2])


# --------------------------------------------------------------------------------------------------------------
# Name spellings: the same person is mostly written the same way, sometimes not.
def _spelling(rng: random.Random, last: str, first: str) -> tuple[str, str]:
    canonical = (last.upper(), first)
    if rng.random() >= 0.06:
        return canonical
    variant = rng.randrange(6)
    if variant == 0:
        return last.lower(), first.lower().replace("-", " ")
    if variant == 1:
        return _strip_accents(last.upper()), _strip_accents(first)
    if variant == 2:
        if "-" in first:
            return last.upper(), first.replace("-", "  ")
        if " " in last:
            return last.upper().replace(" ", "  "), first
        return last.upper() + " ", " " + first
    if variant == 3:
        return last, first
    if variant == 4:
        return last.upper(), first.upper()
    return last.upper().replace(" ", "-"), first.replace("-", " ")


# --------------------------------------------------------------------------------------------------------------
# Files
def _finess_rows(establishments: list[Establishment], geo: Geography, rng: random.Random,
                 np_rng: np.random.Generator, extraction: date) -> tuple[list[list[str]], list[list[str]]]:
    ests = sorted(establishments, key=lambda e: e.finess)
    outside = []
    for dept, libdep, insee, commune, lon, lat, projection, prefix, category, name in OUTSIDE_ESTABLISHMENTS:
        est = Establishment(category=category, name=name, dep=dept, region="", insee=insee, commune=commune, lon=lon,
                            lat=lat, population=5000.0, sph="1" if category == "355" else "",
                            dateouv=date(1975 + len(outside), 1, 1).toordinal())
        est.finess = _luhn_complete(f"{prefix}{100 + 17 * len(outside):04d}")
        est.ej = _luhn_complete(f"{prefix}{5100 + 17 * len(outside):04d}")
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
    iso = _DateText(iso=True)
    for idx, (est, libdep_outside, projection) in enumerate(everything):
        projection = projection or (OVERSEAS[est.dep][2] if est.dep in OVERSEAS else "LAMBERT_93")
        if libdep_outside:
            dep_field, libdep, phone = est.dep, libdep_outside, "0508"
        elif est.dep in OVERSEAS:
            dep_field, libdep, phone = OVERSEAS[est.dep][0], OVERSEAS[est.dep][1], REGIONS[est.region][2]
        else:
            dep_field = est.dep
            libdep = _strip_accents(geo.department_names[est.dep]).upper().replace("-", " ").replace("'", " ")
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
        town = _strip_accents(est.commune).upper().replace("-", " ").replace("'", " ")
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
        siret = _luhn_complete(("26" if est.sph == "1" else rng.choice(("31", "44", "53", "77"))) +
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
        structure.append([_cp1252_safe(f) for f in fields])
        geo_maj = date(extraction.year, 1, 1).toordinal() + rng.randint(0, extraction.toordinal() -
                                                                         date(extraction.year, 1, 1).toordinal() - 1)
        geoloc.append(["geolocalisation", est.finess, f"{xy[idx, 0]:.1f}", f"{xy[idx, 1]:.1f}",
                       SOURCECOORD_PREFIX + projection, iso(geo_maj)])
    return structure, geoloc


def _write_finess(out_dir: Path, establishments, geo, rng, np_rng, today: date) -> dict[str, int]:
    extraction = date(today.year, today.month, 1)
    structure, geoloc = _finess_rows(establishments, geo, rng, np_rng, extraction)
    name = f"demo_etalab-cs1100507-stock-{extraction:%Y%m%d}-0430.csv"
    path = out_dir / "finess" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="cp1252", newline="") as handle:
        handle.write(f"finess;etalab;{FINESS_EXTRACT_NUMBER};{extraction.isoformat()}\n")
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerows(structure)
        writer.writerows(geoloc)
    return {f"finess/{name}": len(structure) + len(geoloc)}


def _write_instances(out_dir: Path, bodies: list[Body], scale: str) -> dict[str, int]:
    fmt = _DateText()
    order = sorted(range(len(bodies)), key=lambda i: (bodies[i].region, BODY_ORDER[bodies[i].kind],
                                                      bodies[i].territory, bodies[i].finess))
    rows = []
    for i in order:
        b = bodies[i]
        rows.append([b.kind, b.finess, b.territory, b.label, str(b.seats[0]), str(b.seats[1]), fmt(b.created),
                     fmt(b.closed)])
    rel = "instances/demo_instances.csv"
    _plant(rel, scale, schemas.BODIES.headers, rows)
    return {rel: _write_csv(out_dir / rel, schemas.BODIES.headers, rows)}


def _arrete_references(bodies: list[Body], store: Mandates, rng: random.Random) -> dict[tuple[int, int], str]:
    """One arrêté per (body, date): ARS-GE-2025-0412, numbered in date order within région and year."""
    keys = sorted({(bodies[store.body[i]].region, store.arrete[i], store.body[i]) for i in range(len(store))
                   if store.arrete[i]})
    refs: dict[tuple[int, int], str] = {}
    counters: dict[tuple[str, int], int] = {}
    for region, arrete, bi in keys:
        year = date.fromordinal(arrete).year
        counters[(region, year)] = counters.get((region, year), rng.randint(5, 40)) + rng.randint(1, 4)
        refs[(bi, arrete)] = f"ARS-{REGIONS[region][1]}-{year}-{counters[(region, year)]:04d}"
    return refs


def _write_nominations(out_dir: Path, bodies, store: Mandates, people: People, rng: random.Random,
                       scale: str) -> dict[str, int]:
    refs = _arrete_references(bodies, store, rng)
    files: dict[tuple[str, int], list[int]] = {}
    for i in range(len(store)):
        b = bodies[store.body[i]]
        when = store.arrete[i] or store.start[i]
        files.setdefault((b.region, date.fromordinal(when).year), []).append(i)
    header = schemas.MANDATES.headers
    written: dict[str, int] = {}
    for region, year in sorted(files):
        idx = sorted(files[(region, year)], key=lambda i: (
            bodies[store.body[i]].finess == "", bodies[store.body[i]].finess, BODY_ORDER[bodies[store.body[i]].kind],
            bodies[store.body[i]].territory, store.role[i], store.start[i], people.last[store.person[i]], i))
        iso = region == "53" and year == 2023
        xlsx = region == GRAND_EST and year == 2026
        fmt = _DateText(iso=iso)
        d = (lambda o: date.fromordinal(o) if o else None) if xlsx else fmt
        rows = []
        for i in idx:
            b = bodies[store.body[i]]
            pid = store.person[i]
            last, first = _spelling(rng, people.last[pid], people.first[pid])
            ref = refs.get((store.body[i], store.arrete[i]), "")
            rows.append([b.finess, "" if b.finess else b.territory, b.kind, ROLE_NAMES[store.role[i]], last, first,
                         d(people.birth[pid]), people.association[pid], d(store.start[i]), d(store.planned_end[i]),
                         d(store.early_end[i]), store.reason[i], ref, d(store.arrete[i])])
        name = f"demo_arretes_{region}_{year}"
        if xlsx:
            rel = f"nominations/{name}.xlsx"
            dates = {header.index(h) for h in ("date_naissance", "date_debut", "date_fin", "date_fin_anticipee",
                                               "date_arrete")}
            written[rel] = _write_xlsx(out_dir / rel, "Arrêtés 2026", header, rows, dates)
            continue
        rel = f"nominations/{name}.csv"
        _plant(rel, scale, header, rows)
        if region == "11" and year == 2024:
            written[rel] = _write_csv(out_dir / rel, header, rows, encoding="cp1252", lineterminator="\r\n")
        elif iso:
            written[rel] = _write_csv(out_dir / rel, header, rows, delimiter="\t")
        else:
            written[rel] = _write_csv(out_dir / rel, header, rows)
    return written


def _sessions(region: str, deps: list[str], big: bool, rng: random.Random, until: int) -> list[tuple[int, str, str]]:
    """« RU en Avant ! » sessions of a région: (date, code, département), every 6 weeks (3 months if small)."""
    sessions = []
    step = 45 if big else 91
    t = date(2016, 2, 1).toordinal() + rng.randint(0, 20)
    per_year: dict[int, int] = {}
    k = 0
    while t <= until:
        day = _weekday_on_or_after(t, (3,))  # Thursday: 2 days in person, Thursday–Friday
        year = date.fromordinal(day).year
        per_year[year] = per_year.get(year, 0) + 1
        sessions.append((day, f"REA-{region}-{year}-{per_year[year]:02d}", deps[k % len(deps)]))
        k += 1
        t += step + rng.randint(-10, 10)
    return sessions


def _write_formations(out_dir: Path, geo: Geography, bodies, store: Mandates, people: People, rng: random.Random,
                      today: date, scale: str) -> dict[str, int]:
    today_o = today.toordinal()
    first_designation: dict[int, int] = {}
    for i in range(len(store)):
        if bodies[store.body[i]].kind == "CVS":
            continue  # CVS members are elected, « RU en Avant ! » is for RU designated by the ARS
        pid = store.person[i]
        if pid not in first_designation or store.start[i] < first_designation[pid]:
            first_designation[pid] = store.start[i]
    region_of_dep = {d: r for r in geo.regions for d in geo.departments[r]}
    by_region: dict[str, list[int]] = {}
    for pid in sorted(first_designation):
        by_region.setdefault(region_of_dep[people.dep[pid]], []).append(pid)
    cdu_count = {}
    for b in bodies:
        if b.kind == "CDU":
            cdu_count[b.region] = cdu_count.get(b.region, 0) + 1
    header = schemas.TRAININGS.headers
    fmt = _DateText()
    written = {}
    start_2016 = date(2016, 1, 1).toordinal()
    for region in geo.regions:
        sessions = _sessions(region, geo.departments[region], cdu_count.get(region, 0) > 80, rng, today_o + 180)
        dates = [s[0] for s in sessions]
        partner_sessions = []
        for year in range(2025, today.year + 2):
            for month, k in ((3, 1), (10, 2)):
                day = _weekday_on_or_after(date(year, month, 10).toordinal() + rng.randint(0, 10), (1,))
                if day <= today_o + 180:
                    partner_sessions.append((day, f"RPP-{region}-{year}-{k:02d}",
                                             geo.departments[region][(year + k) % len(geo.departments[region])]))
        records = []  # (date, session code, dep, training, pid, status)

        def attend(pid, lo, hi, status_if_past="present", training="RU en Avant !"):
            a, b = bisect_left(dates, lo), bisect_right(dates, hi)
            if a >= b:
                return None
            day, code, dep = sessions[rng.randrange(a, b)]
            status = "inscrit" if day > today_o else status_if_past
            records.append((day, code, dep, training, pid, status))
            return day

        for pid in by_region.get(region, []):
            first = first_designation[pid]
            if first < start_2016:
                if rng.random() < 0.45:
                    attend(pid, start_2016, date(2017, 12, 31).toordinal())
                continue
            good = 0.84 if region == GRAND_EST and first >= date(2026, 1, 1).toordinal() else 0.75
            u = rng.random()
            if u < good:
                day = attend(pid, first + 14, first + 182)
            elif u < good + 0.10:
                if rng.random() < 0.5:
                    attend(pid, first + 14, first + 182, rng.choice(("absent", "excuse")))
                day = attend(pid, first + 183, first + 540)
            else:
                if rng.random() < 0.4:
                    attend(pid, first + 14, first + 182, rng.choice(("absent", "excuse", "absent")))
                day = None
            if day and day <= today_o and rng.random() < 0.05:
                attend(pid, day + 60, today_o)  # second participation: must not count as a second trained RU
        # « RU et patients partenaires : agir ensemble » (from 2025): a few active RU each session.
        active = by_region.get(region, [])
        for day, code, dep in partner_sessions:
            for pid in active:
                if people.active_until[pid] >= day and first_designation[pid] <= day and rng.random() < 0.05:
                    status = "inscrit" if day > today_o else (
                        "present" if rng.random() < 0.85 else rng.choice(("absent", "excuse")))
                    records.append((day, code, dep, "RU et patients partenaires : agir ensemble", pid, status))
        records.sort(key=lambda r: (r[0], r[1], _norm(people.last[r[4]]), _norm(people.first[r[4]]), r[4], r[5]))
        rows = []
        for day, code, dep, training, pid, status in records:
            last, first = _spelling(rng, people.last[pid], people.first[pid])
            rows.append([training, code, fmt(day), dep, last, first, fmt(people.birth[pid]),
                         people.association[pid], status])
        rel = f"formations/demo_formations_{region}.csv"
        _plant(rel, scale, header, rows)
        written[rel] = _write_csv(out_dir / rel, header, rows)
    return written


def _meeting_dates(np_rng: np.random.Generator, n_bodies: int, years: range, months: tuple[int, ...],
                   spread: int) -> np.ndarray:
    """Day ordinals, shape (n_bodies, len(years) * len(months)), on weekdays, body-specific rhythm."""
    base_shift = np_rng.integers(0, spread + 1, size=(n_bodies, 1))
    ys = np.repeat(np.array(list(years)), len(months))
    ms = np.tile(np.array(months), len(years))
    month_index = (ys - 1970) * 12 + (ms - 1)
    month_index = month_index[None, :] + base_shift
    days = np_rng.integers(0, 26, size=month_index.shape)
    d64 = month_index.astype("datetime64[M]").astype("datetime64[D]") + days
    d64 = np.busday_offset(d64, 0, roll="forward")
    return d64.astype("int64") + date(1970, 1, 1).toordinal()


def _write_seances(out_dir: Path, geo: Geography, bodies: list[Body], store: Mandates, np_rng: np.random.Generator,
                   today: date, scale: str) -> dict[str, int]:
    today_o = today.toordinal()
    base = date(2000, 1, 1).toordinal()
    body_arr = np.array(store.body, dtype=np.int64)
    starts = body_arr * 1_000_000 + (np.array(store.start, dtype=np.int64) - base)
    ends = body_arr * 1_000_000 + (np.array([store.end(i) for i in range(len(store))], dtype=np.int64) + 1 - base)
    starts.sort()
    ends.sort()
    years = range(2016, today.year + 1)
    parts = []
    fmt = _DateText()
    for kind, months, spread in (("CRSA", (3, 6, 10), 0), ("CTS", (2, 5, 11), 1), ("CDU", (2, 5, 9, 11), 1)):
        idx = np.array([i for i, b in enumerate(bodies) if b.kind == kind], dtype=np.int64)
        if not len(idx):
            continue
        when = _meeting_dates(np_rng, len(idx), years, months, spread)
        created = np.array([bodies[i].created for i in idx])[:, None]
        closed = np.array([bodies[i].closed or 10 ** 7 for i in idx])[:, None]
        first_wave = CYCLE_STARTS[kind][0].toordinal()  # no meeting before the first RU are designated
        valid = (when <= today_o) & (when >= np.maximum(created, first_wave)) & (when < closed)
        query = idx[:, None] * 1_000_000 + (when - base)
        expected = np.searchsorted(starts, query, side="right") - np.searchsorted(ends, query, side="right")
        p_body = np_rng.beta(6.5, 3.5, size=(len(idx), 1))
        present = np_rng.binomial(np.maximum(expected, 0), np.broadcast_to(p_body, expected.shape))
        # A few bodies where no RU came for several meetings in a row.
        for r in np.flatnonzero(np_rng.random(len(idx)) < 0.03):
            cols = np.flatnonzero(valid[r])
            if len(cols) > 6:
                s = int(np_rng.integers(0, len(cols) - 5))
                present[r, cols[s:s + int(np_rng.integers(3, 6))]] = 0
        r, c = np.nonzero(valid)
        parts.append((idx[r], when[r, c], expected[r, c], present[r, c]))
    body_idx, day, expected, present = (np.concatenate(columns) for columns in zip(*parts))
    # File order: CRSA, then CTS by département, then CDU by FINESS; each body by date.
    ranked = sorted(range(len(bodies)), key=lambda i: (BODY_ORDER[bodies[i].kind], bodies[i].territory
                                                       if not bodies[i].finess else "", bodies[i].finess))
    rank = np.empty(len(bodies), dtype=np.int64)
    rank[ranked] = np.arange(len(bodies))
    order = np.lexsort((day, rank[body_idx]))
    body_idx, day, expected, present = body_idx[order], day[order], expected[order], present[order]
    region_of = np.array([b.region for b in bodies])[body_idx]
    unique_days, inverse = np.unique(day, return_inverse=True)
    day_text = np.array([fmt(int(d)) for d in unique_days], dtype=object)[inverse]
    header = schemas.MEETINGS.headers
    written = {}
    for region in geo.regions:
        sel = np.flatnonzero(region_of == region)
        rows = [[bodies[bi].finess, "" if bodies[bi].finess else bodies[bi].territory, bodies[bi].kind, d, str(e), str(p)]
                for bi, d, e, p in zip(body_idx[sel].tolist(), day_text[sel].tolist(), expected[sel].tolist(),
                                       present[sel].tolist())]
        rel = f"seances/demo_seances_{region}.csv"
        _plant(rel, scale, header, rows)
        written[rel] = _write_csv(out_dir / rel, header, rows)
    return written


CONVENTION_ID = "GE-2026-2028"
CONVENTION_TARGETS = {
    "taux_vacance": (22, 18, 15), "taux_vacance_suppleants": (35, 28, 22), "part_cdu_completes": (45, 55, 65),
    "taux_formation_6m": (80, 85, 90), "taux_participation": (65, 70, 75), "taux_realisation_campagne": (75, 85, 90),
}
DEPARTMENT_VACANCY_TARGETS_2028 = {"08": 16, "10": 15, "51": 14, "52": 17, "54": 13, "55": 17, "57": 14, "67": 12,
                                   "68": 14, "88": 16}
CONVENTION_MILESTONES = (
    ("16/03/2026", "revue_strategique", "Revue stratégique de lancement : priorités et feuille de route 2026"),
    ("18/06/2026", "comite_suivi", "Comité de suivi n° 1 – point sur la campagne de désignation"),
    ("10/12/2026", "comite_suivi", "Comité de suivi n° 2 – bilan de l'année 2026"),
    ("04/02/2027", "revue_strategique", "Revue stratégique annuelle 2027 entre les directions"),
    ("17/06/2027", "comite_suivi", "Comité de suivi n° 3"),
    ("18/11/2027", "bilan_intermediaire", "Bilan intermédiaire de la convention (mi-parcours)"),
    ("09/12/2027", "comite_suivi", "Comité de suivi n° 4 – suites du bilan intermédiaire"),
    ("27/01/2028", "revue_strategique", "Revue stratégique annuelle 2028 entre les directions"),
    ("15/06/2028", "comite_suivi", "Comité de suivi n° 5"),
    ("23/11/2028", "bilan_final", "Bilan final de la convention 2026-2028"),
    ("14/12/2028", "comite_suivi", "Comité de suivi n° 6 – clôture et perspectives"),
)
CONVENTION_ACTIONS = (
    ("A01", "Réduire la vacance des sièges", "Lancer la campagne de désignation CDU 2026 (400 sièges)",
     "ARS – Direction de la stratégie", "29/05/2026", "fait"),
    ("A02", "Réduire la vacance des sièges", "Publier les arrêtés de désignation dans les deux mois suivant la clôture",
     "ARS – Direction de la stratégie", "31/07/2026", "fait"),
    ("A03", "Réduire la vacance des sièges", "Relancer les associations sur les sièges de suppléants restés vacants",
     "FAS GE – délégation régionale", "30/09/2026", "en_cours"),
    ("A04", "Réduire la vacance des sièges", "Tableau de bord trimestriel des sièges vacants par département",
     "ARS – Mission démocratie en santé", "31/03/2027", "en_cours"),
    ("A05", "Former les représentants des usagers", "Programmer 8 sessions « RU en Avant ! » par an dans la région",
     "FAS GE – pôle formation", "31/12/2026", "en_cours"),
    ("A06", "Former les représentants des usagers", "Suivre le délai entre désignation et formation de base",
     "FAS GE – pôle formation", "30/06/2026", "fait"),
    ("A07", "Former les représentants des usagers", "Ouvrir le module « RU et patients partenaires : agir ensemble »",
     "FAS GE – pôle formation", "31/03/2027", "a_faire"),
    ("A08", "Renforcer la participation réelle", "Recueillir les feuilles de présence des CDU auprès des établissements",
     "ARS – Direction de la qualité et de la performance", "30/09/2026", "a_faire"),
    ("A09", "Renforcer la participation réelle", "Accompagner les CDU sans RU présent depuis trois séances",
     "ARS – Délégations territoriales", "31/12/2027", "a_faire"),
    ("A10", "Communiquer vers les usagers", "Campagne « Soigne tes Droits » dans les établissements",
     "FAS GE – délégation régionale", "31/10/2026", "en_cours"),
    ("A11", "Communiquer vers les usagers", "Semaine de la sécurité des patients : kit commun ARS / FAS",
     "ARS – Direction de la communication", "27/11/2026", "en_cours"),
    ("A12", "Communiquer vers les usagers", "Annuaire public des RU (avec consentement à la publication)",
     "ARS – Mission démocratie en santé", "30/06/2026", "abandonne"),
    ("A13", "Expérience patient et partenariat", "Recenser les démarches de patients partenaires en établissement",
     "FAS GE – délégation régionale", "31/12/2027", "a_faire"),
    ("A14", "Expérience patient et partenariat", "Journée régionale expérience patient et partenariat",
     "ARS – Direction de la stratégie", "30/06/2028", "a_faire"),
)


def _write_convention(out_dir: Path) -> dict[str, int]:
    written = {}
    rel = "convention/demo_convention.csv"
    written[rel] = _write_csv(out_dir / rel, schemas.CONVENTIONS.headers, [[
        CONVENTION_ID, "Convention de partenariat ARS Grand Est – France Assos Santé Grand Est", GRAND_EST,
        "ARS Grand Est", "France Assos Santé Grand Est", "21/01/2026", "01/01/2026", "31/12/2028"]])
    targets = [[CONVENTION_ID, indicator, "region", GRAND_EST, str(year), str(value)]
               for indicator, values in CONVENTION_TARGETS.items() for year, value in zip((2026, 2027, 2028), values)]
    targets += [[CONVENTION_ID, "taux_vacance", "departement", dep, "2028", str(value)]
                for dep, value in DEPARTMENT_VACANCY_TARGETS_2028.items()]
    rel = "convention/demo_cibles.csv"
    written[rel] = _write_csv(out_dir / rel, schemas.TARGETS.headers, targets)
    rel = "convention/demo_jalons.csv"
    written[rel] = _write_csv(out_dir / rel, schemas.MILESTONES.headers,
                              [[CONVENTION_ID, *m] for m in CONVENTION_MILESTONES])
    rel = "convention/demo_actions.csv"
    written[rel] = _write_csv(out_dir / rel, schemas.ACTIONS.headers, [[CONVENTION_ID, *a] for a in CONVENTION_ACTIONS])
    return written


def _month_ends(first: date, last: date) -> list[date]:
    out = []
    y, m = first.year, first.month
    while True:
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        if end > last:
            return out
        out.append(end)
        y, m = nxt.year, nxt.month


def _write_campagnes(out_dir: Path, geo: Geography, bodies: list[Body], store: Mandates, rng: random.Random,
                     today: date) -> dict[str, int]:
    fmt = _DateText()
    wave = CYCLE_STARTS["CDU"][4].toordinal()
    rows = []
    seats = {}
    for b in bodies:
        if b.kind == "CDU" and not (b.closed and b.closed < wave):
            seats[b.region] = seats.get(b.region, 0) + 4
    wave_arretes: dict[str, list[int]] = {}
    campaign_arretes: list[int] = []
    for i in range(len(store)):
        b = bodies[store.body[i]]
        if b.kind != "CDU" or not store.arrete[i]:
            continue
        if store.campaign[i]:
            campaign_arretes.append(store.arrete[i])
        elif wave - 200 <= store.arrete[i] and wave <= store.start[i] <= wave + 31:
            wave_arretes.setdefault(b.region, []).append(store.arrete[i])
    for region in geo.regions:
        arretes = sorted(wave_arretes.get(region, []))
        if region == "84":
            opens, closes, label = date(2025, 6, 2), date(2025, 9, 15), "Campagne de désignation des RU en CDU 2025"
            snapshots = _month_ends(opens, min(today, date(2025, 12, 31)))
            opened = AURA_CAMPAIGN_SEATS
        else:
            opens, closes = date(2025, 6, 2) + timedelta(days=rng.randint(0, 30)), date(2025, 9, 30)
            label = "Renouvellement des RU en CDU – fin 2025"
            snapshots = [date(2025, 12, 31)]
            opened = seats.get(region, 0)
        final = len(arretes)
        candidacies = int(final * rng.uniform(1.05, 1.2))
        for snap in snapshots:
            s = snap.toordinal()
            designated = sum(1 for a in arretes if a <= s)
            share = min(1.0, max(0.0, (s - opens.toordinal()) / max(closes.toordinal() - opens.toordinal(), 1)))
            rows.append([region, "CDU", label, fmt(opens.toordinal()), fmt(closes.toordinal()), fmt(s), str(opened),
                         str(max(designated, int(candidacies * share ** 0.8))), str(designated)])
    if GRAND_EST in geo.regions:
        campaign_arretes.sort()
        final = len(campaign_arretes)
        candidacies = int(final * 1.28) + 7
        for snap in _month_ends(GE_CAMPAIGN_OPENS, today):
            s = snap.toordinal()
            designated = sum(1 for a in campaign_arretes if a <= s)
            share = min(1.0, (s - GE_CAMPAIGN_OPENS.toordinal()) / (GE_CAMPAIGN_CLOSES.toordinal() -
                                                                    GE_CAMPAIGN_OPENS.toordinal()))
            received = max(designated, int(candidacies * share ** 0.7) + (2 * (s > GE_CAMPAIGN_CLOSES.toordinal())))
            rows.append([GRAND_EST, "CDU", "Campagne de désignation des RU en CDU 2026", fmt(GE_CAMPAIGN_OPENS.toordinal()),
                         fmt(GE_CAMPAIGN_CLOSES.toordinal()), fmt(s), str(GE_CAMPAIGN_SEATS), str(received),
                         str(designated)])
    rel = "campagnes/demo_campagnes.csv"
    return {rel: _write_csv(out_dir / rel, schemas.CAMPAIGNS.headers, rows)}


# --------------------------------------------------------------------------------------------------------------
def generate(out_dir: Path, scale: str = "national", seed: int = DEFAULT_SEED, today: date = DEFAULT_TODAY,
             *, reference_dir: Path | None = None) -> dict[str, int]:
    """Write the DEMO raw files under out_dir/<source>/ and return the rows written per file (relative path).

    Existing `demo_*` files of these sources are removed first, so switching scale leaves no stale file.
    The FINESS extract counts its structureet + geolocalisation rows (not the first line).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, not {scale!r}")
    out_dir = Path(out_dir)
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    geo = _load_geography(Path(reference_dir or REFERENCE_DIR), scale)
    for source in SOURCES:
        folder = out_dir / source
        if folder.is_dir():
            for old in sorted(folder.glob("demo_*")):
                old.unlink()
    establishments = _build_establishments(geo, scale, rng, today)
    bodies = _build_bodies(geo, establishments, rng)
    simulator = _SeatSimulator(rng, today)
    simulator.plan_cdu_waves(bodies)
    for bi, body in enumerate(bodies):
        simulator.simulate(bi, body)
    store = simulator.store
    people = _assign_people(geo, bodies, store, rng)
    written: dict[str, int] = {}
    written.update(_write_finess(out_dir, establishments, geo, rng, np_rng, today))
    written.update(_write_instances(out_dir, bodies, scale))
    written.update(_write_nominations(out_dir, bodies, store, people, rng, scale))
    written.update(_write_formations(out_dir, geo, bodies, store, people, rng, today, scale))
    written.update(_write_seances(out_dir, geo, bodies, store, np_rng, today, scale))
    written.update(_write_convention(out_dir))
    written.update(_write_campagnes(out_dir, geo, bodies, store, rng, today))
    return dict(sorted(written.items()))
