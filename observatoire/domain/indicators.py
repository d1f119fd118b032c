"""The indicator catalogue and its single computation path (pages, CLI and exports all call `compute`)."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from observatoire.base import referential, settings
from observatoire.base.db import Scope, Store
from observatoire.domain.measures import MEASURES, add_months

CATALOGUE_FILE = Path(__file__).with_name("indicators.toml")
UNITS = ("%", "sièges", "personnes", "mandats", "ratio", "associations", "jours", "candidatures", "projets")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
GRAINS = ("date", "period")
STATUS_REACHED, STATUS_ON_TRACK, STATUS_LATE = "atteint", "en bonne voie", "en retard"
STATUS_NOT_EVALUABLE = "non évaluable"
STATUSES = (STATUS_REACHED, STATUS_ON_TRACK, STATUS_LATE, STATUS_NOT_EVALUABLE)
NOT_SIGNED_YET = "convention non encore signée à cette date"
REASON_MASKED = "valeur masquée (moins de 11 personnes)"
REASON_NO_VALUE = "aucune donnée à cette date"
REASON_NO_BASELINE = "aucune valeur de référence depuis la signature (valeurs masquées ou manquantes)"
BASELINE_AT_SIGNATURE = "à la signature"
BASELINE_FIRST_KNOWN = "première valeur connue après la signature"
BASELINE_CAMPAIGN = "0 à l'ouverture de la campagne"
FOLLOW_UP_MEETING = "comite_suivi"
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
                       memo=memo, **({"months": months} if months else {}))
        if memo is not None:
            memo[key] = base
    by_cols = [b for b in by if b in base.columns]
    num = pd.to_numeric(base[indicator.num], errors="coerce").astype(float)
    den = pd.to_numeric(base[indicator.den], errors="coerce").astype(float) if indicator.den else \
        pd.Series(np.nan, index=base.index)
    columns = {"territory_code": base["territory_code"], **{b: base[b] for b in by_cols}}
    if indicator.measure == "awareness":
        den = pd.to_numeric(base["base"], errors="coerce").astype(float)
        columns |= {"ci_low": base["ci_low"], "ci_high": base["ci_high"], "year": base["year"]}
        value = num
    elif indicator.is_rate:
        value = (num / den.where(den > 0)) * indicator.factor
    else:
        value = num * indicator.factor
    columns |= {"value": value.round(4), "numerator": num, "denominator": den, "masked": False}
    for extra in ("opens_on", "note"):  # a campaign's opening (its baseline date), a caveat on the value
        if extra in base.columns:
            columns[extra] = base[extra].to_numpy()
    out = pd.DataFrame(columns)
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

def trajectory_points(baseline: tuple[dt.date, float] | None,
                      targets: list[tuple[int, float]]) -> list[tuple[dt.date, float]]:
    """The straight trajectory: from the baseline (date, value) to each yearly target at 31/12 of its year,
    in year order; targets due on or before the baseline date are left out. Empty without a baseline."""
    if baseline is None or baseline[1] is None or pd.isna(baseline[1]):
        return []
    points = [(baseline[0], float(baseline[1]))]
    for year, target in sorted(targets):
        deadline = dt.date(int(year), 12, 31)
        if deadline > baseline[0] and target is not None and not pd.isna(target):
            points.append((deadline, float(target)))
    return points


def _missing(value) -> bool:
    return value is None or pd.isna(value)


def evaluate(direction: str, baseline: float | None, target: float | None, value: float | None,
             start: dt.date, target_date: dt.date, as_of: dt.date, *, signed_on: dt.date | None = None,
             masked: bool = False) -> tuple[str | None, str]:
    """(status, reason) of a value against its target and the straight line from (start, baseline) to
    (target_date, target).

    Before the signature there is no status. A missing or masked value, or no baseline yet, is « non
    évaluable » with its reason: missing data is never « en retard ». Atteint when the target is met;
    en bonne voie on the good side of the line (or on it); en retard otherwise."""
    if as_of < (signed_on or start):
        return None, NOT_SIGNED_YET
    if target is None or pd.isna(target):
        return None, ""
    if masked:
        return STATUS_NOT_EVALUABLE, REASON_MASKED
    if _missing(value):
        return STATUS_NOT_EVALUABLE, REASON_NO_VALUE
    sign = -1 if direction == "lower_is_better" else 1
    if sign * (value - target) >= 0:
        return STATUS_REACHED, ""
    if _missing(baseline):
        return STATUS_NOT_EVALUABLE, REASON_NO_BASELINE
    span = (target_date - start).days
    progress = min(max((as_of - start).days / span, 0.0), 1.0) if span > 0 else 1.0
    expected = baseline + (target - baseline) * progress
    return (STATUS_ON_TRACK if sign * (value - expected) >= -1e-9 else STATUS_LATE), ""


def trajectory_status(direction: str, baseline: float | None, target: float, value: float | None,
                      signed_on: dt.date, target_date: dt.date, as_of: dt.date) -> str | None:
    """The status alone (see evaluate), the baseline taken at the signature."""
    return evaluate(direction, baseline, target, value, signed_on, target_date, as_of)[0]


def target_for(targets: pd.DataFrame, indicator_id: str, level: str, code: str, as_of: dt.date) -> pd.Series | None:
    """The target of the as-of year, else the next one, else the last one."""
    rows = targets[(targets["indicator_id"] == indicator_id) & (targets["level"] == level)
                   & (targets["territory_code"].fillna("FR") == code)].sort_values("year")
    if rows.empty:
        return None
    upcoming = rows[rows["year"] >= as_of.year]
    return (upcoming.iloc[0] if len(upcoming) else rows.iloc[-1])


def segment_start(path: list[tuple[dt.date, float]], target_date: dt.date) -> tuple[dt.date, float] | None:
    """The trajectory point the straight line to `target_date` starts from (the baseline, or the previous
    year's target): the status compares the value with the very line the chart draws."""
    before = [p for p in path if p[0] < target_date]
    return before[-1] if before else None


def _day(value) -> dt.date:
    return value.date() if isinstance(value, (pd.Timestamp, dt.datetime)) else value


def baseline_dates(signed_on: dt.date, as_of: dt.date) -> list[dt.date]:
    """Where a baseline is looked for: the signature, then the 1st of each month after it, up to the as-of date."""
    from observatoire.domain.measures import month_starts
    return sorted({signed_on, *[d for d in month_starts(signed_on, as_of) if d > signed_on], as_of}) \
        if as_of >= signed_on else []


def scorecard(store: Store, convention_id: str, as_of: dt.date, ids: list[str] | None = None) -> pd.DataFrame:
    """One row per (indicator, territory) targeted by the convention: value, target, gap, baseline (with its
    date and how it was found), status and its reason, and the change since the previous follow-up meeting."""
    convention = store.df("SELECT * FROM conventions WHERE convention_id = ?", [convention_id])
    targets = store.df("SELECT * FROM targets WHERE convention_id = ?", [convention_id])
    if ids is not None:
        targets = targets[targets["indicator_id"].isin(ids)]
    if convention.empty or targets.empty:
        return pd.DataFrame()
    signed_on = _day(convention["signed_on"].iloc[0])
    meetings = store.df("SELECT milestone_date FROM milestones WHERE convention_id = ? AND milestone_type = ? "
                        "AND milestone_date < ? ORDER BY milestone_date",
                        [convention_id, FOLLOW_UP_MEETING, as_of]) if store.has("milestones") else pd.DataFrame()
    last_meeting = _day(meetings["milestone_date"].iloc[-1]) if len(meetings) else None
    rows = []
    known = {i.id for i in catalogue()}
    # One computation per indicator, level and date covers every targeted territory of that level.
    computed: dict[tuple, pd.DataFrame] = {}
    memos: dict[tuple, dict] = {}  # per level and date: measures shared by several indicators computed once

    def at(indicator: Indicator, level: str, day: dt.date) -> pd.DataFrame:
        key = (indicator.id, level, day)
        if key not in computed:
            memo = memos.setdefault((level, day), {})
            computed[key] = compute(store, indicator, Scope(level), day, memo=memo).set_index("territory_code")
        return computed[key]

    def readable(frame: pd.DataFrame, code: str) -> float | None:
        if code not in frame.index or bool(frame["masked"].get(code, False)) or _missing(frame["value"].get(code)):
            return None
        return float(frame["value"].get(code))

    for (indicator_id, level, code), _ in targets.groupby(
            ["indicator_id", "level", targets["territory_code"].fillna("FR")], sort=False):
        if indicator_id not in known:
            rows.append({"indicator_id": indicator_id, "level": level, "territory_code": code,
                         "status": None, "note": "indicateur inconnu du catalogue"})
            continue
        indicator = get(indicator_id)
        current = at(indicator, level, as_of)
        value = readable(current, code)
        masked = bool(current["masked"].get(code, False)) if code in current.index else False
        note = str(current["note"].get(code, "") or "") if "note" in current.columns and code in current.index else ""
        baseline = baseline_how = None
        if as_of >= signed_on:
            if indicator.measure == "campaigns":
                # Each campaign is judged on its own: 0 designations at its opening.
                opens_on = current["opens_on"].get(code) if "opens_on" in current.columns else None
                if opens_on is not None and not pd.isna(opens_on):
                    baseline, baseline_how = (_day(opens_on), 0.0), BASELINE_CAMPAIGN
            else:
                for day in baseline_dates(signed_on, as_of):
                    found = readable(at(indicator, level, day), code)
                    if found is not None:
                        baseline = (day, found)
                        baseline_how = BASELINE_AT_SIGNATURE if day == signed_on else BASELINE_FIRST_KNOWN
                        break
        own = targets[(targets["indicator_id"] == indicator_id) & (targets["level"] == level)
                      & (targets["territory_code"].fillna("FR") == code)]
        target_row = target_for(targets, indicator_id, level, code, as_of)
        target = float(target_row["target"])
        target_date = dt.date(int(target_row["year"]), 12, 31)
        path = trajectory_points(baseline, list(zip(own["year"].astype(int), own["target"].astype(float))))
        start = segment_start(path, target_date)
        status, reason = evaluate(indicator.direction, start[1] if start else None, target, value,
                                  start[0] if start else signed_on, target_date, as_of, signed_on=signed_on,
                                  masked=masked)
        previous = readable(at(indicator, level, last_meeting), code) if last_meeting else None
        rows.append({
            "indicator_id": indicator_id, "label": indicator.label, "level": level, "territory_code": code,
            "territory_name": referential.names(level).get(code, code), "unit": indicator.unit,
            "direction": indicator.direction, "value": value, "masked": masked,
            "baseline": baseline[1] if baseline else None, "baseline_date": baseline[0] if baseline else None,
            "baseline_how": baseline_how, "target": target, "target_year": int(target_row["year"]),
            "gap": None if value is None else value - target,
            "status": status, "status_reason": reason, "note": note,
            "last_meeting": last_meeting, "value_at_last_meeting": previous,
            "since_last_meeting": None if value is None or previous is None else value - previous,
            "priority": indicator.convention_priority,
        })
    card = pd.DataFrame(rows)
    # Wider territories first (the région before its départements), then by convention priority.
    order = card["level"].map({"national": 0, "region": 1, "departement": 2}).fillna(3)
    return card.assign(_order=order).sort_values(["_order", "priority", "indicator_id", "territory_code"],
                                                 kind="stable", na_position="last").drop(columns="_order") \
        .reset_index(drop=True)
