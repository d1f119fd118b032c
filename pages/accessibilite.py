"""Accessibilité: the accessibility declaration (RGAA 4.1), readable before signing in too (it shows no data)."""
import streamlit as st

from observatoire import ui
from observatoire.base import formatting
from observatoire.present import accessibility

st.title("Déclaration d'accessibilité")
st.write("Les agences régionales de santé et leurs partenaires qui mettent en service l'Observatoire de la "
         "démocratie en santé s'engagent à le rendre accessible, conformément à l'article 47 de la loi n° 2005-102 "
         "du 11 février 2005. Cette déclaration s'applique à l'application de l'observatoire.")

st.header("État de conformité")
st.write(f"L'Observatoire de la démocratie en santé est **{accessibility.state_words()}** avec le référentiel "
         f"général d'amélioration de l'accessibilité (RGAA), version {accessibility.RGAA_VERSION} : aucun audit "
         "complet des 106 critères n'a encore été réalisé ; les contrôles ci-dessous en couvrent une partie.")

st.header("Contrôles réalisés")
st.write(f"Dernière vérification le {formatting.date(accessibility.CHECKED_ON)}. Périmètre : {accessibility.SCOPE}")
st.write(f"Contrôle automatique : {accessibility.AUTOMATED}")
st.write("Critères vérifiés à la main :")
st.markdown("\n".join(f"- **{criterion} – {what}** : {found}"
                      for criterion, what, found in accessibility.HAND_CHECKS))

st.header("Contenus non accessibles et alternatives")
st.markdown("\n".join(f"- **{content}** : {why} Alternative : {alternative}"
                      for content, why, alternative in accessibility.NOT_ACCESSIBLE))

st.header("Retour d'information et contact")
contact = ui.accessibility_contact()
if contact:
    st.write(f"Si vous n'arrivez pas à accéder à un contenu ou à un service, écrivez à {formatting.md_escape(contact)} "
             "pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme.")
else:
    st.write("Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez l'administrateur de "
             "l'observatoire de votre agence pour être orienté vers une alternative accessible ou obtenir le "
             "contenu sous une autre forme. (L'adresse de contact de ce service n'est pas encore renseignée : "
             "réglage « accessibility_contact ».)")

st.header("Voies de recours")
st.write(accessibility.REMEDIES)
st.markdown("[Retour à l'accueil](./)")
