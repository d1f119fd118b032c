"""Build the Parquet store from data/raw: every source, one pass of validation, atomic swap, manifest."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from observatoire.base import referential, settings
from observatoire.base.db import Store, check_store, recover_store, swap_in
from observatoire.base.formatting import number, percent
from observatoire.domain import indicators, precomputed
from observatoire.present.tables import Col, csv_bytes
from pipelines import candidatures, sources, versions
from pipelines import finess as finess_source
from pipelines.issues import REJECT_COLUMNS, IssueLog
from pipelines.pseudonym import assign_person_keys
from pipelines.reading import RawFile, UnreadableFile, display_name, match_headers, raw_entries, read_raw_files
from pipelines.schemas import SOURCES, TABLES, Table, tables_of

log = logging.getLogger("pipelines")

PERSONAL = ["last_name", "first_name", "birth_date"]
DEMO_PREFIX = "demo_"

# Store column types; every table column must be listed (a test checks it).
STRING = pa.string()
DATE = pa.date32()
STORE_TYPES: dict[str, pa.DataType] = {
    **{name: STRING for name in (
        "finess", "finess_ej", "name", "category_code", "category_label", "category_group_code",
        "category_group_label", "legal_status_code", "legal_status_label", "commune_code", "department_code",
        "region_code", "body_id", "body_type", "territory_code", "label", "mandate_id", "role", "person_key",
        "association", "end_reason", "decree_ref", "training", "session", "status", "survey", "level", "question",
        "option", "convention_id", "title", "party_ars", "party_association", "indicator_id", "milestone_type",
        "action_id", "axis", "owner", "comment", "code", "name_fr", "source", "file", "column", "value", "severity",
        "message_fr")},
    **{name: DATE for name in (
        "created_on", "closed_on", "start_date", "planned_end_date", "early_end_date", "end_date", "decree_date",
        "session_date", "meeting_date", "signed_on", "milestone_date", "due_date", "opens_on", "closes_on", "window_end",
        "status_date", "opened_on", "extract_date")},
    **{name: pa.int32() for name in (
        "seats_titular", "seats_substitute", "ru_expected", "ru_present", "year", "seats_opened", "candidacies",
        "designations", "line")},
    **{name: pa.float64() for name in ("lon", "lat", "count", "base", "percent", "target")},
    "has_cdu": pa.bool_(), "kept": pa.bool_(),
    # training sessions' capacity, roadmap expected results, partnership projects register
    "places": pa.int32(), "sampling": STRING, "expected_result": STRING, "project_id": STRING, "initiator": STRING, "link": STRING,
    "involves_ru": pa.bool_(), "forms": pa.list_(STRING),
    # candidacies from « Démarches simplifiées »
    "demarche": STRING, "state": STRING, "campaign_label": STRING, "dossier_number": pa.int32(),
    "wish_line": pa.int32(), "deposited_on": DATE, "instructed_on": DATE, "decided_on": DATE, "updated_on": DATE,
}

STORE_ORDER = {
    "establishments": ["finess"],
    "bodies": ["body_id"],
    "mandates": ["body_id", "role", "start_date", "end_date", "person_key"],
    "trainings": ["session_date", "training", "session", "person_key", "status"],
    "meetings": ["body_id", "meeting_date"],
    "surveys": ["survey", "year", "level", "territory_code", "question", "option"],
    "conventions": ["convention_id"],
    "targets": ["convention_id", "indicator_id", "level", "territory_code", "year"],
    "milestones": ["convention_id", "milestone_date"],
    "actions": ["convention_id", "action_id"],
    "action_history": ["convention_id", "action_id", "status_date"],
    "campaigns": ["region_code", "body_type", "opens_on", "status_date"],
    "projects": ["project_id"],
    "candidacies": ["demarche", "dossier_number", "wish_line"],
}

STORE_COLUMNS = {
    "establishments": finess_source.COLUMNS,
    "bodies": ["body_id", "body_type", "finess", "territory_code", "label", "seats_titular", "seats_substitute",
               "created_on", "closed_on", "department_code", "region_code"],
    "mandates": ["mandate_id", "body_id", "body_type", "role", "person_key", "association", "start_date",
                 "planned_end_date", "early_end_date", "end_date", "end_reason", "decree_ref", "decree_date",
                 "department_code", "region_code"],
    "trainings": ["training", "session", "session_date", "department_code", "region_code", "person_key",
                  "association", "status", "places"],
    "meetings": ["body_id", "body_type", "meeting_date", "ru_expected", "ru_present", "department_code",
                 "region_code"],
    "projects": ["project_id", "title", "finess", "territory_code", "forms", "initiator", "involves_ru", "start_date",
                 "end_date", "status", "link", "department_code", "region_code"],
    "actions": ["convention_id", "action_id", "year", "axis", "label", "owner", "due_date", "status", "status_date",
                "expected_result"],
    "candidacies": ["demarche", "dossier_number", "wish_line", "state", "deposited_on", "instructed_on", "decided_on",
                    "updated_on", "region_code", "department_code", "finess", "body_type", "role", "association",
                    "campaign_label", "person_key"],
}
# Derived tables (not a raw template of their own) and the raw table whose rows they keep one for one.
HISTORY_TABLES = {"action_history": "actions"}


@dataclass
class BuildResult:
    out_dir: Path
    manifest: dict
    log: IssueLog
    blocked: list[str] = field(default_factory=list)
    # Why the new store was not swapped in (French sentences), unless forced.
    refused: list[str] = field(default_factory=list)
    forced: bool = False
    kept_previous: bool = False
    # The version kept for this store when it was published (published_by given), or why none could be kept.
    version: str | None = None
    version_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.blocked and (not self.refused or self.forced)


def store_columns(table: Table) -> list[str]:
    if table.name in STORE_COLUMNS:
        return STORE_COLUMNS[table.name]
    return [c.name for c in table.columns if c.kind != "personal"]


def resolve_key(personal_files: list[str]) -> tuple[bytes | None, str]:
    """The pseudonym key and how it was chosen: configuree, demo, absente, or demo_refusee (the public demo key
    configured while real files are present: anyone could recompute those pseudonyms)."""
    configured = settings.get("pseudonym_key")
    only_demo = all(Path(f).name.startswith(DEMO_PREFIX) for f in personal_files)
    if configured == settings.DEMO_PSEUDONYM_KEY and not only_demo:
        return None, "demo_refusee"
    if configured:
        return configured.encode("utf-8"), "demo" if configured == settings.DEMO_PSEUDONYM_KEY else "configuree"
    if only_demo:
        return settings.DEMO_PSEUDONYM_KEY.encode("utf-8"), "demo"
    return None, "absente"


KEY_MESSAGES = {
    "absente": "Clé de pseudonymisation absente : définissez OBSERVATOIRE_PSEUDONYM_KEY ou pseudonym_key dans "
               ".streamlit/secrets.toml. Aucune donnée nominative n'a été chargée.",
    "demo_refusee": "La clé de démonstration publique est refusée pour des fichiers réels (elle permettrait à "
                    "quiconque de retrouver les personnes) : définissez une clé secrète dans "
                    "OBSERVATOIRE_PSEUDONYM_KEY ou pseudonym_key dans .streamlit/secrets.toml. Aucune donnée "
                    "nominative n'a été chargée.",
}


def build(raw_dir: Path, out_dir: Path, force: bool = False, max_reject_rate: float | None = None,
          max_loss_rate: float | None = None, raw_roots: tuple[Path, ...] = (), *, published_by: str | None = None,
          via: str = "ligne de commande", baseline: Path | None = None, progress=None) -> BuildResult:
    """Build the store; keep the current one when a source is blocked, or (unless `force`) when the new store
    would lose a source, rejects more than `max_reject_rate` of a source's rows or loses more than `max_loss_rate`
    of what users rely on (see `refusals`). Links are followed only inside `raw_dir` (and `raw_roots`).

    `published_by` (an address, or « local »): the store swapped in is kept as a version (pipelines/versions.py).
    `baseline`: the store the guards compare with when it is not `out_dir` (a dry run builds elsewhere).
    `progress(fraction, text_fr)` is told how far the build is."""
    started = time.perf_counter()
    say = progress or (lambda fraction, text: None)
    issues = IssueLog()
    reports: dict[str, dict] = {}
    blocked: list[str] = []
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    roots = (raw_dir, *raw_roots)

    say(0.0, "Lecture de l'extrait FINESS…")
    establishments = _read_finess(raw_dir / "finess", issues, reports, roots)
    frames: dict[str, pd.DataFrame] = {}
    raw_files: dict[str, list[str]] = {}
    for index, source in enumerate(SOURCES[1:], start=1):
        say(0.1 + 0.6 * index / len(SOURCES), f"Lecture de la source « {source} »…")
        raw_files[source], parts = _read_source(raw_dir / source, source, issues, reports, roots)
        if source == candidatures.SOURCE:
            frames["candidacies"] = _candidacies(parts, reports[source], issues)
            continue
        for table in tables_of(source):
            found = parts.get(table.name)
            frames[table.name] = pd.concat(found, ignore_index=True) if found else sources.empty_frame(table)

    say(0.75, "Contrôles entre sources (instances, mandats, pseudonymes)…")
    bodies = sources.finish_bodies(frames.pop("bodies"), establishments, issues)
    mandates = sources.finish_mandates(frames.pop("mandates"), bodies, issues)
    trainings = sources.finish_trainings(frames.pop("trainings"), issues)
    candidacies = candidatures.finish_candidacies(frames.pop("candidacies"), establishments, issues)

    personal_files = [name for s in ("nominations", "formations", "candidatures") for name in raw_files[s]]
    key, key_mode = resolve_key(personal_files)
    if key is not None:
        # The same person twice on one body at once is found by the pseudonym (names are spelt many ways). A
        # candidate gets the same pseudonym: once designated, the candidacy links to the mandate.
        assign_person_keys([mandates, trainings, candidacies], key)
        candidatures.forget_nameless(candidacies)
        mandates = sources.reject_overlapping_mandates(mandates, issues)
    sources.warn_over_seated(mandates, bodies, issues)
    if key is None:
        for source in ("nominations", "formations", "candidatures"):
            if raw_files[source]:
                blocked.append(source)
                reports[source]["status"] = "bloque"
                reports[source]["message_fr"] = KEY_MESSAGES[key_mode]
        mandates, trainings, candidacies = mandates.iloc[0:0], trainings.iloc[0:0], candidacies.iloc[0:0]
        assign_person_keys([mandates, trainings, candidacies], b"")

    tables = {
        "establishments": establishments,
        "bodies": bodies,
        "mandates": mandates,
        "trainings": trainings,
        "meetings": sources.finish_meetings(frames.pop("meetings"), bodies, issues),
        "surveys": sources.finish_surveys(frames["surveys"], issues),
        "conventions": sources.finish_period(frames["conventions"], issues, "convention", "start_date", "end_date",
                                             "date_fin"),
        "targets": frames["targets"],
        "milestones": frames["milestones"],
        **dict(zip(("actions", "action_history"), sources.finish_actions(frames["actions"], issues))),
        "campaigns": sources.finish_campaigns(frames["campaigns"], issues),
        "projects": sources.finish_projects(frames["projects"], establishments, issues),
        "candidacies": candidacies,
    }
    # Free text (labels, comments, titles, links) never keeps a person's name, e-mail or phone number.
    sources.scrub_free_text(tables, sources.known_names([tables["mandates"], tables["trainings"]]), issues)
    _count_kept(tables, reports)
    _count_free_text(issues, reports)
    del mandates, trainings, candidacies  # the tables dict holds them: raw frames are freed as finished (memory)
    _add_mandate_ids(tables["mandates"])
    tables["territories"] = _territories()

    rejects = pd.DataFrame(issues.records(), columns=REJECT_COLUMNS)
    kept = rejects["kept"].astype(bool)
    manifest = {
        "built_at": dt.datetime.now().isoformat(timespec="seconds"),
        "raw_dir": str(raw_dir),
        "pseudonym_key": key_mode,
        "demo": key_mode == "demo",
        "sources": reports,
        "tables": {name: int(len(frame)) for name, frame in tables.items()},
        "rejects": {"errors": int((~kept).sum()), "warnings": int(kept.sum())},
        "extract_date": (str(establishments["extract_date"].dropna().max())
                         if len(establishments) and establishments["extract_date"].notna().any() else None),
    }
    manifest["blocked"] = blocked
    say(0.85, "Comparaison avec l'entrepôt en service…")
    compared = Path(baseline) if baseline is not None else out_dir
    previous = previous_manifest(compared)
    served = served_store(compared)  # the tables actually served: the manifest alone may be gone
    current = guarded_counts(tables)
    refused = refusals(manifest, previous, settings.max_reject_rate() if max_reject_rate is None else max_reject_rate,
                       served, current, settings.max_loss_rate() if max_loss_rate is None else max_loss_rate)
    manifest["refused"] = refused
    manifest["changes"] = changes(manifest, previous, served, current)
    if (previous is not None or served is not None) and (blocked or (refused and not force)):
        # A blocked source or a store that lost data must not replace what the app serves: keep the previous one.
        log.warning("build not swapped in (%s): previous store kept", "; ".join(blocked + refused))
        return BuildResult(out_dir, manifest, issues, blocked, refused, kept_previous=True)
    say(0.9, "Écriture de l'entrepôt…")
    replaced = _keep_served(out_dir) if published_by else None
    _write_store(out_dir, tables, rejects, manifest, started)
    result = BuildResult(out_dir, manifest, issues, blocked, refused, forced=force and bool(refused))
    if published_by:
        _record_version(result, published_by, via, replaced)
    say(1.0, "Entrepôt construit.")
    return result


def _keep_served(out_dir: Path):
    """The version of the store about to be replaced (kept now if it was not yet)."""
    try:
        return versions.keep_served(out_dir)
    except OSError:
        log.warning("store in service not kept as a version", exc_info=True)
        return None


def _record_version(result: BuildResult, published_by: str, via: str, replaced) -> None:
    """Keep the store just swapped in as a version; a failure is said, it never undoes the publication."""
    try:
        result.version = versions.record(result.out_dir, published_by, via, replaced).id
    except OSError as exc:
        log.warning("version not kept", exc_info=True)
        result.version_error = (f"la version n'a pas pu être conservée ({exc.strerror or exc}) : l'entrepôt est "
                                "en service, mais un retour à cette version ne sera pas possible")


def _read_finess(folder: Path, issues: IssueLog, reports: dict, roots: tuple[Path, ...] = ()) -> pd.DataFrame:
    """The establishments of the most recent extract, by the extraction date written inside each file (never by
    its name): older extracts are listed as not read, with a warning naming them; a truncated extract is refused."""
    files, skipped = raw_entries(folder, roots)
    report = reports["finess"] = {"status": "ok" if files else "absent", "files": [], "message_fr": ""}
    _list_skipped("finess", skipped, issues, report)
    if not files:
        if not skipped:
            report["message_fr"] = "Aucun extrait FINESS dans data/raw/finess : la carte n'aura pas d'établissements."
        _source_status(report)
        return pd.DataFrame(columns=finess_source.COLUMNS)
    extracts = []
    for path in files:
        own = IssueLog()  # an extract's row issues count only if the extract is the one used
        try:
            result = finess_source.read_finess(path, own)
        except (UnreadableFile, OSError) as exc:
            message = _unreadable_message(exc)
            issues.error("finess", display_name(path), None, "", "", "fichier_illisible", message)
            report["files"].append({"file": display_name(path), "error": message, "read": False})
            continue
        extracts.append((path, result, own))
    newest = max((r.extract_date for _, r, _ in extracts if r.extract_date), default=None)
    parts = []
    for path, result, own in extracts:
        name = display_name(path)
        if newest and result.extract_date != newest:
            used = ", ".join(display_name(p) for p, r, _ in extracts if r.extract_date == newest)
            date = f"extraction du {result.extract_date:%d/%m/%Y}" if result.extract_date else "sans date d'extraction"
            message = f"extrait plus ancien ({date}) que {used} (extraction du {newest:%d/%m/%Y}) : ignoré"
            issues.warning("finess", name, None, "", "", "extrait_ignore",
                           f"Extrait FINESS {name} ignoré ({date}) : l'extrait {used}, extrait le "
                           f"{newest:%d/%m/%Y}, est plus récent (la date d'extraction écrite dans le fichier décide, "
                           "pas son nom).")
            report["files"].append({"file": name, "error": message, "read": False, "superseded": True,
                                    "extract_date": str(result.extract_date)})
            continue
        issues.issues.extend(own.issues)
        parts.append(result.frame.assign(_file=name))
        report["files"].append({"file": name, "sha256": result.sha256, "encoding": result.encoding,
                                "separator": ";", "table": "establishments", "rows_read": result.rows_read,
                                "extract_date": str(result.extract_date)})
    _source_status(report)
    if not parts:
        return pd.DataFrame(columns=finess_source.COLUMNS)
    # Extracts of the same date: a later file supersedes an earlier one for the same establishment.
    return pd.concat(parts, ignore_index=True).drop_duplicates("finess", keep="last")


def _unreadable_message(exc: Exception) -> str:
    """French reason a raw file could not be read (the English detail of an OSError goes to the log)."""
    if isinstance(exc, UnreadableFile):
        return exc.message_fr
    log.warning("raw file unreadable: %r", exc)
    return "fichier illisible (droits d'accès ou disque) : vérifiez qu'il s'ouvre, puis déposez-le à nouveau"


def _list_skipped(source: str, skipped: list[tuple[str, str]], issues: IssueLog, report: dict) -> None:
    """Entries of a source folder that are not read (links out of data/raw, sub-folders, other formats)."""
    for name, reason in skipped:
        issues.warning(source, name, None, "", "", "entree_non_lue", f"{name} non lu : {reason}.")
        report["files"].append({"file": name, "error": reason, "read": False, "skipped": True})


def _read_source(folder: Path, source: str, issues: IssueLog, reports: dict, roots: tuple[Path, ...] = ()
                 ) -> tuple[list[str], dict[str, list[pd.DataFrame]]]:
    """Read, cast and free one file at a time (the raw rows of a single file are all that is ever held):
    the names of the files read and the typed frames of each table, in file order."""
    files, skipped = raw_entries(folder, roots)
    report = reports[source] = {"status": "ok" if files else "absent", "files": [], "message_fr": ""}
    if not files and not skipped:
        report["message_fr"] = f"Aucun fichier dans data/raw/{source} : table vide."
    _list_skipped(source, skipped, issues, report)
    names: list[str] = []
    parts: dict[str, list[pd.DataFrame]] = {}
    caches: dict[str, dict] = {}   # per table: each distinct raw value parsed once across its files
    demarches = _demarches_once()
    for path in files:
        try:
            raws = read_raw_files(path)
        except (UnreadableFile, OSError) as exc:
            message = _unreadable_message(exc)
            issues.error(source, display_name(path), None, "", "", "fichier_illisible", message)
            report["files"].append({"file": display_name(path), "error": message, "read": False})
            continue
        if source == candidatures.SOURCE:  # an export of « Démarches simplifiées »: its sheets read by name
            exported = candidatures.cast_export(raws, issues, demarches)
            names += [entry["file"] for entry in exported.entries if entry.get("read", True)]
            report["files"] += exported.entries
            for name, frame in (("candidacies", exported.dossiers), ("wishes", exported.wishes),
                                ("deletions", exported.deletions)):
                if frame is not None:
                    parts.setdefault(name, []).append(frame)
            continue
        for raw in raws:
            raw, table = sources.locate_header(raw, tables_of(source), issues)
            names.append(raw.name)
            report["files"].append({"file": raw.name, "sha256": raw.sha256, "encoding": raw.encoding,
                                    "separator": {"\t": "tab"}.get(raw.separator, raw.separator),
                                    "table": table.name, "rows_read": raw.rows_read,
                                    "rows_duplicate": sources.report_duplicate_rows(raw, source, issues),
                                    **_missing_columns(raw, table),
                                    **({"invalid_bytes": raw.invalid_bytes} if raw.invalid_bytes else {})})
            parts.setdefault(table.name, []).append(
                sources.cast_file(raw, table, issues, caches.setdefault(table.name, {})))
        del raws, raw
    _source_status(report)
    return names, parts


def _demarches_once():
    """config/demarches.toml, read at most once per build (only when candidacies are read)."""
    loaded: list = []

    def demarches():
        if not loaded:
            loaded.append(candidatures.load_demarches(settings.demarches_file()))
        return loaded[0]
    return demarches


def _candidacies(parts: dict[str, list[pd.DataFrame]], report: dict, issues: IssueLog) -> pd.DataFrame:
    """The dossiers of every export, each once (the latest update across exports), without the deleted ones, one
    row per wish when the establishment is in a repeated block. Rows set aside as older copies or deleted count
    like copies of a line (never as rejected rows)."""
    def joined(name):
        found = parts.get(name)
        return pd.concat(found, ignore_index=True) if found else None

    dossiers = joined("candidacies")
    if dossiers is None:
        dossiers = sources.empty_frame(candidatures.CANDIDACIES).assign(demarche=None, _export_at=None, _region=None,
                                                          _default_body=None, campaign_label=None)
    dossiers, older = candidatures.supersede(dossiers, issues)
    dossiers, deleted = candidatures.apply_deletions(dossiers, joined("deletions"), issues)
    for entry in report["files"]:
        entry["rows_duplicate"] = entry.get("rows_duplicate", 0) + older.get(entry["file"], 0) + deleted.get(
            entry["file"], 0)
        if older.get(entry["file"]) or deleted.get(entry["file"]):
            entry.update(rows_superseded=older.get(entry["file"], 0), rows_deleted=deleted.get(entry["file"], 0))
        if entry.get("table") == candidatures.DELETIONS.name:
            entry["rows_kept"] = int(sum(len(f[f["_file"] == entry["file"]]) for f in parts.get("deletions", [])))
    return candidatures.join_wishes(dossiers, joined("wishes"), issues)


def _missing_columns(raw: RawFile, table: Table) -> dict:
    """A file without a required column is not read at all: say so, and which columns it lacks."""
    missing = match_headers(raw.header, table)[1]
    return {"read": not missing, "missing_columns": missing}


def _source_status(report: dict) -> None:
    """`partiel` when some files of a source could not be read, `non_lue` when none could."""
    unread = [f["file"] for f in report["files"] if not f.get("read", True)]
    if not unread:
        return
    report["status"] = "non_lue" if len(unread) == len(report["files"]) else "partiel"
    details = []
    for entry in report["files"]:
        if entry.get("missing_columns"):
            details.append(f"{entry['file']} (colonne(s) absente(s) : {', '.join(entry['missing_columns'])})")
        elif entry.get("error"):
            details.append(f"{entry['file']} ({entry['error']})")
    report["message_fr"] = "Fichier(s) non lu(s) : " + " ; ".join(details) + "."


def _count_kept(tables: dict[str, pd.DataFrame], reports: dict) -> None:
    for report in reports.values():
        for entry in report["files"]:
            if "table" not in entry:
                continue
            # A table collapsed from its rows (actions) is counted on the table keeping every row.
            counted = next((h for h, t in HISTORY_TABLES.items() if t == entry["table"]), entry["table"])
            frame = tables.get(counted)
            if entry["table"] in candidatures.LINE_COLUMNS:  # one dossier, or one block row, may give several rows
                kept = candidatures.lines_kept(tables["candidacies"], entry["table"], entry["file"])
            elif "rows_kept" in entry:
                kept = entry["rows_kept"]
            else:
                kept = int((frame["_file"] == entry["file"]).sum()) if frame is not None and len(frame) else 0
            entry["rows_kept"] = kept
            entry["rows_rejected"] = entry["rows_read"] - entry.get("rows_duplicate", 0) - kept


def _count_free_text(issues: IssueLog, reports: dict) -> None:
    """How many free-text end reasons each file had (dropped, never stored)."""
    counts: dict[tuple[str, str], int] = {}
    for issue in issues.issues:
        if issue.code == "motif_texte_libre":
            counts[(issue.source, issue.file)] = counts.get((issue.source, issue.file), 0) + 1
    for source, report in reports.items():
        for entry in report["files"]:
            if (source, entry["file"]) in counts:
                entry["free_text_dropped"] = counts[(source, entry["file"])]


def previous_manifest(out_dir: Path) -> dict | None:
    """The manifest of the store in place, or None when there is none (or it cannot be read)."""
    try:
        return json.loads((Path(out_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def guarded_counts(tables: dict[str, pd.DataFrame]) -> dict:
    """What users rely on beyond row counts: establishments with coordinates, bodies and mandates per région."""
    establishments = tables.get("establishments")
    located = int(establishments["lon"].notna().sum()) if establishments is not None and "lon" in establishments else 0
    return {"located": located, "bodies_by_region": _per_region(tables.get("bodies")),
            "mandates_by_region": _per_region(tables.get("mandates"))}


def _per_region(frame: pd.DataFrame | None) -> dict[str, int]:
    if frame is None or "region_code" not in frame or not len(frame):
        return {}
    return {str(code): int(count) for code, count in frame["region_code"].dropna().value_counts().sort_index().items()}


def served_store(out_dir: Path) -> dict | None:
    """What the store in service holds, read from its Parquet files, not only from its manifest (which may be
    gone): rows per table and `guarded_counts`. None when it has no table at all."""
    out_dir = Path(out_dir)
    tables: dict[str, int] = {}
    for path in sorted(out_dir.glob("*.parquet")) if out_dir.is_dir() else []:
        try:
            tables[path.stem] = pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException):
            continue  # a damaged table: the manifest's count stands in for it
    if not tables:
        return None
    frames = {}
    for name, columns in (("establishments", ["lon"]), ("bodies", ["region_code"]), ("mandates", ["region_code"])):
        try:
            frames[name] = pq.read_table(out_dir / f"{name}.parquet", columns=columns).to_pandas()
        except (OSError, pa.ArrowException, KeyError):
            continue
    return {"tables": tables, **guarded_counts(frames)}


def _source_rows(report: dict) -> int:
    return sum(f.get("rows_kept", 0) for f in report.get("files", []))


def refusals(manifest: dict, previous: dict | None, max_reject_rate: float, served: dict | None = None,
             current: dict | None = None, max_loss_rate: float = 1.0) -> list[str]:
    """French reasons not to swap the new store in: against the store in service (its Parquet tables, `served`,
    and its manifest, `previous`), a source falling to 0 rows, a table falling to 0 or shrinking by more than half,
    more than `max_loss_rate` of the establishments with coordinates or of a région's bodies or mandates lost
    (`current`: the new store's `guarded_counts`); and a source rejecting more than `max_reject_rate` of its rows."""
    reasons = []
    covered: set[str] = set()  # tables whose loss is already given: their détail per région would repeat it
    if previous:
        for source, report in previous.get("sources", {}).items():
            before, after = _source_rows(report), _source_rows(manifest["sources"].get(source, {}))
            if before and not after:
                reasons.append(f"la source « {source} » passerait de {number(before)} ligne(s) à 0")
                covered.update(["establishments"] if source == "finess" else [t.name for t in tables_of(source)])
    before_tables = {**(previous or {}).get("tables", {}), **(served or {}).get("tables", {})}
    for table, before in before_tables.items():
        if table not in manifest["tables"]:
            continue  # rejects: fewer is better
        after = manifest["tables"][table]
        if before and after and after * 2 < before:
            reasons.append(f"la table « {table} » passerait de {number(before)} à {number(after)} lignes "
                           "(moins de la moitié)")
            covered.add(table)
        elif before and not after and table not in covered:
            reasons.append(f"la table « {table} » passerait de {number(before)} ligne(s) à 0")
            covered.add(table)
    if served and current:
        reasons += _losses(served, current, max_loss_rate, covered)
    for source, report in manifest["sources"].items():
        read = sum(f.get("rows_read", 0) - f.get("rows_duplicate", 0) for f in report["files"])
        rejected = sum(f.get("rows_rejected", 0) for f in report["files"] if "rows_rejected" in f)
        if read and rejected / read > max_reject_rate:
            reasons.append(f"la source « {source} » a {number(rejected)} ligne(s) rejetée(s) sur {number(read)} "
                           f"({percent(100 * rejected / read)}), au-delà du seuil de "
                           f"{percent(100 * max_reject_rate, 0)}")
    return reasons


def _losses(served: dict, current: dict, rate: float, covered: set[str]) -> list[str]:
    """More than `rate` of the establishments' coordinates, or of one région's bodies or mandates, lost."""
    reasons = []
    threshold = f"au-delà du seuil de {percent(100 * rate, 0)}"

    def lost(before: int, after: int) -> float:
        return (before - after) / before if before else 0.0

    if "establishments" not in covered and lost(served["located"], current["located"]) > rate:
        share = lost(served["located"], current["located"])
        reasons.append(f"les établissements localisés (avec coordonnées) passeraient de {number(served['located'])} "
                       f"à {number(current['located'])} (perte de {percent(100 * share)}, {threshold})")
    names = referential.names("region")
    for key, table, noun in (("bodies_by_region", "bodies", "instances"), ("mandates_by_region", "mandates",
                                                                             "mandats")):
        if table in covered:
            continue
        for region, before in served.get(key, {}).items():
            after = current.get(key, {}).get(region, 0)
            if lost(before, after) > rate:
                reasons.append(f"les {noun} de la région {names.get(region, region)} passeraient de {number(before)} "
                               f"à {number(after)} (perte de {percent(100 * lost(before, after))}, {threshold})")
    return reasons


def changes(manifest: dict, previous: dict | None, served: dict | None, current: dict) -> dict:
    """What changed against the store in service, per source (rows kept) and per région (bodies, mandates), and
    the establishments with coordinates: only what changed, as [before, after]."""
    if served is None and previous is None:
        return {}
    out: dict = {"sources": {}, "tables": {}, "regions": {}}
    if previous:
        for source in dict.fromkeys([*previous.get("sources", {}), *manifest["sources"]]):
            before = _source_rows(previous.get("sources", {}).get(source, {}))
            after = _source_rows(manifest["sources"].get(source, {}))
            if before != after:
                out["sources"][source] = [before, after]
    else:
        for table, before in (served or {}).get("tables", {}).items():
            after = manifest["tables"].get(table)
            if after is not None and before != after:
                out["tables"][table] = [before, after]
    if served:
        if served["located"] != current["located"]:
            out["located"] = [served["located"], current["located"]]
        for key, kind in (("bodies_by_region", "bodies"), ("mandates_by_region", "mandates")):
            for region in sorted(set(served.get(key, {})) | set(current.get(key, {}))):
                before, after = served.get(key, {}).get(region, 0), current.get(key, {}).get(region, 0)
                if before != after:
                    out["regions"].setdefault(region, {})[kind] = [before, after]
    return {k: v for k, v in out.items() if v}


def _add_mandate_ids(mandates: pd.DataFrame) -> None:
    """Number the mandates in store order (M0000001…), in place: only the sort keys are copied to find it."""
    keys = STORE_ORDER["mandates"]
    order = mandates[keys].sort_values(keys, kind="stable").index
    mandates["mandate_id"] = pd.Series([f"M{i + 1:07d}" for i in range(len(order))], index=order, dtype=object)


def _territories() -> pd.DataFrame:
    rows = [{"level": t["niveau"], "code": t["code"], "name_fr": t["nom"],
             "region_code": t["region_code"] or (t["code"] if t["niveau"] == "region" else None)}
            for t in referential.territories()]
    return pd.DataFrame(rows)


def to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    table = next((t for t in TABLES if t.name == name), None)
    columns = store_columns(table) if table else list(frame.columns)
    columns = [c for c in columns if not c.startswith("_") and c not in PERSONAL]
    schema = pa.schema([(c, STORE_TYPES[c]) for c in columns])
    arrays = [_column_array(frame[c], STORE_TYPES[c]) if c in frame else pa.nulls(len(frame), STORE_TYPES[c])
              for c in columns]
    out = pa.Table.from_arrays(arrays, schema=schema)
    if name in STORE_ORDER and len(frame):
        # Sorted as Arrow columns (stable, missing values first): no second copy of a large pandas frame.
        out = out.sort_by([(c, "ascending", "at_start") for c in STORE_ORDER[name]])
    return out


def _column_array(values: pd.Series, kind: pa.DataType) -> pa.Array:
    """One store column. Arrow converts most columns straight from pandas, without a Python object per cell
    (a stress-scale table would otherwise hold millions of them at once); mixed object columns go cell by cell."""
    if values.dtype != object:
        try:
            return pa.array(values, type=kind, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            pass
    cells = values.astype(object).where(values.notna(), None).tolist()
    return pa.array(cells, type=kind)


def _write_store(out_dir: Path, tables: dict, rejects: pd.DataFrame, manifest: dict, started: float) -> None:
    """Write into a temporary folder, then swap it in: a failed build leaves the previous store untouched."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        (tmp / "dictionary.json").write_text(json.dumps(data_dictionary(tables), ensure_ascii=False, indent=1),
                                             encoding="utf-8")
        for name in list(tables):
            pq.write_table(to_arrow(name, tables[name]), tmp / f"{name}.parquet", compression="zstd")
            tables[name] = None  # written: its frame is no longer needed (memory)
        pq.write_table(to_arrow("rejects", rejects), tmp / "rejects.parquet", compression="zstd")
        (tmp / "rejects.csv").write_bytes(csv_bytes(rejects, REJECTS_CSV_COLUMNS))
        _precompute(tmp, manifest)
        manifest["duration_s"] = round(time.perf_counter() - started, 2)
        manifest["checksums"] = store_checksums(tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str),
                                           encoding="utf-8")
        swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _precompute(folder: Path, manifest: dict) -> None:
    """The catalogue's values at the days pages ask most, read by the app instead of computed (the one computation
    path of observatoire/domain/indicators.py, on the tables just written). Each day costs about as much on a small
    store as on a large one (the queries' own cost): the days are shared between processes, one per core."""
    months = settings.precompute_months()
    if not months:
        return
    started = time.perf_counter()
    store = Store(folder, building=manifest)
    try:
        days = precomputed.days_asked(store, dt.date.fromisoformat(manifest["built_at"][:10]), months)
    finally:
        store.close()
    workers = max(1, min(len(days), len(os.sched_getaffinity(0))))
    shares = [days[i::workers] for i in range(workers)]
    fallback = None
    if workers == 1:
        parts = [_precompute_days(folder, manifest, days)]
    else:
        parts, fallback = _precompute_in_processes(folder, manifest, shares)
    values = {key: frame for part in parts for key, frame in part.items()}
    precomputed.write(folder / precomputed.FILE, values, indicators.rules_key())
    manifest["precomputed"] = {"months": months, "days": [day.isoformat() for day in days], "processes": workers,
                               "duration_s": round(time.perf_counter() - started, 2)}
    if fallback:
        manifest["precomputed"]["fallback"] = fallback


def _precompute_in_processes(folder: Path, manifest: dict, shares: list[list[dt.date]]) -> tuple[list[dict], str]:
    """Each share of the days in a fresh Python process (`python -m pipelines.precompute_worker`), not a
    multiprocessing pool: the build also runs inside the app (the upload page), where the process's __main__ is a
    page script that a spawned child would run again, and whose Arrow and DuckDB threads a forked one must not
    inherit. A share whose process fails is computed here instead (the values are the same, only slower), and the
    reason kept in the manifest."""
    fallback = ""
    parts = []
    with tempfile.TemporaryDirectory(prefix="precompute-") as tmp:
        started = []
        for number_, share in enumerate(shares):
            task, result = Path(tmp) / f"{number_}.task", Path(tmp) / f"{number_}.result"
            task.write_bytes(pickle.dumps((str(folder), manifest, share)))
            started.append((share, result, subprocess.Popen(
                [sys.executable, "-m", "pipelines.precompute_worker", str(task), str(result)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
        for share, result, process in started:
            _, error = process.communicate()
            if process.returncode == 0 and result.is_file():
                parts.append(pickle.loads(result.read_bytes()))
                continue
            last = (error or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or ["sans message"]
            fallback = f"un processus de précalcul a échoué (code {process.returncode} : {last[0][:300]})"
            log.warning("Précalcul : %s ; ses jours sont calculés dans le processus de la construction.", fallback)
            parts.append(_precompute_days(folder, manifest, share))
    return parts, fallback


def _precompute_days(folder: Path, manifest: dict, days: list[dt.date]) -> dict:
    store = Store(folder, building=manifest)
    try:
        return indicators.precompute(store, days)
    finally:
        store.close()


# rejects.csv goes through the one CSV writer (French Excel, formulas typed in raw files neutralised).
REJECTS_CSV_COLUMNS = {"source": Col("Source"), "file": Col("Fichier"), "line": Col("Ligne", "int"),
                       "column": Col("Colonne"), "value": Col("Valeur"), "code": Col("Code"),
                       "severity": Col("Gravité"), "message_fr": Col("Message"), "kept": Col("Ligne conservée")}


EXTRA_DESCRIPTIONS = {
    "establishments": {
        "finess": "N° FINESS de l'établissement (9 caractères)", "finess_ej": "N° FINESS de l'entité juridique",
        "name": "Raison sociale", "category_code": "Catégorie d'établissement (code)",
        "category_label": "Catégorie d'établissement", "category_group_code": "Agrégat de catégorie (code)",
        "category_group_label": "Agrégat de catégorie", "legal_status_code": "Statut (code SPH)",
        "legal_status_label": "Statut", "commune_code": "Code commune INSEE", "department_code": "Département",
        "region_code": "Région", "lon": "Longitude WGS84", "lat": "Latitude WGS84",
        "has_cdu": "Catégorie tenue d'avoir une commission des usagers", "opened_on": "Date d'ouverture",
        "extract_date": "Date de l'extraction FINESS"},
    "action_history": {
        "convention_id": "Convention", "action_id": "N° d'action",
        "status_date": "Date d'effet du statut (vide : statut non daté, valable à la date de construction)",
        "status": "Statut (a_faire, en_cours, fait, abandonne)", "comment": "Commentaire"},
    "territories": {"level": "Niveau (region, departement)", "code": "Code INSEE", "name_fr": "Nom",
                    "region_code": "Région"},
    "rejects": {"source": "Source", "file": "Fichier", "line": "Ligne (l'en-tête est la ligne 1)",
                "column": "Colonne", "value": "Valeur lue", "code": "Code du problème",
                "severity": "Gravité (erreur : ligne écartée ; avertissement : ligne conservée)",
                "message_fr": "Message", "kept": "Ligne conservée dans l'entrepôt"},
}


def data_dictionary(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Every stored column with its type and French description (shown on the Données page)."""
    rows = []
    for name in [*tables, "rejects"]:
        table = next((t for t in TABLES if t.name == name), None)
        described = {c.name: c.label_fr for c in table.columns} if table else {}
        described.update(table.derived if table else {})
        described.update(EXTRA_DESCRIPTIONS.get(name, {}))
        columns = store_columns(table) if table else (REJECT_COLUMNS if name == "rejects" else list(tables[name]))
        for column in columns:
            if column.startswith("_") or column in PERSONAL:
                continue
            rows.append({"table": name, "column": column, "type": str(STORE_TYPES[column]),
                         "description": described.get(column, ""),
                         "source": table.source if table else ("finess" if name == "establishments" else
                                                               "convention" if name in HISTORY_TABLES else "")})
    return rows


def store_checksums(folder: Path) -> dict[str, dict]:
    """sha256 and size of every file of the store (the app checks them when it opens the store)."""
    return {p.name: {"sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "bytes": p.stat().st_size}
            for p in sorted(folder.iterdir()) if p.is_file() and p.name != "manifest.json"}


def recover(out_dir: Path) -> None:
    """A build killed between the two renames leaves `.old`: put it back (the app does the same)."""
    recover_store(out_dir)


def is_stale(raw_dir: Path, out_dir: Path) -> bool:
    """Missing, damaged (see observatoire.base.db.check_store), older than a raw file, or its precomputed values
    computed under other rules than this code's (a new version installed: pages would compute every value)."""
    manifest = out_dir / "manifest.json"
    if not manifest.exists() or check_store(out_dir):
        return True
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in Path(raw_dir).rglob("*") if p.is_file()) or \
        precomputed_outdated(out_dir)


def precomputed_outdated(out_dir: Path) -> bool:
    """The store has no precomputed table although the settings ask for one, or one of other rules."""
    if settings.precompute_months() <= 0:
        return False
    return precomputed.rules_of(Path(out_dir) / precomputed.FILE) != indicators.rules_key()
