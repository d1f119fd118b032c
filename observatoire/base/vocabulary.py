"""Every code the store and the files use, with its French word: written once, read by every layer.

Codes are what the raw files and the store hold (`region`, `titulaire`, `a_faire`); the French words are what
users read. The pipelines validate against these codes; pages, charts, exports and the CLI show these words.
"""
from __future__ import annotations

# --- territorial levels ----------------------------------------------------------------------------------------
LEVEL_NAMES = {"national": "France", "region": "Région", "departement": "Département"}  # a heading, a column
LEVEL_WORDS = {"national": "national", "region": "région", "departement": "département",   # inside a sentence
               "etablissement": "établissement"}
LEVEL_PLURALS = {"region": "régions", "departement": "départements"}                       # the territories below
SURVEY_LEVELS = TARGET_LEVELS = ("national", "region", "departement")

# --- bodies, seats and people ---------------------------------------------------------------------------------
ROLES = ("titulaire", "suppleant")
ROLE_LABELS = {"titulaire": "Titulaires", "suppleant": "Suppléants"}
# Bodies whose members are elected, not designated by an ARS decree (not bound by « RU en Avant ! »).
ELECTED_BODY_TYPES = ("CVS",)
REGION_LEVEL_BODIES = ("CRSA",)
TRAINING_STATUSES = ("inscrit", "present", "absent", "excuse")

# --- surveys: how the sample was drawn (a convenience sample, such as an association network's, gets no
# confidence interval: the normal approximation assumes a random sample)
CONVENIENCE_SAMPLE = "convenance"
SURVEY_SAMPLINGS = {"aleatoire": "échantillon aléatoire", "quotas": "échantillon par quotas",
                    CONVENIENCE_SAMPLE: "échantillon de convenance"}

# --- who signs in ---------------------------------------------------------------------------------------------
ACCESS_ROLES = {"lecture": "Lecture", "charge_de_mission": "Chargé de mission", "administrateur": "Administrateur"}

# --- accessibility (RGAA 4.1): the states a declaration may state, as the law words them -----------------------
ACCESSIBILITY_STATES = {"totale": "totalement conforme", "partielle": "partiellement conforme",
                        "non": "non conforme"}

# --- convention: statuses, milestones, roadmap ----------------------------------------------------------------
STATUS_REACHED, STATUS_ON_TRACK, STATUS_LATE = "atteint", "en bonne voie", "en retard"
STATUS_MISSED = "non atteint"  # a final result (a campaign whose window is over) below its target
STATUS_NOT_EVALUABLE = "non évaluable"
STATUSES = (STATUS_REACHED, STATUS_ON_TRACK, STATUS_LATE, STATUS_MISSED, STATUS_NOT_EVALUABLE)
STATUS_ICONS = {STATUS_REACHED: "✔", STATUS_ON_TRACK: "↗", STATUS_LATE: "⚠", STATUS_MISSED: "✗",
                STATUS_NOT_EVALUABLE: "○"}
NOT_SIGNED_YET = "convention non encore signée à cette date"
REASON_MASKED = "valeur masquée (secret statistique : moins de {threshold} personnes)"
REASON_NO_VALUE = "aucune donnée à cette date"
REASON_NO_BASELINE = "aucune valeur de référence depuis la signature (valeurs masquées ou manquantes)"
BASELINE_AT_SIGNATURE = "à la signature"
BASELINE_FIRST_KNOWN = "première valeur connue après la signature"
BASELINE_CAMPAIGN = "0 à l'ouverture de la campagne"
REASON_BEYOND_DATA = "données connues jusqu'au {day} : pas de statut au-delà"
REASON_NO_QUARTER_YET = "aucun trimestre achevé depuis la signature"
REASON_FINAL = "résultat définitif de la campagne {year}"
REASON_NO_CAMPAIGN_TARGET = "aucune cible de la convention pour la campagne {year}"
NOTE_NO_CAMPAIGN = "pas de campagne en cours : résultat définitif de la campagne {year} (désignations prises en compte " \
                   "jusqu'au {day})"
NOTE_CAMPAIGN_IN_PROGRESS = "campagne {year} en cours : désignations prises en compte jusqu'au {day}"
NOTE_SMALL_BASE = "petit effectif : {numerator} sur {denominator}"
NOTE_DECREES_OUTSIDE = "{count} arrêté(s) daté(s) après la fin de prise en compte, non comptés"

FOLLOW_UP_MEETING = "comite_suivi"
MILESTONE_TYPES = {FOLLOW_UP_MEETING: "Groupe de suivi", "revue_strategique": "Revue stratégique annuelle",
                   "bilan_intermediaire": "Bilan intermédiaire", "bilan_final": "Bilan final", "autre": "Autre"}
ACTION_DONE, ACTION_ABANDONED, ACTION_TO_DO = "fait", "abandonne", "a_faire"
ACTION_STATUSES = {ACTION_TO_DO: "À faire", "en_cours": "En cours", ACTION_DONE: "Fait", ACTION_ABANDONED: "Abandonné"}

# --- the sources of the store (data/raw folders), as the bilan's annex names them -------------------------------
SOURCE_LABELS = {
    "finess": "Établissements (FINESS)", "instances": "Instances et sièges", "nominations": "Nominations (arrêtés)",
    "formations": "Formations", "seances": "Séances des instances", "enquetes": "Enquêtes",
    "convention": "Convention (cibles, jalons, actions)", "campagnes": "Campagnes de nomination",
    "projets": "Projets de partenariat",
}

# --- partnership projects (seed 003) --------------------------------------------------------------------------
PROJECT_FORMS = {
    "pair_aidance": "pair-aidance",
    "etp": "éducation thérapeutique du patient",
    "patient_partenaire": "patient partenaire / usager partenaire",
    "mediation_sante_pair": "médiation en santé pair",
    "recherche": "recherche",
    "formation_professionnels": "formation des professionnels",
    "reflexion_ethique": "réflexion éthique",
    "autre": "autre",
}
PROJECT_INITIATORS = ("établissement", "association", "usagers", "autre")


def status_label(status) -> str:
    """« ⚠ en retard », « ○ non évaluable »; « – » without a status."""
    if not isinstance(status, str):
        return "–"
    return f"{STATUS_ICONS[status]} {status}"


# --- « À traiter »: what a territory has to act on (observatoire/domain/worklist.py), most urgent first --------
WL_NO_TITULAR, WL_ENDING_3M, WL_TRAINING_SOON = "sans_titulaire", "fin_mandat_3m", "formation_echeance_2m"
WL_ACTION_LATE, WL_ACTION_DUE, WL_VACANT_6M = "action_en_retard", "action_echeance_1m", "siege_vacant_6m"
WL_TRAINING_OVERDUE, WL_LOW_PARTICIPATION = "formation_en_retard", "participation_sous_50"
WL_NO_MEETING, WL_ENDING_6M = "sans_seance_12m", "fin_mandat_6m"
WORKLIST_CATEGORIES = {
    WL_NO_TITULAR: "Instance sans titulaire",
    WL_ENDING_3M: "Sièges à renouveler sous 3 mois (fin de mandat)",
    WL_TRAINING_SOON: "Échéance de formation sous 2 mois",
    WL_ACTION_DUE: "Action de la feuille de route à échéance sous 1 mois",
    WL_ACTION_LATE: "Action de la feuille de route en retard",
    WL_VACANT_6M: "Sièges vacants depuis plus de 6 mois",
    WL_TRAINING_OVERDUE: "RU en retard de formation",
    WL_LOW_PARTICIPATION: "Participation réelle sous 50 % (4 dernières séances)",
    WL_NO_MEETING: "Aucune séance depuis 12 mois",
    WL_ENDING_6M: "Sièges à renouveler dans 3 à 6 mois (fin de mandat)",
}

# --- candidacies from « Démarches simplifiées » (a dossier's state, as its exports word it) ---------------------
CANDIDACY_STATES = {"en_construction": "En construction", "en_instruction": "En instruction", "accepte": "Accepté",
                    "refuse": "Refusé", "sans_suite": "Classé sans suite"}
CANDIDACY_IN_PROGRESS = ("en_construction", "en_instruction")
CANDIDACY_DECIDED = ("accepte", "refuse", "sans_suite")
# The funnel of a campaign with dossiers, in the order a page shows it (count columns of measures.candidacy_counts).
CANDIDACY_STAGES = {"received": "Candidatures reçues", "in_progress": "En cours d'instruction",
                    "accepted": "Acceptées", "refused": "Refusées", "closed": "Classées sans suite"}
