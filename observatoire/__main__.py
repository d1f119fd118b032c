"""Command line: `python -m observatoire indicators|catalogue|series|access|bilan|digest` — the same code path as the
pages.

The CLI is an operator's tool: whoever runs it can read the Parquet store directly, so it shows every territory.
`--as-user ADRESSE` (and `--group`, `--siret`) answers as that user would see it in the app (the access file's rules),
e.g. to prepare an export for a délégation départementale.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

from observatoire import cli_series
from observatoire.base import referential, settings, snapshots
from observatoire.base.console import run_cli
from observatoire.base.db import LEVELS, Scope, Store, StoreDamaged, StoreMissing
from observatoire.domain import access as access_rules
from observatoire.domain import convention, indicators, privacy
from observatoire.present import tables

OUTPUT_COLUMNS = ["indicator_id", "level", "territory_code", "territory_name", "value", "numerator", "denominator",
                  "unit", "masked", "target", "status"]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def user_access(email: str | None, groups: list[str] | None,
                siret: str | None = None) -> access_rules.Access | None:
    """--as-user: the access the app would give this address (None: refused); no address: the operator."""
    if email is None:
        return access_rules.OPEN_ACCESS
    return access_rules.resolve(access_rules.load_rules(settings.access_file()), email, groups or (), siret=siret)


def indicator_rows(store: Store, ids: list[str] | None, level: str, territory: str | None, as_of: dt.date,
                   period: tuple[dt.date, dt.date] | None,
                   access: access_rules.Access = access_rules.OPEN_ACCESS) -> pd.DataFrame:
    """Catalogue values with the convention target and status where a target exists for the row."""
    scope = access.restrict(Scope(level, territory))
    # ru_actifs is always computed: counts that would give a masked number of RU away are masked with it.
    # The whole level is computed, then cut: a territory's figures are masked as on the pages, where they stand
    # beside the other territories and the total above them.
    frame = indicators.compute_all(store, Scope(scope.level, None, scope.region, scope.department), as_of, period,
                                   None if ids is None else [*ids, privacy.PEOPLE_INDICATOR])
    if scope.code:
        frame = frame[frame["territory_code"] == scope.code]
    frame = access_rules.visible_rows(frame, level, access)
    if ids is not None:
        frame = frame[frame["indicator_id"].isin(ids)].reset_index(drop=True)
    frame = frame.reindex(columns=[c for c in OUTPUT_COLUMNS if c not in ("target", "status")])
    # Targets and statuses are the scorecard's, so the CLI and the Convention page always agree.
    cards = [convention.scorecard(store, convention_id, as_of, ids)
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


def write(frame: pd.DataFrame, fmt: str, demo: bool = False) -> None:
    if fmt == "json":
        print(json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), ensure_ascii=False,
                         indent=1))
    else:  # the one CSV writer: French Excel, formulas neutralised, masked values « masqué », demo data said
        sys.stdout.write(tables.csv_bytes(frame, tables.columns_for(frame), demo=demo).decode("utf-8"))


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
    _add_user_arguments(ind)
    check = sub.add_parser("access", help="vérifier le fichier d'accès, ou ce qu'une adresse y obtient")
    check.add_argument("--check", action="store_true", help="valider le fichier d'accès")
    _add_user_arguments(check)
    sub.add_parser("catalogue", help="le catalogue des indicateurs et leurs définitions").add_argument(
        "--format", choices=("csv", "json"), default="csv")
    pack = sub.add_parser("bilan", help="le dossier de bilan d'une convention : rapport PDF, graphiques PNG, "
                                        "tableaux CSV")
    pack.add_argument("--convention", required=True, help="identifiant de la convention (ex. GE-2026-2028)")
    pack.add_argument("--as-of", type=_date, required=True, help="date de situation AAAA-MM-JJ")
    pack.add_argument("--territory", default=None, help="code d'un territoire de la convention (ex. 44, 67)")
    pack.add_argument("--out", type=Path, required=True, help="dossier où écrire le bilan")
    pack.add_argument("--zip", action="store_true", help="écrire aussi le dossier en ZIP à côté")
    pack.add_argument("--meeting", type=_date, metavar="AAAA-MM-JJ",
                      help="groupe de suivi ou revue pour lequel le bilan est préparé (date d'un jalon de la "
                           "convention) ; par défaut le prochain à partir de la date de situation")
    pack.add_argument("--validated-by", metavar="NOM", help="nom de la personne qui valide le bilan (bloc de "
                      "validation) ; conservé dans le registre des bilans, jamais dans l'entrepôt")
    pack.add_argument("--validated-on", type=_date, metavar="AAAA-MM-JJ",
                      help="date de validation (avec --validated-by ; par défaut aujourd'hui)")
    pack.add_argument("--compare-with", type=_date, metavar="AAAA-MM-JJ",
                      help="ajouter au rapport l'évolution depuis cette date (antérieure à --as-of) : chaque "
                           "indicateur aux deux dates, son évolution, son statut aux deux dates, et les actions dont "
                           "le statut a changé (tableaux CSV et XLSX joints)")
    pack.add_argument("--data", type=Path, default=None)
    _add_user_arguments(pack)
    cli_series.add_parser(sub)
    mail = sub.add_parser("digest", help="« À traiter » d'un territoire à une date : fichiers CSV et XLSX, ou courriel "
                                         "aux abonnés (fichier des abonnements)")
    mail.add_argument("--territory", default=None, help="national, region:44 ou departement:67 ; sans lui, avec "
                                                        "--send : le territoire de chaque abonnement")
    mail.add_argument("--as-of", type=_date, default=dt.date.today(), help="date de situation AAAA-MM-JJ")
    mail.add_argument("--out", type=Path, default=None, help="dossier où écrire le CSV et le XLSX")
    mail.add_argument("--send", action="store_true", help="envoyer le courriel aux abonnés (réglages [smtp])")
    mail.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "digest" and not (args.out or args.send):
        parser.error("digest : indiquez --out DOSSIER, --send, ou les deux")
    if args.command == "digest" and args.out and not args.territory:
        parser.error("digest : --out demande --territory")

    if args.command == "catalogue":
        write(pd.DataFrame([vars(i) for i in indicators.catalogue()]).assign(
            filters=lambda f: f["filters"].map(lambda d: json.dumps(d, ensure_ascii=False))), args.format)
        return 0
    if args.command == "access":
        return _access_command(args)
    try:
        access = user_access(getattr(args, "as_user", None), getattr(args, "groups", None),
                             getattr(args, "siret", None))
    except access_rules.AccessFileError as error:
        print(error.message_fr, file=sys.stderr)
        return 2
    if access is None:
        print(f"Aucun accès pour {args.as_user} dans {settings.access_file()}.", file=sys.stderr)
        return 2
    try:
        data_dir = getattr(args, "data", None) or snapshots.local_store_dir()
        store = Store(data_dir)
    except StoreMissing:
        print(f"Aucun entrepôt dans {getattr(args, 'data', None) or settings.get('data_dir')} : lancez « make data ».",
              file=sys.stderr)
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
            frame = indicator_rows(store, args.ids, args.level, args.territory, as_of, period, access)
        except KeyError as exc:
            print(f"Indicateur inconnu : {exc}", file=sys.stderr)
            return 2
        write(frame, args.format, demo=bool(store.manifest.get("demo")))
        return 0
    if args.command == "bilan":
        if args.validated_on and not args.validated_by:
            parser.error("--validated-on va avec --validated-by")
        return _bilan(store, args, access)
    if args.command == "series":
        return cli_series.run(args, access=access)
    if args.command == "digest":
        return _digest(store, args)
    return 1


def _digest(store: Store, args) -> int:
    """Write the digest's files and/or e-mail it to the subscribers whose access covers their territory."""
    from observatoire import digest

    try:
        keys = [digest.territory(args.territory)[2]] if args.territory else []
        subscriptions, rules, config = (), (), None
        if args.send:
            subscriptions = digest.load_subscriptions(settings.subscriptions_file())
            rules = access_rules.load_rules(settings.access_file())
            config = digest.smtp_settings()
            if keys:
                subscriptions = tuple(s for s in subscriptions if s.territory in keys)
            else:
                keys = sorted({s.territory for s in subscriptions})
        messages, refused = [], 0
        for key in keys:
            made = digest.build(store, key, args.as_of)
            if args.out:
                for path in digest.write(made, args.out):
                    print(path)
            for subscription in (s for s in subscriptions if s.territory == key):
                if digest.allowed(subscription, rules):
                    messages.append(digest.message(made, config["sender"], subscription.email))
                else:
                    refused += 1
                    print(f"Abonnement n° {subscription.number} ({subscription.email}) écarté : le fichier d'accès ne "
                          f"lui donne pas le territoire {made.territory_name}.", file=sys.stderr)
        if args.send:
            if messages:
                digest.send(messages, config)
            print(f"À traiter au {args.as_of.strftime('%d/%m/%Y')} : {len(messages)} courriel(s) envoyé(s)"
                  + (f", {refused} abonnement(s) écarté(s)" if refused else "")
                  + ("" if subscriptions else " (aucun abonné pour ce territoire)") + ".", file=sys.stderr)
    except (digest.DigestError, access_rules.AccessFileError) as error:
        print(error.message_fr, file=sys.stderr)
        return 2
    return 2 if refused else 0


def _bilan(store: Store, args, access: access_rules.Access) -> int:
    # Imported here only: the bilan brings plotly, kaleido and typst, which `indicators` and `series` never need.
    from observatoire import bilan
    from observatoire.present import exports

    if not access.can_export:  # the page offers no bilan to the « lecture » role
        print(f"Le rôle « {access_rules.ROLES[access.role]} » de {args.as_user} ne permet pas d'exporter de dossier "
              "de bilan.", file=sys.stderr)
        return 2
    if not exports.available():
        print(exports.CHROMIUM_MISSING_FR, file=sys.stderr)
        return 2

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction * 100:3.0f} %] {text}", file=sys.stderr)

    try:
        pack = bilan.build(store, args.convention, args.as_of, args.out, args.territory, progress=progress,
                           access=access, meeting=args.meeting, validated_by=args.validated_by,
                           validated_on=args.validated_on, compare_from=args.compare_with)
    except bilan.PackError as error:
        print(str(error), file=sys.stderr)
        return 2
    if args.zip:
        archive = args.out.with_suffix(".zip")
        archive.write_bytes(bilan.zip_bytes(pack))
        print(archive)
    print(pack.pdf)
    detail = ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in pack.timings.items() if k != "total_s")
    print(f"{len(pack.files)} fichiers en {pack.timings['total_s']:.1f} s ({detail})", file=sys.stderr)
    return 0


def _add_user_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-user", metavar="ADRESSE", help="répondre comme cet utilisateur le verrait dans "
                        "l'application (fichier d'accès) ; sans elle : tous les territoires")
    parser.add_argument("--group", action="append", dest="groups", metavar="GROUPE",
                        help="groupe de l'utilisateur transmis par le fournisseur d'identité (répétable)")
    parser.add_argument("--siret", metavar="SIRET",
                        help="SIRET de l'organisation de l'utilisateur transmis par ProConnect")


def _access_command(args) -> int:
    path = settings.access_file()
    try:
        rules = access_rules.load_rules(path)
    except access_rules.AccessFileError as error:
        print(error.message_fr, file=sys.stderr)
        return 2
    if args.as_user:
        access = access_rules.resolve(rules, args.as_user, args.groups or (), siret=args.siret)
        if access is None:
            print(f"Aucun accès pour {args.as_user} dans {path}.", file=sys.stderr)
            return 2
        print(access_rules.describe(access))
        return 0
    print(f"Fichier d'accès valide : {path} ({len(rules)} entrée(s)).")
    return 0


if __name__ == "__main__":
    run_cli(main)
