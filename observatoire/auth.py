"""Sign-in (Streamlit's OIDC `st.login`, configured by [auth] in .streamlit/secrets.toml) and the user's access.

Without [auth] the app runs open (the local demo): everything is visible, and it says so. With [auth], nobody
sees anything before signing in, and a signed-in user sees what the access file (observatoire/access.py) gives.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from observatoire import access as access_rules
from observatoire import settings
from observatoire.formatting import md_escape
from observatoire.access import OPEN_ACCESS, Access, AccessFileError

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Labels of known identity providers ([auth.<name>] sections); others show their section name.
PROVIDER_LABELS = {"proconnect": "ProConnect (agents de l'État)", "fas": "France Assos Santé"}
GROUPS_CLAIM = "groups"

log = logging.getLogger(__name__)


def auth_section() -> dict:
    """The [auth] section of the secrets Streamlit reads ({} when absent)."""
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


def current() -> Access | None:
    """The access of this session: open without [auth]; None when nobody is signed in or nobody matches."""
    if not auth_configured():
        return OPEN_ACCESS
    user = st.user
    if not user.get("is_logged_in"):
        return None
    try:
        return access_rules.resolve(rules(), user.get("email"), user.get(GROUPS_CLAIM) or (),
                                    user.get("email_verified", True))
    except AccessFileError:
        return None  # fail closed; require_access() tells why


def require_access() -> Access:
    """Called once by app.py: the login screen or the refusal, then st.stop(); else the user's access."""
    if not auth_configured():
        return OPEN_ACCESS
    user = st.user
    if not user.get("is_logged_in"):
        _only_page(_login_screen, "Connexion")
    try:
        rules()
    except AccessFileError as error:
        st.session_state["access_file_error"] = error.message_fr
        _only_page(_invalid_file_screen, "Fichier d'accès invalide")
    access = current()
    if access is None:
        _only_page(_refusal_screen, "Accès non autorisé")
    return access


def _only_page(screen, title: str) -> None:
    """Show one screen as the only page (no page list, so no deep link runs a page file), then stop."""
    st.navigation([st.Page(screen, title=title, url_path="connexion")], position="hidden").run()
    st.stop()


def _invalid_file_screen() -> None:
    st.title("Fichier d'accès invalide")
    st.error("Personne ne peut entrer tant que le fichier d'accès n'est pas corrigé. "
             + st.session_state.get("access_file_error", ""), icon=":material/block:")
    st.button("Se déconnecter", on_click=st.logout)


def _refusal_screen() -> None:
    st.title("Accès non autorisé")
    email = md_escape(st.user.get("email") or "sans adresse")
    st.error(f"Votre compte ({email}) ne figure pas dans le fichier d'accès de l'observatoire, ou son adresse "
             "n'est pas vérifiée. Demandez à l'administrateur de l'observatoire de vous y ajouter.",
             icon=":material/block:")
    st.button("Se déconnecter", on_click=st.logout)


def _login_screen() -> None:
    st.title("Observatoire de la démocratie en santé")
    st.write("Connectez-vous pour voir les indicateurs de votre territoire.")
    names = providers()
    if not names:
        st.button("Se connecter", type="primary", on_click=st.login)
        return
    for name in names:
        st.button(f"Se connecter avec {PROVIDER_LABELS.get(name, name)}", type="primary", key=f"login_{name}",
                  on_click=st.login, args=(name,))


def account_box(access: Access) -> None:
    """The sidebar's last lines: who is signed in (and a sign-out button), or the open-access note."""
    with st.sidebar:
        if access.open:
            address = st.get_option("server.address")
            warning = open_bind_warning(address, False)
            if warning:
                st.warning(warning, icon=":material/lock_open:")
            else:
                st.caption("Accès ouvert sans connexion : démonstration locale sur 127.0.0.1 (aucune "
                           "authentification configurée).")
            return
        st.caption(f"Connecté : {md_escape(access.email)} · {access_rules.ROLES[access.role]} · "
                   f"{md_escape(access.territory_label)}")
        st.button("Se déconnecter", on_click=st.logout, key="logout")


def main(argv: list[str] | None = None) -> int:
    """`python -m observatoire.auth HOST`: print the open-bind warning (Makefile run target) — rc 0 either way."""
    argv = sys.argv[1:] if argv is None else argv
    address = argv[0] if argv else "127.0.0.1"
    warning = open_bind_warning(address, auth_configured())
    if warning:
        print(warning, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
