"""How the partnership projects register reads: the rule of an active project."""
from __future__ import annotations

from observatoire.domain.projects import series_dates  # the dates of the RU-involvement chart

__all__ = ["series_dates", "ACTIVE_RULE_FR"]

ACTIVE_RULE_FR = ("Projet en cours à la date : commencé, pas encore terminé (date de fin vide ou postérieure) et non "
                  "abandonné. Un projet a souvent plusieurs formes d'engagement : il compte alors dans chacune.")
