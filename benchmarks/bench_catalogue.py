"""The whole catalogue for every département at one date, and the plain-pandas vacancy baseline."""
from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

import pandas as pd

from observatoire.base.db import Scope, Store
from observatoire.domain import indicators

AS_OF = dt.date(2026, 6, 1)


def pandas_vacancy(data_dir: Path, as_of: dt.date) -> pd.DataFrame:
    """The obvious pandas way: load, filter active mandates, count per body and role, clip to seats."""
    bodies = pd.read_parquet(data_dir / "bodies.parquet")
    mandates = pd.read_parquet(data_dir / "mandates.parquet")
    day = pd.Timestamp(as_of)
    bodies = bodies[(bodies["created_on"].isna() | (pd.to_datetime(bodies["created_on"]) <= day))
                    & (bodies["closed_on"].isna() | (pd.to_datetime(bodies["closed_on"]) > day))]
    roles = pd.concat([
        bodies.assign(role="titulaire", seats=bodies["seats_titular"]),
        bodies.assign(role="suppleant", seats=bodies["seats_substitute"])])
    roles = roles[roles["seats"] > 0]
    active = mandates[(pd.to_datetime(mandates["start_date"]) <= day) & (pd.to_datetime(mandates["end_date"]) >= day)]
    counts = active.groupby(["body_id", "role"]).size().rename("active").reset_index()
    state = roles.merge(counts, on=["body_id", "role"], how="left").fillna({"active": 0})
    state["vacant"] = state["seats"] - state[["active", "seats"]].min(axis=1)
    out = state.groupby("department_code").agg(seats=("seats", "sum"), vacant=("vacant", "sum")).reset_index()
    return out


def _median_time(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(data_dir: Path) -> list[dict]:
    store = Store(data_dir)
    scope = Scope("departement")
    indicators.compute_all(store, scope, AS_OF)  # warm-up
    catalogue = _median_time(lambda: indicators.compute_all(store, scope, AS_OF), repeat=3)
    slowest = sorted(((_median_time(lambda: indicators.compute(store, indicator, scope, AS_OF), repeat=3), indicator.id)
                      for indicator in indicators.catalogue()), reverse=True)[:3]
    duck = _median_time(lambda: indicators.compute(store, "taux_vacance", scope, AS_OF))
    baseline = _median_time(lambda: pandas_vacancy(data_dir, AS_OF))
    ours = indicators.compute(store, "taux_vacance", scope, AS_OF).set_index("territory_code")
    theirs = pandas_vacancy(data_dir, AS_OF).set_index("department_code")
    same = (ours["numerator"].astype(int) == theirs.loc[ours.index, "vacant"].astype(int)).all()
    return [
        {"name": f"catalogue ({len(indicators.catalogue())} indicateurs) × départements, à chaud (cible ≤ 250 ms)",
         "seconds": catalogue, "baseline_seconds": None, "ratio": None},
        *({"name": f"  indicateur le plus lent : {name} (cible ≤ 50 ms)", "seconds": seconds,
           "baseline_seconds": None, "ratio": None} for seconds, name in slowest),
        {"name": "taux de vacance par département (DuckDB) vs pandas" + ("" if same else " — RÉSULTATS DIFFÉRENTS"),
         "seconds": duck, "baseline_seconds": baseline, "ratio": baseline / duck},
    ]
