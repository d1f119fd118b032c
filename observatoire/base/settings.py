"""Settings declared once (name, default, help), read from the environment or .streamlit/secrets.toml."""
from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = ROOT / "data" / "reference"
TEMPLATES_DIR = ROOT / "data" / "templates"

DEMO_PSEUDONYM_KEY = "observatoire-demo-key-not-secret"


@dataclass(frozen=True)
class Setting:
    env: str
    secret: str
    default: str
    help: str


SETTINGS = {
    "data_dir": Setting("OBSERVATOIRE_DATA", "data_dir", str(ROOT / "data" / "parquet"),
                        "Directory of the built Parquet store read by the app, or s3://bucket/prefix for a store "
                        "published on S3-compatible object storage (observatoire/base/snapshots.py)."),
    "s3_endpoint": Setting("OBSERVATOIRE_S3_ENDPOINT", "s3_endpoint", "",
                           "Address of an S3-compatible object store, such as https://s3.fr-par.scw.cloud or "
                           "http://127.0.0.1:9000. Empty for Amazon S3."),
    "s3_region": Setting("OBSERVATOIRE_S3_REGION", "s3_region", "", "Region of the object store, if it needs one."),
    "s3_access_key_id": Setting("OBSERVATOIRE_S3_ACCESS_KEY_ID", "s3_access_key_id", "",
                                "Access key of the object store. Empty: AWS_ACCESS_KEY_ID, ~/.aws or the machine's "
                                "role, as the AWS tools look for them."),
    "s3_secret_access_key": Setting("OBSERVATOIRE_S3_SECRET_ACCESS_KEY", "s3_secret_access_key", "",
                                    "Secret of that access key (keep it in .streamlit/secrets.toml or the "
                                    "environment, never in a versioned file)."),
    "snapshot_cache": Setting("OBSERVATOIRE_SNAPSHOT_CACHE", "snapshot_cache", str(ROOT / "data" / "snapshots"),
                              "Local folder where each app process copies the snapshot it serves from object "
                              "storage (a snapshot never changes: its copy never goes stale)."),
    "snapshot_check_seconds": Setting("OBSERVATOIRE_SNAPSHOT_CHECK_SECONDS", "snapshot_check_seconds", "10",
                                      "How often, in seconds, each app process reads which snapshot is current."),
    "raw_dir": Setting("OBSERVATOIRE_RAW", "raw_dir", str(ROOT / "data" / "raw"),
                       "Directory of the raw source files (one sub-folder per source)."),
    "pseudonym_key": Setting("OBSERVATOIRE_PSEUDONYM_KEY", "pseudonym_key", "",
                             "Secret key of the HMAC-SHA256 pseudonym linking people across sources."),
    "access_file": Setting("OBSERVATOIRE_ACCESS_FILE", "access_file", str(ROOT / "config" / "acces.toml"),
                           "Versioned access file: who (address, e-mail domain, group) sees which territory, "
                           "with which role. Read only when [auth] is configured in .streamlit/secrets.toml."),
    "mask_threshold": Setting("OBSERVATOIRE_MASK_THRESHOLD", "mask_threshold", "11",
                              "Counts of people below this value are masked (statistical secrecy)."),
    "small_base": Setting("OBSERVATOIRE_SMALL_BASE", "small_base", "20",
                          "A rate on fewer units than this (people, seats, projects) shows its numerator and denominator "
                          "with a « petit effectif » note."),
    "training_obligation_from": Setting(
        "OBSERVATOIRE_TRAINING_OBLIGATION_FROM", "training_obligation_from", "2017-03-26",
        "First designations from this date on are bound to the « RU en Avant ! » basic training within 6 months: "
        "article L. 1114-1 of the Code de la santé publique as amended by loi n° 2016-41 of 26 January 2016 (art. "
        "176), the training's specification (cahier des charges) being set by the arrêté of 17 March 2017."),
    "precompute_months": Setting(
        "OBSERVATOIRE_PRECOMPUTE_MONTHS", "precompute_months", "24",
        "The build computes the catalogue for every level (France, régions, départements) on the 1st of each of this "
        "many last months, on its own day and at the last quarter ends (and a year before both), and at each "
        "convention's signature and milestones (indicator_values.parquet): pages read those values instead of "
        "computing them. 0: no table."),
    "accessibility_contact": Setting("OBSERVATOIRE_ACCESSIBILITY_CONTACT", "accessibility_contact", "",
                                     "E-mail address (or form URL) where users report an accessibility problem and "
                                     "ask for an accessible alternative: shown on the Accessibilité page."),
    "max_reject_rate": Setting("OBSERVATOIRE_MAX_REJECT_RATE", "max_reject_rate", "0.25",
                               "A build whose share of rejected rows in one source is above this rate (0 to 1) "
                               "keeps the current store (override: pipelines build --max-reject-rate, --force)."),
    "max_loss_rate": Setting("OBSERVATOIRE_MAX_LOSS_RATE", "max_loss_rate", "0.25",
                             "A build that would lose more than this share (0 to 1) of the establishments with "
                             "coordinates, or of one région's bodies or mandates, against the store in service keeps "
                             "that store (override: pipelines build --max-loss-rate, --force)."),
    "records_dir": Setting("OBSERVATOIRE_RECORDS", "records_dir", str(ROOT / "data" / "records"),
                           "Where the records of each follow-up group or review are kept (append-only JSON lines, "
                           "outside the rebuilt store so that a rebuild never loses them)."),
    "sessions_file": Setting("OBSERVATOIRE_SESSIONS", "sessions_file", str(ROOT / "data" / "sessions.sqlite"),
                             "Server-side record of signed-in sessions: revoked at sign-out (a copied cookie no longer "
                             "signs in) and expired after an idle time."),
    "session_idle_minutes": Setting("OBSERVATOIRE_SESSION_IDLE_MINUTES", "session_idle_minutes", "120",
                                    "A signed-in session unused for this many minutes must sign in again."),
    "log_file": Setting("OBSERVATOIRE_LOG_FILE", "log_file", str(ROOT / "data" / "logs" / "pipelines.log"),
                        "Log of the pipelines command line: tracebacks for developers, while users read French "
                        "sentences."),
    # The digest « À traiter » (python -m observatoire digest): who subscribes, where links point, how mail leaves.
    "public_url": Setting("OBSERVATOIRE_PUBLIC_URL", "public_url", "",
                          "The app's public address (https://observatoire.example.fr): links of exports and e-mails "
                          "to an establishment's page. Empty: links relative to the page in the app, "
                          "http://127.0.0.1:8501 in an e-mail."),
    "subscriptions_file": Setting("OBSERVATOIRE_SUBSCRIPTIONS_FILE", "subscriptions_file",
                                  str(ROOT / "config" / "abonnements.toml"),
                                  "Who receives the « À traiter » digest of which territory ([[abonnement]] entries)."),
    "smtp_host": Setting("OBSERVATOIRE_SMTP_HOST", "smtp.host", "", "SMTP server the digest is sent through."),
    "smtp_port": Setting("OBSERVATOIRE_SMTP_PORT", "smtp.port", "587", "Its port (587 STARTTLS, 465 TLS, 25)."),
    "smtp_security": Setting("OBSERVATOIRE_SMTP_SECURITY", "smtp.security", "starttls",
                             "starttls, tls (implicit, port 465) or none (a relay on the local network only)."),
    "smtp_user": Setting("OBSERVATOIRE_SMTP_USER", "smtp.user", "", "Login on the SMTP server (empty: none)."),
    "smtp_password": Setting("OBSERVATOIRE_SMTP_PASSWORD", "smtp.password", "", "Its password."),
    "smtp_sender": Setting("OBSERVATOIRE_SMTP_SENDER", "smtp.sender", "",
                           "The digest's From address (observatoire@ars.sante.fr)."),
}


@lru_cache(maxsize=1)
def _secrets() -> dict:
    path = ROOT / ".streamlit" / "secrets.toml"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def get(name: str) -> str:
    setting = SETTINGS[name]
    if setting.env in os.environ:
        return os.environ[setting.env]
    value = _secrets()
    for part in setting.secret.split("."):  # "smtp.host": the host key of the [smtp] table
        value = value.get(part) if isinstance(value, dict) else None
    return str(value) if value is not None else setting.default


def data_dir() -> Path:
    return Path(get("data_dir"))


def raw_dir() -> Path:
    return Path(get("raw_dir"))


def mask_threshold() -> int:
    return int(get("mask_threshold"))


def access_file() -> Path:
    return Path(get("access_file"))


def max_reject_rate() -> float:
    return float(get("max_reject_rate"))


def small_base() -> int:
    return int(get("small_base"))


def training_obligation_from() -> dt.date:
    return dt.date.fromisoformat(get("training_obligation_from"))


def precompute_months() -> int:
    return max(0, int(get("precompute_months")))


def max_loss_rate() -> float:
    return float(get("max_loss_rate"))


def log_file() -> Path:
    return Path(get("log_file"))


def records_dir() -> Path:
    return Path(get("records_dir"))
def accessibility_contact() -> str:
    return get("accessibility_contact").strip()


def sessions_file() -> Path:
    return Path(get("sessions_file"))


def session_idle_minutes() -> float:
    return float(get("session_idle_minutes"))


def public_url() -> str:
    return get("public_url").strip()


def subscriptions_file() -> Path:
    return Path(get("subscriptions_file"))


# --- publishing from the browser, kept versions, candidacies from « Démarches simplifiées » (issue 25) ----------
SETTINGS.update({
    "versions_kept": Setting("OBSERVATOIRE_VERSIONS_KEPT", "versions_kept", "10",
                             "How many published stores are kept (page « Déposer des fichiers », python -m pipelines "
                             "versions / rollback): the store in service is always kept."),
    "demarches_file": Setting("OBSERVATOIRE_DEMARCHES_FILE", "demarches_file", str(ROOT / "config" / "demarches.toml"),
                              "Versioned file mapping each « Démarches simplifiées » procedure (number or export "
                              "file-name slug) to its campaign (région, body type) and its form fields."),
    "demarches_token": Setting("OBSERVATOIRE_DEMARCHES_TOKEN", "demarches_token", "",
                               "API token of « Démarches simplifiées » (Authorization: Bearer) for python -m pipelines "
                               "sync-demarches, kept in .streamlit/secrets.toml (never in a versioned file)."),
    "demarches_api_url": Setting("OBSERVATOIRE_DEMARCHES_API_URL", "demarches_api_url",
                                 "https://demarche.numerique.gouv.fr/api/v2/graphql",
                                 "GraphQL endpoint of « Démarches simplifiées » read by sync-demarches."),
})


def versions_kept() -> int:
    return max(1, int(get("versions_kept")))


def demarches_file() -> Path:
    return Path(get("demarches_file"))
