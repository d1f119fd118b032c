"""How vacancy and participation read: breakdown choices, counts in words, a campaign's label."""
from __future__ import annotations

from observatoire.base import formatting
from observatoire.base.dates import as_date
from observatoire.domain.vacancy import (
    EMPTY_CHAIR_MEETINGS,
    PROJECTION_MONTHS,
    SERIES_START,
    default_campaign,
    last_month_start,
)

__all__ = ["EMPTY_CHAIR_MEETINGS", "PROJECTION_MONTHS", "SERIES_START", "default_campaign", "last_month_start",
           "BREAKDOWNS", "count_label", "campaign_label"]

BREAKDOWNS = {"Aucune": (), "Type d'instance": ("body_type",), "Rôle": ("role",)}


def count_label(count: int, singular: str, plural: str) -> str:
    """« 1 siège », « 2 sièges » (French: plural from 2)."""
    return f"{formatting.number(count)} {singular if abs(count) < 2 else plural}"


def campaign_label(row, region_names: dict[str, str]) -> str:
    """« Grand Est · CDU · Campagne … (ouverte le 02/03/2026) »: région and body type in every label."""
    return (f"{region_names.get(row.region_code, row.region_code)} · {row.body_type} · {row.label} "
            f"(ouverte le {formatting.date(as_date(row.opens_on))})")
