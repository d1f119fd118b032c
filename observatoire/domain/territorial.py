"""Territorial views: the choropleth frame (rank, reference, target, gaps), CDU state per establishment,
the drill-down table of a département and the side-by-side comparison of two territories.

Functions taking a `store` read it (I/O edge); all the others are pure and work on frames.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from observatoire.base import referential
from observatoire.base.dates import add_months
from observatoire.base.db import Scope, Store
from observatoire.base.settings import REFERENCE_DIR
from observatoire.domain.measures import body_role_state

CDU_COMPLETE, CDU_PARTIAL, CDU_EMPTY = "complète", "partiellement vacante", "vide"
CDU_STATES = (CDU_COMPLETE, CDU_PARTIAL, CDU_EMPTY)
ENDING_MONTHS = 6
# Indicators shown side by side when comparing two territories (the convention's first priorities first).
MAIN_INDICATORS = ("taux_vacance", "taux_vacance_cdu", "part_cdu_completes", "sieges_vacants", "ru_actifs",
                   "mandats_fin_6m", "taux_formation_6m", "taux_participation")

FRAME_COLUMNS = ["territory_code", "territory_name", "value", "numerator", "denominator", "masked", "has_value",
                 "unit", "rank", "ranked", "reference", "gap_reference", "target", "target_year", "gap_target"]


@dataclass(frozen=True)
class Reference:
    """A value the colour scale can be centred on: key (national | region | target), French label, value."""

    key: str
    label: str
    value: float


# --- choropleth -----------------------------------------------------------------------------------------

def map_codes(level: str, region: str | None = None) -> list[str]:
    """Every territory the map draws: all régions, all départements, or the départements of one région."""
    if level == "region":
        return sorted(referential.region_codes())
    if region:
        return referential.departments_of_region(region)
    return sorted(referential.department_codes())


def rank(values: pd.Series, direction: str) -> pd.Series:
    """1 = most favourable situation (lowest value when lower is better, highest otherwise); ties share a rank."""
    ascending = direction == "lower_is_better"
    return values.rank(method="min", ascending=ascending, na_option="keep").astype("Int64")


def choropleth_frame(values: pd.DataFrame, level: str, codes: list[str], direction: str, reference: float | None,
                     targets: dict[str, tuple[float, int]] | None = None, unit: str = "") -> pd.DataFrame:
    """One row per territory of the map, with or without a value.

    `values` is what indicators.compute returns at the map's level, through the masking step (privacy): a territory
    that would give a masked one back from the reference beside the map is masked already. Masked rows keep
    masked=True and no value;
    territories absent from `values` get has_value=False. rank counts only shown values; gaps are value minus
    reference and value minus the territory's own target (points for a rate), `targets` giving each
    territory's (target, year) as targets_in_force does.
    """
    names = referential.names(level)
    keep = ["territory_code", "territory_name", "value", "numerator", "denominator", "masked"]
    values = values.reindex(columns=list(dict.fromkeys([*keep, *values.columns])))
    frame = pd.DataFrame({"territory_code": list(codes)}).merge(values[keep], on="territory_code", how="left")
    frame["territory_name"] = [n if isinstance(n, str) and n else names.get(c, c)
                               for n, c in zip(frame["territory_name"], frame["territory_code"])]
    frame["masked"] = frame["masked"].astype("boolean").fillna(False).astype(bool)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame["unit"] = values["unit"].iloc[0] if len(values) else unit
    frame["has_value"] = frame["value"].notna() & ~frame["masked"]
    shown = frame["value"].where(frame["has_value"])
    frame["rank"] = rank(shown, direction)
    frame["ranked"] = int(frame["has_value"].sum())
    frame["reference"] = np.nan if reference is None else float(reference)
    frame["gap_reference"] = (shown - frame["reference"]).round(4)
    targets = targets or {}
    frame["target"] = frame["territory_code"].map({c: t for c, (t, _) in targets.items()}).astype(float)
    frame["target_year"] = frame["territory_code"].map({c: y for c, (_, y) in targets.items()}).astype("Int64")
    frame["gap_target"] = (shown - frame["target"]).round(4)
    return frame[FRAME_COLUMNS]


def references(national: float | None, regional: float | None, region_name: str | None,
               target: float | None, target_label: str) -> list[Reference]:
    """The centres offered for the colour scale, in order, leaving out those without a value."""
    candidates = [
        Reference("national", f"Référence nationale ({referential.NATIONAL_NAME})", national),
        Reference("region", f"Référence régionale ({region_name})", regional),
        Reference("target", target_label, target),
    ]
    return [r for r in candidates if r.value is not None and not pd.isna(r.value)]


def reference_target(targets: dict[str, float], reference_code: str, map_targets: dict[str, float],
                     shown_codes: list[str] | None = None) -> tuple[float | None, str]:
    """The target the scale is centred on: the reference territory's own; else the median of the map's when
    every territory shown has one (a median of the 10 Grand Est targets says nothing of the other régions)."""
    if reference_code in targets:
        return targets[reference_code], "Cible de la convention"
    shown = list(map_targets) if shown_codes is None else list(shown_codes)
    if map_targets and shown and all(code in map_targets for code in shown):
        return float(np.median([map_targets[c] for c in shown])), "Cible de la convention (médiane des territoires)"
    return None, ""


def cdu_state_class(seats: int, filled: int) -> str:
    """complète when every seat is filled, vide when none is, partiellement vacante otherwise."""
    if filled >= seats:
        return CDU_COMPLETE
    if filled <= 0:
        return CDU_EMPTY
    return CDU_PARTIAL


def establishment_states(state: pd.DataFrame, establishments: pd.DataFrame) -> pd.DataFrame:
    """One row per establishment with an open CDU: seats, filled, vacant titulaire / suppléant seats, state.

    `state` is measures.body_role_state for body_type CDU (one row per body × role).
    """
    columns = ["finess", "name", "commune_code", "department_code", "lon", "lat", "seats", "filled", "vacant",
               "vacant_titulaire", "vacant_suppleant", "cdu_state"]
    if state.empty:
        return pd.DataFrame(columns=columns)
    per_role = state.pivot_table(index="finess", columns="role", values="vacant", aggfunc="sum", fill_value=0)
    totals = state.groupby("finess")[["seats", "filled", "vacant"]].sum()
    frame = totals.join(per_role.reindex(columns=["titulaire", "suppleant"], fill_value=0)
                        .rename(columns={"titulaire": "vacant_titulaire", "suppleant": "vacant_suppleant"}))
    frame = frame.reset_index()
    frame["cdu_state"] = [cdu_state_class(s, f) for s, f in zip(frame["seats"], frame["filled"])]
    info = establishments[["finess", "name", "commune_code", "department_code", "lon", "lat"]]
    frame = frame.merge(info, on="finess", how="left")
    body_department = state.drop_duplicates("finess").set_index("finess")["department_code"]
    frame["department_code"] = frame["department_code"].fillna(frame["finess"].map(body_department))
    frame["name"] = frame["name"].fillna(frame["finess"])
    for col in ("seats", "filled", "vacant", "vacant_titulaire", "vacant_suppleant"):
        frame[col] = frame[col].astype(int)
    return frame[columns].sort_values("finess").reset_index(drop=True)


def ending_by_establishment(mandates: pd.DataFrame) -> pd.DataFrame:
    """Mandates ending soon (one row each: finess, end_date) -> count and earliest end per establishment."""
    if mandates.empty:
        return pd.DataFrame(columns=["finess", "ending", "first_end"])
    ends = pd.to_datetime(mandates["end_date"]).dt.date
    return (mandates.assign(end_date=ends).groupby("finess", as_index=False)
            .agg(ending=("end_date", "size"), first_end=("end_date", "min")))


def drilldown_table(states: pd.DataFrame, ending: pd.DataFrame, communes: dict[str, str],
                    department_names: dict[str, str]) -> pd.DataFrame:
    """Establishments with a vacant seat or a mandate ending soon, most vacant seats first."""
    columns = ["name", "finess", "place", "cdu_state", "vacant_titulaire", "vacant_suppleant", "ending", "first_end"]
    frame = states.merge(ending, on="finess", how="outer")
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["ending"] = frame["ending"].fillna(0).astype(int)
    for col in ("vacant_titulaire", "vacant_suppleant", "vacant"):
        frame[col] = frame[col].fillna(0).astype(int)
    frame = frame[(frame["vacant"] > 0) | (frame["ending"] > 0)].copy()
    commune = frame["commune_code"].map(communes).fillna("")
    department = frame["department_code"].map(
        lambda c: f"{department_names.get(c, c)} ({c})" if isinstance(c, str) and c else "")
    frame["place"] = [f"{c} – {d}" if c else d for c, d in zip(commune, department)]
    frame["cdu_state"] = frame["cdu_state"].fillna("")
    frame["first_end"] = pd.to_datetime(frame["first_end"])  # NaT, not None, where nothing ends
    frame = frame.sort_values(["vacant", "ending", "finess"], ascending=[False, False, True], kind="stable")
    return frame[columns].reset_index(drop=True)


def comparison(rows: list[dict], code_a: str, code_b: str) -> pd.DataFrame:
    """Main indicators of two territories and their difference (B − A).

    `rows`: one dict per indicator with indicator_id, label, unit, direction and `values`, a compute() frame.
    """
    out = []
    for row in rows:
        values = row["values"].set_index("territory_code") if len(row["values"]) else pd.DataFrame()

        def pick(code):
            if code not in values.index:
                return np.nan, False
            return values.at[code, "value"], bool(values.at[code, "masked"])
        value_a, masked_a = pick(code_a)
        value_b, masked_b = pick(code_b)
        out.append({"indicator_id": row["indicator_id"], "label": row["label"], "unit": row["unit"],
                    "direction": row["direction"], "value_a": value_a, "masked_a": masked_a,
                    "value_b": value_b, "masked_b": masked_b, "difference": value_b - value_a})
    return pd.DataFrame(out)


# --- readers (I/O edge) -----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def commune_names() -> dict[str, str]:
    """INSEE commune code -> name (data/reference/communes.csv)."""
    communes = pd.read_csv(REFERENCE_DIR / "communes.csv", dtype=str, usecols=["code_insee", "nom"],
                           keep_default_na=False)
    return dict(zip(communes["code_insee"], communes["nom"]))


def read_establishments(store: Store, department_code: str) -> pd.DataFrame:
    return store.df("SELECT finess, name, commune_code, department_code, region_code, lon, lat "
                    "FROM establishments WHERE department_code = ? ORDER BY finess", [department_code])


def read_ending_mandates(store: Store, as_of: dt.date, department_code: str, months: int = ENDING_MONTHS,
                         body_type: str = "CDU") -> pd.DataFrame:
    """Mandates active on the date whose planned end falls before the date + `months` (as measures.ending_mandates:
    what was known on the date); `end_date` is that planned end."""
    horizon = add_months(as_of, months)
    return store.df("""
        SELECT b.finess, m.role, m.planned_end_date AS end_date FROM mandates m JOIN bodies b USING (body_id)
        WHERE b.finess IS NOT NULL AND b.department_code = ? AND b.body_type = ?
          AND m.start_date <= ? AND m.end_date >= ? AND m.planned_end_date < ?
        ORDER BY b.finess, m.planned_end_date""", [department_code, body_type, as_of, as_of, horizon])


def department_establishments(store: Store, department_code: str, as_of: dt.date) -> pd.DataFrame:
    """Establishments of a département with an open CDU on the date, with their CDU state."""
    state = body_role_state(store, as_of, Scope("etablissement", department=department_code),
                            {"body_type": "CDU"})
    return establishment_states(state, read_establishments(store, department_code))


def department_drilldown(store: Store, department_code: str, as_of: dt.date,
                         months: int = ENDING_MONTHS) -> pd.DataFrame:
    """Establishments of a département with vacant CDU seats or CDU mandates ending within `months`."""
    states = department_establishments(store, department_code, as_of)
    ending = ending_by_establishment(read_ending_mandates(store, as_of, department_code, months))
    return drilldown_table(states, ending, commune_names(), referential.names("departement"))

