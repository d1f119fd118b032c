"""The « À traiter » digest: `python -m observatoire digest` writes CSV and XLSX, or sends one e-mail per subscriber
through a local SMTP server started by the test (aiosmtpd): its subject, counts and links, never a name; the
subscription file and the access file decide who gets which territory.

The store is tests/test_worklist.py's desk store (Bas-Rhin 67): on 01/03/2026, 7 lines (1 seat to renew within 3
months, 1 within 3 to 6 months, 2 lines of vacant seats, 1 body with RU past their training deadline, 1 action due,
1 action late).
"""
from __future__ import annotations

import email
import email.policy
import socket
from pathlib import Path

import pytest

from observatoire import digest
from observatoire.__main__ import main
from observatoire.base.db import Store
from tests.test_worklist import DESK_NAMES, build_desk_store

aiosmtpd = pytest.importorskip("aiosmtpd")

ACCESS = """
[[acces]]
groupe = "ars-ge-dd67"
territoire = "departement:67"
role = "charge_de_mission"

[[acces]]
adresse = "siege@ars.sante.fr"
territoire = "region:44"
role = "lecture"

[[acces]]
adresse = "agent.2a@ars.sante.fr"
territoire = "departement:2A"
role = "charge_de_mission"
"""
SUBSCRIPTIONS = """
[[abonnement]]
adresse = "agent.67@ars.sante.fr"
territoire = "departement:67"
groupes = ["ars-ge-dd67"]

[[abonnement]]
adresse = "siege@ars.sante.fr"
territoire = "departement:67"

[[abonnement]]
adresse = "agent.2a@ars.sante.fr"
territoire = "departement:67"   # outside this address's rights: never sent

[[abonnement]]
adresse = "siege@ars.sante.fr"
territoire = "region:44"
"""


@pytest.fixture(scope="module")
def desk_dir(tmp_path_factory) -> Path:
    return build_desk_store(tmp_path_factory.mktemp("digest"))


class Inbox:
    """An aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def configured(tmp_path, monkeypatch, desk_dir, smtp_server):
    port, inbox = smtp_server
    (tmp_path / "acces.toml").write_text(ACCESS, encoding="utf-8")
    (tmp_path / "abonnements.toml").write_text(SUBSCRIPTIONS, encoding="utf-8")
    for name, value in {"ACCESS_FILE": tmp_path / "acces.toml", "SUBSCRIPTIONS_FILE": tmp_path / "abonnements.toml",
                        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none",
                        "SMTP_SENDER": "observatoire@ars.sante.fr", "PUBLIC_URL": "https://observatoire.example.fr",
                        "DATA": desk_dir}.items():
        monkeypatch.setenv(f"OBSERVATOIRE_{name}", str(value))
    return inbox


def received(inbox):
    return [(sender, recipients, email.message_from_bytes(content, policy=email.policy.default))
            for sender, recipients, content in inbox.messages]


def test_the_digest_is_sent_to_the_subscribers_of_the_territory(configured, capsys):
    assert main(["digest", "--territory", "departement:67", "--as-of", "2026-03-01", "--send"]) == 2  # one refused
    messages = received(configured)
    assert sorted(r for _, recipients, _ in messages for r in recipients) == ["agent.67@ars.sante.fr",
                                                                               "siege@ars.sante.fr"]
    sender, recipients, mail = messages[0]
    assert sender == "observatoire@ars.sante.fr" and len(recipients) == 1 and mail["To"] == recipients[0]
    assert mail["Subject"] == ("Observatoire de la démocratie en santé – À traiter, Bas-Rhin, 01/03/2026 : "
                               "7 points")
    body = mail.get_content().replace("\r\n", "\n")
    assert "- Sièges à renouveler sous 3 mois (fin de mandat) : 1 siège dans 1 instance\n" in body
    assert "- Sièges vacants depuis plus de 6 mois : 3 sièges dans 1 instance\n" in body
    assert "- RU en retard de formation : 1 instance\n" in body
    assert "- Action de la feuille de route en retard : 1 action\n" in body
    assert ("La liste complète (et son export CSV ou XLSX) : https://observatoire.example.fr/a_traiter?"
            "territoire=departement%3A67&date=2026-03-01") in body
    assert ("https://observatoire.example.fr/etablissement?finess=670000025&territoire=departement%3A67"
            "&date=2026-03-01") in body
    assert not any(name in body for name in DESK_NAMES) and "AIDES" not in body and "UNAF" not in body
    assert "3 RU" not in body                               # a count of people under 11 is never written
    err = capsys.readouterr().err
    assert "Abonnement n° 3 (agent.2a@ars.sante.fr) écarté" in err and "2 courriel(s) envoyé(s)" in err


def test_without_territory_each_subscription_gets_its_own(configured):
    assert main(["digest", "--as-of", "2026-03-01", "--send"]) == 2
    subjects = sorted(mail["Subject"].split(", ")[1] for _, _, mail in received(configured))
    assert subjects == ["Bas-Rhin", "Bas-Rhin", "Grand Est"]


def test_the_digest_written_as_csv_and_xlsx(configured, tmp_path, capsys):
    assert main(["digest", "--territory", "departement:67", "--as-of", "2026-03-01", "--out", str(tmp_path / "out")]) \
        == 0
    paths = capsys.readouterr().out.split()
    assert [Path(p).name for p in paths] == ["a_traiter_bas-rhin_2026-03-01.csv", "a_traiter_bas-rhin_2026-03-01.xlsx"]
    text = Path(paths[0]).read_bytes().decode("utf-8-sig")
    assert len(text.splitlines()) == 8 and "https://observatoire.example.fr/etablissement?finess=670000025" in text
    assert configured.messages == []                        # --out alone sends nothing


@pytest.mark.parametrize("argv, message", [
    (["digest", "--territory", "departement:67"], "indiquez --out DOSSIER, --send"),
    (["digest", "--out", "x"], "--out demande --territory"),
])
def test_the_command_says_what_it_needs(configured, argv, message, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert message in capsys.readouterr().err


def test_send_without_smtp_settings_is_a_french_sentence(configured, monkeypatch, capsys):
    monkeypatch.delenv("OBSERVATOIRE_SMTP_HOST")
    monkeypatch.setattr(digest.settings, "_secrets", dict)
    assert main(["digest", "--territory", "departement:67", "--as-of", "2026-03-01", "--send"]) == 2
    assert "Envoi impossible : indiquez le serveur et l'expéditeur" in capsys.readouterr().err


def test_an_unreachable_server_is_a_french_sentence(configured, monkeypatch, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("OBSERVATOIRE_SMTP_PORT", str(closed))
    assert main(["digest", "--territory", "departement:67", "--as-of", "2026-03-01", "--send"]) == 2
    err = capsys.readouterr().err
    assert "Envoi impossible par 127.0.0.1:" in err and "Traceback" not in err


def test_smtp_settings_are_read_from_the_secrets_smtp_table(monkeypatch):
    for name in ("HOST", "PORT", "SECURITY", "SENDER", "USER", "PASSWORD"):
        monkeypatch.delenv(f"OBSERVATOIRE_SMTP_{name}", raising=False)
    monkeypatch.setattr(digest.settings, "_secrets", lambda: {"smtp": {"host": "smtp.ars.fr", "port": 465,
                                                                      "security": "tls", "sender": "o@ars.fr"}})
    config = digest.smtp_settings()
    assert (config["host"], config["port"], config["security"], config["sender"]) == ("smtp.ars.fr", 465, "tls",
                                                                                    "o@ars.fr")


@pytest.mark.parametrize("text, message", [
    ('[[abonnement]]\nadresse = "x"\nterritoire = "region:44"', "adresse vide ou invalide"),
    ('[[abonnement]]\nadresse = "a@b.fr"\nterritoire = "region:99"', "territoire « region:99 » inconnu"),
    ('[[abonnement]]\nadresse = "a@b.fr"\nterritoire = "national"\nfrequence = "hebdo"', "clé inconnue frequence"),
    ('[[abonnement]\n', "illisible"),
])
def test_a_bad_subscription_file_is_refused_in_french(text, message):
    with pytest.raises(digest.DigestError) as error:
        digest.parse_subscriptions(text)
    assert message in error.value.message_fr


def test_the_shipped_subscription_file_is_valid():
    from observatoire.base.settings import ROOT

    assert digest.load_subscriptions(ROOT / "config" / "abonnements.toml") == ()


def test_the_digest_of_a_date_and_territory(desk_dir):
    made = digest.build(Store(desk_dir), "departement:67", __import__("datetime").date(2026, 3, 1),
                        base="https://o.example.fr", threshold=11)
    assert sum(made.counts.values()) == len(made.lines) == 7
    assert made.csv().startswith("\ufeffÉchéance;".encode()) and made.xlsx()[:2] == b"PK"
