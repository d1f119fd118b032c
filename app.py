"""Router: page config, shared sidebar (territory, as-of date), explicit page list."""
import streamlit as st

from observatoire import ui
from observatoire.ui import figures, signin

TITLE = "Observatoire de la démocratie en santé"
st.set_page_config(page_title=TITLE, layout="wide")
ui.page_style()  # layout rules and accessibility corrections (French language, navigation lists), login included

pages = {
    "Pilotage": [
        st.Page("pages/accueil.py", title="Accueil", default=True),
        st.Page("pages/convention.py", title="Convention"),
    ],
    "Territoires": [
        st.Page("pages/carte.py", title="Carte"),
        st.Page("pages/vacance.py", title="Vacance des sièges"),
        st.Page("pages/participation.py", title="Participation"),
        st.Page("pages/a_traiter.py", title="À traiter"),
        st.Page("pages/etablissement.py", title="Établissement"),
    ],
    "Usagers": [
        st.Page("pages/formation.py", title="Formation"),
        st.Page("pages/enquetes.py", title="Enquêtes"),
        st.Page("pages/projets.py", title="Projets de partenariat"),
    ],
    "Sources": [
        st.Page("pages/donnees.py", title="Données"),
        st.Page("pages/deposer.py", title="Déposer des fichiers"),  # administrators: data in from the browser
    ],
    "À propos": [declaration := st.Page("pages/accessibilite.py", title="Accessibilité")],
}
# The login screen or the refusal when sign-in is configured (at every page's address; the accessibility
# declaration stays readable); open otherwise.
access = signin.require_access([page.url_path for section in pages.values() for page in section], public=[declaration])
if not access.can_read_sources:
    del pages["Sources"]
figures.preload()  # Plotly's library starts loading in the browser while the server computes the page
# Mode séance (?seance=1): one page for the wall screen, no sidebar; territory and date are read from the address.
if st.query_params.get("seance") == "1":
    navigation = st.navigation([st.Page("pages/seance.py", title="Mode séance", url_path="seance", default=True)],
                               position="hidden")
    ui.context_from_url()
else:
    navigation = st.navigation(pages, expanded=True)  # every page reachable with the keyboard, none folded away
    st.sidebar.markdown("**Observatoire de la démocratie en santé**")
    ui.sidebar()
    signin.account_box(access)
st.set_page_config(page_title=f"{navigation.title} – {TITLE}")  # each page its own window title (RGAA 8.6)
ui.require_store()
try:
    navigation.run()
except Exception as exc:  # Streamlit's rerun/stop are BaseExceptions and pass through
    ui.page_failed(exc)
