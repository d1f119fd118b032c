"""Who is signed in this session (Streamlit's OIDC `st.login`, configured by [auth] in .streamlit/secrets.toml) and the user's access.

Without [auth] the app runs open (the local demo): everything is visible, and it says so. With [auth], nobody
sees anything before signing in, and a signed-in user sees what the access file (observatoire/domain/access.py) gives.
"""
from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

import streamlit as st
from streamlit import config as st_config
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.web.server.server_util import AUTH_COOKIE_NAME

from observatoire.base import settings
from observatoire.domain import access as access_rules
from observatoire.domain import sessions
from observatoire.domain.access import OPEN_ACCESS, Access, AccessFileError

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Labels of known identity providers ([auth.<name>] sections); others show their section name.
PROVIDER_LABELS = {"proconnect": "ProConnect (agents de l'État)", "fas": "France Assos Santé"}
GROUPS_CLAIM = "groups"
SIRET_CLAIM = "siret"  # ProConnect: the SIRET of the agent's organisation (an ARS's gives its région)

log = logging.getLogger(__name__)


def auth_section() -> dict:
    """The [auth] section of the secrets Streamlit reads ({} when absent), read again only when one of its files
    changes: without a secrets file Streamlit looks for and parses them at every access (several per page run)."""
    # The option is read at each call: the launcher asks before the server has read its command line.
    files = [str(path) for path in st_config.get_option("secrets.files")]
    return dict(_auth_section(tuple((path, _mtime(path)) for path in files)))


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


@lru_cache(maxsize=8)
def _auth_section(files: tuple) -> dict:
    try:
        section = st.secrets.get("auth")
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return {}
    return section.to_dict() if hasattr(section, "to_dict") else dict(section or {})


def auth_configured() -> bool:
    return bool(auth_section())


def providers() -> list[str]:
    """Named providers ([auth.proconnect], [auth.fas]...); [] means the single default provider."""
    return [name for name, value in auth_section().items() if isinstance(value, dict) and "client_id" in value]


def open_bind_warning(address: str | None, configured: bool) -> str | None:
    """The warning to give when the app listens beyond this machine without sign-in."""
    if configured or not address or address in LOOPBACK:
        return None
    return (f"Attention : l'observatoire écoute sur {address} sans authentification ([auth] absent de "
            ".streamlit/secrets.toml) : toute personne qui atteint ce serveur lit tous les territoires. "
            "Configurez la connexion (voir .streamlit/secrets.example.toml) ou lancez-le sur 127.0.0.1.")


@st.cache_resource(show_spinner=False)
def _rules(path: str, mtime: float):
    """Parsed once per version of the file (keyed on its modification time)."""
    return access_rules.load_rules(Path(path))


def rules() -> tuple:
    path = settings.access_file()
    return _rules(str(path), path.stat().st_mtime if path.exists() else 0.0)


def _cookie_session() -> str | None:
    return sessions.session_id(st.context.cookies.get(AUTH_COOKIE_NAME))


def signed_in() -> bool:
    """Signed in, in a session the server has neither closed (sign-out) nor expired (idle time)."""
    if not st.user.get("is_logged_in"):
        return False
    sid = _cookie_session()
    return sid is not None and sessions.is_valid(settings.sessions_file(), sid, settings.session_idle_minutes() * 60)


def sign_out() -> None:
    """Close the session on the server (a copied cookie no longer signs in), then Streamlit's sign-out."""
    sid = _cookie_session()
    if sid:
        sessions.revoke(settings.sessions_file(), sid)
    st.logout()


def current() -> Access | None:
    """The access of this session: open without [auth]; None when nobody is signed in or nobody matches."""
    if not auth_configured():
        return OPEN_ACCESS
    user = st.user
    if not signed_in():
        return None
    try:
        return access_rules.resolve(rules(), user.get("email"), user.get(GROUPS_CLAIM) or (),
                                    user.get("email_verified", True), user.get(SIRET_CLAIM))
    except AccessFileError:
        return None  # fail closed; require_access() tells why
