"""The « À traiter » digest: a territory's worklist at a date, written as CSV and XLSX or e-mailed to whoever
subscribes for that territory (config/abonnements.toml), for a system timer to call
(`python -m observatoire digest --territory region:44 --as-of 2026-03-01 [--out DIR] [--send]`).

The message holds counts and links, never personal data. A subscriber receives a territory's digest only if the
access file gives that address (with the groups the subscription states) the right to choose that territory.
"""
from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pandas as pd

from observatoire.base import configfile, referential, settings
from observatoire.base.db import Scope, Store
from observatoire.domain import access as access_rules
from observatoire.domain import worklist
from observatoire.present import worklist as worklist_view

SECURITIES = ("starttls", "tls", "none")
SMTP_TIMEOUT_S = 30


class DigestError(ValueError):
    """A digest that cannot be made or sent; `message_fr` says why, in French."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class Subscription:
    email: str
    territory: str                 # national:FR | region:44 | departement:67
    groups: tuple[str, ...] = ()   # the groups the identity provider gives this person (access by group)
    number: int = 0                # 1-based position of the [[abonnement]] entry, for messages


@dataclass(frozen=True)
class Digest:
    territory: str
    territory_name: str
    as_of: dt.date
    lines: pd.DataFrame            # the worklist with its words and absolute links (present/worklist.rows)
    counts: dict[str, int]
    subject: str
    text: str

    def csv(self) -> bytes:
        return worklist_view.csv_bytes(self.lines)

    def xlsx(self) -> bytes:
        return worklist_view.xlsx_bytes(self.lines, "À traiter", self.territory_name, self.as_of)


# --- territories and subscriptions -------------------------------------------------------------------------------

def territory(key: str, where: str = "--territory") -> tuple[Scope, str, str]:
    """(scope, French name, normalised key) of `national`, `region:44` or `departement:67`."""
    found = referential.territory_key(key)
    if found is None:
        raise DigestError(f"{where} : territoire « {key} » inconnu ({referential.TERRITORY_KEY_HINT}).")
    level, code = found
    if code is None:
        return Scope("national"), referential.NATIONAL_NAME, f"national:{referential.NATIONAL_CODE}"
    return Scope(level, code), referential.names(level)[code], f"{level}:{code}"


def parse_subscriptions(text: str, source: str = "config/abonnements.toml") -> tuple[Subscription, ...]:
    """The [[abonnement]] entries (adresse, territoire, optional groupes); any mistake refuses the whole file."""
    entries = configfile.entries(text, "abonnement", source, DigestError)
    out = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}, entrée [[abonnement]] n° {number}"
        unknown = set(entry) - {"adresse", "territoire", "groupes", "note"}
        if unknown:
            raise DigestError(f"{where} : clé inconnue {', '.join(sorted(unknown))}.")
        email = str(entry.get("adresse", "")).strip().lower()
        if "@" not in email or any(c in email for c in " ,;<>\r\n"):
            raise DigestError(f"{where} : adresse vide ou invalide « {entry.get('adresse', '')} ».")
        _, _, key = territory(str(entry.get("territoire", "")), where)
        groups = entry.get("groupes", [])
        groups = (groups,) if isinstance(groups, str) else tuple(str(g) for g in groups)
        out.append(Subscription(email, key, groups, number))
    return tuple(out)


def load_subscriptions(path: Path) -> tuple[Subscription, ...]:
    if not path.exists():
        raise DigestError(f"Fichier des abonnements absent : {path}.")
    return parse_subscriptions(path.read_text(encoding="utf-8"), path.name)


def allowed(subscription: Subscription, rules) -> bool:
    """Whether the access file lets this address (and its stated groups) choose the subscription's territory."""
    access = access_rules.resolve(rules, subscription.email, subscription.groups)
    return access is not None and access.may_select(subscription.territory)


# --- the digest ------------------------------------------------------------------------------------------------

def build(store: Store, territory_key: str, as_of: dt.date, base: str | None = None,
          threshold: int | None = None) -> Digest:
    """The worklist of a territory at a date with its words, counts, links and the e-mail text."""
    scope, name, key = territory(territory_key)
    threshold = settings.mask_threshold() if threshold is None else threshold
    base = base if base is not None else (settings.public_url() or worklist_view.DEFAULT_BASE)
    listing = Scope("etablissement", region=referential.region_of(scope.level, scope.code),
                    department=scope.code if scope.level == "departement" else None)
    lines = worklist.worklist(store, listing, as_of, threshold)
    shown = worklist_view.rows(lines, as_of, key, threshold, base)
    counts = worklist.category_counts(lines)
    subject, text = worklist_view.mail(counts, shown, name, key, as_of, base, threshold)
    return Digest(key, name, as_of, shown, counts, subject, text)


def write(digest: Digest, out_dir: Path) -> list[Path]:
    """The digest as CSV and XLSX files in `out_dir` (created)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, content in (("csv", digest.csv()), ("xlsx", digest.xlsx())):
        path = out_dir / worklist_view.file_name(digest.territory_name, digest.as_of, ext)
        path.write_bytes(content)
        paths.append(path)
    return paths


def message(digest: Digest, sender: str, recipient: str) -> EmailMessage:
    """One message per recipient (nobody sees the other subscribers' addresses)."""
    mail = EmailMessage()
    mail["Subject"] = digest.subject
    mail["From"] = sender
    mail["To"] = recipient
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] if "@" in sender else None)
    mail.set_content(digest.text)
    return mail


def smtp_settings() -> dict:
    """The SMTP settings ([smtp] of .streamlit/secrets.toml, or OBSERVATOIRE_SMTP_*), checked."""
    config = {name: settings.get(f"smtp_{name}") for name in ("host", "port", "security", "user", "password",
                                                                 "sender")}
    if not config["host"] or not config["sender"]:
        raise DigestError("Envoi impossible : indiquez le serveur et l'expéditeur dans la section [smtp] de "
                          ".streamlit/secrets.toml (host, sender ; voir .streamlit/secrets.example.toml) ou dans "
                          "OBSERVATOIRE_SMTP_HOST et OBSERVATOIRE_SMTP_SENDER.")
    if config["security"] not in SECURITIES:
        raise DigestError(f"Envoi impossible : smtp.security « {config['security']} » inconnu (attendu : "
                          f"{', '.join(SECURITIES)}).")
    try:
        config["port"] = int(config["port"])
    except ValueError:
        raise DigestError(f"Envoi impossible : port SMTP « {config['port']} » invalide.") from None
    return config


def send(messages: list[EmailMessage], config: dict) -> None:
    """Send every message over one SMTP connection (STARTTLS, implicit TLS or, on a local relay, none)."""
    context = ssl.create_default_context()
    try:
        if config["security"] == "tls":
            server = smtplib.SMTP_SSL(config["host"], config["port"], timeout=SMTP_TIMEOUT_S, context=context)
        else:
            server = smtplib.SMTP(config["host"], config["port"], timeout=SMTP_TIMEOUT_S)
        with server:
            if config["security"] == "starttls":
                server.starttls(context=context)
            if config["user"]:
                server.login(config["user"], config["password"])
            for mail in messages:
                server.send_message(mail)
    except (OSError, smtplib.SMTPException) as error:
        raise DigestError(f"Envoi impossible par {config['host']}:{config['port']} ({error}).") from None
