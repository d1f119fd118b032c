"""Convention follow-up: scorecard presentation, milestone review dates, roadmap lateness (pure functions)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire import charts, formatting, tables
from observatoire.db import Scope
from observatoire.measures import add_months

MILESTONE_TYPES_FR = {"comite_suivi": "Groupe de suivi", "revue_strategique": "Revue stratégique annuelle",
                      "bilan_intermediaire": "Bilan intermédiaire", "bilan_final": "Bilan final", "autre": "Autre"}
ACTION_STATUS_FR = {"a_faire": "À faire", "en_cours": "En cours", "fait": "Fait", "abandonne": "Abandonné"}
LEVELS_FR = {"national": "France", "region": "Région", "departement": "Département"}

MILESTONE_COLUMNS = {"milestone_date": tables.Col("Date", "date"), "type_label": tables.Col("Type"),
                     "label": tables.Col("Jalon"), "state": tables.Col("État")}
ACTION_COLUMNS = {"action_id": tables.Col("N°"), "axis": tables.Col("Axe"), "label": tables.Col("Action"),
                  "owner": tables.Col("Pilote"), "due_date": tables.Col("Échéance", "date"),
                  "status_fr": tables.Col("Statut"), "lateness": tables.Col("Retard")}
SCORECARD_EXPORT = {"label": tables.Col("Indicateur"), "level": tables.Col("Niveau"),
                    "territory_name": tables.Col("Territoire"), "value": tables.Col("Valeur", "float"),
                    "unit": tables.Col("Unité"), "target": tables.Col("Cible", "float"),
                    "target_year": tables.Col("Année de la cible"), "gap": tables.Col("Écart", "float"),
                    "baseline": tables.Col("Valeur à la signature", "float"), "status": tables.Col("Statut")}


def default_convention(conventions: pd.DataFrame, region_code: str | None) -> str:
    mine = conventions[conventions["region_code"] == region_code] if region_code else conventions.iloc[0:0]
    return (mine if len(mine) else conventions)["convention_id"].iloc[0]


def _day(value) -> dt.date:
    return value.date() if isinstance(value, (pd.Timestamp, dt.datetime)) else value


def review_dates(milestones: pd.DataFrame, as_of: dt.date) -> dict[dt.date, str]:
    """The as-of date chosen in the sidebar, then every past milestone (newest first)."""
    choices = {as_of: f"Au {formatting.date(as_of)} (date choisie dans le menu)"}
    for _, m in milestones.sort_values("milestone_date", ascending=False).iterrows():
        day = _day(m["milestone_date"])
        if day <= as_of and day not in choices:
            choices[day] = f"{MILESTONE_TYPES_FR.get(m['milestone_type'], '')} du {formatting.date(day)} – {m['label']}"
    return choices


def quarter_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    day = dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    out = []
    while day <= end:
        if day >= dt.date(start.year, start.month, 1):
            out.append(day)
        day = add_months(day, 3)
    return out + ([end] if not out or out[-1] != end else [])


def with_trends(card: pd.DataFrame, signed_on, as_of: dt.date, indicator_at) -> pd.DataFrame:
    """Add a `trend` list: the indicator at each quarter start from the signature to the as-of date.

    `indicator_at(id, scope, day)` is called once per indicator, level and date (all territories at once)."""
    dates = quarter_starts(_day(signed_on), as_of)
    frames: dict[tuple, pd.DataFrame] = {}
    trends = []
    for _, row in card.iterrows():
        if not isinstance(row.get("label"), str):
            trends.append([])
            continue
        values = []
        for day in dates:
            key = (row["indicator_id"], row["level"], day)
            if key not in frames:
                frames[key] = indicator_at(row["indicator_id"], Scope(row["level"]), day).set_index("territory_code")
            frame = frames[key]
            code = row["territory_code"]
            values.append(None if code not in frame.index or frame.at[code, "masked"] else frame.at[code, "value"])
        # The sparkline column takes numbers only: dates without a value (masked, no data yet) are left out.
        trends.append([float(v) for v in values if v is not None and not pd.isna(v)])
    return card.assign(trend=trends)


def scorecard_display(card: pd.DataFrame) -> pd.DataFrame:
    def status(value) -> str:
        if not isinstance(value, str):
            return "–"
        icon, _ = charts.STATUS_STYLE[value]
        return f"{icon} {value}"

    return pd.DataFrame({
        "Indicateur": card["label"],
        "Territoire": card["level"].map(LEVELS_FR) + " · " + card["territory_name"].astype(str),
        "Valeur": [formatting.value_with_unit(v, u, m) for v, u, m in zip(card["value"], card["unit"], card["masked"])],
        "Cible": [f"{formatting.value_with_unit(t, u)} ({y})" for t, u, y in
                  zip(card["target"], card["unit"], card["target_year"])],
        "Écart à la cible": [formatting.gap(g, u) for g, u in zip(card["gap"], card["unit"])],
        "À la signature": [formatting.value_with_unit(v, u) for v, u in zip(card["baseline"], card["unit"])],
        "Statut": card["status"].map(status),
        "Tendance depuis la signature": card["trend"],
    })


def chosen_rows(card: pd.DataFrame, level: str, code: str | None) -> list[bool]:
    """The scorecard rows of the territory chosen in the sidebar (to highlight them)."""
    code = code or "FR"
    return [lv == level and c == code for lv, c in zip(card["level"], card["territory_code"])]


def milestones_frame(milestones: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    frame = milestones.copy()
    frame["milestone_date"] = [_day(d) for d in frame["milestone_date"]]
    frame["type_label"] = frame["milestone_type"].map(MILESTONE_TYPES_FR).fillna("Autre")
    if as_of is not None:
        frame["state"] = ["✔ passé" if d <= as_of else "à venir" for d in frame["milestone_date"]]
    return frame


def actions_frame(actions: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Roadmap actions with their lateness: an action not done nor abandoned past its deadline is overdue."""
    frame = actions.copy()
    frame["due_date"] = [_day(d) for d in frame["due_date"]]
    open_ = ~frame["status"].isin(["fait", "abandonne"])
    frame["overdue"] = open_ & (frame["due_date"] < as_of)
    frame["status_fr"] = frame["status"].map(ACTION_STATUS_FR)
    frame["lateness"] = [f"⚠ {(as_of - d).days} j" if late else "" for d, late in
                         zip(frame["due_date"], frame["overdue"])]
    return frame.sort_values(["overdue", "due_date"], ascending=[False, True], kind="stable")
