"""Command line: `python -m pipelines build|check|demo|versions|rollback|sync-demarches|publish`."""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from pathlib import Path

from observatoire.base import referential, settings, snapshots
from observatoire.base.console import run_cli, say
from observatoire.base.db import StoreDamaged, StoreMissing
from observatoire.base.formatting import number
from pipelines.failures import failure_reason

log = logging.getLogger("pipelines")


def _summary(result) -> str:
    manifest = result.manifest
    lines = [f"Entrepôt construit dans {result.out_dir} en {manifest.get('duration_s', '?')} s "
             f"({manifest['rejects']['errors']} ligne(s) rejetée(s), {manifest['rejects']['warnings']} avertissement(s))."]
    for name, rows in manifest["tables"].items():
        lines.append(f"  {name:<15} {rows:>9} lignes")
    for source, report in manifest["sources"].items():
        if report.get("message_fr"):
            lines.append(f"  [{source}] {report['message_fr']}")
        dropped = sum(f.get("free_text_dropped", 0) for f in report["files"])
        if dropped:
            lines.append(f"  [{source}] {dropped} motif(s) de fin en texte libre classé(s) dans la liste fermée ; "
                         "le texte n'est pas conservé.")
    lines += _changes(manifest.get("changes") or {})
    if manifest.get("demo"):
        lines.append("  Attention : clé de pseudonymisation de démonstration (données de démonstration uniquement).")
    return "\n".join(lines)


def _changes(changes: dict) -> list[str]:
    """What changed against the store in service, per source and per région (nothing when nothing changed)."""
    if not changes:
        return []

    def moved(pair) -> str:
        return f"{number(pair[0])} → {number(pair[1])}"

    lines = ["  Par rapport à l'entrepôt en service :"]
    lines += [f"    source « {source} » : {moved(pair)} ligne(s)" for source, pair in changes.get("sources", {}).items()]
    lines += [f"    table « {table} » : {moved(pair)} ligne(s)" for table, pair in changes.get("tables", {}).items()]
    if "located" in changes:
        lines.append(f"    établissements localisés : {moved(changes['located'])}")
    names = referential.names("region")
    for region, kinds in changes.get("regions", {}).items():
        parts = [f"{noun} {moved(kinds[kind])}" for kind, noun in (("bodies", "instances"), ("mandates", "mandats"))
                 if kind in kinds]
        lines.append(f"    région {names.get(region, region)} : " + " ; ".join(parts))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="Ingestion des fichiers bruts.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="construire l'entrepôt Parquet depuis data/raw")
    b.add_argument("--raw", type=Path, default=settings.raw_dir())
    b.add_argument("--out", type=store_location, default=store_location(settings.get("data_dir")),
                   help="dossier de l'entrepôt, ou s3://seau/préfixe : l'entrepôt construit y est publié")
    b.add_argument("--if-stale", action="store_true",
                   help="ne reconstruire que si l'entrepôt manque, est endommagé ou plus ancien qu'un fichier brut")
    b.add_argument("--force", action="store_true",
                   help="remplacer l'entrepôt même si la construction perd une source ou dépasse le seuil de rejets")
    b.add_argument("--max-reject-rate", type=float, default=None,
                   help=f"part maximale de lignes rejetées par source, de 0 à 1 (défaut : {settings.max_reject_rate()}"
                        ", réglage OBSERVATOIRE_MAX_REJECT_RATE)")
    b.add_argument("--max-loss-rate", type=float, default=None,
                   help="part maximale perdue, de 0 à 1, des établissements localisés ou des instances ou mandats "
                        f"d'une région (défaut : {settings.max_loss_rate()}, réglage OBSERVATOIRE_MAX_LOSS_RATE)")
    c = sub.add_parser("check", help="valider un fichier et afficher le rapport")
    c.add_argument("file", type=Path)
    d = sub.add_parser("demo", help="générer les fichiers bruts de démonstration")
    d.add_argument("--scale", choices=("region", "national", "stress"), default="national")
    d.add_argument("--out", type=Path, default=settings.raw_dir())
    v = sub.add_parser("versions", help="lister les versions conservées de l'entrepôt")
    v.add_argument("--out", type=Path, default=settings.data_dir())
    r = sub.add_parser("rollback", help="remettre en service une version conservée (la précédente par défaut)")
    r.add_argument("version", nargs="?", default=None, help="identifiant de la version (voir « versions »)")
    r.add_argument("--out", type=Path, default=settings.data_dir())
    r.add_argument("--raw", type=Path, default=None,
                   help="dossier des fichiers bruts (défaut : celui dont la version a été construite)")
    y = sub.add_parser("sync-demarches", help="synchroniser les candidatures depuis l'API de « Démarches simplifiées »")
    y.add_argument("--raw", type=Path, default=settings.raw_dir())
    y.add_argument("--demarche", type=int, default=None, help="une seule démarche (son numéro)")
    y.add_argument("--complet", action="store_true",
                   help="tout relire (sinon : les dossiers modifiés ou supprimés depuis la dernière synchronisation)")
    pub = sub.add_parser("publish", help="publier un entrepôt construit sur un stockage objet S3 (nouvel instantané)")
    pub.add_argument("--store", type=Path, default=settings.data_dir())
    pub.add_argument("--to", required=True, help="s3://seau/préfixe")
    args = parser.parse_args(argv)

    if args.command == "publish":
        return run_publish(args.store, args.to)
    if args.command == "build":
        return run_build(args)
    if args.command == "check":
        return run_check(args.file)
    if args.command == "demo":
        from pipelines.demo import generate

        written = generate(args.out, scale=args.scale)
        print(f"{len(written)} fichier(s) de démonstration écrits dans {args.out} ({sum(written.values())} lignes).")
        return 0
    if args.command == "versions":
        return run_versions(args.out)
    if args.command == "rollback":
        return run_rollback(args.out, args.version, args.raw)
    if args.command == "sync-demarches":
        return run_sync(args.raw, args.demarche, args.complet)
    return 1


# --- Errors: French for the user, the traceback in a log file for the developer -----------------------------

_HANDLER_MARK = "_observatoire_pipelines_log"


def log_to_file() -> Path | None:
    """Send the pipelines' log (warnings, tracebacks) to the log file and never to the terminal. When no file can
    be written (full disk, read-only folder) the log is dropped rather than printed: None."""
    logging.raiseExceptions = False  # a log that cannot be written must not print a traceback either
    log.propagate = False
    for handler in [h for h in log.handlers if getattr(h, _HANDLER_MARK, False)]:
        log.removeHandler(handler)
        handler.close()
    for path in (settings.log_file(), Path(tempfile.gettempdir()) / "observatoire-pipelines.log"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8")
        except OSError:
            continue
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        setattr(handler, _HANDLER_MARK, True)
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        return path
    handler = logging.NullHandler()
    setattr(handler, _HANDLER_MARK, True)
    log.addHandler(handler)
    return None


def _details(log_path: Path | None) -> str:
    return f" Détails techniques : {log_path}." if log_path else ""


def run_build(args) -> int:
    """Build, then say in French what happened; a build that failed or was not swapped in never exits 0.

    Exit codes: 0 built, 1 internal error, 2 source blocked (pseudonym key), 3 refused (data would be lost)."""
    log_path = log_to_file()
    try:
        return _run_build(args)
    except Exception as exc:  # noqa: BLE001 - the user gets French, the developer the log
        log.exception("build failed")
        say(f"La construction a échoué ({failure_reason(exc, args.out)}). L'entrepôt actuel est conservé."
            + _details(log_path), err=True)
        return 1


def store_location(text: str) -> Path | str:
    """A store folder, or an s3:// address kept as text."""
    return text if snapshots.is_remote(text) else Path(text)


def run_publish(store: Path, location: str) -> int:
    """`publish`: the built store becomes a new snapshot and the pointer moves to it."""
    log_path = log_to_file()
    if not snapshots.is_remote(location):
        say(f"{location} : une adresse s3://seau/préfixe est attendue.", err=True)
        return 2
    try:
        pointer = snapshots.publish(store, location)
    except StoreDamaged as damaged:
        say(f"L'entrepôt {store} est endommagé ou absent : " + " ; ".join(damaged.problems) + ". Rien n'est publié.",
            err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the user gets French, the developer the log
        log.exception("publish failed")
        say(f"La publication a échoué ({failure_reason(exc, store)}) : l'instantané en service reste le même."
            + _details(log_path), err=True)
        return 1
    say(f"Instantané {pointer.snapshot} publié dans {location} : les applications le liront d'ici "
        f"{settings.get('snapshot_check_seconds')} s.")
    return 0


def _run_remote_build(args) -> int:
    """Build beside a copy of the snapshot in service (the same refusals against it), then publish the new store."""
    location = args.out
    work = Path(settings.get("snapshot_cache")) / "build"
    try:
        pointer = snapshots.current(location)
    except StoreMissing:
        pointer = None
    if pointer is not None and not ((work / "manifest.json").exists() and snapshots.snapshot_id(work) ==
                                    pointer.snapshot):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(snapshots.fetch(location, pointer), work)
    if pointer is not None and args.if_stale and not _newer_raw(args.raw, pointer.moved):
        say(f"Entrepôt à jour : {location} (instantané {pointer.snapshot})")
        return 0
    code = _run_build(argparse.Namespace(**{**vars(args), "out": work, "if_stale": False}))
    if code != 0:
        return code
    return run_publish(work, location)


def _newer_raw(raw: Path, published: float) -> bool:
    """A raw file changed after the snapshot in service was published."""
    return any(p.stat().st_mtime > published for p in Path(raw).rglob("*") if p.is_file())


def _run_build(args) -> int:
    from observatoire.base.db import check_store
    from pipelines.build import build, is_stale, recover

    if snapshots.is_remote(args.out):
        return _run_remote_build(args)

    recover(args.out)
    if args.if_stale and not is_stale(args.raw, args.out):
        say(f"Entrepôt à jour : {args.out}")
        return 0
    problems = check_store(args.out) if args.if_stale and args.out.is_dir() and any(args.out.iterdir()) else []
    if problems:
        say("Entrepôt endommagé (" + " ; ".join(problems) + ") : reconstruction.", err=True)
    from pipelines import versions

    with versions.lock(args.out):
        result = build(args.raw, args.out, force=args.force, max_reject_rate=args.max_reject_rate,
                       max_loss_rate=args.max_loss_rate, published_by=versions.LOCAL, via="ligne de commande")
    say(_summary(result))
    if result.version:
        say(f"  Version conservée : {result.version} (python -m pipelines versions ; retour : python -m pipelines "
            "rollback).")
    if result.version_error:
        say(f"  Attention : {result.version_error}.", err=True)
    kept = "L'entrepôt actuel est conservé." if result.kept_previous else "Aucun entrepôt précédent à conserver."
    if result.blocked:
        say("Construction interrompue : source(s) bloquée(s) : " + ", ".join(result.blocked) + ". " + kept, err=True)
        return 2
    if result.refused and result.forced:
        say("Entrepôt remplacé malgré (--force) : " + " ; ".join(result.refused) + ".", err=True)
        return 0
    if result.refused:
        say("Construction refusée : " + " ; ".join(result.refused) + ". " + kept
            + " Corrigez les fichiers (page Données, « python -m pipelines check »), ou relancez avec --force "
            "pour remplacer l'entrepôt quand même.", err=True)
        return 3
    return 0


def run_check(path: Path) -> int:
    """`check`: every failure is a French sentence naming the file (the traceback goes to the log)."""
    from pipelines.reading import UnreadableFile, display_name

    log_path = log_to_file()
    name = display_name(path)
    try:
        return check(path)
    except UnreadableFile as exc:
        say(f"{name} : {exc.message_fr}", err=True)
        return 1
    except Exception as exc:  # noqa: BLE001
        log.exception("check failed")
        say(f"{name} : la vérification a échoué ({failure_reason(exc, path)})." + _details(log_path), err=True)
        return 1


def check(path: Path) -> int:
    """Validate one file by building a throw-away store from it alone; print every issue."""
    import shutil

    from pipelines.build import build
    from pipelines.finess import is_finess_extract
    from pipelines.reading import display_name, read_tabular
    from pipelines.schemas import SOURCES, TABLES
    from pipelines.sources import locate_header

    name = display_name(path)
    if not path.is_file():
        say(f"Fichier introuvable : {os.fsencode(path).decode('utf-8', 'replace')}", err=True)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        with path.open("rb") as fh:
            head = fh.read(200).decode("cp1252", errors="replace")
        if is_finess_extract(head.lstrip("\ufeff")):
            source = "finess"
        else:
            source = locate_header(read_tabular(path), list(TABLES))[1].source
        # The other sources come from the configured raw folder, so cross-source rules (a nomination's body
        # must exist in instances) are checked against the real referential.
        for other in SOURCES:
            if other != source and (settings.raw_dir() / other).is_dir():
                raw.mkdir(exist_ok=True)
                (raw / other).symlink_to((settings.raw_dir() / other).resolve())
        (raw / source).mkdir(parents=True)
        shutil.copy2(path, raw / source / name)
        os.environ.setdefault("OBSERVATOIRE_PSEUDONYM_KEY", "check-only-nothing-is-kept")
        result = build(raw, Path(tmp) / "out", raw_roots=(settings.raw_dir(),))
    issues = [i for i in result.log.issues if i.file == name or i.file.startswith(f"{name} (feuille ")]
    say(f"{name} : lu comme source « {source} », {len(issues)} problème(s).")
    for i in issues:
        where = f"ligne {i.line}" if i.line else "fichier"
        column = f", colonne {i.column}" if i.column else ""
        sheet = i.file[len(name):].strip() + " " if i.file != name else ""
        say(f"  [{i.severity}] {sheet}{where}{column} : {i.message_fr}")
    return 1 if any(i.blocking for i in issues) else 0



# --- kept versions: list and roll back (pipelines/versions.py) ------------------------------------------------

def version_line(version, current: bool) -> str:
    """One line per version: identifier, date, who, files changed, rows per table."""
    tables = ", ".join(f"{name} {number(rows)}" for name, rows in version.tables.items())
    return "  ".join([("* " if current else "  ") + version.id, version.created_at.strftime("%d/%m/%Y %H:%M"),
                      version.published_by, files_changed(version.meta.get("files", {})), f"lignes : {tables}"])


def files_changed(files: dict, named: int = 4) -> str:
    """« +nominations/a.csv -formations/b.csv », or counts per source when more than `named` files changed."""
    parts = []
    for key, sign, noun in (("added", "+", "ajouté"), ("removed", "-", "retiré"), ("changed", "~", "modifié")):
        names = files.get(key, [])
        if len(names) <= named:
            parts += [f"{sign}{name}" for name in names]
            continue
        by_source: dict[str, int] = {}
        for name in names:
            by_source[name.split("/", 1)[0]] = by_source.get(name.split("/", 1)[0], 0) + 1
        parts.append(f"{sign}{len(names)} fichiers {noun}s (" + ", ".join(f"{s} {n}" for s, n in by_source.items())
                     + ")")
    return "fichiers " + " ".join(parts) if parts else "aucun fichier changé"


def run_versions(out: Path) -> int:
    from pipelines import versions

    kept = versions.list_versions(out)
    if not kept:
        say(f"Aucune version conservée pour l'entrepôt {out} (une version est conservée à chaque construction "
            "réussie : make data, ou la page « Déposer des fichiers »).")
        return 0
    current = versions.in_service(out, kept)
    for version in reversed(kept):
        say(version_line(version, current is not None and version.id == current.id))
    say(f"{len(kept)} version(s) conservée(s) (réglage OBSERVATOIRE_VERSIONS_KEPT : {settings.versions_kept()}) ; "
        "* : version en service.")
    return 0


def run_rollback(out: Path, version_id: str | None, raw: Path | None) -> int:
    """`rollback`: the version goes back in service atomically; French sentences, the traceback to the log."""
    from pipelines import versions

    log_path = log_to_file()
    try:
        with versions.lock(out):
            result = versions.rollback(out, version_id, raw)
    except (versions.VersionError, versions.Busy) as exc:
        say(exc.message_fr, err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the user gets French, the developer the log
        log.exception("rollback failed")
        say(f"Le retour à une version a échoué ({failure_reason(exc, out)}). L'entrepôt en service est conservé."
            + _details(log_path), err=True)
        return 1
    say(rollback_summary(result))
    return 0


def rollback_summary(result) -> str:
    version = result.version
    lines = [f"Version {version.id} du {version.created_at:%d/%m/%Y à %H:%M} ({version.published_by}) remise en "
             "service" + (f" à la place de {result.previous}" if result.previous else "") + "."]
    if result.set_aside:
        lines.append(f"  Fichiers bruts écartés (déplacés dans {result.set_aside_dir}, non lus) : "
                     + ", ".join(result.set_aside))
    if result.restored:
        lines.append("  Fichiers bruts remis en place : " + ", ".join(result.restored))
    if result.missing:
        lines.append("  Attention : fichiers bruts de cette version introuvables (la prochaine construction ne les "
                     "lira pas) : " + ", ".join(result.missing))
    return "\n".join(lines)


# --- candidacies from the API of « Démarches simplifiées » (pipelines/demarches_api.py) -------------------------

def run_sync(raw: Path, demarche: int | None, full: bool, client=None) -> int:
    from pipelines import demarches_api
    from pipelines.candidatures import DemarchesFileError

    log_path = log_to_file()
    try:
        done = demarches_api.sync(raw, client=client, only=demarche, full=full)
    except (demarches_api.SyncError, DemarchesFileError) as exc:
        say(exc.message_fr, err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the user gets French, the developer the log
        log.exception("sync failed")
        say(f"La synchronisation a échoué ({failure_reason(exc, raw)}). Rien n'a été écrit." + _details(log_path),
            err=True)
        return 1
    for result in done:
        what = "tous les dossiers" if result.full else "dossiers modifiés depuis la dernière synchronisation"
        written = f" -> {result.file}" if result.file else " : aucun changement, aucun fichier écrit"
        say(f"Démarche n° {result.demarche.number} ({what}) : {number(result.dossiers)} dossier(s), "
            f"{number(result.deleted)} supprimé(s), {number(result.requests)} requête(s){written}.")
    if any(r.file for r in done):
        say("Reconstruisez l'entrepôt pour les compter : make data (ou la page « Déposer des fichiers »).")
    return 0


if __name__ == "__main__":
    run_cli(main)
