"""Sign-in screens: the login buttons (one per identity provider), the refusal, the account box."""
from __future__ import annotations

import logging

import streamlit as st

from observatoire import session
from observatoire.base.formatting import md_escape
from observatoire.domain import access as access_rules
from observatoire.domain.access import OPEN_ACCESS, Access, AccessFileError
from observatoire.ui import a11y

log = logging.getLogger(__name__)


def require_access(url_paths=(), public=()) -> Access:
    """Called once by app.py with the address of every page and the pages anyone may read (the accessibility
    declaration): the login screen or the refusal, then st.stop(); else the user's access."""
    if not session.auth_configured():
        return OPEN_ACCESS
    if not session.signed_in():  # never signed in, signed out (even with a copied cookie), or idle too long
        _only_page(_login_screen, "Connexion", url_paths, public)
    try:
        session.rules()
    except AccessFileError as error:
        st.session_state["access_file_error"] = error.message_fr
        _only_page(_invalid_file_screen, "Fichier d'accès invalide", url_paths, public)
    access = session.current()
    if access is None:
        _only_page(_refusal_screen, "Accès non autorisé", url_paths, public)
    return access


def _only_page(screen, title: str, url_paths=(), public=()) -> None:
    """Show one screen as the only page with data (no page list, so no deep link runs a page file), then stop.
    The screen answers at every page's address too: a deep link (/carte?…) lands on it, not on Streamlit's « Page
    not found » dialog (in English, over the screen). The `public` pages (no data) stay at their address."""
    public_paths = {page.url_path for page in public}
    paths = ["connexion", *(path for path in url_paths if path and path not in public_paths | {"connexion"})]
    screens = [st.Page(screen, title=title, url_path=path, default=not index) for index, path in enumerate(paths)]
    page = st.navigation([*screens, *public], position="hidden")
    st.set_page_config(page_title=f"{page.title} – Observatoire de la démocratie en santé")
    page.run()
    st.stop()


def _invalid_file_screen() -> None:
    st.title("Fichier d'accès invalide")
    st.error("Personne ne peut entrer tant que le fichier d'accès n'est pas corrigé. "
             + st.session_state.get("access_file_error", ""), icon=":material/block:")
    st.button("Se déconnecter", on_click=session.sign_out)


def _refusal_screen() -> None:
    st.title("Accès non autorisé")
    if not st.user.get("email"):
        # st.user holds the ID token's claims only: ProConnect puts the e-mail there only when asked through the
        # `claims` authorization parameter ([auth.proconnect] in .streamlit/secrets.example.toml).
        log.warning("Signed in through %r without an e-mail claim in the ID token: refused. For ProConnect, "
                    "request it with authorize_params.claims.", st.user.get("provider"))
        st.error("Le fournisseur d'identité n'a pas transmis votre adresse électronique : l'observatoire ne peut "
                 "pas vérifier vos droits. Signalez-le à l'administrateur de l'observatoire (configuration de la "
                 "connexion).", icon=":material/block:")
    else:
        email = md_escape(st.user.get("email"))
        st.error(f"Votre compte ({email}) ne figure pas dans le fichier d'accès de l'observatoire, ou son adresse "
                 "n'est pas vérifiée. Demandez à l'administrateur de l'observatoire de vous y ajouter.",
                 icon=":material/block:")
    st.button("Se déconnecter", on_click=session.sign_out)


def _login_screen() -> None:
    st.title("Observatoire de la démocratie en santé")
    st.write("Connectez-vous pour voir les indicateurs de votre territoire.")
    names = session.providers()
    if not names:
        st.button("Se connecter", type="primary", on_click=st.login)
    for name in names:
        st.button(f"Se connecter avec {session.PROVIDER_LABELS.get(name, name)}", type="primary", key=f"login_{name}",
                  on_click=st.login, args=(name,))
    a11y.mention()


def account_box(access: Access) -> None:
    """The sidebar's last lines: who is signed in (and a sign-out button), or the open-access note."""
    with st.sidebar:
        if access.open:
            address = st.get_option("server.address")
            warning = session.open_bind_warning(address, False)
            if warning:
                st.warning(warning, icon=":material/lock_open:")
            else:
                st.caption("Accès ouvert sans connexion : démonstration locale sur 127.0.0.1 (aucune "
                           "authentification configurée).")
            return
        st.caption(f"Connecté : {md_escape(access.email)} · {access_rules.ROLES[access.role]} · "
                   f"{md_escape(access.territory_label)}")
        st.button("Se déconnecter", on_click=session.sign_out, key="logout")
