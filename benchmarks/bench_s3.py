"""The store on object storage against local Parquet, on a local S3 server (moto) started here: what a publish
costs, what an app process pays once to open the current snapshot (pointer, copy, checks), the catalogue on that
copy against the catalogue on the local store, and the catalogue DuckDB would compute reading the objects
themselves at every query (pyarrow datasets on S3FileSystem): the road not taken, measured in the same run."""
from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd

from observatoire.base import snapshots
from observatoire.base.db import STORE_TABLES, Scope, Store
from observatoire.domain import indicators

AS_OF = dt.date(2026, 6, 1)
LOCATION = "s3://observatoire-bench/national"


class DirectS3Store(Store):
    """DuckDB scanning the snapshot's objects at every query (no local copy): one connection, registered
    datasets (they belong to the connection, not to its cursors)."""

    def __init__(self, location: str, pointer: snapshots.Pointer, s3):
        import pyarrow.dataset as ds

        folder = f"{location[len(snapshots.SCHEME):].strip('/')}/{snapshots.SNAPSHOTS}/{pointer.snapshot}"
        self.data_dir = Path(folder)
        with s3.open_input_stream(f"{folder}/manifest.json") as source:
            import json
            self.manifest = json.loads(source.read())
        self._con = duckdb.connect(config={"threads": 2})
        self._lock = threading.Lock()
        self._derived: dict[str, pd.DataFrame] = {}
        self._tables = set()
        for table in STORE_TABLES:
            if f"{table}.parquet" in self.manifest.get("checksums", {}):
                self._con.register(table, ds.dataset(f"{folder}/{table}.parquet", filesystem=s3, format="parquet"))
                self._tables.add(table)

    def df(self, sql, params=None, frames=None):
        with self._lock:
            for name, frame in (frames or {}).items():
                self._con.register(name, frame)
            try:
                return self._con.execute(sql, params or []).df()
            finally:
                for name in frames or {}:
                    self._con.unregister(name)

    def scalar(self, sql, params=None):
        row = self.df(sql, params)
        return row.iloc[0, 0] if len(row) else None

    def derived(self, name, build):
        if name not in self._derived:
            self._derived[name] = build(self)
        return self._derived[name]

    def has(self, table: str) -> bool:
        return table in self._tables


def _median(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(store_dir: Path) -> list[dict]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        return [{"name": "S3 : moto[server] absent (extra dev), mesure sautée", "seconds": 0.0,
                 "baseline_seconds": None}]
    from pyarrow import fs

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = {k: os.environ.get(k) for k in ("OBSERVATOIRE_S3_ENDPOINT", "OBSERVATOIRE_S3_ACCESS_KEY_ID",
                                            "OBSERVATOIRE_S3_SECRET_ACCESS_KEY", "OBSERVATOIRE_S3_REGION")}
    os.environ.update({"OBSERVATOIRE_S3_ENDPOINT": f"http://{host}:{port}", "OBSERVATOIRE_S3_ACCESS_KEY_ID": "bench",
                       "OBSERVATOIRE_S3_SECRET_ACCESS_KEY": "bench", "OBSERVATOIRE_S3_REGION": "eu-west-3"})
    try:
        s3 = snapshots.filesystem()
        fs.S3FileSystem(access_key="bench", secret_key="bench", region="eu-west-3", endpoint_override=f"{host}:{port}",
                        scheme="http", allow_bucket_creation=True).create_dir("observatoire-bench")
        start = time.perf_counter()
        pointer = snapshots.publish(store_dir, LOCATION)
        published = time.perf_counter() - start

        def open_copy():
            with tempfile.TemporaryDirectory() as cache:
                Store(snapshots.fetch(LOCATION, snapshots.current(LOCATION), Path(cache)))

        opened = _median(open_copy)
        pointer_read = _median(lambda: snapshots.current(LOCATION), repeat=10)
        scope = Scope("departement")
        with tempfile.TemporaryDirectory() as cache:
            copy = Store(snapshots.fetch(LOCATION, pointer, Path(cache)))
            local = Store(store_dir)
            indicators.compute_all(local, scope, AS_OF)
            indicators.compute_all(copy, scope, AS_OF)
            on_local = _median(lambda: indicators.compute_all(local, scope, AS_OF))
            on_copy = _median(lambda: indicators.compute_all(copy, scope, AS_OF))
        direct = DirectS3Store(LOCATION, pointer, s3)
        indicators.compute_all(direct, scope, AS_OF)
        on_objects = _median(lambda: indicators.compute_all(direct, scope, AS_OF))
        load = " ".join(f"{v:.1f}" for v in os.getloadavg())
        return [
            {"name": f"S3 (moto local, charge {load}) : publication d'un instantané (~{_size(store_dir)} Mio)",
             "seconds": published, "baseline_seconds": None},
            {"name": "S3 : lecture du pointeur (chaque processus, au plus toutes les snapshot_check_seconds)",
             "seconds": pointer_read, "baseline_seconds": None},
            {"name": "S3 : ouverture de l'instantané courant (pointeur, copie, sha256, vues DuckDB), une fois",
             "seconds": opened, "baseline_seconds": None},
            {"name": "catalogue × départements sur Parquet local (plancher)", "seconds": on_local,
             "baseline_seconds": None},
            {"name": f"catalogue × départements sur la copie de l'instantané S3 (×{on_copy / on_local:.2f} le local)",
             "seconds": on_copy, "baseline_seconds": None},
            {"name": f"catalogue × départements lisant les objets S3 à chaque requête, non retenu "
                     f"(×{on_objects / on_local:.1f} le local)", "seconds": on_objects, "baseline_seconds": None},
        ]
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


def _size(store_dir: Path) -> str:
    return f"{sum(p.stat().st_size for p in store_dir.iterdir() if p.is_file()) / 2**20:.1f}"
