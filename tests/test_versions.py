"""Kept versions of the store (issue 25): every publication is kept, listed, and can be put back byte for byte."""
import hashlib
import json
import os

import pytest

from pipelines import versions
from pipelines.__main__ import main as pipelines_main
from pipelines.build import build
from tests.conftest import NOMINATIONS_HEADER

# Two more decrees for CDU B (670000033): on 01/03/2026 its 4 seats are all filled (1 vacant seat left in Bas-Rhin).
EXTRA_NOMINATIONS = NOMINATIONS_HEADER + """
670000033;;CDU;suppleant;Lambert;Nadia;;UNAF;01/02/2026;31/01/2029;;;ARS-GE-2026-020;20/01/2026
670000033;;CDU;titulaire;Girard;Paul;;AIDES;01/02/2026;31/01/2029;;;ARS-GE-2026-021;20/01/2026
"""


def _digests(folder, skip=(versions.META,)):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and p.name not in skip}


@pytest.fixture
def published(fresh_raw, tmp_path):
    """A store published twice: the fixture, then the fixture plus two decrees."""
    out = tmp_path / "parquet"
    first = build(fresh_raw, out, published_by="local")
    (fresh_raw / "nominations" / "complement.csv").write_text(EXTRA_NOMINATIONS, encoding="utf-8")
    second = build(fresh_raw, out, published_by="agent@ars.sante.fr", via="page")
    return out, fresh_raw, first, second


def test_each_publication_is_kept_with_who_when_files_and_rows(published):
    out, _, first, second = published
    kept = versions.list_versions(out)
    assert [v.id for v in kept] == [first.version, second.version]
    assert kept[0].published_by == "local" and kept[1].published_by == "agent@ars.sante.fr"
    assert kept[1].meta["via"] == "page"
    assert kept[1].meta["files"] == {"added": ["nominations/complement.csv"], "removed": [], "changed": []}
    assert kept[1].tables["mandates"] == 17 and kept[0].tables["mandates"] == 15
    assert "nominations/arretes_2026.csv" in kept[0].meta["files"]["added"]
    assert versions.in_service(out).id == second.version
    # A version is the store as served, file for file.
    assert _digests(kept[1].path) == _digests(out)


def test_rollback_puts_the_previous_version_back_byte_for_byte(published):
    out, raw, first, second = published
    result = versions.rollback(out)
    assert result.version.id == first.version and result.previous == second.version
    assert _digests(out) == _digests(versions.list_versions(out)[0].path)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["tables"]["mandates"] == 15
    # The file the rolled-back publication added is moved aside (never deleted), so the next build does not read it.
    assert result.set_aside == ["nominations/complement.csv"]
    assert not (raw / "nominations" / "complement.csv").exists()
    assert (result.set_aside_dir / "nominations" / "complement.csv").read_text(encoding="utf-8") == EXTRA_NOMINATIONS
    # Rolling forward again puts the file back where it was.
    forward = versions.rollback(out, second.version)
    assert forward.restored == ["nominations/complement.csv"] and (raw / "nominations" / "complement.csv").exists()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["tables"]["mandates"] == 17
    assert [e["to"] for e in versions.journal(out)] == [first.version, second.version]


def test_the_oldest_versions_go_beyond_the_setting(fresh_raw, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_VERSIONS_KEPT", "2")
    out = tmp_path / "parquet"
    ids = [build(fresh_raw, out, published_by="local").version for _ in range(3)]
    assert [v.id for v in versions.list_versions(out)] == ids[1:]
    # The version in service is never removed, even when it is the oldest.
    versions.rollback(out, ids[1])
    monkeypatch.setenv("OBSERVATOIRE_VERSIONS_KEPT", "1")
    assert versions.prune(out, 1) == []
    assert versions.in_service(out).id == ids[1]


def test_a_store_built_before_versions_is_kept_when_first_replaced(fresh_raw, tmp_path):
    out = tmp_path / "parquet"
    build(fresh_raw, out)                       # no version kept (a build without publisher, or an older app)
    assert versions.list_versions(out) == []
    before = _digests(out)
    published = build(fresh_raw, out, published_by="local")
    kept = versions.list_versions(out)
    assert [v.published_by for v in kept] == ["inconnu", "local"] and kept[1].id == published.version
    assert _digests(kept[0].path) == before     # what was served can still be put back


def test_a_refused_build_keeps_no_version(published, tmp_path):
    out, raw, _, second = published
    (raw / "nominations" / "arretes_2026.csv").unlink()
    (raw / "nominations" / "complement.csv").unlink()
    result = build(raw, out, published_by="local")
    assert result.refused and result.version is None
    assert versions.in_service(out).id == second.version and len(versions.list_versions(out)) == 2


def test_a_damaged_version_is_never_put_back(published):
    out, _, first, second = published
    target = versions.list_versions(out)[0].path / "mandates.parquet"
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(versions.VersionError) as error:
        versions.rollback(out, first.version)
    assert "endommagée" in error.value.message_fr
    assert versions.in_service(out).id == second.version


def test_one_publication_at_a_time(published):
    out = published[0]
    with versions.lock(out), pytest.raises(versions.Busy) as busy, versions.lock(out, wait=False):
        pass
    assert "déjà en cours" in busy.value.message_fr


def test_make_data_creates_a_version_and_the_cli_lists_and_rolls_back(fresh_raw, tmp_path, capsys):
    out = tmp_path / "parquet"
    assert pipelines_main(["build", "--raw", str(fresh_raw), "--out", str(out)]) == 0
    (fresh_raw / "nominations" / "complement.csv").write_text(EXTRA_NOMINATIONS, encoding="utf-8")
    assert pipelines_main(["build", "--raw", str(fresh_raw), "--out", str(out)]) == 0
    assert "Version conservée" in capsys.readouterr().out
    first, second = versions.list_versions(out)
    assert pipelines_main(["versions", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"* {second.id}") and "+nominations/complement.csv" in lines[0]
    assert "local" in lines[0] and "mandates 17" in lines[0]
    assert lines[1].startswith(f"  {first.id}") and "mandates 15" in lines[1]
    assert pipelines_main(["rollback", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"Version {first.id}" in said and "nominations/complement.csv" in said
    assert _digests(out) == _digests(first.path)
    assert pipelines_main(["rollback", "--out", str(out)]) == 2   # the oldest: nothing before it
    assert "aucune version précédente" in capsys.readouterr().err
    assert pipelines_main(["rollback", "20000101-000000", "--out", str(out)]) == 2
    assert "inconnue" in capsys.readouterr().err


def test_the_app_sees_a_rolled_back_store_as_new(published):
    # queries.store() reopens a store when manifest.json's modification time changes: a rollback touches it (its
    # bytes stay the version's).
    out, _, _, _ = published
    before = os.stat(out / "manifest.json").st_mtime_ns
    versions.rollback(out)
    assert os.stat(out / "manifest.json").st_mtime_ns > before


def test_two_identical_builds_in_the_same_second_keep_the_one_in_service(fresh_raw, tmp_path, monkeypatch):
    """Same files, same second: identical manifests. The version put back in service is the one kept, never removed
    in its place (the pointer to the version in service decides, not the manifest alone)."""
    import datetime as dt

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 12, 5, 13, 12, 7)

    monkeypatch.setattr("pipelines.build.dt.datetime", Frozen)
    monkeypatch.setattr("pipelines.versions.dt.datetime", Frozen)
    monkeypatch.setattr("pipelines.build.time.perf_counter", lambda: 0.0)  # the same duration: identical manifests
    monkeypatch.setenv("OBSERVATOIRE_VERSIONS_KEPT", "2")
    out = tmp_path / "parquet"
    ids = [build(fresh_raw, out, published_by="local").version for _ in range(3)]
    versions.rollback(out, ids[1])
    assert versions.prune(out, 1) == [] and versions.in_service(out).id == ids[1]
