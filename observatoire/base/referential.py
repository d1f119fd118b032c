"""The territorial referential: 18 régions and 101 départements with their French names."""
from __future__ import annotations

import csv
from functools import lru_cache

from observatoire.base.settings import REFERENCE_DIR

TERRITORIES_FILE = REFERENCE_DIR / "territoires.csv"
# FINESS writes overseas départements with a letter.
FINESS_OVERSEAS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}
NATIONAL_CODE = "FR"
NATIONAL_NAME = "France entière"


@lru_cache(maxsize=1)
def territories() -> tuple[dict, ...]:
    with TERRITORIES_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(dict(row) for row in csv.DictReader(fh))


@lru_cache(maxsize=1)
def department_codes() -> frozenset[str]:
    return frozenset(t["code"] for t in territories() if t["niveau"] == "departement")


@lru_cache(maxsize=1)
def region_codes() -> frozenset[str]:
    return frozenset(t["code"] for t in territories() if t["niveau"] == "region")


@lru_cache(maxsize=1)
def region_of_department() -> dict[str, str]:
    return {t["code"]: t["region_code"] for t in territories() if t["niveau"] == "departement"}


def region_of(level: str, code: str | None) -> str | None:
    """The région a territory lies in (itself for a région; None for France entière)."""
    if level == "region":
        return code
    if level == "departement":
        return region_of_department().get(code)
    return None


@lru_cache(maxsize=4)
def names(level: str) -> dict[str, str]:
    if level == "national":
        return {NATIONAL_CODE: NATIONAL_NAME}
    return {t["code"]: t["nom"] for t in territories() if t["niveau"] == level}


def departments_of_region(region_code: str) -> list[str]:
    return sorted(code for code, region in region_of_department().items() if region == region_code)


TERRITORY_KEY_HINT = "attendu « national », « region:44 » ou « departement:67 »"


def territory_key(text: object) -> tuple[str, str | None] | None:
    """(level, code) of a configuration file's territory key — `national`, `region:44`, `departement:67` —
    with code None for national; None when the key names no known territory."""
    level, _, code = str(text).strip().partition(":")
    if level == "national" and code in ("", NATIONAL_CODE):
        return "national", None
    if level == "region" and code in region_codes():
        return "region", code
    if level == "departement" and code in department_codes():
        return "departement", code
    return None
