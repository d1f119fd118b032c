"""Typed parsers for raw cells: each returns (value, problem) where problem is (code, severity, message_fr)."""
from __future__ import annotations

import datetime as dt
import re

from observatoire.base import formatting, referential
from pipelines.issues import ERROR, WARNING
from pipelines.reading import normalize_label

Problem = tuple[str, str, str] | None

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
EXCEL_EPOCH = dt.date(1899, 12, 30)
INT_MAX = 2**31 - 1  # the store's integers are 32-bit

# Plausibility bounds: a date outside them, or a birth date giving such an age, is a typing error.
EARLIEST_DATE = dt.date(2000, 1, 1)
YEARS_AHEAD = 10
AGE_RANGE = (16, 110)

# End reasons are a closed list: free text may name people, so it is never stored.
END_REASONS = ("décès", "démission", "fin de mandat", "incompatibilité", "autre")
END_REASON_ALIASES = {
    "deces": "décès", "decede": "décès", "decedee": "décès",
    "demission": "démission", "demissionnaire": "démission", "demissionne": "démission", "demissionnee": "démission",
    "findemandat": "fin de mandat", "findumandat": "fin de mandat", "terme": "fin de mandat",
    "termedumandat": "fin de mandat", "expiration": "fin de mandat", "finnormale": "fin de mandat",
    "incompatibilite": "incompatibilité",
    "autre": "autre", "autres": "autre", "demenagement": "autre", "raisonsdesante": "autre",
    "raisondesante": "autre", "departdeletablissement": "autre", "fermeturedeletablissement": "autre",
    "depart": "autre", "mutation": "autre",
}
# Keywords found inside a longer text (« démission de M. X ») give the category; the rest is dropped.
_END_REASON_KEYWORDS = (("decede", "décès"), ("deces", "décès"), ("demission", "démission"),
                        ("incompatib", "incompatibilité"), ("findemandat", "fin de mandat"),
                        ("findumandat", "fin de mandat"))

CHOICE_ALIASES = {
    # role
    "t": "titulaire", "tit": "titulaire", "titulaires": "titulaire",
    "s": "suppleant", "sup": "suppleant", "suppl": "suppleant", "suppleante": "suppleant", "suppleants": "suppleant",
    # training status
    "presente": "present", "presents": "present", "oui": "present", "inscrite": "inscrit",
    "absente": "absent", "excusee": "excuse", "non": "absent",
    # body types
    "commissiondesusagers": "CDU", "conseildelaviesociale": "CVS", "conseildesurveillance": "CS",
    "conferenceregionaledelasanteetdelautonomie": "CRSA", "conseilterritorialdesante": "CTS",
    # survey / target levels
    "nationale": "national", "regional": "region", "regionale": "region", "departemental": "departement",
    "dept": "departement",
    # action statuses
    "afaire": "a_faire", "encours": "en_cours", "termine": "fait", "realise": "fait", "realisee": "fait",
    "abandonnee": "abandonne",
    # « Démarches simplifiées » dossier states
    "sanssuite": "Classé sans suite",
    # milestone types
    "comitedesuivi": "comite_suivi", "groupedesuivi": "comite_suivi", "revuestrategique": "revue_strategique",
    "bilanintermediaire": "bilan_intermediaire", "bilanfinal": "bilan_final",
}


def clean_text(raw: str) -> str | None:
    text = _SPACES.sub(" ", raw or "").strip()
    return text or None


def parse_int(raw: str) -> tuple[int | None, Problem]:
    text = _SPACES.sub("", raw or "")
    if not text:
        return None, None
    number, problem = parse_float(text)
    if problem:
        return None, ("entier_invalide", ERROR, f"« {raw} » n'est pas un nombre entier.")
    if number != int(number) or number < 0:
        return None, ("entier_invalide", ERROR, f"« {raw} » n'est pas un nombre entier positif.")
    if number > INT_MAX:
        return None, ("entier_trop_grand", ERROR,
                      f"« {raw} » est un nombre invraisemblablement grand (au plus {formatting.number(INT_MAX)}).")
    return int(number), None


def parse_float(raw: str) -> tuple[float | None, Problem]:
    text = _SPACES.sub("", raw or "").rstrip("%")
    if not text:
        return None, None
    if "," in text:
        text = text.replace(".", "").replace(",", ".") if text.count(",") == 1 else text
    try:
        return float(text), None
    except ValueError:
        return None, ("nombre_invalide", ERROR, f"« {raw} » n'est pas un nombre (virgule décimale acceptée).")


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y")
# The two common forms are parsed without strptime (several times faster on national files).
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(raw: str) -> tuple[dt.date | None, Problem]:
    text = (raw or "").strip()
    if not text:
        return None, None
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # Excel serial number
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text))), None
    # A time, and the offset « Démarches simplifiées » writes (« 2026-03-12 14:32:10 +0100 »), are dropped: the
    # date is the one of the place the time was written in.
    text = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*(Z|[+-]\d{2}:?\d{2}))?$", "", text)
    for pattern, order in ((_DMY, (2, 1, 0)), (_ISO, (0, 1, 2))):
        found = pattern.fullmatch(text)
        if found:
            parts = found.groups()
            try:
                return dt.date(*(int(parts[i]) for i in order)), None
            except ValueError:
                return None, ("date_invalide", ERROR,
                              f"« {raw} » n'est pas une date valide (attendu jj/mm/aaaa ou aaaa-mm-jj).")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, ("date_invalide", ERROR,
                  f"« {raw} » n'est pas une date valide (attendu jj/mm/aaaa ou aaaa-mm-jj).")


def plausible_date(value: dt.date | None, today: dt.date) -> Problem:
    """Dates before 2000 or more than ten years ahead are typing errors (« 1026 », « 2206 »)."""
    if value is None:
        return None
    if value < EARLIEST_DATE:
        return ("date_invraisemblable", ERROR,
                f"Date du {value:%d/%m/%Y} invraisemblable : antérieure au {EARLIEST_DATE:%d/%m/%Y}.")
    latest = _years_after(today, YEARS_AHEAD)
    if value > latest:
        return ("date_invraisemblable", ERROR,
                f"Date du {value:%d/%m/%Y} invraisemblable : plus de {YEARS_AHEAD} ans dans le futur "
                f"(après le {latest:%d/%m/%Y}).")
    return None


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def plausible_age(birth: dt.date, on: dt.date) -> Problem:
    """A birth date that makes the person under 16 or over 110 on the reference date is an error.

    The message never repeats the birth date (personal data)."""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    low, high = AGE_RANGE
    if age < low:
        return ("age_invraisemblable", ERROR,
                f"Date de naissance invraisemblable : la personne aurait moins de {low} ans au {on:%d/%m/%Y}.")
    if age > high:
        return ("age_invraisemblable", ERROR,
                f"Date de naissance invraisemblable : la personne aurait plus de {high} ans au {on:%d/%m/%Y}.")
    return None


def parse_end_reason(raw: str) -> tuple[str | None, bool]:
    """(closed-list reason, whether free text was dropped). Unknown text becomes « autre »; it is never kept."""
    if not (raw or "").strip():
        return None, False
    key = normalize_label(raw)
    if key in END_REASON_ALIASES:
        return END_REASON_ALIASES[key], False
    for keyword, reason in _END_REASON_KEYWORDS:
        if keyword in key:
            return reason, True
    return "autre", True


def parse_finess(raw: str) -> tuple[str | None, Problem]:
    text = _SPACES.sub("", raw or "").upper()
    if not text:
        return None, None
    if re.fullmatch(r"\d{8}", text):
        return "0" + text, ("finess_zero_perdu", WARNING,
                            f"N° FINESS « {raw} » sur 8 chiffres : zéro initial restauré (0{text}).")
    if re.fullmatch(r"(\d{2}|2A|2B)\d{7}", text):
        return text, None
    return None, ("finess_invalide", ERROR, f"« {raw} » n'est pas un n° FINESS (9 caractères, ex. 010000024).")


def _pad_code(raw: str, known: frozenset[str], code: str, noun: str, unknown: str) -> tuple[str | None, Problem]:
    """A territory code that lost its leading zero in a spreadsheet (« 1 » for « 01 ») is repaired."""
    text = _SPACES.sub("", raw or "").upper()
    if not text:
        return None, None
    warning = None
    if re.fullmatch(r"\d", text):
        warning = (f"{code}_zero_perdu", WARNING, f"{noun} « {raw} » complété(e) en « 0{text} ».")
        text = "0" + text
    if text not in known:
        return None, (unknown, ERROR, f"« {raw} » n'est pas un code de {noun.lower()}.")
    return text, warning


def parse_department(raw: str) -> tuple[str | None, Problem]:
    if _SPACES.sub("", raw or "") == "20":
        return None, ("departement_20", ERROR, "Le département « 20 » n'existe plus : utilisez 2A ou 2B.")
    return _pad_code(raw, referential.department_codes(), "departement", "Département", "departement_inconnu")


def parse_region(raw: str) -> tuple[str | None, Problem]:
    return _pad_code(raw, referential.region_codes(), "region", "Région", "region_inconnue")


def parse_choice(raw: str, choices: tuple[str, ...]) -> tuple[str | None, Problem]:
    if not (raw or "").strip():
        return None, None
    key = normalize_label(raw)
    by_key = {normalize_label(c): c for c in choices}
    value = by_key.get(key) or CHOICE_ALIASES.get(key)
    if value in choices:
        return value, None
    return None, ("valeur_non_autorisee", ERROR,
                  f"« {raw} » n'est pas une valeur autorisée ({', '.join(choices)}).")


def parse_cell(kind: str, raw: str, choices: tuple[str, ...] = ()) -> tuple[object, Problem]:
    if kind == "int":
        return parse_int(raw)
    if kind == "float":
        return parse_float(raw)
    if kind == "date":
        return parse_date(raw)
    if kind == "finess":
        return parse_finess(raw)
    if kind == "departement":
        return parse_department(raw)
    if kind == "region":
        return parse_region(raw)
    if kind == "choice":
        return parse_choice(raw, choices)
    return clean_text(raw), None
