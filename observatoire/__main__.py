"""Command line: `python -m observatoire indicators|catalogue|series` — the same code path as the pages."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

from observatoire import indicators, referential, settings
from observatoire.console import run_cli
from observatoire.db import LEVELS, Scope, Store, StoreDamaged, StoreMissing

OUTPUT_COLUMNS = ["indicator_id", "level", "territory_code", "territory_name", "value", "numerator", "denominator",
                  "unit", "masked", "target", "status"]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def indicator_rows(store: Store, ids: list[str] | None, level: str, territory: str | None, as_of: dt.date,
                   period: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
    """Catalogue values with the convention target and status where a target exists for the row."""
    frame = indicators.compute_all(store, Scope(level, territory), as_of, period, ids)
    frame = frame.reindex(columns=[c for c in OUTPUT_COLUMNS if c not in ("target", "status")])
    # Targets and statuses are the scorecard's, so the CLI and the Convention page always agree.
    cards = [indicators.scorecard(store, convention_id, as_of, ids)
             for convention_id in store.df("SELECT convention_id FROM conventions")["convention_id"]]
    cards = [c for c in cards if len(c) and "target" in c]
    if not cards:
        return frame.assign(target=None, status=None)
    card = pd.concat(cards, ignore_index=True)[["indicator_id", "level", "territory_code", "target", "status"]]
    card = card.drop_duplicates(["indicator_id", "level", "territory_code"])
    frame = frame.merge(card, on=["indicator_id", "level", "territory_code"], how="left")
    return frame


def unknown_request(store: Store, ids: list[str] | None, level: str, territory: str | None) -> str | None:
    """French reason why an `indicators` request names nothing that exists (None when it is fine)."""
    for indicator_id in ids or []:
        try:
            indicators.get(indicator_id)
        except KeyError:
            return f"Indicateur inconnu : {indicator_id} (liste : python -m observatoire catalogue)."
    if territory is None:
        return None
    if level == "national":
        return "--territory demande --level region, departement ou etablissement."
    if level in ("region", "departement"):
        known = territory in referential.names(level)
    else:
        known = bool(store.scalar("SELECT count(*) FROM bodies WHERE finess = ?", [territory])
                     or store.scalar("SELECT count(*) FROM establishments WHERE finess = ?", [territory]))
    if not known:
        noun = {"region": "région", "departement": "département", "etablissement": "établissement (n° FINESS)"}[level]
        return f"Territoire inconnu : aucun(e) {noun} de code « {territory} »."
    return None


def write(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), ensure_ascii=False,
                         indent=1))
    else:
        frame.to_csv(sys.stdout, index=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m observatoire", description="Indicateurs de l'observatoire.")
    sub = parser.add_subparsers(dest="command", required=True)
    ind = sub.add_parser("indicators", help="valeurs des indicateurs du catalogue")
    ind.add_argument("--id", action="append", dest="ids", help="identifiant (répétable) ; tous par défaut")
    ind.add_argument("--level", choices=LEVELS, default="national")
    ind.add_argument("--territory", default=None, help="code du territoire au niveau choisi")
    ind.add_argument("--as-of", type=_date, default=dt.date.today())
    ind.add_argument("--from", dest="start", type=_date)
    ind.add_argument("--to", dest="end", type=_date)
    ind.add_argument("--format", choices=("csv", "json"), default="csv")
    ind.add_argument("--data", type=Path, default=None)
    sub.add_parser("catalogue", help="le catalogue des indicateurs et leurs définitions").add_argument(
        "--format", choices=("csv", "json"), default="csv")
    try:
        from observatoire import cli_series
        cli_series.add_parser(sub)
    except ImportError:
        cli_series = None
    args = parser.parse_args(argv)

    if args.command == "catalogue":
        write(pd.DataFrame([vars(i) for i in indicators.catalogue()]).assign(
            filters=lambda f: f["filters"].map(lambda d: json.dumps(d, ensure_ascii=False))), args.format)
        return 0
    data_dir = getattr(args, "data", None) or settings.data_dir()
    try:
        store = Store(data_dir)
    except StoreMissing:
        print(f"Aucun entrepôt dans {data_dir} : lancez « make data ».", file=sys.stderr)
        return 2
    except StoreDamaged as damaged:
        print(f"L'entrepôt {data_dir} est endommagé : relancez « make data ». " + " ; ".join(damaged.problems) + ".",
              file=sys.stderr)
        return 2
    if args.command == "indicators":
        problem = unknown_request(store, args.ids, args.level, args.territory)
        if problem:
            print(problem, file=sys.stderr)
            return 2
        if bool(args.start) != bool(args.end):
            parser.error("--from et --to vont ensemble")
        period = (args.start, args.end) if args.start else None
        as_of = args.as_of if not period or "--as-of" in (argv or sys.argv) else args.end
        try:
            frame = indicator_rows(store, args.ids, args.level, args.territory, as_of, period)
        except KeyError as exc:
            print(f"Indicateur inconnu : {exc}", file=sys.stderr)
            return 2
        write(frame, args.format)
        return 0
    if cli_series and args.command == "series":
        return cli_series.run(args)
    return 1


if __name__ == "__main__":
    run_cli(main)
