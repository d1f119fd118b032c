"""How a survey reads: its facts in one French line, the territory a table covers."""
from __future__ import annotations

from observatoire.base import formatting, referential


def count_facts_text(fact: dict) -> str:
    """« Le plus : Rhône (32). Aucun : Cantal, Haute-Loire. » for one count question."""
    parts = []
    if fact["most"]:
        parts.append(f"le plus : {', '.join(fact['most'])} ({formatting.number(fact['most_count'])})")
    if fact["none"]:
        parts.append(f"aucun : {', '.join(fact['none'])}")
    if abs(fact["sum"] - fact["total"]) > 0.5:
        parts.append(f"somme des territoires {formatting.number(fact['sum'])} pour un total publié de "
                     f"{formatting.number(fact['total'])}")
    return f"{fact['label']} — " + " ; ".join(parts) + "." if parts else fact["label"]


def place_name(region_code: str | None) -> str:
    """The territory a survey table covers, for its file name and title: its région, else France."""
    if region_code:
        return referential.names("region").get(region_code, region_code)
    return referential.NATIONAL_NAME
