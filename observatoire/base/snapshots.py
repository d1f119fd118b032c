"""The store on S3-compatible object storage (`OBSERVATOIRE_DATA=s3://bucket/prefix`): immutable snapshots and a
pointer to the current one.

    s3://bucket/prefix/snapshots/<id>/manifest.json, *.parquet, rejects.csv, dictionary.json   (never rewritten)
    s3://bucket/prefix/current.json    {"snapshot": "<id>", ...}                              (moved last, atomically)

A publish uploads a whole built store under a new id, checks every object, then moves the pointer: a reader sees
the old snapshot or the new one, never half of one. Each app process, on any machine, reads the pointer at most
every `snapshot_check_seconds` and copies the snapshot it names once into a local folder (`snapshot_cache`,
through pyarrow's S3FileSystem), checked against the sha256 of its manifest; DuckDB then reads that copy like any
store. A snapshot never changes, so its copy never goes stale, and a query never waits for the network.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from observatoire.base import settings
from observatoire.base.db import StoreDamaged, StoreMissing, check_store

log = logging.getLogger("observatoire")

SCHEME = "s3://"
POINTER = "current.json"
SNAPSHOTS = "snapshots"
KEEP_LOCAL = 3    # snapshots kept in the local copy folder (a process may still read the one before)
SNAPSHOT_NAME = re.compile(r"-[0-9a-f]{12}$")


def is_remote(location: str | os.PathLike) -> bool:
    return str(location).startswith(SCHEME)


@dataclass(frozen=True)
class Pointer:
    snapshot: str
    built_at: str = ""
    published_at: str = ""
    moved: float = field(default=0.0, compare=False)   # when the pointer was written (the object store's clock)


@lru_cache(maxsize=4)
def _filesystem(endpoint: str, region: str, access_key: str, secret_key: str):
    from pyarrow import fs

    options: dict = {"allow_bucket_creation": False}
    if endpoint:
        scheme, _, address = endpoint.rpartition("://")
        options.update(endpoint_override=address, scheme=scheme or "https")
    if region:
        options["region"] = region
    if access_key:   # otherwise pyarrow's own chain: AWS_ACCESS_KEY_ID..., ~/.aws, the instance's role
        options.update(access_key=access_key, secret_key=secret_key)
    return fs.S3FileSystem(**options)


def filesystem():
    """pyarrow's S3FileSystem for the configured endpoint and credentials (settings `s3_*`)."""
    return _filesystem(settings.get("s3_endpoint").strip(), settings.get("s3_region").strip(),
                       settings.get("s3_access_key_id").strip(), settings.get("s3_secret_access_key").strip())


def _root(location: str) -> str:
    """'s3://bucket/prefix/' -> 'bucket/prefix' (pyarrow's path of the prefix)."""
    root = str(location)[len(SCHEME):].strip("/")
    if not root:
        raise ValueError(f"no bucket in {location!r}")
    return root


def snapshot_id(store_dir: Path) -> str:
    """When the store was built and the start of its manifest's sha256: the same store gets the same id."""
    manifest = (Path(store_dir) / "manifest.json").read_bytes()
    built = json.loads(manifest).get("built_at", "")
    stamp = built.replace(":", "").replace("-", "") or "sans-date"
    return f"{stamp}-{hashlib.sha256(manifest).hexdigest()[:12]}"


def publish(store_dir: Path, location: str, filesystem_=None) -> Pointer:
    """Upload a built store as a new snapshot and move the pointer to it. The store must pass its full check;
    the pointer moves only once every object of the snapshot is there with its size."""
    store_dir = Path(store_dir)
    problems = check_store(store_dir)
    if problems:
        raise StoreDamaged(store_dir, problems)
    s3 = filesystem_ or filesystem()
    root, snapshot = _root(location), snapshot_id(store_dir)
    folder = f"{root}/{SNAPSHOTS}/{snapshot}"
    files = sorted(p for p in store_dir.iterdir() if p.is_file())
    # The manifest last: a snapshot holding its manifest is complete (the pointer is the only commit, this is a
    # second line of defence for anyone listing the bucket).
    files.sort(key=lambda p: p.name == "manifest.json")
    for path in files:
        with s3.open_output_stream(f"{folder}/{path.name}") as out:
            out.write(path.read_bytes())
    for path in files:
        info = s3.get_file_info(f"{folder}/{path.name}")
        if info.size != path.stat().st_size:
            raise OSError(f"{folder}/{path.name}: {info.size} bytes stored instead of {path.stat().st_size}")
    manifest = json.loads((store_dir / "manifest.json").read_text(encoding="utf-8"))
    pointer = Pointer(snapshot, manifest.get("built_at", ""), dt.datetime.now().isoformat(timespec="seconds"))
    with s3.open_output_stream(f"{root}/{POINTER}") as out:
        out.write(json.dumps(pointer.__dict__, ensure_ascii=False).encode("utf-8"))
    return pointer


def current(location: str, filesystem_=None) -> Pointer:
    """The snapshot the pointer names; StoreMissing when nothing was ever published there."""
    s3 = filesystem_ or filesystem()
    path = f"{_root(location)}/{POINTER}"
    try:
        with s3.open_input_stream(path) as source:
            data = json.loads(source.read())
    except FileNotFoundError as exc:
        raise StoreMissing(location) from exc
    modified = s3.get_file_info(path).mtime
    return Pointer(data["snapshot"], data.get("built_at", ""), data.get("published_at", ""),
                   modified.timestamp() if modified else 0.0)


def fetch(location: str, pointer: Pointer, cache_dir: Path | None = None, filesystem_=None) -> Path:
    """The local copy of a snapshot: made once (several processes may race: the first complete copy wins),
    checked against its manifest's sha256 before use."""
    cache_dir = Path(cache_dir or settings.get("snapshot_cache"))
    target = cache_dir / pointer.snapshot
    if (target / "manifest.json").exists() and not check_store(target, full=False):
        return target
    s3 = filesystem_ or filesystem()
    folder = f"{_root(location)}/{SNAPSHOTS}/{pointer.snapshot}"
    from pyarrow import fs

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".{pointer.snapshot}.tmp-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for info in s3.get_file_info(fs.FileSelector(folder)):
            if info.type == fs.FileType.File:
                with s3.open_input_stream(info.path) as source:
                    (tmp / info.base_name).write_bytes(source.read())
        if not (tmp / "manifest.json").exists():
            raise StoreMissing(f"{location} ({pointer.snapshot})")
        problems = check_store(tmp)
        if problems:
            raise StoreDamaged(Path(folder), problems)
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / "manifest.json").exists():   # not another process's copy: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(cache_dir, keep=pointer.snapshot)
    return target


def _prune(cache_dir: Path, keep: str) -> None:
    """Drop the oldest local copies beyond KEEP_LOCAL (never the one just fetched)."""
    copies = sorted((p for p in cache_dir.iterdir() if p.is_dir() and SNAPSHOT_NAME.search(p.name)
                     and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in copies if p.name != keep][KEEP_LOCAL - 1:]:
        shutil.rmtree(old, ignore_errors=True)


class Follower:
    """What one process serves: the local copy of the snapshot the pointer names, the pointer read at most every
    `snapshot_check_seconds`. When the object store cannot be reached, the copy in service stays in service."""

    def __init__(self, location: str):
        self.location = location
        self._lock = threading.Lock()
        self._checked = 0.0
        self._dir: Path | None = None

    def local_dir(self) -> Path:
        every = float(settings.get("snapshot_check_seconds"))
        with self._lock:
            if self._dir is not None and time.monotonic() - self._checked < every:
                return self._dir
            try:
                self._dir = fetch(self.location, current(self.location))
            except (OSError, StoreMissing, StoreDamaged) as exc:
                if self._dir is None:
                    if isinstance(exc, OSError):
                        raise StoreMissing(f"{self.location} ({exc})") from exc
                    raise
                log.warning("object store unreachable or snapshot refused, keeping %s: %s", self._dir, exc)
            self._checked = time.monotonic()
            return self._dir


_followers: dict[str, Follower] = {}


def local_store_dir(location: str | os.PathLike | None = None) -> Path:
    """The local folder of the store in service: the configured folder, or the copy of the current snapshot when
    the store lives on object storage."""
    location = str(location if location is not None else settings.get("data_dir"))
    if not is_remote(location):
        return Path(location)
    return _followers.setdefault(location, Follower(location)).local_dir()
