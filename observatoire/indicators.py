"""The indicator catalogue and its single computation path (pages, CLI and exports all call `compute`)."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from observatoire import referential, settings
from observatoire.db import Scope, Store
from observatoire.measures import MEASURES, add_months

CATALOGUE_FILE = Path(__file__).with_name("indicators.toml")
UNITS = ("%", "sièges", "personnes", "mandats", "ratio", "associations", "jours", "candidatures", "projets")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
GRAINS = ("date", "period")
STATUS_REACHED, STATUS_ON_TRACK, STATUS_LATE = "atteint", "en bonne voie", "en retard"
RESULT_COLUMNS = ["indicator_id", "level", "territory_code", "territory_name", "value", "numerator", "denominator",
                  "unit", "masked"]


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    factor: float
    direction: str
    grain: str
    source: str
    convention_priority: int
    mask: bool
    measure: str
    num: str
    den: str | None = None
    filters: dict = field(default_factory=dict)

    @property
    def is_rate(self) -> bool:
        return self.den is not None


@lru_cache(maxsize=1)
def catalogue() -> tuple[Indicator, ...]:
    with CATALOGUE_FILE.open("rb") as fh:
        entries = tomllib.load(fh)["indicator"]
    return tuple(Indicator(**{**entry, "filters": entry.get("filters", {})}) for entry in entries)


def get(indicator_id: str) -> Indicator:
    for indicator in catalogue():
        if indicator.id == indicator_id:
            return indicator
    raise KeyError(f"unknown indicator {indicator_id!r}")


def default_period(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """Period indicators without an explicit period cover the 12 months ending on the as-of date."""
    return add_months(as_of, -12) + dt.timedelta(days=1), as_of


def compute(store: Store, indicator: Indicator | str, scope: Scope, as_of: dt.date,
            period: tuple[dt.date, dt.date] | None = None, by: tuple[str, ...] = (),
            memo: dict | None = None) -> pd.DataFrame:
    """Value, numerator, denominator and masked flag of one indicator, one row per territory (× by)."""
    indicator = get(indicator) if isinstance(indicator, str) else indicator
    filters = dict(indicator.filters)
    months = filters.pop("months", None)
    measure = MEASURES[indicator.measure]
    # Several indicators share one measure (seats -> sieges, vacants, taux...): compute it once per call.
    key = (indicator.measure, tuple(sorted(filters.items())), months, by)
    if memo is not None and key in memo:
        base = memo[key]
    else:
        base = measure(store, as_of, scope, by=by, filters=filters, period=period or default_period(as_of),
                       **({"months": months} if months else {}))
        if memo is not None:
            memo[key] = base
    by_cols = [b for b in by if b in base.columns]
    out = pd.DataFrame({"territory_code": base["territory_code"], **{b: base[b] for b in by_cols}})
    num = pd.to_numeric(base[indicator.num], errors="coerce").astype(float)
    den = pd.to_numeric(base[indicator.den], errors="coerce").astype(float) if indicator.den else \
        pd.Series(np.nan, index=base.index)
    if indicator.measure == "awareness":
        den = pd.to_numeric(base["base"], errors="coerce").astype(float)
        out["ci_low"], out["ci_high"], out["year"] = base["ci_low"], base["ci_high"], base["year"]
        value = num
    elif indicator.is_rate:
        value = (num / den.where(den > 0)) * indicator.factor
    else:
        value = num * indicator.factor
    out["value"] = value.round(4)
    out["numerator"], out["denominator"] = num, den
    out["masked"] = False
    if indicator.mask:
        out = apply_mask(out, settings.mask_threshold())
    out.insert(0, "indicator_id", indicator.id)
    out.insert(1, "level", scope.level)
    out.insert(3, "territory_name", territory_names(store, scope.level, out["territory_code"]))
    out["unit"] = indicator.unit
    return out.sort_values(["territory_code", *by_cols], kind="stable").reset_index(drop=True)


def apply_mask(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """People-based counts under the threshold are not shown, nor any rate built on them."""
    small_num = frame["numerator"].between(1, threshold - 1)
    small_den = frame["denominator"].between(1, threshold - 1)
    masked = small_num | small_den
    frame = frame.copy()
    frame.loc[masked, ["value", "numerator"]] = np.nan
    frame.loc[small_den, "denominator"] = np.nan
    frame["masked"] = masked
    return frame


def territory_names(store: Store, level: str, codes: pd.Series) -> pd.Series:
    if level == "etablissement":
        names = dict(store.df("SELECT finess, name FROM establishments").itertuples(index=False))
    else:
        names = referential.names(level)
    return codes.map(names).fillna(codes)


def compute_all(store: Store, scope: Scope, as_of: dt.date, period=None,
                ids: list[str] | None = None) -> pd.DataFrame:
    memo: dict = {}
    frames = [compute(store, indicator, scope, as_of, period, memo=memo) for indicator in catalogue()
              if ids is None or indicator.id in ids]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RESULT_COLUMNS)


# --- targets and status -------------------------------------------------------------------------------

def trajectory_status(direction: str, baseline: float | None, target: float, value: float | None,
                      signed_on: dt.date, target_date: dt.date, as_of: dt.date) -> str | None:
    """Atteint when the target is met; en bonne voie when on the good side of the straight line from the
    baseline at signature to the target at its deadline; en retard otherwise."""
    if value is None or pd.isna(value) or target is None or pd.isna(target):
        return None
    sign = -1 if direction == "lower_is_better" else 1
    if sign * (value - target) >= 0:
        return STATUS_REACHED
    if baseline is None or pd.isna(baseline):
        return STATUS_LATE
    span = (target_date - signed_on).days
    progress = min(max((as_of - signed_on).days / span, 0.0), 1.0) if span > 0 else 1.0
    expected = baseline + (target - baseline) * progress
    return STATUS_ON_TRACK if sign * (value - expected) >= 0 else STATUS_LATE


def target_for(targets: pd.DataFrame, indicator_id: str, level: str, code: str, as_of: dt.date) -> pd.Series | None:
    """The target of the as-of year, else the next one, else the last one."""
    rows = targets[(targets["indicator_id"] == indicator_id) & (targets["level"] == level)
                   & (targets["territory_code"].fillna("FR") == code)].sort_values("year")
    if rows.empty:
        return None
    upcoming = rows[rows["year"] >= as_of.year]
    return (upcoming.iloc[0] if len(upcoming) else rows.iloc[-1])


def scorecard(store: Store, convention_id: str, as_of: dt.date, ids: list[str] | None = None) -> pd.DataFrame:
    """One row per (indicator, territory) targeted by the convention: value, target, gap, baseline, status."""
    convention = store.df("SELECT * FROM conventions WHERE convention_id = ?", [convention_id])
    targets = store.df("SELECT * FROM targets WHERE convention_id = ?", [convention_id])
    if ids is not None:
        targets = targets[targets["indicator_id"].isin(ids)]
    if convention.empty or targets.empty:
        return pd.DataFrame()
    signed_on = convention["signed_on"].iloc[0]
    signed_on = signed_on.date() if hasattr(signed_on, "date") else signed_on
    rows = []
    known = {i.id for i in catalogue()}
    # One computation per indicator and level covers every targeted territory of that level.
    computed: dict[tuple, pd.DataFrame] = {}

    def values_at(indicator: Indicator, level: str, day: dt.date) -> pd.DataFrame:
        key = (indicator.id, level, day)
        if key not in computed:
            computed[key] = compute(store, indicator, Scope(level), day).set_index("territory_code")
        return computed[key]

    for (indicator_id, level, code), _ in targets.groupby(
            ["indicator_id", "level", targets["territory_code"].fillna("FR")], sort=False):
        if indicator_id not in known:
            rows.append({"indicator_id": indicator_id, "level": level, "territory_code": code,
                         "status": None, "note": "indicateur inconnu du catalogue"})
            continue
        indicator = get(indicator_id)
        current, base = values_at(indicator, level, as_of), values_at(indicator, level, signed_on)
        value = current["value"].get(code)
        baseline = base["value"].get(code)
        masked = bool(current["masked"].get(code, False))
        target_row = target_for(targets, indicator_id, level, code, as_of)
        target = float(target_row["target"])
        target_date = dt.date(int(target_row["year"]), 12, 31)
        rows.append({
            "indicator_id": indicator_id, "label": indicator.label, "level": level, "territory_code": code,
            "territory_name": referential.names(level).get(code, code), "unit": indicator.unit,
            "direction": indicator.direction, "value": value, "baseline": baseline, "target": target,
            "target_year": int(target_row["year"]),
            "gap": None if value is None or pd.isna(value) else value - target,
            "status": trajectory_status(indicator.direction, baseline, target, value, signed_on, target_date, as_of),
            "masked": masked, "priority": indicator.convention_priority,
        })
    return pd.DataFrame(rows)
