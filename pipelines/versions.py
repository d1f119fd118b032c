"""Published stores kept beside the store in service: who published each, when, which raw files it added or
removed, its rows per table; a rollback puts one back, byte for byte, in one rename.

Layout: `<store>.versions/<id>/` holds a copy of every file of a published store (Parquet tables, manifest,
rejects, dictionary) and `version.json`; `journal.jsonl` lists the rollbacks. The store's files are never
modified in place (a build writes a new folder and swaps it in), so a copy taken when a store is published is
what the app served.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from observatoire.base import settings
from observatoire.base.db import check_store, swap_in
from pipelines.reading import display_name, raw_entries

log = logging.getLogger("pipelines")

META = "version.json"
JOURNAL = "journal.jsonl"
LOCK = ".lock"
LOCAL = "local"
# Raw files a rollback takes out of data/raw are moved here (hidden: never read), never deleted.
SET_ASIDE = ".ecartes"
_SHEET = re.compile(r" \(feuille « .* »\)$")


class Busy(Exception):
    """Another publication, build or rollback holds the store; `message_fr` says so."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


class VersionError(Exception):
    """A rollback that cannot be done; `message_fr` says why (the store in service is untouched)."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class Version:
    id: str
    path: Path
    meta: dict

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.meta["created_at"])

    @property
    def published_by(self) -> str:
        return self.meta.get("published_by") or LOCAL

    @property
    def tables(self) -> dict[str, int]:
        return self.meta.get("tables", {})


@dataclass
class RollbackResult:
    version: Version
    previous: str | None
    set_aside: list[str] = field(default_factory=list)   # « source/fichier » moved out of data/raw
    restored: list[str] = field(default_factory=list)    # « source/fichier » put back from an earlier set-aside
    missing: list[str] = field(default_factory=list)     # « source/fichier » of the version found nowhere
    set_aside_dir: Path | None = None


def versions_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    return out_dir.parent / f"{out_dir.name}.versions"


@contextlib.contextmanager
def lock(out_dir: Path, wait: bool = True):
    """One publication, build or rollback of a store at a time (an advisory lock in the versions folder)."""
    folder = versions_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise Busy("Une publication, une construction ou un retour à une version est déjà en cours sur cet "
                       "entrepôt : réessayez dans un instant.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def list_versions(out_dir: Path) -> list[Version]:
    """The kept versions, oldest first (an unreadable folder is skipped)."""
    folder = versions_dir(out_dir)
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not path.is_dir() or path.name.startswith(".") or ".tmp-" in path.name:
            continue
        try:
            meta = json.loads((path / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found.append(Version(path.name, path, meta))
    return sorted(found, key=lambda v: (v.meta.get("created_at", ""), v.id))


POINTER = "en_service"  # the id of the version last put in service (two identical builds share a manifest)


def _point_to(out_dir: Path, version: Version) -> None:
    (versions_dir(out_dir) / POINTER).write_text(version.id, encoding="utf-8")


def in_service(out_dir: Path, versions: list[Version] | None = None) -> Version | None:
    """The kept version the store in service is (its manifest, byte for byte), if any: the one last put in service
    when its manifest matches (two builds of the same files in the same second have the same manifest), else the
    latest whose manifest matches."""
    served = _sha256(Path(out_dir) / "manifest.json")
    if served is None:
        return None
    versions = versions if versions is not None else list_versions(out_dir)
    try:
        pointed = (versions_dir(out_dir) / POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        pointed = None
    for version in versions:
        if version.id == pointed and version.meta.get("manifest_sha256") == served:
            return version
    for version in reversed(versions):
        if version.meta.get("manifest_sha256") == served:
            return version
    return None


def raw_inventory(manifest: dict) -> dict[str, str | None]:
    """« source/fichier » -> sha256 of every raw file a store was built from (a workbook once, not per sheet)."""
    files: dict[str, str | None] = {}
    for source, report in (manifest.get("sources") or {}).items():
        for entry in report.get("files", []):
            if entry.get("skipped"):
                continue  # sub-folders, links out of data/raw, other formats: never read
            name = _SHEET.sub("", entry.get("file", ""))
            files.setdefault(f"{source}/{name}", entry.get("sha256"))
    return dict(sorted(files.items()))


def _changes(before: dict[str, str | None], after: dict[str, str | None]) -> dict[str, list[str]]:
    return {"added": [f for f in after if f not in before],
            "removed": [f for f in before if f not in after],
            "changed": [f for f in after if f in before and before[f] != after[f]]}


def _new_id(folder: Path, now: dt.datetime) -> str:
    base = now.strftime("%Y%m%d-%H%M%S")
    candidate, n = base, 2
    while (folder / candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _snapshot(out_dir: Path, published_by: str, via: str, previous: Version | None) -> Version:
    """Copy the store in service into a new version folder (written aside, then renamed: never half there)."""
    out_dir = Path(out_dir)
    folder = versions_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    now = dt.datetime.now()
    version_id = _new_id(folder, now)
    tmp = folder / f".{version_id}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for path in sorted(out_dir.iterdir()):
            if path.is_file():
                shutil.copy2(path, tmp / path.name)
        inventory = raw_inventory(manifest)
        before = (previous.meta.get("raw_files") or {}) if previous else {}
        meta = {
            "id": version_id, "created_at": now.isoformat(timespec="seconds"), "published_by": published_by,
            "via": via, "built_at": manifest.get("built_at"), "raw_dir": manifest.get("raw_dir"),
            "tables": manifest.get("tables", {}), "rejects": manifest.get("rejects", {}),
            "manifest_sha256": _sha256(tmp / "manifest.json"), "previous": previous.id if previous else None,
            "files": _changes(before, inventory) if previous else {"added": list(inventory), "removed": [],
                                                                       "changed": []},
            "raw_files": inventory,
        }
        (tmp / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, folder / version_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Version(version_id, folder / version_id, meta)


def keep_served(out_dir: Path) -> Version | None:
    """Before a store is replaced: make sure what it serves is kept (a store built before versions were kept, or
    by hand, becomes a version « inconnu »). A damaged store is not kept. Returns the version in service."""
    out_dir = Path(out_dir)
    if not (out_dir / "manifest.json").is_file() or check_store(out_dir):
        return None
    versions = list_versions(out_dir)
    current = in_service(out_dir, versions)
    if current is None:
        current = _snapshot(out_dir, "inconnu", "avant le suivi des versions", versions[-1] if versions else None)
    return current


def record(out_dir: Path, published_by: str, via: str, previous: Version | None) -> Version:
    """Keep the store just swapped in as a new version (files added or removed against `previous`, the version
    it replaced), then drop the oldest beyond the `versions_kept` setting."""
    version = _snapshot(out_dir, published_by or LOCAL, via, previous)
    _point_to(out_dir, version)
    prune(out_dir, settings.versions_kept())
    return version


def prune(out_dir: Path, keep: int) -> list[str]:
    """Remove the oldest versions beyond `keep`; the one in service is never removed."""
    versions = list_versions(out_dir)
    current = in_service(out_dir, versions)
    removed = []
    for version in versions[:max(0, len(versions) - keep)]:
        if current is not None and version.id == current.id:
            continue
        shutil.rmtree(version.path, ignore_errors=True)
        removed.append(version.id)
    return removed


def find(out_dir: Path, version_id: str | None) -> Version:
    """The version asked for, or (None) the one before the version in service."""
    versions = list_versions(out_dir)
    if not versions:
        raise VersionError(f"Aucune version conservée pour l'entrepôt {out_dir}.")
    if version_id:
        for version in versions:
            if version.id == version_id:
                return version
        raise VersionError(f"Version « {version_id} » inconnue. Versions conservées : "
                           + ", ".join(v.id for v in versions) + ".")
    current = in_service(out_dir, versions)
    if current is None:
        return versions[-1]
    before = [v for v in versions if v.meta.get("created_at", "") < current.meta.get("created_at", "")
              or (v.meta.get("created_at") == current.meta.get("created_at") and v.id < current.id)]
    if not before:
        raise VersionError(f"La version en service ({current.id}) est la plus ancienne conservée : aucune version "
                           "précédente.")
    return before[-1]


def rollback(out_dir: Path, version_id: str | None = None, raw_dir: Path | None = None,
             who: str = LOCAL) -> RollbackResult:
    """Put a kept version back in service, byte for byte, in one rename (the store in service is kept as a
    version first). The raw files the version was not built from are moved out of data/raw (into
    data/raw/.ecartes/<date>/, never deleted) so that the next build does not bring them back; files it was built
    from that an earlier rollback moved aside are put back."""
    out_dir = Path(out_dir)
    target = find(out_dir, version_id)
    problems = check_store(target.path)
    if problems:
        raise VersionError(f"La version {target.id} est endommagée (" + " ; ".join(problems)
                           + ") : l'entrepôt en service est conservé.")
    previous = keep_served(out_dir)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for path in sorted(target.path.iterdir()):
            if path.is_file() and path.name != META:
                shutil.copy2(path, tmp / path.name)
        if check_store(tmp):  # the copy must be the version, byte for byte, before it is served
            raise VersionError(f"La copie de la version {target.id} ne correspond pas à son manifeste : "
                               "l'entrepôt en service est conservé.")
        swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # The app reopens a store when its manifest's modification time changes: the bytes stay those of the version.
    os.utime(out_dir / "manifest.json")
    _point_to(out_dir, target)
    result = RollbackResult(target, previous.id if previous else None)
    raw = Path(raw_dir) if raw_dir else Path(target.meta.get("raw_dir") or settings.raw_dir())
    if raw.is_dir():
        _align_raw(raw, target.meta.get("raw_files") or {}, result)
    _journal(out_dir, {"at": dt.datetime.now().isoformat(timespec="seconds"), "who": who or LOCAL,
                       "action": "retour", "to": target.id, "from": result.previous,
                       "set_aside": result.set_aside, "restored": result.restored, "missing": result.missing})
    return result


def current_raw(raw_dir: Path) -> dict[str, Path]:
    """« source/fichier » -> path of every file a build would read now."""
    from pipelines.schemas import SOURCES

    found = {}
    for source in SOURCES:
        files, _ = raw_entries(Path(raw_dir) / source, (Path(raw_dir),))
        for path in files:
            found[f"{source}/{display_name(path)}"] = path
    return found


def _align_raw(raw_dir: Path, wanted: dict[str, str | None], result: RollbackResult) -> None:
    present = current_raw(raw_dir)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = raw_dir / SET_ASIDE / stamp
    for key, path in present.items():
        if key not in wanted:
            target = aside / key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            result.set_aside.append(key)
            result.set_aside_dir = aside
    for key, sha in wanted.items():
        if key in present:
            continue
        candidates = sorted((raw_dir / SET_ASIDE).glob(f"*/{key}"), reverse=True) if (raw_dir / SET_ASIDE).is_dir() \
            else []
        match = next((c for c in candidates if sha is None or _sha256(c) == sha), None)
        if match is None:
            result.missing.append(key)
            continue
        destination = raw_dir / key
        if destination.exists():
            result.missing.append(key)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(match, destination)
        result.restored.append(key)
        for folder in (match.parent, match.parent.parent):  # an emptied set-aside folder goes
            with contextlib.suppress(OSError):
                folder.rmdir()


def _journal(out_dir: Path, entry: dict) -> None:
    try:
        with (versions_dir(out_dir) / JOURNAL).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError:
        log.warning("versions journal not written", exc_info=True)


def journal(out_dir: Path) -> list[dict]:
    try:
        lines = (versions_dir(out_dir) / JOURNAL).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        with contextlib.suppress(ValueError):
            entries.append(json.loads(line))
    return entries


def set_aside(raw_dir: Path, keys: list[str]) -> Path | None:
    """Move these raw files (« source/fichier ») out of data/raw into data/raw/.ecartes/<date>/ (a publication
    refused by the guards does not leave its files where the next build would read them)."""
    if not keys:
        return None
    aside = Path(raw_dir) / SET_ASIDE / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for key in keys:
        source = Path(raw_dir) / key
        if source.is_file():
            target = aside / key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    return aside
