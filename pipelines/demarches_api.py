"""Live synchronisation with « Démarches simplifiées » through its GraphQL API (`python -m pipelines sync-demarches`).

For each démarche of config/demarches.toml with a number, the dossiers updated since the last synchronisation (all of
them the first time) and the dossiers deleted since then are fetched, 100 per page, at most 400 requests a minute,
and written into data/raw/candidatures/ as a new workbook laid out like the service's own export (« Dossiers », the
repeated block holding the establishment, « Dossiers supprimés »): the build reads it like any export, the latest
update of a dossier wins and a deleted dossier is no longer counted. Only the fields the observatory reads are
written (names and birth date for the pseudonym, the mapped form fields); a file is never overwritten.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import openpyxl

from observatoire.base import settings
from observatoire.base.vocabulary import CANDIDACY_STATES
from pipelines.candidatures import DELETIONS_SHEET, FORM_FIELDS, Demarche, load_demarches
from pipelines.publish import unique_name
from pipelines.reading import normalize_label

log = logging.getLogger("pipelines")

PAGE_SIZE = 100
REQUESTS_PER_MINUTE = 400
MAX_RETRIES = 5
STATE_FILE = ".sync-demarches.json"   # hidden: never read as a raw file
STATE_LABELS = CANDIDACY_STATES  # the API's codes, written as the export writes them

DOSSIERS_QUERY = """
query dossiers($number: Int!, $after: String, $updatedSince: ISO8601DateTime) {
  demarche(number: $number) {
    number
    dossiers(first: 100, after: $after, updatedSince: $updatedSince) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number
        state
        dateDepot
        datePassageEnInstruction
        dateTraitement
        dateDerniereModification
        demandeur { ... on PersonnePhysique { nom prenom dateDeNaissance } }
        champs {
          label
          stringValue
          ... on RepetitionChamp { rows { champs { label stringValue } } }
        }
      }
    }
  }
}"""

DELETED_QUERY = """
query deletedDossiers($number: Int!, $after: String, $deletedSince: ISO8601DateTime) {
  demarche(number: $number) {
    deletedDossiers(first: 100, after: $after, deletedSince: $deletedSince) {
      pageInfo { hasNextPage endCursor }
      nodes { number dateSupression }
    }
  }
}"""


class SyncError(Exception):
    """The service cannot be read; `message_fr` says why (nothing is written)."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


class Client:
    """POST /api/v2/graphql with the token, paced under the service's limit, waiting when it says « 429 »."""

    def __init__(self, url: str, token: str, *, per_minute: int = REQUESTS_PER_MINUTE, transport=None,
                 sleep=time.sleep, clock=time.monotonic, timeout: float = 60.0):
        self.url, self.pause, self.sleep, self.clock = url, 60.0 / per_minute, sleep, clock
        self.http = httpx.Client(headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                 timeout=timeout, transport=transport)
        self.requests = 0
        self._last: float | None = None

    def close(self) -> None:
        self.http.close()

    def _wait_turn(self) -> None:
        if self._last is not None:
            wait = self.pause - (self.clock() - self._last)
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()

    def query(self, text: str, variables: dict) -> dict:
        for _ in range(MAX_RETRIES):
            self._wait_turn()
            self.requests += 1
            try:
                response = self.http.post(self.url, json={"query": text, "variables": variables})
            except httpx.HTTPError as exc:
                log.warning("demarches api unreachable", exc_info=True)
                raise SyncError(f"« Démarches simplifiées » injoignable ({self.url}) : {type(exc).__name__}. "
                                "Rien n'a été écrit.") from exc
            if response.status_code == 429:  # too many requests: the service says how long to wait
                self.sleep(_retry_after(response))
                continue
            if response.status_code in (401, 403):
                raise SyncError(f"Jeton refusé par « Démarches simplifiées » ({response.status_code}) : vérifiez "
                                "demarches_token dans .streamlit/secrets.toml (ou OBSERVATOIRE_DEMARCHES_TOKEN) et "
                                "ses droits sur la démarche. Rien n'a été écrit.")
            if response.status_code >= 400:
                raise SyncError(f"« Démarches simplifiées » a répondu {response.status_code}. Rien n'a été écrit.")
            try:
                payload = response.json()
            except ValueError as exc:
                raise SyncError("Réponse illisible de « Démarches simplifiées » (pas du JSON). Rien n'a été "
                                "écrit.") from exc
            if payload.get("errors"):
                messages = "; ".join(str(e.get("message", e)) for e in payload["errors"])
                raise SyncError(f"« Démarches simplifiées » signale une erreur : {messages}. Rien n'a été écrit.")
            return payload.get("data") or {}
        raise SyncError(f"« Démarches simplifiées » refuse encore les requêtes après {MAX_RETRIES} essais (trop de "
                        "requêtes) : réessayez plus tard. Rien n'a été écrit.")


def _retry_after(response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "60")))
    except ValueError:
        return 60.0


def _pages(client: Client, text: str, number: int, connection: str, variables: dict) -> list[dict]:
    nodes, after = [], None
    while True:
        data = client.query(text, {"number": number, "after": after, **variables})
        demarche = data.get("demarche")
        if demarche is None:
            raise SyncError(f"Démarche n° {number} introuvable, ou le jeton n'y donne pas accès. Rien n'a été "
                            "écrit.")
        page = demarche[connection]
        nodes += [n for n in page.get("nodes") or [] if n]
        info = page.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return nodes
        after = info.get("endCursor")


@dataclass
class Synced:
    demarche: Demarche
    dossiers: int = 0
    deleted: int = 0
    file: Path | None = None
    full: bool = False
    requests: int = 0
    notes: list[str] = field(default_factory=list)


def _wanted(label: str, demarche: Demarche) -> bool:
    """Whether a form field is one the observatory reads (its configured label, or the default word)."""
    key = normalize_label(label)
    words = [normalize_label(w) for w in re.split(r"[\W_]+", label) if normalize_label(w)]
    for column, (_, word) in FORM_FIELDS.items():
        configured = demarche.fields.get(column)
        if configured is not None and normalize_label(configured) == key:
            return True
        if configured is None and any(w.startswith(word) for w in words):
            return True
    return False


def _workbook(demarche: Demarche, dossiers: list[dict], deleted: list[dict]):
    """A workbook laid out like the service's export, with only what the observatory reads."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dossiers"
    labels: list[str] = []
    blocks: dict[str, list[str]] = {}
    for node in dossiers:
        for champ in node.get("champs") or []:
            if champ.get("rows") is not None:
                children = [c["label"] for row in champ["rows"] for c in row.get("champs") or []
                            if _wanted(c["label"], demarche)]
                if children:
                    block = blocks.setdefault(champ["label"], [])
                    block.extend(c for c in dict.fromkeys(children) if c not in block)
            elif _wanted(champ["label"], demarche) and champ["label"] not in labels:
                labels.append(champ["label"])
    sheet.append(["ID", "Nom", "Prénom", "Date de naissance", "État du dossier", "Dernière mise à jour le",
                  "Déposé le", "Passé en instruction le", "Traité le", *labels])
    block_rows: dict[str, list[list]] = {name: [] for name in blocks}
    for node in dossiers:
        person = node.get("demandeur") or {}
        values = {c["label"]: c.get("stringValue") for c in node.get("champs") or [] if c.get("rows") is None}
        sheet.append([node["number"], person.get("nom"), person.get("prenom"), person.get("dateDeNaissance"),
                      STATE_LABELS.get(node.get("state"), node.get("state")), node.get("dateDerniereModification"),
                      node.get("dateDepot"), node.get("datePassageEnInstruction"), node.get("dateTraitement"),
                      *[values.get(label) for label in labels]])
        for champ in node.get("champs") or []:
            if champ.get("label") in blocks and champ.get("rows") is not None:
                for line, row in enumerate(champ["rows"], start=1):
                    cells = {c["label"]: c.get("stringValue") for c in row.get("champs") or []}
                    block_rows[champ["label"]].append([node["number"], line,
                                                       *[cells.get(c) for c in blocks[champ["label"]]]])
    for index, (name, columns) in enumerate(blocks.items(), start=1):
        block = book.create_sheet(f"({index}) {name}"[:31])
        block.append(["Dossier ID", "Ligne", *columns])
        for row in block_rows[name]:
            block.append(row)
    if deleted:
        gone = book.create_sheet(DELETIONS_SHEET)
        gone.append(["ID", "Supprimé le"])
        for node in deleted:
            gone.append([node["number"], node.get("dateSupression")])
    return book


def _state(folder: Path) -> dict:
    try:
        return json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def sync(raw_dir: Path, *, client: Client | None = None, only: int | None = None, full: bool = False,
         now=None) -> list[Synced]:
    """Fetch each numbered démarche's changes since its last synchronisation and write them as a new file."""
    demarches = [d for d in load_demarches(settings.demarches_file()) if d.number is not None]
    if only is not None:
        demarches = [d for d in demarches if d.number == only]
        if not demarches:
            raise SyncError(f"Démarche n° {only} absente de config/demarches.toml (ou sans numero).")
    if not demarches:
        raise SyncError("Aucune démarche avec un numéro dans config/demarches.toml : rien à synchroniser.")
    if client is None:
        token = settings.get("demarches_token").strip()
        if not token:
            raise SyncError("Jeton de l'API absent : ajoutez demarches_token = \"…\" dans .streamlit/secrets.toml "
                            "(ou OBSERVATOIRE_DEMARCHES_TOKEN). Rien n'a été écrit.")
        client = Client(settings.get("demarches_api_url"), token)
    folder = Path(raw_dir) / "candidatures"
    folder.mkdir(parents=True, exist_ok=True)
    state = _state(folder)
    done = []
    for demarche in demarches:
        started = (now or dt.datetime.now)().astimezone()
        since = None if full else (state.get(str(demarche.number)) or {}).get("synchronised_at")
        before = client.requests
        dossiers = _pages(client, DOSSIERS_QUERY, demarche.number, "dossiers",
                          {"updatedSince": since} if since else {})
        deleted = _pages(client, DELETED_QUERY, demarche.number, "deletedDossiers",
                         {"deletedSince": since} if since else {})
        result = Synced(demarche, len(dossiers), len(deleted), full=since is None, requests=client.requests - before)
        if dossiers or deleted:
            stem = f"dossiers_{demarche.slug or f'procedure-{demarche.number}'}_{started:%Y-%m-%d_%H-%M}_api"
            name = unique_name(folder, f"{stem}.xlsx")
            part = folder / f".{name}.part-{os.getpid()}"
            _workbook(demarche, dossiers, deleted).save(part)
            os.replace(part, folder / name)
            result.file = folder / name
        state[str(demarche.number)] = {"synchronised_at": started.isoformat(timespec="seconds")}
        (folder / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        done.append(result)
    return done
