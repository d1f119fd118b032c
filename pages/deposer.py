"""Déposer des fichiers: check files against the store in service, publish them, or put a kept version back."""
import streamlit as st

from observatoire import ui
from observatoire.base import formatting
from observatoire.present import tables
from observatoire.present import upload as words
from observatoire.ui import upload

upload.require_administrator()
ctx = ui.context()

st.title("Déposer des fichiers")
st.caption("Arrêtés, listes de formation, séances, exports de « Démarches simplifiées »… : le fichier est d'abord "
           "vérifié (mêmes lectures et mêmes règles que « make data », rien n'est écrit), puis publié : enregistré "
           "dans data/raw/<source>/ sous son propre nom (jamais à la place d'un autre fichier), l'entrepôt est "
           "reconstruit avec les mêmes garde-fous et toutes les pages l'affichent aussitôt. Chaque entrepôt publié "
           "est conservé : on peut y revenir.")
upload.show_message()


def deposit_tab():
    """Choose the files and their source, check them, then publish them."""
    files = st.file_uploader("Fichiers à déposer (CSV, TXT, TSV, XLSX, XLS, ODS)", type=upload.TYPES,
                             accept_multiple_files=True, key=upload.uploader_key(),
                             help="La source de chaque fichier est reconnue d'après ses en-têtes ; vous pouvez la "
                                  "changer.")
    if not files:
        st.info("Déposez un ou plusieurs fichiers : modèles vides dans data/templates/, exports de « Démarches "
                "simplifiées » tels que téléchargés.")
        return
    sources = {}
    for file in files:
        detected = upload.detect(file)
        options = list(words.SOURCE_LABELS)
        sources[file.file_id] = st.selectbox(
            f"Source de « {formatting.md_escape(file.name)} »", options, format_func=words.source_label,
            index=options.index(detected) if detected in options else None, key=f"depot_source_{file.file_id}",
            placeholder="Choisir la source de ce fichier",
            help="Reconnue d'après les en-têtes du fichier." if detected else
            "En-têtes non reconnus : choisissez la source (la vérification dira quelles colonnes manquent).")
    chosen = upload.uploads(files, sources)
    if st.button("Vérifier", type="primary", icon=":material/fact_check:", disabled=chosen is None,
                 help=None if chosen else "Choisissez la source de chaque fichier."):
        upload.check(chosen, ctx.as_of)
    check = upload.last_check(chosen)
    if check is None:
        return
    show_check(check)
    st.divider()
    if check.publishable:
        st.caption("Publier enregistre ces fichiers dans data/raw et reconstruit l'entrepôt : l'entrepôt actuel reste "
                   "conservé comme version (onglet Versions).")
    if st.button("Publier", type="primary", icon=":material/publish:", disabled=not check.publishable,
                 help=None if check.publishable else "La vérification refuse cette publication : corrigez d'abord "
                                                     "les fichiers."):
        upload.publish(chosen)


def show_check(check):
    """What the dry run found: each file, its rejected rows, what the publication would change."""
    errors = sum(1 for i in check.issues if i.severity == "erreur")
    warnings = len(check.issues) - errors
    st.subheader("Vérification")
    cards = st.columns(3)
    cards[0].metric("Lignes rejetées", formatting.number(errors))
    cards[1].metric("Avertissements", formatting.number(warnings))
    cards[2].metric("Publication", "possible" if check.publishable else "refusée")
    files = words.files_frame(check.files, check.saved_as)
    ui.show(tables.display(files, words.FILE_COLUMNS))
    for name in words.files_without_rows(files):
        st.warning(f"{formatting.md_escape(name)} : aucune ligne ne serait conservée (voir les lignes rejetées).",
                   icon=":material/warning:")
    for message in check.messages:
        st.warning(formatting.md_escape(message), icon=":material/warning:")
    if check.blocked:  # the refusals that follow from a blocked source would only repeat it
        st.error(f"La publication serait bloquée : source(s) {', '.join(check.blocked)} (raison ci-dessus). "
                 "L'entrepôt en service serait conservé.", icon=":material/block:")
    elif check.refused:
        st.error("La publication serait refusée : " + " ; ".join(formatting.md_escape(r) for r in check.refused)
                 + ". L'entrepôt en service serait conservé. Corrigez les fichiers (lignes ci-dessous) puis "
                 "vérifiez-les à nouveau.", icon=":material/block:")
    if check.issues:
        issues = words.issues_frame([vars(i) for i in check.issues])
        st.markdown("**Lignes rejetées et avertissements** (la ligne est celle que montre un tableur : l'en-tête est "
                    "la ligne 1)")
        st.markdown(words.first_errors(issues))
        ui.show(tables.display(issues, words.ISSUE_COLUMNS))
    else:
        st.success("Aucune ligne rejetée, aucun avertissement.")
    if check.preview is None:
        return
    st.subheader(f"Ce qui changerait au {formatting.date(check.preview.as_of)}")
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Lignes par table** (entrepôt en service → après publication)")
        ui.show(tables.display(words.tables_frame(check.preview.tables), words.TABLE_COLUMNS))
    with right:
        st.markdown("**Par région** (avant → après ; vacance des sièges désignés par l'ARS, à la date du menu "
                    "latéral)")
        every = st.toggle("Toutes les régions", key="depot_toutes_regions")
        regions = words.regions_frame(check.preview.regions, only_changed=not every)
        if regions.empty:
            st.info("Aucune région ne change.")
        else:
            ui.show(tables.display(regions, words.REGION_COLUMNS))


def versions_tab():
    """The kept stores, and the way back to one of them."""
    kept, current = upload.versions()
    if not kept:
        st.info("Aucune version conservée pour l'instant : chaque publication (et chaque « make data ») en conserve "
                "une.")
        return
    st.caption(f"{formatting.number(len(kept))} version(s) conservée(s), la plus récente en premier (réglage "
               "OBSERVATOIRE_VERSIONS_KEPT). Revenir à une version remet son entrepôt en service tel qu'il était, "
               "octet pour octet ; les fichiers bruts ajoutés depuis sont écartés (jamais supprimés).")
    ui.show(tables.display(words.versions_frame(kept, current), words.VERSION_COLUMNS))
    by_id = {meta["id"]: meta for meta in kept}
    others = [meta["id"] for meta in reversed(kept) if meta["id"] != current]
    if not others:
        return
    chosen = st.selectbox("Version à remettre en service", others, format_func=lambda i: words.version_label(
        by_id[i]), index=None, placeholder="Choisir une version", key="depot_version_choisie")
    if st.button("Revenir à cette version…", icon=":material/history:", disabled=chosen is None):
        upload.confirm_rollback(chosen)
    rollbacks = upload.journal()
    if rollbacks:
        last = rollbacks[-1]
        st.caption(f"Dernier retour : le {formatting.date(last['at'][:10])} à {last['at'][11:16]} par "
                   f"{formatting.md_escape(last['who'])}, vers la version {last['to']}.")


# Only the open tab runs and is drawn (a tab change reruns the page).
TABS = {"Déposer": deposit_tab, "Versions": versions_tab}
for tab, draw in zip(st.tabs(list(TABS), key="depot_onglet", on_change="rerun"), TABS.values()):
    if tab.open:
        with tab:
            draw()
