"""Maps and gap charts as users read them: the colour scale's centre and range, the extremes shown, a click."""
from __future__ import annotations

import pandas as pd

from observatoire.domain.territorial import CDU_STATES, Reference

__all__ = ["CDU_STATES", "Reference", "median_reference", "target_years", "extremes", "clicked_territory",
           "default_centre", "value_range"]


def median_reference(frame: pd.DataFrame) -> Reference:
    """Fallback centre when no reference exists: the median of the shown values (0 when none)."""
    shown = frame["value"].where(frame["has_value"])
    return Reference("median", "médiane des territoires", float(shown.median()) if shown.notna().any() else 0.0)


def target_years(frame: pd.DataFrame) -> list[int]:
    """The years of the targets on the map (usually one), for the titles."""
    return sorted({int(y) for y in frame["target_year"].dropna()})


def extremes(frame: pd.DataFrame, gap: str, direction: str, per_side: int = 15) -> pd.DataFrame:
    """All rows with a gap when there are few; else the `per_side` largest gaps above and below zero."""
    rows = frame.dropna(subset=[gap])
    if len(rows) <= 2 * per_side:
        return rows
    ordered = rows.sort_values(gap)
    return pd.concat([ordered.head(per_side), ordered.tail(per_side)]).drop_duplicates("territory_code")


def clicked_territory(selection) -> str | None:
    """The territory code of the first clicked map shape (customdata[0], whichever copy was clicked)."""
    points = (selection or {}).get("points") or []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and data:
            return str(data[0])
        location = point.get("location")
        if location:
            return str(location).removeprefix("zoom-")
    return None


# --- establishments and their CDU -------------------------------------------------------------------------


def default_centre(references_: list[Reference], frame: pd.DataFrame) -> Reference:
    """The centre a map without a picker uses: the régional reference, else the national one, else the median."""
    by_key = {r.key: r for r in references_}
    return by_key.get("region") or by_key.get("national") or median_reference(frame)


def value_range(frame: pd.DataFrame) -> tuple[float, float]:
    """(lowest, highest) shown value; centring a diverging scale on their middle spreads it over the counts."""
    shown = frame["value"].where(frame["has_value"]).dropna()
    return (float(shown.min()), float(shown.max())) if len(shown) else (0.0, 0.0)
