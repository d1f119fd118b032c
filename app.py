"""Router: page config, shared sidebar (territory, as-of date), explicit page list."""
import streamlit as st

from observatoire import ui

st.set_page_config(page_title="Observatoire de la démocratie en santé", layout="wide")

pages = {
    "Pilotage": [
        st.Page("pages/accueil.py", title="Accueil", default=True),
        st.Page("pages/convention.py", title="Convention"),
    ],
    "Territoires": [
        st.Page("pages/carte.py", title="Carte"),
        st.Page("pages/vacance.py", title="Vacance des sièges"),
        st.Page("pages/participation.py", title="Participation"),
    ],
    "Sources": [
        st.Page("pages/donnees.py", title="Données"),
    ],
}
navigation = st.navigation(pages)
st.sidebar.markdown("**Observatoire de la démocratie en santé**")
ui.sidebar()
ui.require_store()
try:
    navigation.run()
except Exception as exc:  # Streamlit's rerun/stop are BaseExceptions and pass through
    ui.page_failed(exc)
