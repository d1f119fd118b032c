"""Convention: the scorecard of the shared indicators against targets, one chart per indicator, the milestones
and the roadmap as they stood on the date reviewed."""
import pandas as pd
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting
from observatoire.domain import indicators
from observatoire.present import charts, convention, tables

ctx = ui.context()
st.title("Convention de partenariat")
conventions = queries.conventions()
if conventions.empty:
    st.info("Aucune convention dans data/raw/convention : déposez les fichiers convention, cibles, jalons et "
            "actions (modèles dans data/templates).")
    st.stop()

labels = dict(zip(conventions["convention_id"], conventions["title"]))
choices = queries.convention_choices()
default = convention.default_convention(conventions, ctx.region)
convention_id = st.selectbox("Convention", choices, index=None if default is None else choices.index(default),
                             format_func=labels.get, placeholder="Choisir une convention")
if convention_id is None:
    st.info(f"{ctx.name} n'a pas de convention propre : choisissez-en une dans la liste (celles qui suivent des "
            "indicateurs et des cibles d'abord).")
    st.stop()
row = conventions.set_index("convention_id").loc[convention_id]
territory = convention.territory_name(row)
st.caption(convention.plan_caption(row))

milestones = queries.milestones(convention_id)
choices = convention.review_dates(milestones, ctx.as_of)
picked = st.selectbox("Situation à afficher", list(choices), format_func=choices.get,
                      help="Revoir ce que le groupe de suivi a vu à une réunion passée : indicateurs et feuille de "
                           "route tels qu'ils étaient ce jour-là.")
as_of = picked
signed = convention.signed_by(row["signed_on"], as_of)
st.header(f"Tableau de bord au {formatting.date(as_of)}")
ui.bilan_and_seance(convention_id, as_of, row["signed_on"])

card = convention.chosen_first(queries.scorecard(convention_id, as_of), ctx.level, ctx.code)
horizon = queries.data_horizon()


def scorecard_section() -> None:
    """The status counts, the scorecard (the user's own territory first and highlighted), the comparison of two
    dates."""
    if card.empty:
        st.info("Ce plan n'a ni indicateur ni cible : seuls ses jalons et sa feuille de route sont suivis.")
        ui.convention_comparison(convention_id, as_of, row["signed_on"], milestones, key="convention")
        return
    if not signed:
        st.info(f"Convention non encore signée à cette date (signature le {formatting.date(row['signed_on'])}) : "
                "les valeurs sont affichées, sans statut.")
    elif as_of > horizon:
        st.info(f"Données connues jusqu'au {formatting.date(horizon)} : les valeurs sont affichées, sans statut "
                "(aucun arrêté ni aucune séance n'est connu après cette date).")
    else:
        counts = convention.status_counts(card)
        summary = st.columns(len(counts))
        for column, (status, count) in zip(summary, counts.items()):
            icon, _ = charts.STATUS_STYLE[status]
            column.metric(f"{icon} {status.capitalize()}", formatting.number(count), border=True)
    shown = convention.scorecard_display(card)
    highlighted = convention.chosen_rows(card, ctx.level, ctx.code)
    ui.show(tables.highlight(shown, highlighted) if any(highlighted) else shown)
    if card["masked"].fillna(False).astype(bool).any():
        st.caption(formatting.masked_reason())
    last_meeting = card["last_meeting"].dropna()
    st.caption(
        "Statut : ✔ atteint (cible de l'année atteinte) · ↗ en bonne voie (du bon côté de la trajectoire en ligne "
        "droite de la référence à la cible, ou en deçà de moins d'une personne ou d'un siège) · ⚠ en retard · "
        "✗ non atteint (résultat définitif sous la cible : campagne dont la prise en compte des désignations est "
        "close) · ○ non évaluable (valeur masquée ou manquante, ou pas encore de référence : une donnée manquante "
        "n'est jamais « en retard »). Référence : la valeur à la signature, sinon la première valeur connue après "
        "elle ; 0 à l'ouverture pour une campagne, jugée sur sa propre cible jusqu'à la fin de prise en compte de "
        "ses désignations. La formation est jugée à la fin du dernier trimestre achevé. "
        + (f"Évolution depuis le groupe de suivi du {formatting.date(last_meeting.iloc[0])}."
           if len(last_meeting) else "Aucun groupe de suivi avant cette date."))
    ui.downloads(lambda: charts.table_figure(shown, status_column="Statut"),
                 name=("tableau_de_bord", convention_id), title=f"{labels[convention_id]} : tableau de bord",
                 territory=territory, as_of=as_of, data=card, columns=convention.SCORECARD_EXPORT)
    ui.convention_comparison(convention_id, as_of, row["signed_on"], milestones, key="convention")


def trajectories_section() -> None:
    """One indicator's trajectory since the signature at a time (a tab each), the other territories' on demand."""
    large = st.toggle("Grand écran (séance)", help="Textes agrandis pour une projection murale.")
    meetings = convention.meeting_dates(milestones)
    targets = queries.targets(convention_id)
    main, others = convention.chart_rows(card, row["region_code"], ctx.level, ctx.code)

    def draw(chart_row) -> None:
        spec = indicators.get(chart_row["indicator_id"])
        series = queries.convention_series(chart_row["indicator_id"], chart_row["level"], chart_row["territory_code"],
                                           convention.series_start(row["signed_on"], as_of, chart_row), as_of)
        ui.chart(charts.indicator_trajectory(
            series, convention.row_targets(targets, chart_row), baseline=convention.row_baseline(chart_row),
            meetings=meetings, as_of=as_of, title=convention.chart_title(chart_row), unit=spec.unit,
            direction=spec.direction, large=large),
            name=chart_row["indicator_id"], territory=chart_row["territory_name"],
            as_of=as_of, data=series, columns=convention.SERIES_COLUMNS, key=f"trajectoire_{chart_row['indicator_id']}_"
                                                                            f"{chart_row['territory_code']}_{large}")

    # One tab per indicator, only the open one built and drawn (a tab change reruns the page): seven trajectories
    # drawn at once cost the browser a second on every rerun, and the scorecard lists them all.
    if len(main):
        st.caption("Un onglet par indicateur suivi : choisissez l'onglet pour afficher sa trajectoire.")
        tabs = st.tabs([convention.chart_title(r) for _, r in main.iterrows()],
                       key="convention_indicateur", on_change="rerun")
        for tab, (_, chart_row) in zip(tabs, main.iterrows()):
            if tab.open:
                with tab:
                    draw(chart_row)
    if len(others):
        box = st.expander(f"Cibles des autres territoires ({len(others)})", key="convention_autres_cibles",
                          on_change="rerun")
        if box.open:  # built and drawn only when opened
            with box:
                names = {i: convention.chart_title(r) for i, r in others.iterrows()}
                chosen = st.selectbox("Indicateur et territoire", list(names), format_func=names.get)
                draw(others.loc[chosen])
    st.caption("Points : valeur à la signature, au 1er de chaque mois (de chaque trimestre pour la formation) et "
               "à la date affichée ; une campagne part de son ouverture ; trou dans la ligne : valeur masquée ou "
               "manquante. Étoiles : cibles au 31/12 de leur année ; tirets : trajectoire de la référence aux "
               "cibles ; pointillés violets : groupes de suivi ; trait rouge : date affichée.")


def roadmap_actions():
    """The roadmap's actions as they stood on the date reviewed (the séance record's late actions, the roadmap)."""
    return convention.actions_frame(queries.actions(convention_id, as_of), as_of)


def record_section() -> None:
    """What the follow-up group saw and decided on that date, and the form that closes the séance."""
    st.subheader(f"Séance du {formatting.date(as_of)}")
    actions = roadmap_actions()
    record, replay = queries.seance_replay(convention_id, as_of)
    if record is not None:
        st.caption(convention.record_caption(record))
        st.table(convention.replay_display(replay), hide_index=True)  # a plain table: printed and read as is
        notes = record.get("action_notes", {})
        if notes:
            st.markdown("**Actions en retard discutées** : " + " ; ".join(
                f"{formatting.md_escape(k)} — {formatting.md_escape(v.get('comment', ''))}"
                f"{' → ' + formatting.md_escape(v['decision']) if v.get('decision') else ''}" for k, v in notes.items()))
        st.caption("Valeurs enregistrées le jour de la séance, à côté des valeurs recalculées aujourd'hui pour la même "
                   "date : un écart vient d'un arrêté ou d'une séance enregistrés après coup.")
    elif not card.empty:
        st.caption("Aucun relevé pour cette date : la séance n'a pas été close dans l'observatoire.")
    if not card.empty and ui.may_export():
        box = st.expander("Clore la séance (relevé : valeurs, commentaires, décisions, organisations présentes)",
                          key="convention_clore", on_change="rerun")
        if box.open:
            with box, st.form("clore_seance"):
                st.caption("Aucun nom de personne : les organisations présentes seulement ; un texte contenant une adresse "
                           "électronique ou un numéro de téléphone est refusé. Une correction est une nouvelle version.")
                organisations = st.text_area("Organisations présentes (une par ligne)", key="clore_organisations")
                notes_frame = pd.DataFrame({"key": [queries.seance_row_key(r) for _, r in card.iterrows()],
                                            "Indicateur": card["label"], "Territoire": card["territory_name"],
                                            "Commentaire": "", "Décision": ""})
                edited = st.data_editor(notes_frame, hide_index=True, disabled=["key", "Indicateur", "Territoire"],
                                        column_config={"key": None}, key="clore_notes", width="stretch")
                late_actions = actions[actions["overdue"]] if len(actions) else actions
                action_frame = pd.DataFrame({"N°": late_actions.get("action_id", pd.Series(dtype=str)),
                                             "Action": late_actions.get("label", pd.Series(dtype=str)),
                                             "Commentaire": "", "Décision": ""})
                edited_actions = st.data_editor(action_frame, hide_index=True, disabled=["N°", "Action"],
                                                key="clore_actions", width="stretch") if len(action_frame) else None
                if st.form_submit_button("Clore la séance", type="primary"):
                    try:
                        saved = queries.close_seance(
                            convention_id, as_of, organisations.splitlines(),
                            {r["key"]: {"comment": r["Commentaire"] or "", "decision": r["Décision"] or ""}
                             for _, r in edited.iterrows()},
                            {} if edited_actions is None else
                            {r["N°"]: {"comment": r["Commentaire"] or "", "decision": r["Décision"] or ""}
                             for _, r in edited_actions.iterrows()})
                        st.success(f"Séance du {formatting.date(as_of)} close (version {saved['version']}).")
                        st.rerun()
                    except queries.RecordRefused as refused:
                        st.error(str(refused))


def roadmap_section() -> None:
    """The milestones and the roadmap's actions as they stood on that date."""
    actions = roadmap_actions()
    st.header("Jalons de suivi")
    if len(milestones):
        ui.chart(charts.timeline(convention.milestones_frame(milestones), "milestone_date", "label",
                                 "type_label", as_of, ""),
                 name=("jalons", convention_id), title=f"{labels[convention_id]} : jalons de suivi", territory=territory,
                 as_of=as_of, data=convention.milestones_frame(milestones, as_of), columns=convention.MILESTONE_COLUMNS)
        shown_milestones = tables.display(convention.milestones_frame(milestones, as_of), convention.MILESTONE_COLUMNS)
        ui.show(shown_milestones)
    st.header(f"Feuille de route au {formatting.date(as_of)}")
    if actions.empty:
        st.info("Aucune action de la feuille de route à cette date.")
    else:
        late = int(actions["overdue"].sum())
        if late:
            st.warning(f"{late} action(s) en retard sur leur échéance au {formatting.date(as_of)}.")
        action_columns = convention.roadmap_columns(actions)
        shown_actions = tables.display(actions, action_columns)
        ui.show(shown_actions, column_config={name: st.column_config.TextColumn(
            name, width=convention.ACTION_WIDTHS.get(name)) for name in shown_actions.columns})
        st.caption("Statut de chaque action tel qu'enregistré à la date affichée (historique des statuts du fichier "
                   "actions). Un statut sans date est celui connu à la construction de l'entrepôt "
                   f"({formatting.date(queries.built_on())}) : avant cette date, il est signalé « non daté ».")
        ui.table_downloads("Télécharger la feuille de route", actions, action_columns,
                           name=("feuille_de_route", convention_id), title=f"{labels[convention_id]} : feuille de route",
                           territory=territory, as_of=as_of)


# One section at a time; the date chosen and the bilan stay above them.
SECTIONS = {"Indicateurs et statuts": scorecard_section, "Trajectoires des indicateurs": trajectories_section,
            "Relevé de la séance": record_section,
            "Jalons et feuille de route": roadmap_section}
if card.empty:   # a plan without indicators: no trajectory to draw
    SECTIONS.pop("Trajectoires des indicateurs")
ui.sections(SECTIONS, key="convention_section")
