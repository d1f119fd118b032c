"""Planted input errors: fixed places in the DEMO files, so the app's rejects screen has something to show."""
from __future__ import annotations

from dataclasses import dataclass

from pipelines.demo.common import SCALES, luhn_complete


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

UNKNOWN_FINESS = luhn_complete("57999990")  # valid FINESS, no body anywhere
_GE_ARRETES_2025 = "nominations/demo_arretes_44_2025.csv"
_PROJECTS = "projets/demo_projets.csv"
UNKNOWN_FORM = "co-construction"
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
    # Projects register: only at national scale, and outside Auvergne-Rhône-Alpes so that the région's counts
    # still equal its 2023 survey once the bad rows are rejected (Île-de-France, Centre-Val de Loire, Grand Est).
    PlantedError(_PROJECTS, 4, "formes_engagement", "unknown_form",
                 f"unknown form of engagement « {UNKNOWN_FORM} » after a valid one", ("national", "stress")),
    PlantedError(_PROJECTS, 19, "date_fin", "end_before_start",
                 "date_fin before date_debut (end year typed one year before the start)", ("national", "stress")),
    PlantedError(_PROJECTS, 23, "finess", "finess_extra_digit",
                 "FINESS typed with a tenth digit (10 characters)", ("national", "stress")),
)


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
    elif error.kind == "unknown_form":
        row[col] = f"{value} | {UNKNOWN_FORM}"
    elif error.kind == "finess_extra_digit":
        typed = value or UNKNOWN_FINESS
        row[col] = typed + typed[-1]
    else:  # pragma: no cover - a typo in PLANTED_ERRORS
        raise ValueError(error.kind)


def plant(rel: str, scale: str, header: list[str], rows: list[list[str]]) -> None:
    for error in PLANTED_ERRORS:
        if error.file == rel and scale in error.scales and 0 <= error.line - 2 < len(rows):
            _damage(error, header, rows[error.line - 2])

