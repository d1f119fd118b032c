"""The indicator catalogue and its single computation path (pages, CLI, scorecard and exports all call `compute`)."""
from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from observatoire.base import dates, referential, settings
from observatoire.base.db import Scope, Store
from observatoire.domain import precomputed, privacy
from observatoire.domain.measures import MEASURES
from observatoire.domain.targets import judged_on

CATALOGUE_FILE = Path(__file__).with_name("indicators.toml")
UNITS = ("%", "sièges", "personnes", "mandats", "ratio", "associations", "jours", "candidatures", "projets")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
GRAINS = ("date", "period")
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
    # How often the indicator is judged: "date" (on the as-of date) or "quarter" (at the last completed quarter's
    # end: a quarterly cohort does not move between quarter ends). `tolerance`: the gap to the trajectory under
    # which a status stays « en bonne voie » (default: one unit of the denominator, one person or one seat).
    pace: str = "date"
    tolerance: float | None = None

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


def compute(store: Store, indicator: Indicator | str, scope: Scope, as_of: dt.date,
            period: tuple[dt.date, dt.date] | None = None, by: tuple[str, ...] = (),
            memo: dict | None = None, filters: dict | None = None) -> pd.DataFrame:
    """Value, numerator, denominator and masked flag of one indicator, one row per territory (× by).

    Statistical secrecy (privacy.protect_indicators) is applied to the indicator together with the indicators that
    share its figures (same measure and filters: the three training shares of one cohort, RU and mandates per RU),
    whatever else the caller shows, so the same figure is masked the same way on every page and file. `filters`
    narrows the measure further (a body type of first designation)."""
    indicator = get(indicator) if isinstance(indicator, str) else indicator
    if not indicator.mask:
        return _values(store, indicator, scope, as_of, period, by, memo, filters)
    rows = _protected_family(store, indicator, scope, as_of, period, by, {} if memo is None else memo, filters)
    return rows[rows["indicator_id"] == indicator.id].reset_index(drop=True)


# The level whose totals stand beside a level's territories (a région's value beside its départements).
LEVEL_ABOVE = {"departement": "region", "etablissement": "departement"}


def _protected_family(store: Store, indicator: Indicator, scope: Scope, as_of: dt.date, period, by, memo,
                      filters: dict | None) -> pd.DataFrame:
    """The indicator and those sharing its figures, at the scope's level, through the masking step; a territory
    whose total one level up is masked counts that hidden total in its relation (so that no complementary cell
    of the level above comes back as the sum of the territories below)."""
    family = [i for i in catalogue() if i.mask and i.measure == indicator.measure and i.filters == indicator.filters]
    rows = pd.concat([_values(store, i, scope, as_of, period, by, memo, filters) for i in family], ignore_index=True)
    above = None
    if scope.level in LEVEL_ABOVE and not by:
        level = LEVEL_ABOVE[scope.level]
        key = (indicator.measure, tuple(sorted(indicator.filters.items())), level, as_of, period,
               tuple(sorted((filters or {}).items())), settings.mask_threshold(), settings.training_obligation_from())
        kept = store.memo("protected_level_above", 512)
        above = kept.get(key)
        if above is None:  # the whole level above, as every user's pages compute it
            above = _protected_family(store, indicator, Scope(level), as_of, period, (), {}, filters)
            kept.put(key, above)
    return protect(store, rows, scope.level, by, filters, above)


def _values(store: Store, indicator: Indicator, scope: Scope, as_of: dt.date, period, by, memo,
            extra_filters: dict | None = None) -> pd.DataFrame:
    # A quarterly indicator is computed at the end of the last completed quarter: it does not move in between.
    as_of = judged_on(as_of, indicator.pace)
    out = _precomputed(store, indicator, scope, as_of) if period is None and not by and not extra_filters else None
    if out is None:
        out = raw_values(store, indicator, scope, as_of, period, by, memo, extra_filters)
    by_cols = [b for b in by if b in out.columns]
    # Raw values, precomputed or not: the masking step (protect) comes after, over the figures shown together.
    out.insert(0, "indicator_id", indicator.id)
    out.insert(1, "level", scope.level)
    out.insert(3, "territory_name", territory_names(store, scope.level, out["territory_code"]))
    out["unit"] = indicator.unit
    return out.sort_values(["territory_code", *by_cols], kind="stable").reset_index(drop=True)


def raw_values(store: Store, indicator: Indicator, scope: Scope, as_of: dt.date,
               period: tuple[dt.date, dt.date] | None = None, by: tuple[str, ...] = (),
               memo: dict | None = None, extra_filters: dict | None = None) -> pd.DataFrame:
    """The indicator computed on the store at `as_of` (already the day it is judged on), before any masking:
    territory_code (× by), value, numerator, denominator, masked (False) and the measure's extra columns.
    `extra_filters` narrows the measure further (a body type of first designation)."""
    filters = {**indicator.filters, **(extra_filters or {})}
    months = filters.pop("months", None)
    measure = MEASURES[indicator.measure]
    # Several indicators share one measure (seats -> sieges, vacants, taux...): compute it once per call.
    key = (indicator.measure, tuple(sorted(filters.items())), months, by)
    if memo is not None and key in memo:
        base = memo[key]
    else:
        base = measure(store, as_of, scope, by=by, filters=filters, period=period or dates.default_period(as_of),
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
    # A campaign's opening (its baseline), window end, year and whether it is over; a caveat on the value.
    for extra in ("opens_on", "window_end", "campaign_year", "final", "note"):
        if extra in base.columns:
            columns[extra] = base[extra].to_numpy()
    return pd.DataFrame(columns)


def _precomputed(store: Store, indicator: Indicator, scope: Scope, as_of: dt.date) -> pd.DataFrame | None:
    """The raw values the build computed for this indicator, level and day (precomputed.py), cut to the scope's
    territories; None when the table does not hold them (another day or level, other rules) or when the scope's
    restriction is not a set of whole territories of its level (France restricted to a région)."""
    inside = _territories_inside(scope)
    if inside is None:
        return None
    frame = precomputed.lookup(store, rules_key(), indicator.id, scope.level, as_of)
    if frame is None or inside is ALL:
        return frame
    return frame[frame["territory_code"].isin(inside)].reset_index(drop=True)


ALL = frozenset({"*"})


def _territories_inside(scope: Scope) -> frozenset | None:
    """The codes of the scope's level it keeps (ALL: every one); None when its rows are not a cut of the level's
    rows (France or a région computed from part of their territory, establishments)."""
    if scope.level == "national":
        return None if scope.region or scope.department else ALL
    if scope.level not in precomputed.LEVELS or (scope.level == "region" and scope.department):
        return None
    wanted = [{scope.code}] if scope.code else []
    if scope.level == "region" and scope.region:
        wanted.append({scope.region})
    if scope.level == "departement" and scope.department:
        wanted.append({scope.department})
    if scope.level == "departement" and scope.region:
        wanted.append({code for code, region in referential.region_of_department().items() if region == scope.region})
    return frozenset(set.intersection(*wanted)) if wanted else ALL


def cells(extra_filters: dict | None = None) -> dict[str, tuple]:
    """indicator_id -> (numerator cell, denominator cell): the figure each reads, as (measure, filters, column)."""
    out = {}
    for indicator in catalogue():
        filters = tuple(sorted({**indicator.filters, **(extra_filters or {})}.items()))
        out[indicator.id] = ((indicator.measure, filters, indicator.num),
                             (indicator.measure, filters, indicator.den) if indicator.den else None)
    return out


def parents(store: Store, level: str) -> dict[str, str] | None:
    """Territory -> the territory above whose total is shown beside it (None: one national total)."""
    if level == "departement":
        return referential.region_of_department()
    if level == "etablissement":
        return store.derived("establishment_departments", lambda s: dict(
            s.df("SELECT finess, department_code FROM establishments").itertuples(index=False)))
    return None


def protect(store: Store | None, rows: pd.DataFrame, level: str, by: tuple[str, ...] = (),
            filters: dict | None = None, above: pd.DataFrame | None = None) -> pd.DataFrame:
    """Indicator rows of one level and date shown together, through the one masking step. `above`: the same
    indicators one level up, already through it (their masked totals)."""
    maskable = {i.id for i in catalogue() if i.mask}
    return privacy.protect_indicators(rows, settings.mask_threshold(), cells(filters), maskable,
                                      parents(store, level), by, above)


def territory_names(store: Store, level: str, codes: pd.Series) -> pd.Series:
    if level == "etablissement":
        names = dict(store.df("SELECT finess, name FROM establishments").itertuples(index=False))
    else:
        names = referential.names(level)
    # A dict lookup per code: pandas' map on Arrow-backed strings cost about a fifth of a precomputed value's read.
    return pd.Series([names.get(code, code) for code in codes.tolist()], index=codes.index, dtype=codes.dtype)


def compute_all(store: Store, scope: Scope, as_of: dt.date, period=None,
                ids: list[str] | None = None) -> pd.DataFrame:
    memo: dict = {}
    frames = [compute(store, indicator, scope, as_of, period, memo=memo) for indicator in catalogue()
              if ids is None or indicator.id in ids]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    # Figures computed together are shown together: nothing masked comes back from the others (filled seats
    # beside a masked number of RU, a masked territory from the level's total).
    return protect(store, pd.concat(frames, ignore_index=True), scope.level)


# What a value depends on besides the store: the catalogue, the code that computes it and the settings it reads.
# The build's precomputed table carries this key; a table computed under other rules is never read (a new version
# of the code computes every value until the store is built again).
RULES_SOURCES = ("observatoire/domain/*.py", "observatoire/domain/indicators.toml", "observatoire/base/*.py")


def _code_fingerprint() -> str:
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for pattern in RULES_SOURCES:
        for path in sorted(root.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


CODE_FINGERPRINT = _code_fingerprint()  # of the code this process imported


def rules_key() -> str:
    """The key of the rules values are computed under (masking is not part of it: it happens at read)."""
    return f"{CODE_FINGERPRINT}:training_obligation_from={settings.training_obligation_from().isoformat()}"


def precompute(store: Store, days: list[dt.date]) -> dict[tuple[str, str, dt.date], pd.DataFrame]:
    """Raw values (before masking) of every indicator of the catalogue for every level of the precomputed table at
    the day each is judged on for each of `days`: what `compute` then reads instead of computing."""
    frames: dict[tuple[str, str, dt.date], pd.DataFrame] = {}
    for day in days:
        for level in precomputed.LEVELS:
            memo: dict = {}  # measures shared by several indicators at this level and day
            for indicator in catalogue():
                judged = judged_on(day, indicator.pace)
                if (indicator.id, level, judged) not in frames:
                    frames[indicator.id, level, judged] = raw_values(store, indicator, Scope(level), judged,
                                                                     memo=memo if judged == day else None)
    return frames


def write_precomputed(store: Store, today: dt.date, months: int) -> Path:
    """Compute the catalogue at the days pages ask most (precomputed.days_asked) and write the store's table."""
    path = store.data_dir / precomputed.FILE
    precomputed.write(path, precompute(store, precomputed.days_asked(store, today, months)), rules_key())
    return path
