"""Build the Parquet store from data/raw: every source, one pass of validation, atomic swap, manifest."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from observatoire import referential, settings
from pipelines import finess as finess_source
from pipelines import sources
from pipelines.issues import REJECT_COLUMNS, IssueLog
from pipelines.pseudonym import assign_person_keys
from pipelines.reading import RawFile, StreamedRows, UnreadableFile, list_raw_files, read_tabular_streamed
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
        "action_id", "axis", "owner", "code", "name_fr", "source", "file", "column", "value", "severity",
        "message_fr")},
    **{name: DATE for name in (
        "created_on", "closed_on", "start_date", "planned_end_date", "early_end_date", "end_date", "decree_date",
        "session_date", "meeting_date", "signed_on", "milestone_date", "due_date", "opens_on", "closes_on",
        "status_date", "opened_on", "extract_date")},
    **{name: pa.int32() for name in (
        "seats_titular", "seats_substitute", "ru_expected", "ru_present", "year", "seats_opened", "candidacies",
        "designations", "line")},
    **{name: pa.float64() for name in ("lon", "lat", "count", "base", "percent", "target")},
    "has_cdu": pa.bool_(), "kept": pa.bool_(),
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
    "campaigns": ["region_code", "body_type", "opens_on", "status_date"],
}

STORE_COLUMNS = {
    "establishments": finess_source.COLUMNS,
    "bodies": ["body_id", "body_type", "finess", "territory_code", "label", "seats_titular", "seats_substitute",
               "created_on", "closed_on", "department_code", "region_code"],
    "mandates": ["mandate_id", "body_id", "body_type", "role", "person_key", "association", "start_date",
                 "planned_end_date", "early_end_date", "end_date", "end_reason", "decree_ref", "decree_date",
                 "department_code", "region_code"],
    "trainings": ["training", "session", "session_date", "department_code", "region_code", "person_key",
                  "association", "status"],
    "meetings": ["body_id", "body_type", "meeting_date", "ru_expected", "ru_present", "department_code",
                 "region_code"],
}


@dataclass
class BuildResult:
    out_dir: Path
    manifest: dict
    log: IssueLog
    blocked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocked


def store_columns(table: Table) -> list[str]:
    if table.name in STORE_COLUMNS:
        return STORE_COLUMNS[table.name]
    return [c.name for c in table.columns if c.kind != "personal"]


def resolve_key(personal_files: list[str]) -> tuple[bytes | None, str]:
    configured = settings.get("pseudonym_key")
    if configured:
        return configured.encode("utf-8"), "configuree"
    if all(Path(f).name.startswith(DEMO_PREFIX) for f in personal_files):
        return settings.DEMO_PSEUDONYM_KEY.encode("utf-8"), "demo"
    return None, "absente"


def build(raw_dir: Path, out_dir: Path) -> BuildResult:
    started = time.perf_counter()
    issues = IssueLog()
    reports: dict[str, dict] = {}
    blocked: list[str] = []
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)

    establishments = _read_finess(raw_dir / "finess", issues, reports)
    frames: dict[str, pd.DataFrame] = {}
    raw_files: dict[str, list[tuple[RawFile, Table]]] = {}
    for source in SOURCES[1:]:
        raw_files[source] = _read_source(raw_dir / source, source, issues, reports)
        for table in tables_of(source):
            caches: dict = {}
            parts = [sources.cast_file(raw, table, issues, caches) for raw, t in raw_files[source] if t is table]
            frames[table.name] = pd.concat(parts, ignore_index=True) if parts else sources.empty_frame(table)
        _count_streamed_rows(raw_files[source], reports[source])

    bodies = sources.finish_bodies(frames.pop("bodies"), establishments, issues)
    mandates = sources.finish_mandates(frames.pop("mandates"), bodies, issues)
    sources.warn_over_seated(mandates, bodies, issues)
    trainings = sources.finish_trainings(frames.pop("trainings"), issues)

    personal_files = [raw.name for s in ("nominations", "formations") for raw, _ in raw_files[s]]
    key, key_mode = resolve_key(personal_files)
    if key is None:
        for source, frame in (("nominations", mandates), ("formations", trainings)):
            if raw_files[source]:
                blocked.append(source)
                reports[source]["status"] = "bloque"
                reports[source]["message_fr"] = (
                    "Clé de pseudonymisation absente : définissez OBSERVATOIRE_PSEUDONYM_KEY ou pseudonym_key dans "
                    ".streamlit/secrets.toml. Aucune donnée nominative n'a été chargée.")
        mandates, trainings = mandates.iloc[0:0], trainings.iloc[0:0]
    assign_person_keys([mandates, trainings], key or b"")

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
        "actions": frames["actions"],
        "campaigns": sources.finish_campaigns(frames["campaigns"], issues),
    }
    _count_kept(tables, reports)
    del mandates, trainings  # the tables dict holds them: raw frames are freed as they are finished (memory)
    tables["mandates"] = _with_mandate_ids(tables["mandates"])
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
    if blocked and (out_dir / "manifest.json").exists():
        # A source stopped by a blocking error must not wipe the data the app serves: keep the previous store.
        log.warning("build blocked (%s): previous store kept", ", ".join(blocked))
        return BuildResult(out_dir, manifest, issues, blocked)
    _write_store(out_dir, tables, rejects, manifest, started)
    return BuildResult(out_dir, manifest, issues, blocked)


def _read_finess(folder: Path, issues: IssueLog, reports: dict) -> pd.DataFrame:
    files = list_raw_files(folder)
    report = reports["finess"] = {"status": "ok" if files else "absent", "files": [], "message_fr": ""}
    if not files:
        report["message_fr"] = "Aucun extrait FINESS dans data/raw/finess : la carte n'aura pas d'établissements."
        return pd.DataFrame(columns=finess_source.COLUMNS)
    parts = []
    for path in files:
        try:
            result = finess_source.read_finess(path, issues)
        except (UnreadableFile, OSError) as exc:
            message = getattr(exc, "message_fr", str(exc))
            issues.error("finess", path.name, None, "", "", "fichier_illisible", message)
            report["files"].append({"file": path.name, "error": message})
            continue
        parts.append(result.frame.assign(_file=path.name))
        report["files"].append({"file": path.name, "sha256": result.sha256, "encoding": result.encoding,
                                "separator": ";", "table": "establishments", "rows_read": result.rows_read,
                                "extract_date": str(result.extract_date)})
    if not parts:
        return pd.DataFrame(columns=finess_source.COLUMNS)
    # A later extract supersedes an earlier one for the same establishment.
    return pd.concat(parts, ignore_index=True).drop_duplicates("finess", keep="last")


def _read_source(folder: Path, source: str, issues: IssueLog, reports: dict) -> list[tuple[RawFile, Table]]:
    files = list_raw_files(folder)
    report = reports[source] = {"status": "ok" if files else "absent", "files": [], "message_fr": ""}
    if not files:
        report["message_fr"] = f"Aucun fichier dans data/raw/{source} : table vide."
    out = []
    for path in files:
        try:
            raw = read_tabular_streamed(path)
        except (UnreadableFile, OSError) as exc:
            message = getattr(exc, "message_fr", str(exc))
            issues.error(source, path.name, None, "", "", "fichier_illisible", message)
            report["files"].append({"file": path.name, "error": message})
            continue
        table = sources.detect_table(raw, tables_of(source))
        out.append((raw, table))
        report["files"].append({"file": raw.name, "sha256": raw.sha256, "encoding": raw.encoding,
                                "separator": {"\t": "tab"}.get(raw.separator, raw.separator), "table": table.name,
                                "rows_read": len(raw.rows)})
    return out


def _count_streamed_rows(files: list[tuple[RawFile, Table]], report: dict) -> None:
    """Rows are parsed while they are cast (read_tabular_streamed): their count is known only afterwards."""
    counts = {raw.name: (raw.rows.finish() if isinstance(raw.rows, StreamedRows) else len(raw.rows))
              for raw, _ in files}
    for entry in report["files"]:
        if entry.get("file") in counts and "rows_read" in entry:
            entry["rows_read"] = counts[entry["file"]]


def _count_kept(tables: dict[str, pd.DataFrame], reports: dict) -> None:
    for report in reports.values():
        for entry in report["files"]:
            if "table" not in entry:
                continue
            frame = tables.get(entry["table"])
            kept = int((frame["_file"] == entry["file"]).sum()) if frame is not None and len(frame) else 0
            entry["rows_kept"] = kept
            entry["rows_rejected"] = entry["rows_read"] - kept


def _with_mandate_ids(mandates: pd.DataFrame) -> pd.DataFrame:
    mandates = mandates.sort_values(STORE_ORDER["mandates"], kind="stable").reset_index(drop=True)
    return mandates.assign(mandate_id=[f"M{i + 1:07d}" for i in range(len(mandates))])


def _territories() -> pd.DataFrame:
    rows = [{"level": t["niveau"], "code": t["code"], "name_fr": t["nom"],
             "region_code": t["region_code"] or (t["code"] if t["niveau"] == "region" else None)}
            for t in referential.territories()]
    return pd.DataFrame(rows)


def to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    table = next((t for t in TABLES if t.name == name), None)
    columns = store_columns(table) if table else list(frame.columns)
    columns = [c for c in columns if not c.startswith("_") and c not in PERSONAL]
    frame = frame.reindex(columns=columns)
    if name in STORE_ORDER and len(frame):
        frame = frame.sort_values(STORE_ORDER[name], kind="stable", na_position="first")
    schema = pa.schema([(c, STORE_TYPES[c]) for c in columns])
    arrays = []
    for column in columns:
        arrays.append(_column_array(frame[column], STORE_TYPES[column]))
    return pa.Table.from_arrays(arrays, schema=schema)


def _column_array(values: pd.Series, kind: pa.DataType) -> pa.Array:
    """One store column. Arrow converts most columns straight from pandas, without a Python object per cell
    (a stress-scale table would otherwise hold millions of them at once); mixed object columns go cell by cell."""
    if values.dtype != object:
        try:
            return pa.array(values, type=kind, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
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
        for name, frame in tables.items():
            pq.write_table(to_arrow(name, frame), tmp / f"{name}.parquet", compression="zstd")
        pq.write_table(to_arrow("rejects", rejects), tmp / "rejects.parquet", compression="zstd")
        export = rejects.rename(columns={"source": "source", "file": "fichier", "line": "ligne", "column": "colonne",
                                         "value": "valeur", "code": "code", "severity": "gravite",
                                         "message_fr": "message", "kept": "ligne_conservee"})
        export["ligne_conservee"] = export["ligne_conservee"].map({True: "oui", False: "non"})
        export.to_csv(tmp / "rejects.csv", sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
        (tmp / "dictionary.json").write_text(json.dumps(data_dictionary(tables), ensure_ascii=False, indent=1),
                                             encoding="utf-8")
        manifest["duration_s"] = round(time.perf_counter() - started, 2)
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str),
                                           encoding="utf-8")
        swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
                         "source": table.source if table else ("finess" if name == "establishments" else "")})
    return rows


def swap_in(new: Path, out_dir: Path) -> None:
    old = out_dir.parent / f".{out_dir.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(new, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def recover(out_dir: Path) -> None:
    """A build killed between the two renames leaves `.old`: put it back."""
    old = out_dir.parent / f".{out_dir.name}.old"
    if not out_dir.exists() and old.exists():
        os.replace(old, out_dir)


def is_stale(raw_dir: Path, out_dir: Path) -> bool:
    manifest = out_dir / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in Path(raw_dir).rglob("*") if p.is_file())


def measure_build(raw_dir: Path, out_dir: Path) -> tuple[BuildResult, float, float]:
    """Build once, returning (result, seconds, peak MiB of Python allocations)."""
    tracemalloc.start()
    t0 = time.perf_counter()
    result = build(raw_dir, out_dir)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20
