"""DuckDB over the Parquet store: one view per table, identifiers from an allow-list, values bound."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from observatoire.base.formatting import number

STORE_TABLES = ("establishments", "bodies", "mandates", "trainings", "meetings", "surveys", "conventions", "targets",
                "milestones", "actions", "action_history", "campaigns", "territories", "rejects", "projects",
                "candidacies")

# Territorial grain -> column holding the territory code in every table that has it.
LEVEL_COLUMNS = {"national": None, "region": "region_code", "departement": "department_code",
                 "etablissement": "finess"}
LEVELS = tuple(LEVEL_COLUMNS)
BY_COLUMNS = {"body_type": "body_type", "role": "role"}


class StoreMissing(Exception):
    """No built store at the configured path."""


class StoreDamaged(Exception):
    """The store fails its check; `problems` says what is wrong, in French."""

    def __init__(self, data_dir: Path, problems: list[str]):
        super().__init__(f"{data_dir}: " + "; ".join(problems))
        self.data_dir = data_dir
        self.problems = problems


def check_store(data_dir: Path, full: bool = True) -> list[str]:
    """What is wrong with a built store (French, empty when sound): unreadable manifest, missing or altered file.

    Every file is compared with the size the build wrote in the manifest and, when `full`, its sha256
    (the quick check is cheap enough for every page run)."""
    data_dir = Path(data_dir)
    try:
        manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ["le fichier manifest.json est absent"]
    except (OSError, ValueError):
        return ["le fichier manifest.json est illisible ou tronqué"]
    checksums = manifest.get("checksums") if isinstance(manifest, dict) else None
    if not isinstance(checksums, dict):
        return ["le manifeste ne contient pas l'empreinte des fichiers (entrepôt construit par une version "
                "antérieure)"]
    problems = [f"la table « {table} » est absente du manifeste des fichiers"
                for table in manifest.get("tables", {}) if f"{table}.parquet" not in checksums]
    for name, expected in checksums.items():
        path = data_dir / name
        if not path.is_file():
            problems.append(f"le fichier {name} est absent")
            continue
        size = path.stat().st_size
        if size != expected.get("bytes"):
            problems.append(f"le fichier {name} est tronqué ou modifié ({number(size)} octets au lieu de "
                            f"{number(expected.get('bytes'))})")
        elif full and hashlib.sha256(path.read_bytes()).hexdigest() != expected.get("sha256"):
            problems.append(f"le fichier {name} a été modifié depuis sa construction (empreinte différente)")
    return problems


def missing_or_damaged(data_dir: Path) -> Exception:
    """Without its manifest, a folder still holding tables is a damaged store, not a missing one."""
    data_dir = Path(data_dir)
    if data_dir.is_dir() and any(data_dir.glob("*.parquet")):
        return StoreDamaged(data_dir, ["le fichier manifest.json est absent"])
    return StoreMissing(str(data_dir))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def recover_store(data_dir: Path) -> bool:
    """Undo what a build killed mid-swap leaves: put `.<store>.old` back when the store is gone, and remove
    `.<store>.tmp-<pid>` folders of builds no longer running. True when the previous store was restored."""
    data_dir = Path(data_dir)
    parent = data_dir.parent
    running = False
    for tmp in parent.glob(f".{data_dir.name}.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _pid_alive(int(pid)) and int(pid) != os.getpid():
            running = True  # a build is writing: leave its folder and the swap alone
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    old = parent / f".{data_dir.name}.old"
    if running or data_dir.exists() or not old.is_dir():
        return False
    os.replace(old, data_dir)
    return True


def swap_in(new: Path, data_dir: Path) -> None:
    """Put the store folder `new` in service in two renames (the previous one goes to `.<store>.old` in between,
    which recover_store puts back if the process dies there)."""
    data_dir = Path(data_dir)
    old = data_dir.parent / f".{data_dir.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if data_dir.exists():
        os.replace(data_dir, old)
    os.replace(new, data_dir)
    shutil.rmtree(old, ignore_errors=True)


def ident(name: str, allowed) -> str:
    """Quote an identifier that must come from an allow-list (never from user text)."""
    if name not in allowed:
        raise ValueError(f"identifier not allowed: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _literal_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


@dataclass(frozen=True)
class Scope:
    """Which rows a query returns: `level` is the grain; the other fields restrict the territory."""

    level: str = "national"
    code: str | None = None        # one territory at `level`
    region: str | None = None      # only what lies in this région
    department: str | None = None  # only what lies in this département

    def __post_init__(self):
        if self.level not in LEVEL_COLUMNS:
            raise ValueError(f"unknown level {self.level!r}")

    def where(self, alias: str = "") -> tuple[str, list]:
        """SQL predicate and parameters restricting a table that has region/department/finess columns."""
        prefix = f"{alias}." if alias else ""
        clauses, params = ["TRUE"], []
        if self.region:
            clauses.append(f"{prefix}region_code = ?")
            params.append(self.region)
        if self.department:
            clauses.append(f"{prefix}department_code = ?")
            params.append(self.department)
        column = LEVEL_COLUMNS[self.level]
        if column:
            clauses.append(f"{prefix}{column} IS NOT NULL")
            if self.code:
                clauses.append(f"{prefix}{column} = ?")
                params.append(self.code)
        return " AND ".join(clauses), params

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """The rows of a frame with region/department/finess columns that `where` would keep."""
        keep = pd.Series(True, index=frame.index)
        if self.region:
            keep &= frame["region_code"] == self.region
        if self.department:
            keep &= frame["department_code"] == self.department
        column = LEVEL_COLUMNS[self.level]
        if column:
            keep &= frame[column].notna()
            if self.code:
                keep &= frame[column] == self.code
        return keep

    def group_expr(self, alias: str = "") -> str:
        column = LEVEL_COLUMNS[self.level]
        return "'FR'" if column is None else f"{alias + '.' if alias else ''}{ident(column, LEVEL_COLUMNS.values())}"


class Memo:
    """Values computed from one store and kept with it (a rebuilt store is a new Store: they never go stale), the
    least recently used dropped past `limit`. Shared by every session of the process: never modify a value."""

    def __init__(self, limit: int):
        self._items: OrderedDict = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)


class Store:
    """A read-only DuckDB connection with one view per Parquet table; safe to share across threads."""

    def __init__(self, data_dir: Path, building: dict | None = None):
        """`building`: the manifest of a store being written (the build computes from its tables before it has a
        manifest and checksums); otherwise the store must pass its check."""
        self.data_dir = Path(data_dir)
        if building is not None:
            self.manifest = building
        else:
            manifest = self.data_dir / "manifest.json"
            if not manifest.exists():
                raise missing_or_damaged(self.data_dir)
            problems = check_store(self.data_dir)
            if problems:
                raise StoreDamaged(self.data_dir, problems)
            self.manifest = json.loads(manifest.read_text(encoding="utf-8"))
        self._con = duckdb.connect(config={"threads": 2})
        self._lock = threading.Lock()
        self._derived: dict[str, pd.DataFrame] = {}
        self._memos: dict[str, Memo] = {}
        for table in STORE_TABLES:
            path = self.data_dir / f"{table}.parquet"
            if path.exists():
                # DuckDB cannot bind parameters in a view definition: the path is escaped as a literal.
                self._con.execute("CREATE VIEW " + ident(table, STORE_TABLES) + " AS SELECT * FROM read_parquet("
                                  + _literal_path(path) + ")")

    def df(self, sql: str, params: list | dict | None = None, frames: dict[str, pd.DataFrame] | None = None
           ) -> pd.DataFrame:
        """The query's result; `frames` are registered as tables for this query only (dates asked for, a frame
        derived once per store), on a cursor of its own so that concurrent sessions never see each other's."""
        cursor = self._con.cursor()
        try:
            for name, frame in (frames or {}).items():
                cursor.register(name, frame)
            return cursor.execute(sql, params or []).df()
        finally:
            cursor.close()

    def close(self) -> None:
        self._con.close()

    def scalar(self, sql: str, params: list | None = None):
        cursor = self._con.cursor()
        try:
            row = cursor.execute(sql, params or []).fetchone()
            return row[0] if row else None
        finally:
            cursor.close()

    def derived(self, name: str, build) -> pd.DataFrame:
        """A frame `build(store)` computes from the tables, once per store: the store is read-only, so it
        cannot go stale (a rebuilt store is a new Store). Callers must not modify it."""
        with self._lock:
            if name not in self._derived:
                self._derived[name] = build(self)
            return self._derived[name]

    def memo(self, name: str, limit: int) -> Memo:
        """A bounded memo of values computed from this store (see Memo), one per name."""
        with self._lock:
            return self._memos.setdefault(name, Memo(limit))

    def has(self, table: str) -> bool:
        return (self.data_dir / f"{table}.parquet").exists()
