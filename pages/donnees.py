"""Données: each source file as read, every rejected row with where it is, and the data dictionary."""
import pandas as pd
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting
from observatoire.present import tables

SOURCE_LABELS = {
    "finess": "Établissements (FINESS)", "instances": "Instances et sièges", "nominations": "Nominations (arrêtés)",
    "formations": "Formations", "seances": "Séances des instances", "enquetes": "Enquêtes",
    "convention": "Convention (cibles, jalons, actions)", "campagnes": "Campagnes de nomination",
    "candidatures": "Candidatures (Démarches simplifiées)",
}
STATUS_LABELS = {"ok": "✔ chargée", "absent": "– aucun fichier", "bloque": "⛔ bloquée",
                 "partiel": "⚠ en partie lue", "non_lue": "⛔ non lue"}
FILE_COLUMNS = {
    "source": tables.Col("Source"), "file": tables.Col("Fichier"), "table": tables.Col("Table"),
    "encoding": tables.Col("Encodage"), "separator": tables.Col("Séparateur"),
    "rows_read": tables.Col("Lignes lues", "int"), "rows_kept": tables.Col("Conservées", "int"),
    "rows_rejected": tables.Col("Rejetées", "int"), "rows_duplicate": tables.Col("Doublons", "int"),
    "read_fr": tables.Col("Lu"), "missing_fr": tables.Col("Colonnes absentes"),
    "free_text_dropped": tables.Col("Motifs libres écartés", "int"), "sha256": tables.Col("Empreinte SHA-256"),
}
REJECT_COLUMNS = {
    "source": tables.Col("Source"), "file": tables.Col("Fichier"), "line": tables.Col("Ligne", "int"),
    "column": tables.Col("Colonne"), "value": tables.Col("Valeur"), "severity": tables.Col("Gravité"),
    "message_fr": tables.Col("Message"), "kept_fr": tables.Col("Ligne conservée"), "code": tables.Col("Code"),
}
# The store's tables in French (their technical name stays beside it: it is what `make data` writes).
TABLE_LABELS = {
    "establishments": "Établissements", "bodies": "Instances", "mandates": "Mandats", "trainings": "Formations",
    "meetings": "Séances", "surveys": "Enquêtes", "conventions": "Conventions", "targets": "Cibles",
    "milestones": "Jalons", "actions": "Actions de la feuille de route", "campaigns": "Campagnes de nomination",
    "territories": "Territoires", "people": "Personnes (pseudonymes)", "candidacies": "Candidatures",
}


def table_label(name: str) -> str:
    return f"{TABLE_LABELS[name]} ({name})" if name in TABLE_LABELS else name


DICTIONARY_COLUMNS = {"table": tables.Col("Table"), "column": tables.Col("Colonne"), "type": tables.Col("Type"),
                      "description": tables.Col("Description"), "source": tables.Col("Source")}

st.title("Données")
manifest = queries.manifest()
# The files of this page describe the whole store: named after France and the day it was built.
referential_name, built_on = queries.territory_names("national")["FR"], queries.built_on()

st.caption(f"Entrepôt construit le {formatting.date(manifest['built_at'][:10])} à {manifest['built_at'][11:16]} "
           f"en {formatting.number(manifest.get('duration_s', 0), 1)} s depuis {manifest['raw_dir']}. "
           "Déposez un fichier CSV ou XLSX dans le dossier de sa source (data/raw/<source>/) puis relancez "
           "« make data », ou depuis la page « Déposer des fichiers ». Les fichiers bruts ne sont jamais modifiés.")
if manifest.get("demo"):
    st.warning("Clé de pseudonymisation de démonstration : à remplacer (OBSERVATOIRE_PSEUDONYM_KEY) avant "
               "d'importer des arrêtés réels.", icon=":material/warning:")


def sources_tab():
    """Each source's status, its files and the store's tables."""
    for source, report in manifest["sources"].items():
        st.markdown(f"**{SOURCE_LABELS.get(source, source)}** — {STATUS_LABELS.get(report['status'], '')}")
        if report.get("message_fr"):
            show = st.error if report["status"] in ("bloque", "non_lue", "partiel") else st.info
            show(formatting.md_escape(report["message_fr"]))
    files = pd.DataFrame([{"source": source, **entry} for source, report in manifest["sources"].items()
                          for entry in report["files"]])
    if len(files):
        files["sha256"] = files["sha256"].fillna("").str[:16] + "…"
        files["read_fr"] = files.get("read", pd.Series(True, index=files.index)).map({False: "non"}).fillna("oui")
        files["missing_fr"] = files.get("missing_columns", pd.Series(index=files.index, dtype=object)).map(
            lambda cols: ", ".join(cols) if isinstance(cols, list) else "")
        ui.table(files, FILE_COLUMNS, name="fichiers_sources", title="Fichiers sources lus",
                 territory=referential_name, as_of=built_on)
    st.markdown("**Tables de l'entrepôt**")
    ui.show(pd.DataFrame({"Table": [table_label(t) for t in manifest["tables"]],
                              "Lignes": [formatting.number(v) for v in manifest["tables"].values()]}),
                width="content")

def rejects_tab():
    """Rejected rows and warnings, filtered by source, severity and file."""
    rejects = queries.rejects()
    rejects["kept_fr"] = rejects["kept"].map({True: "oui", False: "non"})
    st.caption("Une **erreur** écarte toujours la ligne de l'entrepôt. Un **avertissement** signale une valeur "
               "corrigée ou une ligne hors du champ de l'observatoire : la colonne « Ligne conservée » dit si la "
               "ligne est dans l'entrepôt. La ligne est celle que montre un tableur ou un éditeur de texte "
               "(l'en-tête est la ligne 1).")
    filters = st.columns(3)
    sources = filters[0].multiselect("Source", sorted(rejects["source"].unique()), placeholder="Toutes")
    severities = filters[1].multiselect("Gravité", ["erreur", "avertissement"], placeholder="Toutes")
    files_chosen = filters[2].multiselect("Fichier", sorted(rejects["file"].unique()), placeholder="Tous")
    keep = pd.Series(True, index=rejects.index)
    for column, chosen_values in (("source", sources), ("severity", severities), ("file", files_chosen)):
        if chosen_values:
            keep &= rejects[column].isin(chosen_values)
    shown = rejects[keep]
    counts = st.columns(2)
    counts[0].metric("Lignes écartées de l'entrepôt", formatting.number(int((~shown["kept"]).sum())))
    counts[1].metric("Lignes conservées avec un avertissement", formatting.number(int(shown["kept"].sum())))
    ui.show(tables.display(shown, REJECT_COLUMNS))
    ui.table_downloads("Télécharger les rejets", shown, REJECT_COLUMNS, name="rejets",
                       title="Lignes rejetées et avertissements de l'import", territory=referential_name,
                       as_of=built_on)

def dictionary_tab():
    """The data dictionary of the store."""
    dictionary = queries.dictionary()
    table_names = sorted(dictionary["table"].unique()) if len(dictionary) else []
    chosen = st.multiselect("Tables", table_names, placeholder="Toutes", format_func=table_label)
    shown = dictionary[dictionary["table"].isin(chosen)] if chosen else dictionary
    ui.show(tables.display(shown.assign(table=shown["table"].map(table_label)), DICTIONARY_COLUMNS))
    ui.table_downloads("Télécharger le dictionnaire", shown, DICTIONARY_COLUMNS, name="dictionnaire_des_donnees",
                       title="Dictionnaire des données", territory=referential_name, as_of=built_on)


# Only the open tab runs and is drawn (a tab change reruns the page).
TABS = {"Sources": sources_tab, "Lignes rejetées et avertissements": rejects_tab,
        "Dictionnaire des données": dictionary_tab}
for tab, draw in zip(st.tabs(list(TABS), key="donnees_onglet", on_change="rerun"), TABS.values()):
    if tab.open:
        with tab:
            draw()
