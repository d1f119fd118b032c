"""The accessibility declaration (RGAA 4.1): its state, the date and scope of the last check, what is not
accessible and its alternative, the criteria checked by hand. Page words; the Accessibilité page shows them and
the home page and the login screen say the state.

Update it after each check (and the date): `tests/test_accessibility_browser.py` runs the automated part.
"""
from __future__ import annotations

import datetime as dt

from observatoire.base.vocabulary import ACCESSIBILITY_STATES

# « Non conforme » until an audit of the 106 criteria gives a rate: the law's wording without a valid audit result
# (« partiellement conforme » needs an audit finding at least half of the criteria met).
STATE = "non"
CHECKED_ON = dt.date(2026, 12, 5)
RGAA_VERSION = "4.1"


def state_words() -> str:
    return ACCESSIBILITY_STATES[STATE]


def mention() -> str:
    """The home page's mention, as the law asks it."""
    return f"Accessibilité : {state_words()}"


SCOPE = ("Toutes les pages : Accueil, Convention, Carte, Vacance des sièges, Participation, Formation, Enquêtes, "
         "Projets de partenariat, Données, Accessibilité, le mode séance et l'écran de connexion.")
AUTOMATED = ("axe-core 4.12 dans Chromium, à chaque exécution des tests, sur chaque page, le mode séance et l'écran "
             "de connexion : aucune anomalie grave ou critique.")

# (criterion, what was checked by hand, what was found)
HAND_CHECKS = [
    ("3.2", "Contraste des couleurs du thème", "Texte 18,9:1 et légendes 4,9:1 sur fond blanc, légendes 4,8:1 "
     "sur le fond du menu latéral, texte des boutons principaux 6,4:1 : au-dessus de 4,5:1."),
    ("3.3", "Contraste des composants d'interface", "Contour de focus et boutons principaux (#1f5fa8) 6,4:1 sur "
     "fond blanc : au-dessus de 3:1."),
    ("10.7", "Visibilité du focus", "Liens du menu, sélecteurs, onglets, boutons et cases : un contour visible "
     "au clavier."),
    ("9.1", "Hiérarchie des titres", "Un titre de niveau 1 par page, les sections au niveau 2, sans saut de "
     "niveau."),
    ("6.1", "Intitulés des liens", "Menu latéral au nom des pages ; « Tableau de bord de la convention… », "
     "« Mode séance (projection) », « Accessibilité : … » explicites ; « Ouvrir » dans la liste des projets tire "
     "son contexte de la ligne du tableau."),
    ("8.3 et 8.5", "Langue et titre", "Langue du document : français ; titre de la fenêtre au nom de la page."),
    ("12.8 et 12.9", "Navigation au clavier", "Menu latéral, territoire et date, onglets, boutons de "
     "téléchargement, liste « Département à détailler » à côté de la carte, mode séance (touches ← et →) : "
     "atteints et utilisables au clavier, sans piège."),
    ("1.1 et 1.3", "Graphiques", "Chaque graphique a une description textuelle (titre, type, séries, axes) et ses "
     "données en tableau sous lui (« Données du graphique »)."),
]

# (content, why it is not accessible, the accessible alternative)
NOT_ACCESSIBLE = [
    ("Interactions des graphiques et des cartes", "Les valeurs au survol, le zoom et le choix d'un département par "
     "clic sur la carte demandent une souris.", "Le tableau « Données du graphique » sous chaque graphique, la "
     "liste « Département à détailler » à côté de la carte, les téléchargements CSV."),
    ("Textes propres à Streamlit", "Le menu « ⋮ », l'indicateur d'exécution et le calendrier du choix de la date "
     "sont en anglais (critère 8.7).", "La date se saisit au clavier dans le champ (jj/mm/aaaa) sans ouvrir le "
     "calendrier."),
    ("Tableaux interactifs", "Les grilles triables sont dessinées dans un canevas : leur restitution par les "
     "lecteurs d'écran n'a pas été vérifiée.", "Le même tableau en CSV (rôles chargé de mission et "
     "administrateur), ou sur demande au contact ci-dessous."),
    ("Images PNG et dossier de bilan PDF", "Les images exportées n'ont pas d'alternative textuelle et le PDF n'est "
     "pas balisé.", "Les tableaux CSV des mêmes données, joints à chaque image et au dossier de bilan."),
]

REMEDIES = ("Si vous n'obtenez pas de réponse rapide de notre part, vous pouvez saisir le Défenseur des droits : "
            "par son formulaire en ligne, par un de ses délégués dans votre région, ou par courrier (gratuit, sans "
            "affranchissement) : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.")
