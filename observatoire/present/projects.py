"""How the partnership projects register reads: the rule of an active project."""
from __future__ import annotations

from observatoire.domain.projects import series_dates  # noqa: F401  (the dates of the RU-involvement chart)

ACTIVE_RULE_FR = ("Projet en cours à la date : commencé, pas encore terminé (date de fin vide ou postérieure) et non "
                  "abandonné. Un projet a souvent plusieurs formes d'engagement : il compte alors dans chacune.")
