"""How training compliance reads on the Formation page: state words and colours, the rule in one sentence."""
from __future__ import annotations

import datetime as dt

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

# The domain's training rules a page assembles the Formation page from, and the page's own words and colours.
__all__ = ["DESIGNATED_BODIES", "LATE", "NEVER", "ON_TIME", "PENDING", "calendar_order", "filter_urgency", "STATES",
           "STATE_COLORS", "HIDDEN_LABEL", "HIDDEN_COLOR", "RULE_FR", "cohort_text"]

STATES = {
    ON_TIME: "Formé dans les 6 mois",
    LATE: "Formé en retard",
    PENDING: "Pas encore formé, délai en cours",
    NEVER: "Jamais formé, délai échu",
}


STATE_COLORS = {ON_TIME: "#2e7d32", LATE: "#e07b00", PENDING: "#6d9fd1", NEVER: "#c62828"}


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
