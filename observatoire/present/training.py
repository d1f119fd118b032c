"""How training compliance reads on the Formation page: state words and colours, the rule in one sentence."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import dates, formatting
from observatoire.domain.training import (
    DEADLINE_MONTHS,
    DESIGNATED_BODIES,
    LATE,
    NEVER,
    ON_TIME,
    PENDING,
    calendar_order,
    filter_urgency,
)
from observatoire.present.tables import Col

# The domain's training rules a page assembles the Formation page from, and the page's own words and colours.
__all__ = ["DESIGNATED_BODIES", "LATE", "NEVER", "ON_TIME", "PENDING", "calendar_order", "filter_urgency", "STATES",
           "STATE_COLORS", "HIDDEN_LABEL", "HIDDEN_COLOR", "RULE_FR", "cohort_text", "TERRITORY_COLUMNS",
           "hidden_cells"]

STATES = {
    ON_TIME: "Formé dans les 6 mois",
    LATE: "Formé en retard",
    PENDING: "Pas encore formé, délai en cours",
    NEVER: "Jamais formé, délai échu",
}


STATE_COLORS = {ON_TIME: "#2e7d32", LATE: "#e07b00", PENDING: "#6d9fd1", NEVER: "#c62828"}

# The table by territory: on screen, in its CSV and XLSX.
TERRITORY_COLUMNS = {
    "territory_name": Col("Territoire"), "cohort": Col("Cohorte : délai de 6 mois échu", "int"),
    **{state: Col(label, "int") for state, label in STATES.items() if state != PENDING},
    "on_time_rate": Col("Formés dans les 6 mois (%)", "percent"),
    PENDING: Col("Hors cohorte : encore dans le délai", "int"),
}


def hidden_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The cells of the table by territory the masking step emptied (its counts are never missing otherwise, and
    the rate goes with its count), so that the CSV and XLSX write « masqué » where the screen does."""
    counts = [c for c in TERRITORY_COLUMNS if c not in ("territory_name", "on_time_rate")]
    hidden = frame[counts].isna()
    hidden["on_time_rate"] = hidden["cohort"] | hidden[ON_TIME]
    return hidden


HIDDEN_LABEL, HIDDEN_COLOR = "Effectifs masqués (secret statistique)", "#b0b7c3"


RULE_FR = ("Règle : tout représentant des usagers désigné pour la première fois par arrêté doit suivre la formation "
           "« RU en Avant ! » dans les 6 mois qui suivent cette première désignation. Formé dans les 6 mois : présent "
           "à une session au plus tard 6 mois après la désignation (ou avant elle) ; formé en retard : présent plus "
           "tard ; pas encore formé : le délai court encore à la date choisie ; jamais formé : délai échu sans "
           "formation. Une seconde participation ne compte pas deux fois. Les membres de CVS, élus et non désignés "
           "par arrêté, ne sont pas concernés. Territoire et type d'instance : ceux de la première désignation.")


def cohort_text(judged: dt.date) -> str:
    """What the compliance cohort is, in one sentence, for the date it is judged on (the last quarter end)."""
    start = dates.default_period(judged)[0]
    last = dates.add_months(judged, -DEADLINE_MONTHS) - dt.timedelta(days=1)
    return (f"Cohorte : les RU désignés pour la première fois par arrêté entre le {formatting.date(start)} et le "
            f"{formatting.date(last)}, dont le délai de 6 mois est échu au {formatting.date(judged)} (fin du dernier "
            "trimestre achevé ; l'indicateur ne bouge qu'à la fin de chaque trimestre).")
