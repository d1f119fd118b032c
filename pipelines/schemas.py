"""Declared shape of every tabular raw source: French template headers, aliases, types, store names."""
from __future__ import annotations

from dataclasses import dataclass, field

from observatoire.base import vocabulary

# The codes each column accepts are the vocabulary's (their French words live there too).
from observatoire.base.vocabulary import (
    PROJECT_FORMS,
    PROJECT_INITIATORS,
    ROLES,
    SURVEY_LEVELS,
    TARGET_LEVELS,
    TRAINING_STATUSES,
)

BODY_TYPES = ("CDU", "CVS", "CS", "CRSA", "CTS", "CDCA", "autre")
MILESTONE_TYPES = tuple(vocabulary.MILESTONE_TYPES)
ACTION_STATUSES = tuple(vocabulary.ACTION_STATUSES)


# « RU attendus » of a meeting, written once: template, dictionary and the participation indicator agree.
RU_EXPECTED_DEFINITION = ("RU attendus : titulaires convoqués (un suppléant siège à la place d'un titulaire absent : "
                          "les RU attendus ne dépassent jamais les sièges de titulaires de l'instance)")


@dataclass(frozen=True)
class Column:
    """One column of a raw table.

    kind: text | int | float | date | finess | departement | region | choice | end_reason | personal
    `end_reason` is a closed list read tolerantly (pipelines.casting.END_REASONS); free text is never kept.
    `personal` columns (names, birth dates) only feed the pseudonym and never reach the store.
    """

    name: str
    header: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    label_fr: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    label_fr: str
    columns: tuple[Column, ...]
    # Extra store columns derived by the pipeline (name -> French description), for the dictionary.
    derived: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


FINESS_ALIASES = ("n° finess", "no finess", "numero finess", "finess et", "finess_et", "nofinesset", "finess etablissement")
TERRITORY_ALIASES = ("territoire", "code territoire", "code_territoire", "code departement", "code region")
BODY_TYPE_ALIASES = ("type", "instance", "type d'instance")

BODIES = Table(
    name="bodies",
    source="instances",
    label_fr="Instances et sièges de représentants des usagers",
    columns=(
        Column("body_type", "type_instance", "choice", True, BODY_TYPE_ALIASES, BODY_TYPES, "Type d'instance"),
        Column("finess", "finess", "finess", False, FINESS_ALIASES, label_fr="N° FINESS de l'établissement"),
        Column("territory_code", "code_territoire", "text", False, TERRITORY_ALIASES,
               label_fr="Code du territoire (département, ou région pour la CRSA)"),
        Column("label", "libelle", "text", True, ("libellé", "nom instance", "intitule"), label_fr="Libellé de l'instance"),
        Column("seats_titular", "sieges_titulaires", "int", True, ("nb sieges titulaires", "titulaires"),
               label_fr="Sièges de titulaires"),
        Column("seats_substitute", "sieges_suppleants", "int", True, ("nb sieges suppleants", "suppleants"),
               label_fr="Sièges de suppléants"),
        Column("created_on", "date_creation", "date", False, ("creation",), label_fr="Date de création"),
        Column("closed_on", "date_fermeture", "date", False, ("fermeture", "date de cloture"), label_fr="Date de fermeture"),
    ),
    derived={
        "body_id": "Identifiant de l'instance (type + FINESS ou territoire)",
        "department_code": "Département de l'instance (vide pour une instance régionale)",
        "region_code": "Région de l'instance",
    },
)

MANDATES = Table(
    name="mandates",
    source="nominations",
    label_fr="Mandats (arrêtés de désignation du DG de l'ARS)",
    columns=(
        Column("finess", "finess", "finess", False, FINESS_ALIASES, label_fr="N° FINESS de l'établissement"),
        Column("territory_code", "code_territoire", "text", False, TERRITORY_ALIASES, label_fr="Code du territoire"),
        Column("body_type", "type_instance", "choice", True, BODY_TYPE_ALIASES, BODY_TYPES, "Type d'instance"),
        Column("role", "role", "choice", True, ("rôle", "qualite", "titulaire/suppleant"), ROLES, "Titulaire ou suppléant"),
        Column("last_name", "nom", "personal", True, ("nom de famille", "nom d'usage"), label_fr="Nom"),
        Column("first_name", "prenom", "personal", True, ("prénom",), label_fr="Prénom"),
        Column("birth_date", "date_naissance", "personal", False, ("date de naissance", "ne le"), label_fr="Date de naissance"),
        Column("association", "association", "text", False, ("association agreee", "association d'appartenance"),
               label_fr="Association agréée"),
        Column("start_date", "date_debut", "date", True, ("debut", "debut du mandat", "date debut mandat"), label_fr="Début du mandat"),
        Column("planned_end_date", "date_fin", "date", True, ("fin", "fin du mandat", "date fin mandat"), label_fr="Fin prévue"),
        Column("early_end_date", "date_fin_anticipee", "date", False, ("fin anticipee", "date de demission"),
               label_fr="Fin anticipée (démission…)"),
        Column("end_reason", "motif_fin", "end_reason", False, ("motif", "motif de fin"),
               label_fr="Motif de fin (décès, démission, fin de mandat, incompatibilité, autre)"),
        Column("decree_ref", "reference_arrete", "text", False, ("arrete", "n° arrete", "reference"), label_fr="Référence de l'arrêté"),
        Column("decree_date", "date_arrete", "date", False, ("date de l'arrete",), label_fr="Date de l'arrêté"),
    ),
    derived={
        "mandate_id": "Identifiant du mandat (fichier + ligne)",
        "body_id": "Instance du mandat",
        "person_key": "Pseudonyme de la personne (HMAC-SHA256 du nom, prénom, date de naissance)",
        "end_date": "Fin effective (fin anticipée si elle précède la fin prévue)",
        "department_code": "Département",
        "region_code": "Région",
    },
)

TRAININGS = Table(
    name="trainings",
    source="formations",
    label_fr="Participation aux formations",
    columns=(
        Column("training", "formation", "text", True, ("intitule formation", "module"), label_fr="Formation"),
        Column("session", "session", "text", False, ("code session", "n° session"), label_fr="Session"),
        Column("session_date", "date_session", "date", True, ("date", "date de session"), label_fr="Date de la session"),
        Column("department_code", "departement", "departement", False, ("dept", "code departement", "dep"),
               label_fr="Département de la session"),
        Column("last_name", "nom", "personal", True, ("nom de famille",), label_fr="Nom"),
        Column("first_name", "prenom", "personal", True, ("prénom",), label_fr="Prénom"),
        Column("birth_date", "date_naissance", "personal", False, ("date de naissance",), label_fr="Date de naissance"),
        Column("association", "association", "text", False, (), label_fr="Association"),
        Column("status", "statut", "choice", True, ("presence", "etat"), TRAINING_STATUSES, "Statut"),
        Column("places", "places", "int", False, ("places offertes", "capacite", "nombre de places"),
               label_fr="Places offertes à la session (facultatif)"),
    ),
    derived={"person_key": "Pseudonyme de la personne", "region_code": "Région"},
)

MEETINGS = Table(
    name="meetings",
    source="seances",
    label_fr="Séances des instances (participation réelle)",
    columns=(
        Column("finess", "finess", "finess", False, FINESS_ALIASES, label_fr="N° FINESS"),
        Column("territory_code", "code_territoire", "text", False, TERRITORY_ALIASES, label_fr="Code du territoire"),
        Column("body_type", "type_instance", "choice", True, BODY_TYPE_ALIASES, BODY_TYPES, "Type d'instance"),
        Column("meeting_date", "date_seance", "date", True, ("date", "date de seance", "date reunion"), label_fr="Date de la séance"),
        Column("ru_expected", "ru_attendus", "int", True, ("attendus", "ru convoques"),
               label_fr=RU_EXPECTED_DEFINITION),
        Column("ru_present", "ru_presents", "int", True, ("presents",),
               label_fr="RU présents (titulaires, et suppléants siégeant à la place d'un titulaire)"),
    ),
    derived={"body_id": "Instance", "department_code": "Département", "region_code": "Région"},
)

SURVEYS = Table(
    name="surveys",
    source="enquetes",
    label_fr="Résultats d'enquêtes (format long)",
    columns=(
        Column("survey", "enquete", "text", True, ("enquête", "source"), label_fr="Enquête"),
        Column("year", "annee", "int", True, ("année",), label_fr="Année"),
        Column("level", "niveau", "choice", True, (), SURVEY_LEVELS, "Niveau géographique"),
        Column("territory_code", "territoire", "text", False, ("code territoire",), label_fr="Code du territoire"),
        Column("question", "question", "text", True, (), label_fr="Question"),
        Column("option", "modalite", "text", True, ("modalité", "reponse"), label_fr="Modalité"),
        Column("count", "effectif", "float", False, ("nombre", "n"), label_fr="Effectif"),
        Column("base", "base", "float", False, ("base n", "repondants"), label_fr="Base (répondants)"),
        Column("percent", "pourcentage", "float", False, ("%", "pourcent", "part"), label_fr="Pourcentage"),
        Column("sampling", "echantillon", "choice", False, ("echantillonnage", "methode d'echantillonnage"),
               tuple(vocabulary.SURVEY_SAMPLINGS),
               "Échantillon : aleatoire, quotas ou convenance (convenance : pas d'intervalle de confiance)"),
    ),
)

CONVENTIONS = Table(
    name="conventions",
    source="convention",
    label_fr="Conventions de partenariat",
    columns=(
        Column("convention_id", "id_convention", "text", True, ("convention",), label_fr="Identifiant"),
        Column("title", "intitule", "text", True, ("intitulé", "libelle"), label_fr="Intitulé"),
        Column("region_code", "region", "region", True, ("code region",), label_fr="Région"),
        Column("party_ars", "partie_ars", "text", False, (), label_fr="Partie ARS"),
        Column("party_association", "partie_association", "text", False, (), label_fr="Partie associative"),
        # A roadmap adopted without a signature (a délégation's strategic plan) leaves it empty.
        Column("signed_on", "date_signature", "date", False, ("signature",), label_fr="Date de signature"),
        Column("start_date", "date_debut", "date", True, (), label_fr="Début"),
        Column("end_date", "date_fin", "date", True, (), label_fr="Fin"),
    ),
)

TARGETS = Table(
    name="targets",
    source="convention",
    label_fr="Cibles des indicateurs de la convention",
    columns=(
        Column("convention_id", "id_convention", "text", True, ("convention",), label_fr="Convention"),
        Column("indicator_id", "indicateur", "text", True, ("id indicateur",), label_fr="Indicateur"),
        Column("level", "niveau", "choice", True, (), TARGET_LEVELS, "Niveau"),
        Column("territory_code", "territoire", "text", False, (), label_fr="Territoire"),
        Column("year", "annee", "int", True, ("année",), label_fr="Année"),
        Column("target", "cible", "float", True, ("valeur cible", "objectif"), label_fr="Cible"),
    ),
)

MILESTONES = Table(
    name="milestones",
    source="convention",
    label_fr="Jalons de suivi de la convention",
    columns=(
        Column("convention_id", "id_convention", "text", True, ("convention",), label_fr="Convention"),
        Column("milestone_date", "date_jalon", "date", True, ("date",), label_fr="Date"),
        Column("milestone_type", "type_jalon", "choice", True, ("type",), MILESTONE_TYPES, "Type de jalon"),
        Column("label", "libelle_jalon", "text", True, ("libelle", "libellé"), label_fr="Libellé"),
    ),
)

ACTIONS = Table(
    name="actions",
    source="convention",
    label_fr="Feuille de route (actions)",
    columns=(
        Column("convention_id", "id_convention", "text", True, ("convention",), label_fr="Convention"),
        Column("action_id", "id_action", "text", True, ("action", "n° action"), label_fr="N° d'action"),
        Column("axis", "axe", "text", True, (), label_fr="Axe"),
        Column("label", "libelle_action", "text", True, ("libelle", "libellé", "action libelle"), label_fr="Action"),
        Column("owner", "pilote", "text", False, ("responsable",), label_fr="Pilote (service)"),
        Column("due_date", "echeance", "date", True, ("échéance", "date echeance"), label_fr="Échéance"),
        Column("status", "statut_action", "choice", True, ("statut", "etat"), ACTION_STATUSES, "Statut"),
        Column("expected_result", "resultat_attendu", "text", False, ("résultat attendu", "resultats attendus"),
               label_fr="Résultat attendu (facultatif)"),
        Column("year", "annee", "int", False, ("année", "feuille de route"),
               label_fr="Année de la feuille de route"),
        Column("status_date", "date_statut", "date", False, ("date du statut", "statut au"),
               label_fr="Date d'effet du statut (plusieurs lignes d'une même action = son historique ; sans date :"
                        " statut à la date de construction de l'entrepôt)"),
        Column("comment", "commentaire", "text", False, ("commentaires", "observations"),
               label_fr="Commentaire sur le statut"),
    ),
    derived={"status_date": "Date d'effet du dernier statut daté (vide : statut non daté, connu à la construction)"},
)

CAMPAIGNS = Table(
    name="campaigns",
    source="campagnes",
    label_fr="Campagnes de nomination",
    columns=(
        Column("region_code", "region", "region", True, ("code region",), label_fr="Région"),
        Column("body_type", "type_instance", "choice", True, BODY_TYPE_ALIASES, BODY_TYPES, "Type d'instance"),
        Column("label", "libelle", "text", True, ("libellé", "campagne"), label_fr="Campagne"),
        Column("opens_on", "date_ouverture", "date", True, ("ouverture",), label_fr="Ouverture"),
        Column("closes_on", "date_cloture", "date", True, ("cloture", "clôture"), label_fr="Clôture"),
        Column("window_end", "fin_prise_en_compte", "date", False,
               ("fin de prise en compte des designations", "fin de prise en compte", "fin des designations"),
               label_fr="Fin de prise en compte des désignations (vide : clôture + 2 mois)"),
        Column("status_date", "date_situation", "date", True, ("situation au", "date"), label_fr="Situation au"),
        Column("seats_opened", "sieges_ouverts", "int", True, ("sieges",), label_fr="Sièges ouverts"),
        Column("candidacies", "candidatures", "int", True, (), label_fr="Candidatures reçues"),
        Column("designations", "designations", "int", True, ("désignations", "nominations"), label_fr="Désignations"),
    ),
)

PROJECT_STATUSES = ("en projet", "en cours", "terminé", "abandonné")

PROJECTS = Table(
    name="projects",
    source="projets",
    label_fr="Projets de partenariat en santé (registre)",
    columns=(
        Column("project_id", "id_projet", "text", True, ("identifiant", "n° projet", "id"), label_fr="Identifiant du projet"),
        Column("title", "intitule", "text", True, ("intitulé", "libelle", "projet"), label_fr="Intitulé du projet"),
        Column("finess", "finess", "finess", False, FINESS_ALIASES, label_fr="N° FINESS de l'établissement"),
        Column("territory_code", "code_territoire", "text", False, TERRITORY_ALIASES,
               label_fr="Code du territoire sans FINESS : département (69, 2A, 974) ou région préfixée R (R84)"),
        Column("forms_raw", "formes_engagement", "text", True, ("formes d'engagement", "forme d'engagement", "formes"),
               label_fr="Formes d'engagement, séparées par « | »"),
        Column("initiator", "initiateur", "choice", False, ("a l'initiative de", "porteur"), PROJECT_INITIATORS,
               "Initiateur du projet"),
        Column("involves_ru_raw", "implication_ru", "choice", True, ("ru implique", "implication d'un ru"),
               ("oui", "non"), "Au moins un représentant des usagers impliqué"),
        Column("start_date", "date_debut", "date", True, ("debut",), label_fr="Début du projet"),
        Column("end_date", "date_fin", "date", False, ("fin",), label_fr="Fin du projet"),
        Column("status", "statut", "choice", True, ("etat",), PROJECT_STATUSES, "Statut du projet"),
        Column("link", "lien", "text", False, ("url", "site", "lien public"), label_fr="Lien public (http ou https)"),
    ),
    derived={
        "forms": "Formes d'engagement (codes : " + ", ".join(PROJECT_FORMS) + ")",
        "involves_ru": "Au moins un représentant des usagers impliqué (vrai/faux)",
        "department_code": "Département (du FINESS ou du code territoire ; vide pour un projet régional)",
        "region_code": "Région",
    },
)

# Candidacies: the « Dossiers » sheet of a « Démarches simplifiées » export (or its CSV export) as it is. Headers are
# the service's own, standard or renamed by an export template; the form's fields are found by their label
# (config/demarches.toml, pipelines/candidatures.py) and read under the four headers below. Names and birth dates
# only feed the pseudonym; e-mails, free text and every other field are never read.
# Read as the export writes them (« Accepté »), stored as codes (accepte): pipelines/candidatures.py.
CANDIDACY_STATES = tuple(vocabulary.CANDIDACY_STATES.values())
CANDIDACIES = Table(
    name="candidacies",
    source="candidatures",
    label_fr="Candidatures (dossiers exportés de « Démarches simplifiées »)",
    columns=(
        Column("dossier_number", "ID", "int", True, ("n° dossier", "numero de dossier", "numero dossier", "dossier"),
               label_fr="Numéro du dossier"),
        Column("last_name", "Nom", "personal", False, ("nom [identité du demandeur]", "nom du demandeur"),
               label_fr="Nom (du candidat, jamais stocké)"),
        Column("first_name", "Prénom", "personal", False, ("prénom [identité du demandeur]", "prénom du demandeur"),
               label_fr="Prénom (jamais stocké)"),
        Column("birth_date", "Date de naissance", "personal", False, ("date de naissance [identité du demandeur]",),
               label_fr="Date de naissance (jamais stockée)"),
        Column("state", "État du dossier", "choice", True, ("etat", "statut", "état du dossier [dossier]"),
               CANDIDACY_STATES, "État du dossier (en construction, en instruction, accepté, refusé, classé sans suite)"),
        Column("updated_on", "Dernière mise à jour le", "date", False, ("date du dernier évènement",
                                                                        "date du dernier evenement"),
               label_fr="Dernière mise à jour du dossier"),
        Column("deposited_on", "Déposé le", "date", True, ("date de dépôt", "date de depot", "depose le"),
               label_fr="Date de dépôt"),
        Column("instructed_on", "Passé en instruction le", "date", False, ("date de passage en instruction",),
               label_fr="Date de passage en instruction"),
        Column("decided_on", "Traité le", "date", False, ("date de traitement", "date de décision"),
               label_fr="Date de traitement (décision)"),
        Column("finess_text", "N° FINESS", "text", False, (), label_fr="Champ du formulaire : établissement (n° FINESS)"),
        Column("body_type_text", "Instance", "text", False, (), label_fr="Champ du formulaire : instance souhaitée"),
        Column("role_text", "Rôle souhaité", "text", False, (), label_fr="Champ du formulaire : rôle souhaité"),
        Column("association", "Association", "text", False, (), label_fr="Champ du formulaire : association"),
    ),
    derived={
        "demarche": "Démarche (numéro, ou nom de ses exports)",
        "wish_line": "Ligne du bloc répétable (un vœu par établissement), vide sinon",
        "finess": "N° FINESS de l'établissement souhaité",
        "body_type": "Type d'instance souhaitée (du formulaire, sinon de la démarche)",
        "role": "Rôle souhaité (titulaire, suppleant ; vide : indifférent)",
        "department_code": "Département de l'établissement",
        "region_code": "Région de la campagne (config/demarches.toml)",
        "campaign_label": "Campagne nommée dans config/demarches.toml (vide : la campagne de la région et du type "
                          "d'instance ouverte à la date de dépôt)",
        "person_key": "Pseudonyme du candidat (même clé que les arrêtés : un candidat désigné est relié à son mandat)",
    },
)

TABLES: tuple[Table, ...] = (BODIES, MANDATES, TRAININGS, MEETINGS, SURVEYS, CONVENTIONS, TARGETS, MILESTONES,
                             ACTIONS, CAMPAIGNS, PROJECTS, CANDIDACIES)
SOURCES = ("finess", "instances", "nominations", "formations", "seances", "enquetes", "convention", "campagnes",
           "projets", "candidatures")


def tables_of(source: str) -> list[Table]:
    return [t for t in TABLES if t.source == source]
