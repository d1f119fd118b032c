"""`python -m observatoire series`: a seat indicator's monthly series (1st of each month), as the page draws it."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from observatoire.base import snapshots
from observatoire.base.db import Scope, Store, StoreMissing
from observatoire.domain import access as access_rules
from observatoire.domain import indicators
from observatoire.domain.vacancy import CLI_BY, SERIES_START, indicator_series
from observatoire.present import tables


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date attendue au format AAAA-MM-JJ : {text!r}") from None


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "series", help="série mensuelle d'un indicateur de sièges (au 1er de chaque mois)",
        description="Série mensuelle (au 1er de chaque mois) d'un indicateur de sièges du catalogue : "
                    "taux_vacance, sieges_vacants, taux_vacance_titulaires, taux_vacance_suppleants, "
                    "taux_vacance_cdu, sieges, sieges_pourvus.")
    parser.add_argument("--id", required=True, help="identifiant de l'indicateur (catalogue)")
    parser.add_argument("--level", choices=("national", "region", "departement"), default="national")
    parser.add_argument("--territory", help="code du territoire au niveau choisi (ex. 44, 67, 2A)")
    parser.add_argument("--from", dest="date_from", type=_date, default=SERIES_START)
    parser.add_argument("--to", dest="date_to", type=_date, default=dt.date.today())
    parser.add_argument("--by", choices=tuple(CLI_BY), help="ventilation : type_instance ou role")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--data", type=Path, default=None, help="dossier de l'entrepôt Parquet")
    parser.add_argument("--as-user", metavar="ADRESSE",
                        help="répondre comme cet utilisateur le verrait dans l'application (fichier d'accès)")
    parser.add_argument("--group", action="append", dest="groups", metavar="GROUPE",
                        help="groupe de l'utilisateur transmis par le fournisseur d'identité (répétable)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, out=None, access: access_rules.Access = access_rules.OPEN_ACCESS) -> int:
    out = out or sys.stdout
    try:
        indicator = indicators.get(args.id)
    except KeyError:
        print(f"Indicateur inconnu : {args.id}", file=sys.stderr)
        return 2
    if indicator.measure != "seats":
        print(f"« {args.id} » n'est pas un indicateur de sièges : pas de série mensuelle.", file=sys.stderr)
        return 2
    if args.date_to < args.date_from:
        print("La date de fin précède la date de début.", file=sys.stderr)
        return 2
    if args.territory and args.level == "national":
        print("--territory demande --level region ou departement.", file=sys.stderr)
        return 2
    try:
        store = Store(args.data or snapshots.local_store_dir())
    except StoreMissing as missing:
        print(f"Aucun entrepôt construit dans {missing} : lancer d'abord `python -m pipelines build`.",
              file=sys.stderr)
        return 2
    by = (CLI_BY[args.by],) if args.by else ()
    scope = Scope(args.level, args.territory)
    frame = indicator_series(store, args.id, access.restrict(scope), args.date_from, args.date_to, by)
    frame = access_rules.visible_rows(frame, scope.level, access)
    try:
        if args.format == "json":
            frame["date"] = frame["date"].map(dt.date.isoformat)
            records = json.loads(frame.to_json(orient="records", force_ascii=False))
            out.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        else:
            out.write(tables.csv_bytes(frame, tables.columns_for(frame),
                                       demo=bool(store.manifest.get("demo"))).decode("utf-8"))
        out.flush()
    except BrokenPipeError:  # `... | head`: the reader left, not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (tests); `python -m observatoire series` goes through add_parser/run."""
    parser = argparse.ArgumentParser(prog="python -m observatoire")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return run(args)
