"""Command line: `python -m pipelines build|check|demo`."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from observatoire import settings


def _summary(result) -> str:
    manifest = result.manifest
    lines = [f"Entrepôt construit dans {result.out_dir} en {manifest.get('duration_s', '?')} s "
             f"({manifest['rejects']['errors']} ligne(s) rejetée(s), {manifest['rejects']['warnings']} avertissement(s))."]
    for name, rows in manifest["tables"].items():
        lines.append(f"  {name:<15} {rows:>9} lignes")
    for source, report in manifest["sources"].items():
        if report.get("message_fr"):
            lines.append(f"  [{source}] {report['message_fr']}")
    if manifest.get("demo"):
        lines.append("  Attention : clé de pseudonymisation de démonstration (données de démonstration uniquement).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="Ingestion des fichiers bruts.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="construire l'entrepôt Parquet depuis data/raw")
    b.add_argument("--raw", type=Path, default=settings.raw_dir())
    b.add_argument("--out", type=Path, default=settings.data_dir())
    b.add_argument("--if-stale", action="store_true", help="ne reconstruire que si un fichier brut est plus récent")
    c = sub.add_parser("check", help="valider un fichier et afficher le rapport")
    c.add_argument("file", type=Path)
    d = sub.add_parser("demo", help="générer les fichiers bruts de démonstration")
    d.add_argument("--scale", choices=("region", "national", "stress"), default="national")
    d.add_argument("--out", type=Path, default=settings.raw_dir())
    args = parser.parse_args(argv)

    if args.command == "build":
        from pipelines.build import build, is_stale, recover

        recover(args.out)
        if args.if_stale and not is_stale(args.raw, args.out):
            print(f"Entrepôt à jour : {args.out}")
            return 0
        result = build(args.raw, args.out)
        print(_summary(result))
        if not result.ok:
            print("Construction interrompue : source(s) bloquée(s) : " + ", ".join(result.blocked)
                  + ". L'entrepôt précédent, s'il existe, est conservé.", file=sys.stderr)
            return 2
        return 0
    if args.command == "check":
        return check(args.file)
    if args.command == "demo":
        from pipelines.demo import generate

        written = generate(args.out, scale=args.scale)
        print(f"{len(written)} fichier(s) de démonstration écrits dans {args.out} ({sum(written.values())} lignes).")
        return 0
    return 1


def check(path: Path) -> int:
    """Validate one file by building a throw-away store from it alone; print every issue."""
    import shutil

    from pipelines.build import build
    from pipelines.finess import is_finess_extract
    from pipelines.reading import read_tabular
    from pipelines.schemas import SOURCES, TABLES
    from pipelines.sources import detect_table

    if not path.is_file():
        print(f"Fichier introuvable : {path}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        head = path.read_bytes()[:200].decode("cp1252", errors="replace")
        if is_finess_extract(head):
            source = "finess"
        else:
            source = detect_table(read_tabular(path), list(TABLES)).source
        # The other sources come from the configured raw folder, so cross-source rules (a nomination's body
        # must exist in instances) are checked against the real referential.
        for other in SOURCES:
            if other != source and (settings.raw_dir() / other).is_dir():
                raw.mkdir(exist_ok=True)
                (raw / other).symlink_to((settings.raw_dir() / other).resolve())
        (raw / source).mkdir(parents=True)
        shutil.copy2(path, raw / source / path.name)
        os.environ.setdefault("OBSERVATOIRE_PSEUDONYM_KEY", "check-only-nothing-is-kept")
        result = build(raw, Path(tmp) / "out")
    issues = [i for i in result.log.issues if i.file == path.name]
    print(f"{path.name} : lu comme source « {source} », {len(issues)} problème(s).")
    for i in issues:
        where = f"ligne {i.line}" if i.line else "fichier"
        column = f", colonne {i.column}" if i.column else ""
        print(f"  [{i.severity}] {where}{column} : {i.message_fr}")
    return 1 if any(i.blocking for i in issues) else 0


if __name__ == "__main__":
    sys.exit(main())
