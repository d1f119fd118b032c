"""Participation: RU present / RU expected at body meetings, by quarter, and bodies with empty RU chairs."""
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting
from observatoire.base.dates import quarter_start
from observatoire.present import charts, tables
from observatoire.present.tables import Col
from observatoire.present.vacancy import EMPTY_CHAIR_MEETINGS, SERIES_START, count_label

ctx = ui.context()
scope = ctx.scope
current_quarter = quarter_start(ctx.as_of)

st.title("Participation")
st.caption(f"{ui.caption_as_of(ctx)} · participation réelle = RU présents / RU attendus aux séances des instances, "
           "par trimestre")
st.info("Règle : les RU attendus à une séance sont les titulaires convoqués. Un suppléant siège à la place d'un "
        "titulaire absent : il n'y a jamais plus de RU attendus que de sièges de titulaires de l'instance (une séance "
        "qui en déclare davantage est rejetée à l'import, avec son fichier et sa ligne, page Données). Un suppléant "
        "présent pour un titulaire absent compte comme présent.")

# --- Headline ------------------------------------------------------------------------------------------
year = queries.indicator("taux_participation", scope, ctx.as_of)
if year.empty:
    st.info("Aucune séance d'instance enregistrée pour ce territoire sur les 12 derniers mois.")
else:
    row = year.iloc[0]
    cards = st.columns(3)
    cards[0].metric("Participation réelle sur 12 mois", formatting.percent(row["value"]))
    cards[1].metric("RU présents", formatting.number(row["numerator"]))
    cards[2].metric("RU attendus", formatting.number(row["denominator"]))

# --- Quarterly series ------------------------------------------------------------------------------------
breakdown = st.radio("Ventiler par", ["Aucune", "Type d'instance"], horizontal=True)
by = ("body_type",) if breakdown == "Type d'instance" else ()
quarters = queries.quarterly_participation(scope, SERIES_START, ctx.as_of, by)
if quarters.empty:
    st.info("Aucune séance enregistrée pour ce territoire.")
    st.stop()
QUARTER_COLUMNS = {
    "territory_name": Col("Territoire"), "group": Col("Type d'instance"), "quarter_label": Col("Trimestre"),
    "meetings": Col("Séances", "int"), "expected": Col("RU attendus", "int"), "present": Col("RU présents", "int"),
    "rate": Col("Participation réelle", "percent"),
}
# Only the open tab is built and drawn (a tab change reruns the page).
noun = {"national": "régions", "region": "départements"}.get(ctx.level)  # the territories below, if any
tabs = st.tabs(["Participation réelle", *([f"Comparaison des {noun}"] if noun else [])], key="participation_onglet",
               on_change="rerun")
if tabs[0].open:
    with tabs[0]:
        ui.chart(charts.time_series(quarters, "quarter", "rate", f"Participation réelle par trimestre – {ctx.name}",
                                    "%", color="group", y_label="RU présents / attendus (%)"),
                 name=("taux_participation", "trimestres", "types" if by else ""),
                 title="Participation réelle par trimestre", data=quarters, columns=QUARTER_COLUMNS)
        st.caption("Chaque point couvre les séances tenues dans le trimestre (jusqu'à la date d'observation pour le "
                   f"trimestre en cours, débuté le {formatting.date(current_quarter)}).")
if noun and tabs[-1].open:
    with tabs[-1]:
        children = queries.quarterly_participation(ctx.children(), SERIES_START, ctx.as_of)
        if children.empty:
            st.info(f"Aucune séance enregistrée dans les {noun} de ce territoire.")
        else:
            ui.chart(charts.small_multiples(children, "quarter", "rate", "territory_name",
                                            f"Participation réelle par {noun[:-1]} et par trimestre", "%"),
                     name=("taux_participation", noun), data=children, columns=QUARTER_COLUMNS)

table_box = st.expander("Tableau par trimestre", key="participation_tableau", on_change="rerun")
if table_box.open:  # built and drawn only when opened
    with table_box:
        ui.show(tables.display(quarters, QUARTER_COLUMNS))
        ui.table_downloads("Télécharger le tableau", quarters, QUARTER_COLUMNS, name=("participation", "trimestres"),
                           title="Participation réelle par trimestre", key="quarters_csv")

# --- Empty chairs -------------------------------------------------------------------------------------------
st.header("Chaises vides répétées")
empty = queries.empty_chairs(scope, ctx.as_of)
if empty.empty:
    st.markdown(f"Aucune instance n'a eu de chaise vide de RU à chacune de ses {EMPTY_CHAIR_MEETINGS} dernières "
                f"séances avant le {formatting.date(ctx.as_of)}.")
else:
    st.markdown(f"**{count_label(len(empty), 'instance', 'instances')}** "
                f"{'n’a' if len(empty) < 2 else 'n’ont'} eu aucun RU présent à chacune de "
                f"{'ses' if len(empty) < 2 else 'leurs'} {EMPTY_CHAIR_MEETINGS} dernières séances avant le "
                f"{formatting.date(ctx.as_of)}.")
st.caption("Seules comptent les séances où au moins un RU était attendu.")
EMPTY_COLUMNS = {
    "body_label": Col("Instance"), "body_type": Col("Type"), "establishment": Col("Établissement"),
    "department_code": Col("Département"), "since": Col("Première des 4 séances", "date"),
    "last_meeting": Col("Dernière séance", "date"), "expected": Col("RU attendus (4 séances)", "int"),
}
if len(empty):
    ui.show(tables.display(empty, EMPTY_COLUMNS))
    ui.table_downloads("Télécharger la liste", empty, EMPTY_COLUMNS, name="chaises_vides",
                       title="Chaises vides répétées", key="empty_csv")
