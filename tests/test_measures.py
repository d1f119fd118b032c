"""Measures on a tiny hand-built store: the first-in first-out matching of vacancies (time to fill)."""
import datetime as dt
import hashlib
import json

import pandas as pd
import pytest

from observatoire.base.db import Scope, Store
from observatoire.domain import measures

D = dt.date


@pytest.fixture
def fills_store(tmp_path) -> Store:
    # B1: 2 titular seats. M1 and M2 fill both on 01/01/2020 (no known vacancy before: not counted); M3 makes
    # 3 active for 2 seats, so M1 ending (30/06) frees nothing; M2 ending (31/12) opens a vacancy on 01/01/2021,
    # filled by M4 on 01/02/2021 (31 days).
    # B2: 1 titular seat. M5 ends 31/03 -> vacant 01/04, M6 fills it 01/05 (30 days); M6 ends 31/05 -> vacant
    # 01/06, M7 fills it 01/08 (61 days).
    bodies = pd.DataFrame({
        "body_id": ["B1", "B2"], "body_type": ["CDU", "CDU"], "finess": ["670000001", "680000001"],
        "department_code": ["67", "68"], "region_code": ["44", "44"], "seats_titular": [2, 1],
        "seats_substitute": [0, 0], "created_on": pd.to_datetime([None, None]),
        "closed_on": pd.to_datetime([None, None])})
    mandates = pd.DataFrame({
        "body_id": ["B1", "B1", "B1", "B1", "B2", "B2", "B2"], "role": ["titulaire"] * 7,
        "start_date": [D(2020, 1, 1), D(2020, 1, 1), D(2020, 3, 1), D(2021, 2, 1), D(2020, 1, 1), D(2020, 5, 1),
                       D(2020, 8, 1)],
        "end_date": [D(2020, 6, 30), D(2020, 12, 31), D(2021, 12, 31), D(2023, 1, 31), D(2020, 3, 31),
                     D(2020, 5, 31), D(2023, 7, 31)]})
    bodies.to_parquet(tmp_path / "bodies.parquet")
    mandates.to_parquet(tmp_path / "mandates.parquet")
    checksums = {f.name: {"bytes": f.stat().st_size, "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
                 for f in tmp_path.glob("*.parquet")}
    (tmp_path / "manifest.json").write_text(json.dumps({"built_at": "test", "checksums": checksums}),
                                            encoding="utf-8")
    return Store(tmp_path)


def test_vacancy_fills_first_in_first_out(fills_store):
    fills = measures.vacancy_fills(fills_store)
    pairs = sorted(zip(fills["body_id"], pd.to_datetime(fills["opened_on"]).dt.date,
                       pd.to_datetime(fills["filled_on"]).dt.date))
    assert pairs == [("B1", D(2021, 1, 1), D(2021, 2, 1)), ("B2", D(2020, 4, 1), D(2020, 5, 1)),
                     ("B2", D(2020, 6, 1), D(2020, 8, 1))]


@pytest.mark.parametrize(("scope", "period", "expected"), [
    (Scope("national"), (D(2020, 1, 1), D(2020, 12, 31)), {"FR": (45.5, 2)}),         # median of 30 and 61
    (Scope("national"), (D(2021, 1, 1), D(2021, 12, 31)), {"FR": (31.0, 1)}),
    (Scope("departement"), (D(2020, 1, 1), D(2021, 12, 31)), {"67": (31.0, 1), "68": (45.5, 2)}),
    (Scope("departement", "67"), (D(2020, 5, 2), D(2020, 12, 31)), {}),                # B1 filled nothing in 2020
])
def test_time_to_fill_per_period_and_territory(fills_store, scope, period, expected):
    frame = measures.time_to_fill(fills_store, period[1], scope, period=period)
    got = {r.territory_code: (r.median_days, r.filled_vacancies) for r in frame.itertuples()}
    assert got == expected
