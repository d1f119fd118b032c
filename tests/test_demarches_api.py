"""`python -m pipelines sync-demarches` against a local server replaying recorded answers of the GraphQL API of
« Démarches simplifiées » (never the real service): pages, the token, « 429 », incremental sync with
updatedSince and deletedDossiers, only the fields read written, and the build counting the result."""
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import pandas as pd
import pytest

from pipelines import demarches_api
from pipelines.__main__ import main as pipelines_main
from pipelines.build import build

TOKEN = "jeton-de-test"
CONFIG = """
[[demarche]]
numero = 5151
region = "44"
type_instance = "CDU"

[[demarche]]
numero = 7000
fichier = "candidatures-cs-grand-est"
region = "44"
type_instance = "CS"
"""


def _dossier(number, state, deposited, updated, decided=None, champs=(), person=("Leroy", "Camille", None)):
    return {"number": number, "state": state, "dateDepot": deposited, "datePassageEnInstruction": None,
            "dateTraitement": decided, "dateDerniereModification": updated,
            "demandeur": {"nom": person[0], "prenom": person[1], "dateDeNaissance": person[2]},
            "champs": list(champs)}


def _champ(label, value):
    return {"label": label, "stringValue": value}


MOTIVATION = _champ("Vos motivations", "Ancien patient du CH, joignable au 06 12 34 56 78")
FIRST_PAGE = [
    _dossier(2001, "accepte", "2026-03-15T09:12:44+01:00", "2026-04-01T16:30:00+02:00", "2026-04-01T16:30:00+02:00",
             [_champ("N° FINESS de l'établissement", "670000041"), _champ("Rôle souhaité", "Titulaire"), MOTIVATION]),
    _dossier(2002, "en_instruction", "2026-03-25T18:02:10+01:00", "2026-03-30T08:45:00+02:00",
             champs=[_champ("N° FINESS de l'établissement", "CH Haguenau (670000041)"),
                     _champ("Rôle souhaité", "Suppléant"), _champ("Association", "UNAF")],
             person=("Moreau", "Hugo", "1961-02-03")),
]
SECOND_PAGE = [
    _dossier(2003, "en_construction", "2026-04-02T10:00:00+02:00", "2026-04-02T10:00:00+02:00",
             champs=[_champ("N° FINESS de l'établissement", "670000025"), _champ("Rôle souhaité", "Indifférent")],
             person=("Garnier", "Lou", "1970-06-06")),
]
BLOCK = [
    _dossier(9001, "en_instruction", "2026-03-20T10:00:00+01:00", "2026-03-21T10:00:00+01:00", champs=[
        {"label": "Établissements souhaités", "stringValue": None, "rows": [
            {"champs": [_champ("Établissement (n° FINESS)", "670000025"), _champ("Rôle souhaité", "Titulaire")]},
            {"champs": [_champ("Établissement (n° FINESS)", "670000033"), _champ("Rôle souhaité", "Suppléant")]}]},
        MOTIVATION], person=("Faure", "Rémi", None)),
]


def _connection(nodes, cursor=None, more=False):
    return {"pageInfo": {"hasNextPage": more, "endCursor": cursor}, "nodes": nodes}


class Recorded:
    """The answers of the service, by démarche, query, cursor and whether the query is incremental."""

    def __init__(self):
        self.requests: list[dict] = []
        self.throttle_once = True
        self.answers = {
            (5151, "dossiers", None, False): _connection(FIRST_PAGE, "curseur-1", more=True),
            (5151, "dossiers", "curseur-1", False): _connection(SECOND_PAGE, "curseur-2"),
            (5151, "deletedDossiers", None, False): _connection([]),
            (7000, "dossiers", None, False): _connection(BLOCK, "c"),
            (7000, "deletedDossiers", None, False): _connection([]),
            (7000, "dossiers", None, True): _connection([]),
            (7000, "deletedDossiers", None, True): _connection([]),
        }

    def answer(self, body: dict) -> tuple[int, dict]:
        self.requests.append(body)
        variables = body["variables"]
        connection = "deletedDossiers" if "deletedDossiers" in body["query"] else "dossiers"
        since = variables.get("updatedSince") or variables.get("deletedSince")
        key = (variables["number"], connection, variables.get("after"), since is not None)
        if key not in self.answers:
            return 200, {"errors": [{"message": f"réponse non enregistrée : {key}"}]}
        return 200, {"data": {"demarche": {connection: self.answers[key]}}}


@pytest.fixture
def service():
    recorded = Recorded()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path != "/api/v2/graphql" or self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, payload = 401, {"errors": [{"message": "Unauthorized"}]}
            elif recorded.throttle_once:
                recorded.throttle_once = False
                self.send_response(429)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
            else:
                status, payload = recorded.answer(body)
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorded, f"http://127.0.0.1:{server.server_address[1]}/api/v2/graphql"
    server.shutdown()
    server.server_close()


@pytest.fixture
def configured(service, fresh_raw, tmp_path, monkeypatch):
    config = tmp_path / "demarches.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_DEMARCHES_FILE", str(config))
    monkeypatch.setenv("OBSERVATOIRE_DEMARCHES_TOKEN", TOKEN)
    monkeypatch.setenv("OBSERVATOIRE_DEMARCHES_API_URL", service[1])
    return service[0], fresh_raw


def _at(day: str):
    return lambda: dt.datetime.fromisoformat(day)


def test_a_first_sync_fetches_every_page_and_writes_an_export_like_file(configured, tmp_path):
    recorded, raw = configured
    done = demarches_api.sync(raw, now=_at("2026-04-21T10:00:00"))
    assert [(r.demarche.number, r.dossiers, r.deleted, r.full) for r in done] == [(5151, 3, 0, True), (7000, 1, 0, True)]
    # « 429 » once (Retry-After: 0, asked again), two pages of dossiers and one of deleted dossiers for 5151; two
    # requests for 7000.
    assert [r.requests for r in done] == [4, 2]
    assert len(recorded.requests) == 5 and recorded.requests[1]["variables"]["after"] == "curseur-1"
    assert all(r["variables"]["number"] in (5151, 7000) and "updatedSince" not in r["variables"]
               for r in recorded.requests)
    book = openpyxl.load_workbook(done[0].file)
    assert done[0].file.name == "dossiers_procedure-5151_2026-04-21_10-00_api.xlsx"
    header = [c.value for c in book["Dossiers"][1]]
    assert header == ["ID", "Nom", "Prénom", "Date de naissance", "État du dossier", "Dernière mise à jour le",
                      "Déposé le", "Passé en instruction le", "Traité le", "N° FINESS de l'établissement",
                      "Rôle souhaité", "Association"]
    written = json.dumps([[c.value for c in row] for row in book["Dossiers"].iter_rows()], default=str)
    assert "06 12 34 56 78" not in written and "motivations" not in written   # fields never read are not written
    block = openpyxl.load_workbook(done[1].file)
    assert done[1].file.name == "dossiers_candidatures-cs-grand-est_2026-04-21_10-00_api.xlsx"
    assert [[c.value for c in row] for row in block.worksheets[1].iter_rows()] == [
        ["Dossier ID", "Ligne", "Établissement (n° FINESS)", "Rôle souhaité"],
        [9001, 1, "670000025", "Titulaire"], [9001, 2, "670000033", "Suppléant"]]


def test_the_build_counts_synced_dossiers_and_an_incremental_sync_updates_and_deletes(configured, tmp_path):
    recorded, raw = configured
    demarches_api.sync(raw, now=_at("2026-04-21T10:00:00"))
    out = tmp_path / "parquet"
    assert build(raw, out).ok
    rows = pd.read_parquet(out / "candidacies.parquet")
    assert sorted(rows["dossier_number"].unique()) == [2001, 2002, 2003, 9001]
    wishes = rows[rows["dossier_number"] == 9001].set_index("wish_line")
    assert wishes.loc[2, "finess"] == "670000033" and wishes.loc[2, "body_type"] == "CS"
    assert rows.set_index("dossier_number").loc[2002, "state"] == "en_instruction"

    # A week later: 2002 accepted, 2001 deleted; only the changes since the last synchronisation are asked for.
    state = json.loads((raw / "candidatures" / demarches_api.STATE_FILE).read_text(encoding="utf-8"))
    since = state["5151"]["synchronised_at"]
    accepted = dict(FIRST_PAGE[1], state="accepte", dateTraitement="2026-04-27T10:00:00+02:00",
                    dateDerniereModification="2026-04-27T10:00:00+02:00")
    recorded.answers[(5151, "dossiers", None, True)] = _connection([accepted])
    recorded.answers[(5151, "deletedDossiers", None, True)] = _connection(
        [{"number": 2001, "dateSupression": "2026-04-26T09:00:00+02:00"}])
    done = demarches_api.sync(raw, now=_at("2026-04-28T08:00:00"))
    incremental = [r for r in recorded.requests if r["variables"].get("updatedSince") or
                   r["variables"].get("deletedSince")]
    assert {r["variables"].get("updatedSince") or r["variables"].get("deletedSince") for r in incremental
            if r["variables"]["number"] == 5151} == {since}
    assert (done[0].dossiers, done[0].deleted, done[1].file) == (1, 1, None)   # 7000: nothing new, no file
    result = build(raw, out)
    assert result.ok
    rows = pd.read_parquet(out / "candidacies.parquet").set_index("dossier_number")
    assert 2001 not in rows.index and rows.loc[2002, "state"] == "accepte"
    assert any(i.code == "dossier_supprime" and "supprimé dans « Démarches simplifiées » le 26/04/2026" in
               i.message_fr for i in result.log.issues)
    stored = b"".join(p.read_bytes() for p in out.iterdir() if p.is_file())
    for secret in (b"Moreau", b"Garnier", b"Faure", b"1961-02-03", b"06 12 34 56 78"):
        assert secret not in stored


def test_the_cli_says_what_it_did_and_refuses_a_bad_token(configured, capsys, monkeypatch):
    _, raw = configured
    assert pipelines_main(["sync-demarches", "--raw", str(raw), "--demarche", "7000"]) == 0
    said = capsys.readouterr().out
    assert "Démarche n° 7000 (tous les dossiers) : 1 dossier(s), 0 supprimé(s)" in said and "make data" in said
    monkeypatch.setenv("OBSERVATOIRE_DEMARCHES_TOKEN", "mauvais")
    files = sorted((raw / "candidatures").iterdir())
    assert pipelines_main(["sync-demarches", "--raw", str(raw), "--complet"]) == 2
    assert capsys.readouterr().err.startswith("Jeton refusé par « Démarches simplifiées » (401)")
    assert sorted((raw / "candidatures").iterdir()) == files
    monkeypatch.delenv("OBSERVATOIRE_DEMARCHES_TOKEN")
    assert pipelines_main(["sync-demarches", "--raw", str(raw)]) == 2
    assert "Jeton de l'API absent" in capsys.readouterr().err


def test_requests_are_paced_under_the_services_limit():
    slept, now = [], [0.0]
    client = demarches_api.Client("http://127.0.0.1:9/api/v2/graphql", TOKEN, sleep=slept.append,
                                  clock=lambda: now[0])
    client._wait_turn()
    now[0] += 0.05
    client._wait_turn()
    assert slept == [pytest.approx(60 / 400 - 0.05)]
    client.close()
