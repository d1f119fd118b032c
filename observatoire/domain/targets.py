"""Convention targets and statuses: the target in force, the straight trajectory, and the status rule.

One rule, used by the scorecard, the maps' gaps to target, the indicator charts and the mode séance.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import settings
from observatoire.base.dates import is_missing, last_quarter_end, month_starts
from observatoire.base.referential import NATIONAL_CODE
from observatoire.base.vocabulary import (
    NOT_SIGNED_YET,
    REASON_MASKED,
    REASON_NO_BASELINE,
    REASON_NO_VALUE,
    STATUS_LATE,
    STATUS_MISSED,
    STATUS_NOT_EVALUABLE,
    STATUS_ON_TRACK,
    STATUS_REACHED,
)


def trajectory_points(baseline: tuple[dt.date, float] | None,
                      targets: list[tuple]) -> list[tuple[dt.date, float]]:
    """The straight trajectory: from the baseline (date, value) to each target — (year, target), due on 31/12 of
    its year, or (year, target, due date): a campaign's target is due at the end of its designation window — in
    date order; targets due on or before the baseline date are left out. Empty without a baseline."""
    if baseline is None or baseline[1] is None or pd.isna(baseline[1]):
        return []
    points = [(baseline[0], float(baseline[1]))]
    for year, target, deadline in sorted(target_due(t) for t in targets):
        if deadline > baseline[0] and target is not None and not pd.isna(target):
            points.append((deadline, float(target)))
    return points


def target_due(target: tuple) -> tuple[int, float, dt.date]:
    """(year, target, due date) of a (year, target) or (year, target, due) tuple: 31/12 of the year by default."""
    year, value, *due = target
    return int(year), value, (due[0] if due and due[0] is not None and not pd.isna(due[0])
                              else dt.date(int(year), 12, 31))


def evaluate(direction: str, baseline: float | None, target: float | None, value: float | None,
             start: dt.date, target_date: dt.date, as_of: dt.date, *, signed_on: dt.date | None = None,
             masked: bool = False, tolerance: float = 0.0) -> tuple[str | None, str]:
    """(status, reason) of a value against its target and the straight line from (start, baseline) to
    (target_date, target).

    Before the signature there is no status. A missing or masked value, or no baseline yet, is « non
    évaluable » with its reason: missing data is never « en retard ». Atteint when the target is met;
    en bonne voie on the good side of the line, on it, or short of it by less than `tolerance` (one person or
    one seat of the denominator: a status never flips on less than one unit); en retard otherwise."""
    if as_of < (signed_on or start):
        return None, NOT_SIGNED_YET
    if target is None or pd.isna(target):
        return None, ""
    if masked:
        return STATUS_NOT_EVALUABLE, REASON_MASKED.format(threshold=settings.mask_threshold())
    if is_missing(value):
        return STATUS_NOT_EVALUABLE, REASON_NO_VALUE
    sign = -1 if direction == "lower_is_better" else 1
    if sign * (value - target) >= 0:
        return STATUS_REACHED, ""
    if is_missing(baseline):
        return STATUS_NOT_EVALUABLE, REASON_NO_BASELINE
    span = (target_date - start).days
    progress = min(max((as_of - start).days / span, 0.0), 1.0) if span > 0 else 1.0
    expected = baseline + (target - baseline) * progress
    return (STATUS_ON_TRACK if sign * (value - expected) > -tolerance - 1e-9 else STATUS_LATE), ""


def final_status(direction: str, target: float | None, value: float | None, *, masked: bool = False
                 ) -> tuple[str | None, str]:
    """A result that can no longer move (a campaign whose designation window is over): atteint or non atteint,
    never a trajectory."""
    if target is None or pd.isna(target):
        return None, ""
    if masked:
        return STATUS_NOT_EVALUABLE, REASON_MASKED.format(threshold=settings.mask_threshold())
    if is_missing(value):
        return STATUS_NOT_EVALUABLE, REASON_NO_VALUE
    sign = -1 if direction == "lower_is_better" else 1
    return (STATUS_REACHED if sign * (value - target) >= 0 else STATUS_MISSED), ""


def one_unit(factor: float, denominator) -> float:
    """How much one person (or one seat) of the denominator weighs in a rate: 100 / 37 points for 37 people."""
    if is_missing(denominator) or not denominator:
        return 0.0
    return float(factor) / float(denominator)


def judged_on(as_of: dt.date, pace: str) -> dt.date:
    """The date an indicator is judged on: the as-of date, or for a quarterly indicator the last day of the last
    completed quarter (value and status do not move between quarter ends)."""
    return last_quarter_end(as_of) if pace == "quarter" else as_of


def trajectory_status(direction: str, baseline: float | None, target: float, value: float | None,
                      signed_on: dt.date, target_date: dt.date, as_of: dt.date) -> str | None:
    """The status alone (see evaluate), the baseline taken at the signature."""
    return evaluate(direction, baseline, target, value, signed_on, target_date, as_of)[0]


def own_targets(targets: pd.DataFrame, indicator_id: str, level: str, code: str) -> pd.DataFrame:
    """The yearly targets of one indicator for one territory (`code` FR for France), in year order."""
    return targets[(targets["indicator_id"] == indicator_id) & (targets["level"] == level)
                   & (targets["territory_code"].fillna(NATIONAL_CODE) == code)].sort_values("year", kind="stable")


def target_of_year(targets: pd.DataFrame, indicator_id: str, level: str, code: str, year: int) -> pd.Series | None:
    """The target set for that very year (a campaign is judged against its own year's target), or None."""
    rows = own_targets(targets, indicator_id, level, code)
    rows = rows[rows["year"] == year]
    return rows.iloc[0] if len(rows) else None


def target_for(targets: pd.DataFrame, indicator_id: str, level: str, code: str, as_of: dt.date) -> pd.Series | None:
    """The target in force on the as-of date: the target of the as-of year, else the next one, else the last one."""
    rows = own_targets(targets, indicator_id, level, code)
    if rows.empty:
        return None
    upcoming = rows[rows["year"] >= as_of.year]
    return (upcoming.iloc[0] if len(upcoming) else rows.iloc[-1])


def segment_start(path: list[tuple[dt.date, float]], target_date: dt.date) -> tuple[dt.date, float] | None:
    """The trajectory point the straight line to `target_date` starts from (the baseline, or the previous
    year's target): the status compares the value with the very line the chart draws."""
    before = [p for p in path if p[0] < target_date]
    return before[-1] if before else None


def baseline_dates(signed_on: dt.date, as_of: dt.date) -> list[dt.date]:
    """Where a baseline is looked for: the signature, then the 1st of each month after it, up to the as-of date."""
    return sorted({signed_on, *[d for d in month_starts(signed_on, as_of) if d > signed_on], as_of}) \
        if as_of >= signed_on else []


def targets_in_force(targets: pd.DataFrame, indicator_id: str, level: str,
                     as_of: dt.date) -> dict[str, tuple[float, int]]:
    """Territory code -> (target, year) for that indicator and level: the target of the as-of year, else the
    next one, else the last one (target_for: the rule of the convention's scorecard)."""
    if targets is None or targets.empty:
        return {}
    rows = targets[(targets["indicator_id"] == indicator_id) & (targets["level"] == level)]
    out = {}
    for code in sorted(rows["territory_code"].fillna(NATIONAL_CODE).unique()):
        row = target_for(rows, indicator_id, level, code, as_of)
        if row is not None:
            out[code] = (float(row["target"]), int(row["year"]))
    return out
