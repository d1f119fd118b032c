"""Formation : conformité des nouveaux RU à « RU en Avant ! », RU restant à former, sessions et participation."""
import streamlit as st

from observatoire import queries, ui
from observatoire.base import dates, formatting
from observatoire.domain import indicators
from observatoire.present import charts, exports, tables, territorial, training
from observatoire.present.tables import Col

TO_TRAIN_COLUMNS = {
    "days_left": Col("Jours avant l'échéance", "int"),
    "next_deadline": Col("Échéance la plus proche", "date"),
    "untrained_label": Col("RU à former"),
    "establishment": Col("Établissement"),
    "link": Col("Fiche", "link"),
    "finess": Col("N° FINESS"),
    "body_label": Col("Instance"),
    "body_type": Col("Type"),
    "department_code": Col("Département"),
}
TO_TRAIN_EXPORT = {**TO_TRAIN_COLUMNS, "days_left": Col("Jours avant l'échéance (négatif : dépassée)", "int")}
CALENDAR_COLUMNS = {
    "session_date": Col("Date", "date"), "state": Col("Session"), "training": Col("Module"),
    "session": Col("Code"), "department_code": Col("Département"), "places_label": Col("Places"),
    "registered_label": Col("Inscrits"), "attendees_label": Col("Présents"),
}
URGENCY = {"pending": "Délai en cours", "overdue": "Délai dépassé", "all": "Tous"}

ctx = ui.context()
st.title("Formation des représentants des usagers")
st.caption(ui.caption_as_of(ctx))
st.info(training.RULE_FR)
body_type = st.selectbox("Type d'instance de la première désignation", [None, *training.DESIGNATED_BODIES],
                         format_func=lambda b: "Toutes les instances désignées par arrêté" if b is None else b,
                         key="formation_instance")

st.header("Conformité des nouveaux RU, par trimestre de première désignation")
cards = st.columns(3)
COMPLIANCE = ["taux_formation_6m", "taux_formation_tardive", "taux_sans_formation"]
compliance = queries.indicators_at(COMPLIANCE, ctx.scope, ctx.as_of)  # one measure shared by the three
judged = dates.last_quarter_end(ctx.as_of)
cohort_text = training.cohort_text(judged)
for card, indicator_id in zip(cards, COMPLIANCE):
    row = compliance[compliance["indicator_id"] == indicator_id]
    spec = indicators.get(indicator_id)
    shown = row.iloc[0] if len(row) else None
    card.metric(spec.label, "–" if shown is None else
                formatting.value_with_unit(shown["value"], spec.unit, bool(shown["masked"])), border=True,
                help=f"{spec.definition} {cohort_text}")
    if shown is not None and not bool(shown["masked"]):
        card.caption(formatting.small_base_note(shown["numerator"], shown["denominator"], queries.small_base()))
st.caption(f"{cohort_text} Toutes instances désignées par arrêté ; la même cohorte dans le tableau par territoire, "
           "la carte, le tableau de bord de la convention, le bilan et la ligne de commande.")



def cohort_section() -> None:
    cohorts = queries.training_cohorts(ctx.scope, ctx.as_of, body_type)
    if cohorts["cohort"].fillna(0).sum() == 0:
        st.info(f"Aucun trimestre de {queries.mask_threshold()} nouveaux RU ou plus sur les 12 derniers : rien à "
                "montrer sans révéler de petits effectifs." if cohorts["masked"].any() else
                "Aucune première désignation sur les 12 derniers trimestres pour ce territoire et ce type d'instance.")
    else:
        series = {**{state: (label, training.STATE_COLORS[state]) for state, label in training.STATES.items()},
                  "hidden": (training.HIDDEN_LABEL, training.HIDDEN_COLOR)}
        ui.chart(charts.stacked_bars(
            cohorts, "label", series, f"Nouveaux RU par trimestre de première désignation – état au "
                                      f"{formatting.date(ctx.as_of)}", "Personnes"),
            name=("formation", "cohortes"), data=cohorts, key="formation_cohortes")
        st.caption("Chaque barre : les personnes désignées pour la première fois pendant le trimestre, selon leur "
                   f"situation à la date choisie. En gris : un effectif de {formatting.fewer_than()} est masqué, "
                   "avec un second pour qu'il ne se déduise pas du total ; un trimestre de moins de "
                   f"{queries.mask_threshold()} nouveaux RU n'est pas montré.")
        ui.table_downloads("Télécharger les cohortes", cohorts, {
            "label": Col("Trimestre de première désignation"), "cohort": Col("Nouveaux RU", "int"),
            **{s: Col(label, "int") for s, label in training.STATES.items()},
            "on_time_rate": Col("Formés dans les 6 mois (%)", "percent")},
            name=("formation", "cohortes"), title="Nouveaux RU par trimestre de première désignation",
            key="formation_cohortes_table")


def territory_section() -> None:
    # The table first; the map (the same cohort's rate, drawn with WebGL) is built and drawn only when its tab is
    # opened.
    table_tab, map_tab = st.tabs(["Tableau par territoire", "Carte : RU formés dans les 6 mois"],
                                 key="formation_par_territoire", on_change="rerun")
    if table_tab.open:
        with table_tab:
            level = "departement" if ctx.level != "national" else "region"
            by_territory = queries.training_by_territory(ctx.scope, level, ctx.as_of, body_type)
            st.markdown(f"**{cohort_text} Par {'région' if level == 'region' else 'département'} de première "
                        "désignation ; en dernière colonne, hors du taux, les RU désignés dans la même période dont "
                        "le délai court encore.**")
            if by_territory.empty:
                st.info("Aucune première désignation dans la période de la cohorte.")
            else:
                ui.grid(by_territory, training.TERRITORY_COLUMNS, placeholder=formatting.MASKED)
                st.caption(f"« {formatting.MASKED} » : {formatting.fewer_than()}, ou un second chiffre qui "
                           "permettrait de le retrouver par différence avec un total affiché (secret statistique).")
                ui.table_downloads("Télécharger le tableau", by_territory, training.TERRITORY_COLUMNS,
                                   masked=training.hidden_cells(by_territory), name=("formation", "territoires"),
                                   title="Nouveaux RU et formation « RU en Avant ! » par territoire")
    if map_tab.open:
        with map_tab:
            spec = indicators.get("taux_formation_6m")
            frame, references, map_level, map_region, map_note = queries.department_map_frame(
                "taux_formation_6m", ctx.region, ctx.as_of)
            centre = territorial.default_centre(references, frame)

            def training_map(**options):
                return charts.choropleth_map(
                    frame, map_level, spec.label, spec.unit, spec.direction, centre.value,
                    f"{centre.label.split(' (')[0].lower()} {formatting.value_with_unit(centre.value, spec.unit)}",
                    region=map_region, num_label=spec.numerator, den_label=spec.denominator, year=ctx.as_of.year,
                    note=map_note, **options)

            ui.chart(training_map(), name=("taux_formation_6m", "departements" if map_level == "departement" else
                                           "regions"),
                     title=spec.label, data=frame, key="formation_carte",
                     export=lambda: training_map(annotated=True, **exports.MAP_SIZE),
                     config={"scrollZoom": False, "displaylogo": False})
            st.caption(f"{spec.definition} Toutes instances désignées. Gris : valeur masquée "
                       f"({formatting.fewer_than()}, ou un second territoire qui permettrait de la retrouver par différence avec le total affiché) ; "
                       "blanc : aucune donnée." + (f" {map_note}" if map_note else ""))


def to_train_section() -> None:
    table = queries.to_train(ctx.scope, ctx.as_of, body_type)
    urgency = st.radio("Échéance", list(URGENCY), format_func=URGENCY.get, horizontal=True, key="formation_urgence")
    shown = ui.with_links(training.filter_urgency(table, urgency))
    st.markdown(f"**{formatting.number(len(shown))} instance(s)** avec au moins un RU en mandat au "
                f"{formatting.date(ctx.as_of)} qui n'a pas encore suivi « RU en Avant ! ». Les plus urgentes en "
                f"premier ; effectifs de {formatting.fewer_than()} affichés « {formatting.masked_count()} ».")
    if shown.empty:
        st.success("Aucun RU à former pour ce choix.")
    else:
        ui.grid(shown, TO_TRAIN_COLUMNS, placeholder="–")
        ui.table_downloads("Télécharger la liste", shown, TO_TRAIN_EXPORT, name="ru_a_former",
                           title="RU à former (« RU en Avant ! »)")


def sessions_section() -> None:
    calendar = queries.training_calendar(ctx.scope, ctx.as_of)
    if calendar.empty:
        st.info("Aucune session de formation enregistrée pour ce territoire.")
    else:
        # Only the open tab is built and drawn (a tab change reruns the page).
        calendar_tab, attendance_tab = st.tabs(["Calendrier des sessions", "Participations par module"],
                                               key="formation_sessions", on_change="rerun")
        if calendar_tab.open:
            with calendar_tab:
                ui.chart(charts.session_calendar(calendar, "session_date", "training", "state", ctx.as_of,
                                                 "Sessions passées et prévues"), name=("formation", "sessions"),
                         data=calendar, key="formation_calendrier")
        if attendance_tab.open:
            with attendance_tab:
                attendance = queries.training_attendance(ctx.scope, ctx.as_of)
                ui.chart(charts.grouped_bars(attendance, "year", "attendees", "training",
                                             "Participations par module et par année", "Présents"),
                         name=("formation", "participations"), data=attendance, key="formation_participation")
                st.caption("Présents cumulés sur les sessions de l'année tenues jusqu'au "
                           f"{formatting.date(ctx.as_of)} (une personne venue à deux sessions compte deux fois) ; "
                           f"« {formatting.masked_count()} » : effectif masqué.")
        planned = calendar[calendar["state"] == "à venir"]
        st.markdown(f"**{formatting.number(len(planned))} session(s) prévue(s)** après le "
                    f"{formatting.date(ctx.as_of)}, {formatting.number(len(calendar) - len(planned))} passée(s).")
        ordered = training.calendar_order(calendar)
        ui.show(tables.display(ordered, CALENDAR_COLUMNS))
        ui.table_downloads("Télécharger le calendrier", ordered, CALENDAR_COLUMNS, name="sessions_formation",
                           title="Sessions de formation passées et prévues")


ui.sections({"Cohortes par trimestre": cohort_section, "Par territoire": territory_section,
             "RU à former": to_train_section, "Sessions": sessions_section}, key="formation_section")
