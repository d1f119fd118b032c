"""Files brought in from the browser: which source each belongs to, a dry run with the build's own reading and
rules, and the publication (saved into data/raw/<source>/ under a name of its own, then the guarded build).

No Streamlit here: the page « Déposer des fichiers » (observatoire/ui/upload.py) drives these functions.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines import versions
from pipelines.build import BuildResult, build
from pipelines.issues import ValidationIssue
from pipelines.reading import TABULAR_SUFFIXES, UnreadableFile, match_headers, read_raw_files
from pipelines.schemas import SOURCES, TABLES


@dataclass(frozen=True)
class Upload:
    """One file as the browser sent it, and the source it goes to."""

    name: str
    data: bytes
    source: str


@dataclass
class Check:
    """What a dry run found: the issues of the files brought in (file, line, column, French message), what each
    file gave, why the publication would be refused, and what `inspect` said of the store it would build."""

    saved_as: dict[str, str]                   # upload name -> name it would get in data/raw/<source>/
    issues: list[ValidationIssue]
    files: list[dict]                          # manifest entries of the files brought in (with their source)
    refused: list[str]
    blocked: list[str]
    messages: list[str]                        # the sources' French messages (a blocked source says why)
    changes: dict
    tables: dict[str, int]
    preview: object = None

    @property
    def publishable(self) -> bool:
        return not self.refused and not self.blocked


@dataclass
class Publication:
    saved: list[str]                           # « source/fichier » written into data/raw
    result: BuildResult | None = None
    set_aside_dir: Path | None = None          # where the saved files went when the build was refused


class UploadError(Exception):
    """A file that cannot be brought in at all; `message_fr` says why."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


def safe_name(name: str) -> str:
    """The file name alone (no folder), visible (a leading dot or Excel's « ~$ » would hide it from the build),
    with a suffix the build reads."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    while base.startswith("~$"):
        base = base[2:]
    base = re.sub(r"[\x00-\x1f]", "", base)
    if Path(base).suffix.lower() not in TABULAR_SUFFIXES:
        raise UploadError(f"« {name} » : format non lu (formats lus : CSV, TXT, TSV, XLSX, XLSM, XLS, ODS).")
    return base


def unique_name(folder: Path, name: str, taken: set[str] = frozenset()) -> str:
    """`name`, or « stem (2).csv », « stem (3).csv »… when a file of that name exists: never overwrite."""
    path = Path(name)
    candidate, n = name, 2
    while (folder / candidate).exists() or candidate in taken:
        candidate, n = f"{path.stem} ({n}){path.suffix}", n + 1
    return candidate


def detect_source(name: str, data: bytes) -> str | None:
    """The source a file belongs to, from its headers (a FINESS extract by its first line), or None."""
    from pipelines.candidatures import looks_like_export
    from pipelines.finess import is_finess_extract
    from pipelines.sources import locate_header

    if is_finess_extract(data[:200].decode("cp1252", errors="replace").lstrip("\ufeff")):
        return "finess"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe_name(name)
        path.write_bytes(data)
        try:
            raws = read_raw_files(path)
        except (UnreadableFile, OSError):
            return None
        if looks_like_export(raws):
            return "candidatures"
        for raw in raws:
            raw, table = locate_header(raw, list(TABLES))
            if not match_headers(raw.header, table)[1]:
                return table.source
    return None


def _overlay(raw_dir: Path, tmp_raw: Path, uploads: list[Upload]) -> dict[str, str]:
    """A raw folder for a dry run: each source a link to the real one, except the sources a file is brought to,
    which link each real file and hold the new files under the names they would get."""
    saved_as: dict[str, str] = {}
    targets = {u.source for u in uploads}
    tmp_raw.mkdir(parents=True)
    for source in SOURCES:
        real = raw_dir / source
        if source not in targets:
            if real.is_dir():
                (tmp_raw / source).symlink_to(real.resolve())
            continue
        folder = tmp_raw / source
        folder.mkdir()
        if real.is_dir():
            for entry in real.iterdir():
                if not entry.name.startswith("."):
                    (folder / entry.name).symlink_to(entry.resolve() if entry.is_symlink() else entry)
        taken: set[str] = set()
        for upload in (u for u in uploads if u.source == source):
            name = unique_name(real, safe_name(upload.name), taken)
            taken.add(name)
            (folder / name).write_bytes(upload.data)
            saved_as[upload.name] = name
    return saved_as


def _of(name: str, file: str) -> bool:
    return file == name or file.startswith(f"{name} (feuille ")


def dry_run(uploads: list[Upload], raw_dir: Path, store_dir: Path, progress=None, inspect=None) -> Check:
    """Build, in a temporary folder, the store these files would give together with data/raw, with the build's
    reading, rules and guards against the store in service; nothing is written to data/raw or the store.
    `inspect(store_path)` may look at that store before it is deleted (its result is `Check.preview`)."""
    _check_sources(uploads)
    raw_dir, store_dir = Path(raw_dir), Path(store_dir)
    with tempfile.TemporaryDirectory(prefix="observatoire-verification-") as tmp:
        tmp = Path(tmp)
        saved_as = _overlay(raw_dir, tmp / "raw", uploads)
        # force: the trial store is written even when the guards refuse it, so that the preview shows what the
        # publication would lose; `refused` still says it would not be published.
        result = build(tmp / "raw", tmp / "out", force=True, raw_roots=(raw_dir,), baseline=store_dir,
                       progress=progress)
        names = {(u.source, saved_as[u.name]) for u in uploads}
        issues = [i for i in result.log.issues if any(i.source == s and _of(n, i.file) for s, n in names)]
        files = [{"source": source, **entry} for source, report in result.manifest["sources"].items()
                 for entry in report["files"] if any(source == s and _of(n, entry["file"]) for s, n in names)]
        messages = [f"{source} : {report['message_fr']}" for source, report in result.manifest["sources"].items()
                    if report.get("message_fr") and source in {u.source for u in uploads}]
        preview = inspect(tmp / "out") if inspect and (tmp / "out" / "manifest.json").exists() else None
        return Check(saved_as, issues, files, list(result.refused), list(result.blocked), messages,
                     result.manifest.get("changes") or {}, result.manifest.get("tables", {}), preview)


def _check_sources(uploads: list[Upload]) -> None:
    for upload in uploads:
        if upload.source not in SOURCES:
            raise UploadError(f"« {upload.name} » : source « {upload.source} » inconnue.")
        safe_name(upload.name)


def publish(uploads: list[Upload], raw_dir: Path, store_dir: Path, published_by: str, progress=None) -> Publication:
    """Save each file into data/raw/<source>/ under its own name (a new name when one exists: never overwrite),
    then build with the same guards as `make data` (never forced). A refused or failed build keeps the store in
    service, and the files just saved are moved aside (data/raw/.ecartes/<date>/) so that no later build reads
    them. The store swapped in is kept as a version. Raises versions.Busy when another publication runs."""
    _check_sources(uploads)
    raw_dir, store_dir = Path(raw_dir), Path(store_dir)
    with versions.lock(store_dir, wait=False):
        saved: list[str] = []
        try:
            for upload in uploads:
                folder = raw_dir / upload.source
                folder.mkdir(parents=True, exist_ok=True)
                name = unique_name(folder, safe_name(upload.name))
                part = folder / f".{name}.part-{os.getpid()}"   # hidden while written: a build never reads half
                part.write_bytes(upload.data)
                os.replace(part, folder / name)
                saved.append(f"{upload.source}/{name}")
            result = build(raw_dir, store_dir, published_by=published_by or versions.LOCAL, via="page",
                           progress=progress)
        except BaseException:
            versions.set_aside(raw_dir, saved)
            raise
        publication = Publication(saved, result)
        if not result.ok or result.kept_previous:
            publication.set_aside_dir = versions.set_aside(raw_dir, saved)
        return publication
