"""The catalogue's values precomputed by the build (observatoire/domain/precomputed.py) read exactly what the
computation gives, for every indicator, level and precomputed day; masking happens at read; other rules bypass it."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from observatoire.base.dates import default_period
from observatoire.base.db import Scope, Store, StoreDamaged
from observatoire.domain import indicators, precomputed
from pipelines.build import build, is_stale, store_checksums

DAYS = [dt.date(2026, 3, 1), dt.date(2026, 6, 15), dt.date(2026, 9, 30)]
CODES = {"region": ["44", "94"], "departement": ["67", "2A"]}


def with_table(source: Path, folder: Path, days: list[dt.date]) -> Store:
    """A copy of a built store with the table of `days` written as the build writes it."""
    shutil.copytree(source, folder)
    store = Store(folder)
    precomputed.write(folder / precomputed.FILE, indicators.precompute(store, days), indicators.rules_key())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"] = store_checksums(folder)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return Store(folder)


def assert_reads_the_same(table: Store, computed: Store, days: list[dt.date], codes: dict[str, list[str]]) -> None:
    region = codes["region"][0]
    department = codes["departement"][0]
    restricted = {"region": [Scope("region", region=region)],
                  "departement": [Scope("departement", region=region), Scope("departement", department=department)]}
    assert precomputed.read(computed) is None
    held = precomputed.read(table)
    for day in days:
        for level in precomputed.LEVELS:
            for indicator in indicators.catalogue():
                judged = indicators.judged_on(day, indicator.pace)
                assert held.get(indicator.id, level, judged) is not None, (indicator.id, level, judged)
                looked_up = indicators.compute(table, indicator, Scope(level), day)
                assert_frame_equal(looked_up, indicators.compute(computed, indicator, Scope(level), day),
                                   check_exact=True, obj=f"{indicator.id} {level} {day}")
                for scope in [Scope(level, code) for code in codes.get(level, [])] + restricted.get(level, []):
                    # A territory, or the territories inside a région, are cut from their level's values (as
                    # queries.whole_level does): the same rows; the code's type may differ from a computation alone.
                    assert_frame_equal(indicators.compute(table, indicator, scope, day),
                                       indicators.compute(computed, indicator, scope, day),
                                       check_exact=True, check_dtype=False, obj=f"{indicator.id} {scope} {day}")
            # Figures computed together: the complementary masking sees the same values.
            assert_frame_equal(indicators.compute_all(table, Scope(level), day),
                               indicators.compute_all(computed, Scope(level), day), check_exact=True)


@pytest.fixture(scope="module")
def fixture_with_table(two_region_store_dir, tmp_path_factory) -> Store:
    return with_table(two_region_store_dir, tmp_path_factory.mktemp("precomputed") / "parquet", DAYS)


def test_the_table_reads_what_the_computation_gives(fixture_with_table, two_region_store_dir):
    assert_reads_the_same(fixture_with_table, Store(two_region_store_dir), DAYS, CODES)


def test_other_days_levels_and_scopes_are_computed(fixture_with_table, two_region_store_dir):
    held = precomputed.read(fixture_with_table)
    assert held.get("taux_vacance", "region", dt.date(2026, 3, 2)) is None
    assert held.get("taux_vacance", "etablissement", DAYS[0]) is None
    assert held.get("inconnu", "region", DAYS[0]) is None
    # France from one région's rows, a région from one département's, is no cut of the table's rows: computed.
    for scope in (Scope("national", region="44"), Scope("region", department="67"), Scope("etablissement")):
        assert indicators._territories_inside(scope) is None
        assert_frame_equal(indicators.compute(fixture_with_table, "sieges", scope, DAYS[0]),
                           indicators.compute(Store(two_region_store_dir), "sieges", scope, DAYS[0]), check_exact=True)


def test_masking_happens_at_read_with_the_current_threshold(fixture_with_table, two_region_store_dir, monkeypatch):
    computed = Store(two_region_store_dir)
    for threshold in ("3", "30"):
        monkeypatch.setenv("OBSERVATOIRE_MASK_THRESHOLD", threshold)
        for level in precomputed.LEVELS:
            looked_up = indicators.compute_all(fixture_with_table, Scope(level), DAYS[0])
            assert_frame_equal(looked_up, indicators.compute_all(computed, Scope(level), DAYS[0]), check_exact=True)
    assert looked_up["masked"].any()  # at 30, the fixture's counts of people are masked


def test_a_setting_that_changes_values_bypasses_the_table(fixture_with_table, two_region_store_dir, monkeypatch):
    assert precomputed.lookup(fixture_with_table, indicators.rules_key(), "taux_formation_6m", "region",
                              dt.date(2026, 9, 30)) is not None
    monkeypatch.setenv("OBSERVATOIRE_TRAINING_OBLIGATION_FROM", "2026-01-01")
    assert precomputed.lookup(fixture_with_table, indicators.rules_key(), "taux_formation_6m", "region",
                              dt.date(2026, 9, 30)) is None
    for level in precomputed.LEVELS:
        assert_frame_equal(indicators.compute_all(fixture_with_table, Scope(level), DAYS[1]),
                           indicators.compute_all(Store(two_region_store_dir), Scope(level), DAYS[1]),
                           check_exact=True)


def test_the_build_writes_the_table_into_the_checked_store(fresh_raw, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_PRECOMPUTE_MONTHS", "1")
    result = build(fresh_raw, tmp_path / "parquet")
    built = dt.date.fromisoformat(result.manifest["built_at"][:10])
    days = [dt.date.fromisoformat(day) for day in result.manifest["precomputed"]["days"]]
    assert days == precomputed.days_asked(Store(tmp_path / "parquet"), built, 1)
    assert {built, built.replace(day=1)} <= set(days)
    assert precomputed.FILE in result.manifest["checksums"]      # checked with the store, published with its snapshot
    store = Store(tmp_path / "parquet")
    assert precomputed.read(store).rules == indicators.rules_key()
    first = built.replace(day=1)
    # An explicit period (the default one) is always computed: the same values.
    assert_frame_equal(indicators.compute_all(store, Scope("region"), first),
                       indicators.compute_all(store, Scope("region"), first, period=default_period(first)),
                       check_exact=True)
    # `build --if-stale` (make run) rebuilds a store whose table another version of the code computed, and one
    # without a table while the settings ask for one; with the table off, neither is a reason.
    assert not is_stale(fresh_raw, tmp_path / "parquet")
    monkeypatch.setattr(indicators, "rules_key", lambda: "another-version")
    assert is_stale(fresh_raw, tmp_path / "parquet")
    monkeypatch.setenv("OBSERVATOIRE_PRECOMPUTE_MONTHS", "0")
    assert not is_stale(fresh_raw, tmp_path / "parquet")
    monkeypatch.undo()
    monkeypatch.setenv("OBSERVATOIRE_PRECOMPUTE_MONTHS", "1")
    path = tmp_path / "parquet" / precomputed.FILE
    kept = path.read_bytes()
    path.unlink()
    assert precomputed.rules_of(path) is None
    path.write_bytes(kept)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(StoreDamaged):
        Store(tmp_path / "parquet")


def test_the_days_asked_are_month_starts_quarter_ends_and_milestones(store):
    days = precomputed.days_asked(store, dt.date(2026, 5, 20), 3)
    assert days[-1] == dt.date(2026, 5, 20)
    assert {dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)} <= set(days)
    assert dt.date(2026, 2, 1) not in days
    assert {dt.date(2026, 3, 31), dt.date(2025, 12, 31), dt.date(2025, 9, 30), dt.date(2025, 6, 30)} <= set(days)
    assert {dt.date(2025, 5, 20), dt.date(2025, 3, 31), dt.date(2024, 6, 30)} <= set(days)   # a year before
    assert dt.date(2024, 3, 31) not in days


def test_the_demo_reads_the_same(tmp_path, monkeypatch):
    """The region-scale demo: campaigns, surveys, projects, conventions and their milestones."""
    from pipelines.demo import generate

    monkeypatch.delenv("OBSERVATOIRE_PSEUDONYM_KEY")  # demo files: the demo key applies
    generate(tmp_path / "raw", scale="region")
    build(tmp_path / "raw", tmp_path / "plain")
    computed = Store(tmp_path / "plain")
    days = [dt.date(2026, 1, 21), dt.date(2026, 6, 18), dt.date(2026, 11, 1)]
    table = with_table(tmp_path / "plain", tmp_path / "table", days)
    codes = {"region": ["44"], "departement": ["67", "88"]}
    assert_reads_the_same(table, computed, days, codes)


def test_the_precompute_processes_never_run_the_callers_main(fresh_raw, tmp_path, monkeypatch):
    """The upload page builds inside the app, whose __main__ is a page script: the build's processes must not run it
    again (a multiprocessing pool's spawned children did, and the build stopped on a BrokenProcessPool)."""
    import os
    import sys
    import types

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit(3)\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setenv("OBSERVATOIRE_PRECOMPUTE_MONTHS", "1")
    result = build(fresh_raw, tmp_path / "parquet")
    assert result.manifest["precomputed"]["processes"] == 2 and "fallback" not in result.manifest["precomputed"]
    assert precomputed.read(Store(tmp_path / "parquet")).rules == indicators.rules_key()
    # A process that cannot start: its days are computed by the build itself, the same values, the reason kept.
    monkeypatch.setattr(sys, "executable", "/bin/false")
    again = build(fresh_raw, tmp_path / "again")
    assert again.manifest["precomputed"]["fallback"].startswith("un processus de précalcul a échoué (code 1")
    first = dt.date.fromisoformat(result.manifest["built_at"][:10]).replace(day=1)
    assert_frame_equal(indicators.compute_all(Store(tmp_path / "again"), Scope("region"), first),
                       indicators.compute_all(Store(tmp_path / "parquet"), Scope("region"), first), check_exact=True)
