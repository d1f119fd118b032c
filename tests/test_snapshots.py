"""The store on S3-compatible object storage (observatoire/base/snapshots.py), against a local moto server started
here: a publish is a new immutable snapshot and a pointer moved last; every reader serves the snapshot the pointer
names, checked, and follows it when it moves; the build's refusals hold against the snapshot in service."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from observatoire.base import snapshots
from observatoire.base.db import Store, StoreDamaged, StoreMissing
from pipelines.__main__ import main as pipelines_main

moto_server = pytest.importorskip("moto.server", reason="moto[server] absent (extra dev)")
from pyarrow import fs  # noqa: E402

BUCKET = "observatoire"
LOCATION = f"s3://{BUCKET}/demo"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    admin = fs.S3FileSystem(access_key="test", secret_key="test", region="eu-west-3", endpoint_override=endpoint,
                            allow_bucket_creation=True)
    admin.create_dir(BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch, tmp_path):
    """Settings for the moto server (credentials as the environment gives them), an empty prefix, a local cache."""
    env = {"OBSERVATOIRE_S3_ENDPOINT": s3_endpoint, "OBSERVATOIRE_S3_REGION": "eu-west-3",
           "OBSERVATOIRE_S3_ACCESS_KEY_ID": "test", "OBSERVATOIRE_S3_SECRET_ACCESS_KEY": "test",
           "OBSERVATOIRE_SNAPSHOT_CACHE": str(tmp_path / "cache"), "OBSERVATOIRE_SNAPSHOT_CHECK_SECONDS": "0"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    filesystem = snapshots.filesystem()
    filesystem.delete_dir_contents(BUCKET, missing_dir_ok=True)
    return env


def rebuilt(store_dir: Path, folder: Path, built_at: str) -> Path:
    """A copy of a store as if built at another moment (its manifest is not among the checksummed files)."""
    shutil.copytree(store_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["built_at"] = built_at
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


def test_a_publish_is_a_snapshot_and_a_pointer(s3, fixture_store_dir, tmp_path):
    with pytest.raises(StoreMissing):
        snapshots.current(LOCATION)
    pointer = snapshots.publish(fixture_store_dir, LOCATION)
    assert snapshots.current(LOCATION) == pointer
    assert pointer.snapshot == snapshots.snapshot_id(fixture_store_dir)
    copy = snapshots.fetch(LOCATION, pointer)
    assert sorted(p.name for p in copy.iterdir()) == sorted(p.name for p in fixture_store_dir.iterdir())
    assert all((copy / p.name).read_bytes() == p.read_bytes() for p in fixture_store_dir.iterdir())
    assert Store(copy).scalar("SELECT count(*) FROM mandates") == Store(fixture_store_dir).scalar(
        "SELECT count(*) FROM mandates")
    # The same store published again is the same snapshot: nothing new for the readers.
    assert snapshots.publish(fixture_store_dir, LOCATION).snapshot == pointer.snapshot


def test_a_damaged_store_is_never_published(s3, fixture_store_dir, tmp_path):
    first = snapshots.publish(fixture_store_dir, LOCATION)
    damaged = rebuilt(fixture_store_dir, tmp_path / "damaged", "2026-02-02T10:00:00")
    (damaged / "mandates.parquet").write_bytes(b"not parquet")
    with pytest.raises(StoreDamaged):
        snapshots.publish(damaged, LOCATION)
    assert snapshots.current(LOCATION) == first


def test_a_snapshot_altered_on_the_object_store_is_refused(s3, fixture_store_dir):
    pointer = snapshots.publish(fixture_store_dir, LOCATION)
    with snapshots.filesystem().open_output_stream(f"{BUCKET}/demo/snapshots/{pointer.snapshot}/bodies.parquet") as out:
        out.write(b"altered")
    with pytest.raises(StoreDamaged):
        snapshots.fetch(LOCATION, pointer)
    assert not (Path(s3["OBSERVATOIRE_SNAPSHOT_CACHE"]) / pointer.snapshot).exists()


def test_two_readers_serve_the_same_snapshot_and_both_follow_a_publish(s3, fixture_store_dir, tmp_path, monkeypatch):
    snapshots.publish(fixture_store_dir, LOCATION)
    # Two processes on two machines: each its own copy folder.
    monkeypatch.setenv("OBSERVATOIRE_SNAPSHOT_CACHE", str(tmp_path / "machine-a"))
    reader_a = snapshots.Follower(LOCATION)
    first_a = reader_a.local_dir()
    monkeypatch.setenv("OBSERVATOIRE_SNAPSHOT_CACHE", str(tmp_path / "machine-b"))
    reader_b = snapshots.Follower(LOCATION)
    first_b = reader_b.local_dir()
    assert first_a.name == first_b.name and first_a != first_b
    newer = snapshots.publish(rebuilt(fixture_store_dir, tmp_path / "newer", "2026-02-02T10:00:00"), LOCATION)
    assert reader_b.local_dir().name == newer.snapshot
    monkeypatch.setenv("OBSERVATOIRE_SNAPSHOT_CACHE", str(tmp_path / "machine-a"))
    assert reader_a.local_dir().name == newer.snapshot
    assert json.loads((reader_a.local_dir() / "manifest.json").read_text())["built_at"] == "2026-02-02T10:00:00"


def test_a_reader_keeps_its_snapshot_while_the_object_store_is_unreachable(s3, fixture_store_dir, monkeypatch):
    snapshots.publish(fixture_store_dir, LOCATION)
    reader = snapshots.Follower(LOCATION)
    serving = reader.local_dir()
    monkeypatch.setenv("OBSERVATOIRE_S3_ENDPOINT", "http://127.0.0.1:9")    # nothing listens there
    assert reader.local_dir() == serving
    with pytest.raises(StoreMissing):     # a process that never had a copy has no store to serve
        snapshots.Follower(LOCATION).local_dir()


def test_pipelines_build_publishes_and_keeps_the_snapshot_in_service_when_it_refuses(s3, fresh_raw, tmp_path,
                                                                                        monkeypatch):
    an_hour_ago = time.time() - 3600    # the raw files were there well before the build
    for path in fresh_raw.rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert pipelines_main(["build", "--raw", str(fresh_raw), "--out", LOCATION]) == 0
    first = snapshots.current(LOCATION)
    assert pipelines_main(["build", "--raw", str(fresh_raw), "--out", LOCATION, "--if-stale"]) == 0
    assert snapshots.current(LOCATION) == first
    # Every arrêté gone from the raw files: refused against the snapshot in service, which stays current.
    for path in (fresh_raw / "nominations").iterdir():
        path.unlink()
    assert pipelines_main(["build", "--raw", str(fresh_raw), "--out", LOCATION]) == 3
    assert snapshots.current(LOCATION) == first


def test_the_command_line_publishes_a_built_store(s3, fixture_store_dir, tmp_path):
    assert pipelines_main(["publish", "--store", str(fixture_store_dir), "--to", LOCATION]) == 0
    assert snapshots.current(LOCATION).snapshot == snapshots.snapshot_id(fixture_store_dir)
    assert pipelines_main(["publish", "--store", str(tmp_path / "nothing"), "--to", LOCATION]) == 2


def test_two_app_processes_read_the_snapshot_and_both_show_a_publish(s3, fixture_store_dir, tmp_path):
    from benchmarks.streamlit_client import StreamlitSession
    from tests.browser_support import streamlit_app

    snapshots.publish(rebuilt(fixture_store_dir, tmp_path / "first", "2026-01-05T09:00:00"), LOCATION)
    common = {k: v for k, v in s3.items() if k != "OBSERVATOIRE_SNAPSHOT_CACHE"}

    async def built_on(url: str, session: StreamlitSession | None = None) -> tuple[StreamlitSession, str]:
        if session is None:
            session = StreamlitSession(url, keep_elements=True)
            await session.open("", "territoire=departement%3A67&date=2026-03-01")
        else:
            await session.rerun()
        return session, session.metrics()["Entrepôt construit le"]

    with (streamlit_app(LOCATION, OBSERVATOIRE_SNAPSHOT_CACHE=str(tmp_path / "a"), **common) as app_a,
          streamlit_app(LOCATION, OBSERVATOIRE_SNAPSHOT_CACHE=str(tmp_path / "b"), **common) as app_b):
        async def scenario():
            (session_a, shown_a), (session_b, shown_b) = await built_on(app_a), await built_on(app_b)
            assert shown_a == shown_b == "05/01/2026"
            newer = snapshots.publish(rebuilt(fixture_store_dir, tmp_path / "newer", "2026-02-02T10:00:00"), LOCATION)
            time.sleep(1.2)    # queries.store() looks for a new store at most once a second
            (_, shown_a), (_, shown_b) = await built_on(app_a, session_a), await built_on(app_b, session_b)
            assert shown_a == shown_b == "02/02/2026"
            assert (tmp_path / "a" / newer.snapshot).is_dir() and (tmp_path / "b" / newer.snapshot).is_dir()
            for session in (session_a, session_b):
                await session.close()

        asyncio.run(scenario())
