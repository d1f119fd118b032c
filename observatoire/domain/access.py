"""Who may see what: the versioned access file (config/acces.toml) and the territorial restriction of queries.

Pure functions only (no Streamlit): `observatoire/session.py` ties them to the signed-in user.
A user's access is one territory (national, a région or a département) and one role. A scope asked by a page
is intersected with it (`Access.restrict`): a département's user sees its département in full and, as
aggregates only, the national figure and its région's figure; never another territory's rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from observatoire.base import configfile, referential
from observatoire.base.db import Scope
from observatoire.base.vocabulary import ACCESS_ROLES, LEVEL_WORDS

ROLES = ACCESS_ROLES
# Also the precedence: an address beats a group, a group an organisation (its SIRET), an organisation a domain.
MATCH_KEYS = ("adresse", "groupe", "siret", "domaine")


class AccessFileError(ValueError):
    """The access file cannot be used; `message_fr` says where and why (the app then refuses everyone)."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class Access:
    level: str                 # national | region | departement: the territory the user works on
    code: str | None           # its code (None for national)
    role: str                  # a key of ROLES
    email: str = ""
    open: bool = False         # no sign-in configured: the local demo, everything visible

    @property
    def region(self) -> str | None:
        return referential.region_of(self.level, self.code)

    @property
    def department(self) -> str | None:
        return self.code if self.level == "departement" else None

    @property
    def territory_key(self) -> str:
        return "national:FR" if self.level == "national" else f"{self.level}:{self.code}"

    @property
    def territory_label(self) -> str:
        if self.level == "national":
            return referential.NATIONAL_NAME
        name = referential.names(self.level).get(self.code, self.code)
        return f"{name} ({self.code})" if self.level == "departement" else name

    @property
    def can_export(self) -> bool:
        return self.open or self.role in ("charge_de_mission", "administrateur")

    @property
    def can_read_sources(self) -> bool:
        """The Données page shows every source file and rejected row (raw values), whatever the territory."""
        return self.open or self.role == "administrateur"

    def restrict(self, scope: Scope) -> Scope:
        """The part of `scope` this user may read. National figures stay whole (a reference); a région's figure
        is its own région's only; département and establishment rows are cut to the user's territory."""
        if self.level == "national" or scope.level == "national":
            return scope
        region, department = self.region, self.department
        if scope.level == "region":
            # A région row is an aggregate: never narrowed to the département, only to the user's région.
            return Scope("region", scope.code, region=region, department=scope.department)
        return Scope(scope.level, scope.code, region=region, department=department or scope.department)

    def restrict_listing(self, scope: Scope) -> Scope:
        """For lists of bodies or establishments (never aggregates): always cut to the user's own territory."""
        if self.level == "national":
            return scope
        return Scope(scope.level, scope.code, region=self.region, department=self.department or scope.department)

    def may_see(self, level: str, code: str | None) -> bool:
        """Whether one row of a territorial result (level, territory code) may be shown."""
        if self.level == "national" or level == "national":
            return True
        if level == "region":
            return code == self.region
        if level == "departement":
            if self.level == "region":
                return referential.region_of_department().get(code) == self.code
            return code == self.code
        return False  # establishment rows: only through a restricted scope

    def may_select(self, key: str) -> bool:
        """Whether the territory `level:code` may be chosen in the sidebar (the user's own territory or below)."""
        level, _, code = key.partition(":")
        if self.level == "national":
            return True
        if self.level == "region":
            return (level == "region" and code == self.code) or (
                level == "departement" and referential.region_of_department().get(code) == self.code)
        return level == "departement" and code == self.code


OPEN_ACCESS = Access("national", None, "administrateur", open=True)


def visible_rows(frame, level: str, access: Access, code_column: str = "territory_code"):
    """Rows of a territorial result (one per territory code) the user may see: a second lock behind
    `restrict`, for results whose scope filters do not apply everywhere (surveys, per-région tables)."""
    if access.level == "national" or level in ("national", "etablissement") or frame.empty:
        return frame
    keep = frame[code_column].map(lambda code: access.may_see(level, code)).astype(bool)
    return frame[keep].reset_index(drop=True)


def describe(access: Access) -> str:
    return f"{access.email or 'accès ouvert'} : {ROLES[access.role]}, {LEVEL_WORDS[access.level]} " \
           f"{access.territory_label}"


@dataclass(frozen=True)
class Rule:
    kind: str      # adresse | groupe | siret | domaine
    value: str     # lower-cased
    level: str
    code: str | None
    role: str
    number: int    # 1-based position of the [[acces]] entry in the file, for messages


def _territory(text: str, where: str) -> tuple[str, str | None]:
    found = referential.territory_key(text)
    if found is None:
        raise AccessFileError(f"{where} : territoire « {text} » inconnu ({referential.TERRITORY_KEY_HINT}).")
    return found


def parse_rules(text: str, source: str = "config/acces.toml") -> tuple[Rule, ...]:
    """Read the access file's [[acces]] entries; any mistake makes the whole file unusable (fail closed)."""
    entries = configfile.entries(text, "acces", source, AccessFileError)
    rules = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}, entrée [[acces]] n° {number}"
        keys = [k for k in MATCH_KEYS if k in entry]
        if len(keys) != 1:
            raise AccessFileError(f"{where} : indiquez exactement une clé parmi adresse, groupe, siret ou domaine.")
        unknown = set(entry) - {*MATCH_KEYS, "territoire", "role", "note"}
        if unknown:
            raise AccessFileError(f"{where} : clé inconnue {', '.join(sorted(unknown))}.")
        value = str(entry[keys[0]]).strip().lower().lstrip("@")
        if keys[0] == "siret":
            value = siret_digits(value)
        if not value or (keys[0] == "adresse" and "@" not in value) or (keys[0] == "siret" and len(value) != 14):
            expected = " (14 chiffres attendus)" if keys[0] == "siret" else ""
            raise AccessFileError(f"{where} : {keys[0]} vide ou invalide « {entry[keys[0]]} »{expected}.")
        role = str(entry.get("role", "")).strip()
        if role not in ROLES:
            raise AccessFileError(f"{where} : rôle « {role} » inconnu (attendu : {', '.join(ROLES)}).")
        level, code = _territory(entry.get("territoire", ""), where)
        rules.append(Rule(keys[0], value, level, code, role, number))
    return tuple(rules)


def load_rules(path: Path) -> tuple[Rule, ...]:
    if not path.exists():
        raise AccessFileError(f"Fichier d'accès absent : {path}.")
    return parse_rules(path.read_text(encoding="utf-8"), path.name)


def siret_digits(text) -> str:
    """A SIRET as its 14 digits ("130 008 048 00016" and "13000804800016" are the same); "" when it is not one."""
    digits = re.sub(r"[\s.]", "", str(text or ""))
    return digits if re.fullmatch(r"\d{14}", digits) else ""


def resolve(rules: tuple[Rule, ...], email: str | None, groups=(), email_verified: bool = True,
            siret: str | None = None) -> Access | None:
    """The access of a signed-in user, or None when no rule names them. An exact address beats a group, a group
    beats an organisation (the `siret` claim ProConnect sends), an organisation beats an e-mail domain; among
    rules of the same kind the first in the file wins. Nobody enters without an address, whatever the rule."""
    email = (email or "").strip().lower()
    if not email or "@" not in email or email_verified is False:
        return None
    domain = email.rsplit("@", 1)[1]
    if isinstance(groups, str):
        groups = [groups]
    groups = {str(g).strip().lower() for g in (groups or [])}
    siret = siret_digits(siret)
    for kind in MATCH_KEYS:
        for rule in rules:
            if rule.kind != kind:
                continue
            if (kind == "adresse" and rule.value == email) or (kind == "groupe" and rule.value in groups) or (
                    kind == "siret" and rule.value == siret) or (kind == "domaine" and rule.value == domain):
                return Access(rule.level, rule.code, rule.role, email=email)
    return None
