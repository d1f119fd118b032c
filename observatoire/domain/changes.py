"""What a new store would change against the store in service: rows per table, and per région the bodies, seats,
active mandates and the vacancy rate of the seats the ARS designates (the catalogue's, as Accueil shows it)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import referential
from observatoire.base.db import Scope, Store
from observatoire.domain import indicators

REGION_FIGURES = ("bodies", "seats", "mandates", "vacancy_rate")
VACANCY_INDICATOR = "taux_vacance_designes"


def region_figures(store: Store | None, as_of: dt.date) -> pd.DataFrame:
    """Per région on the date: open bodies, their seats, active mandates and the vacancy rate (designated seats)."""
    columns = ["region_code", *REGION_FIGURES]
    if store is None:
        return pd.DataFrame(columns=columns)
    counts = store.df("""
        WITH b AS (SELECT region_code, count(*) AS bodies, sum(seats_titular + seats_substitute) AS seats
                   FROM bodies WHERE (created_on IS NULL OR created_on <= $d) AND (closed_on IS NULL OR closed_on > $d)
                   GROUP BY 1),
             m AS (SELECT region_code, count(*) AS mandates FROM mandates WHERE start_date <= $d AND end_date >= $d
                   GROUP BY 1)
        SELECT coalesce(b.region_code, m.region_code) AS region_code, coalesce(b.bodies, 0) AS bodies,
               coalesce(b.seats, 0) AS seats, coalesce(m.mandates, 0) AS mandates
        FROM b FULL JOIN m USING (region_code) WHERE coalesce(b.region_code, m.region_code) IS NOT NULL""",
                      {"d": as_of})
    rates = indicators.compute(store, VACANCY_INDICATOR, Scope("region"), as_of)
    rates = rates.rename(columns={"territory_code": "region_code", "value": "vacancy_rate"})[
        ["region_code", "vacancy_rate"]]
    return counts.merge(rates, on="region_code", how="outer")[columns]


def compare_regions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per région in either store: each figure before and after, `changed` when one moved; régions that
    change first, then by name."""
    merged = before.merge(after, on="region_code", how="outer", suffixes=("_before", "_after"))
    for figure in REGION_FIGURES:
        for side in ("before", "after"):
            column = f"{figure}_{side}"
            merged[column] = pd.to_numeric(merged[column], errors="coerce")
            if figure != "vacancy_rate":
                merged[column] = merged[column].fillna(0)
    moved = pd.Series(False, index=merged.index)
    for figure in REGION_FIGURES:
        a, b = merged[f"{figure}_before"], merged[f"{figure}_after"]
        moved |= ~((a == b) | (a.isna() & b.isna()))
    merged["changed"] = moved
    merged.insert(1, "region", merged["region_code"].map(referential.names("region")).fillna(merged["region_code"]))
    return merged.sort_values(["changed", "region"], ascending=[False, True], kind="stable").reset_index(drop=True)


def compare_tables(before: dict[str, int], after: dict[str, int]) -> pd.DataFrame:
    """Rows per table before and after (a table absent from one side has 0 rows there)."""
    names = list(dict.fromkeys([*after, *before]))
    frame = pd.DataFrame({"table": names, "before": [int(before.get(n, 0)) for n in names],
                          "after": [int(after.get(n, 0)) for n in names]})
    frame["change"] = frame["after"] - frame["before"]
    return frame
