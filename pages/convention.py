"""Convention: the scorecard of the shared indicators against targets, the milestones and the roadmap."""
import streamlit as st

from observatoire import charts, convention, formatting, queries, tables, ui

ui.require_router()  # deep links must go through app.py

ctx = ui.context()
st.title("Convention de partenariat")
conventions = queries.conventions()
if conventions.empty:
    st.info("Aucune convention dans data/raw/convention : déposez les fichiers convention, cibles, jalons et "
            "actions (modèles dans data/templates).")
    st.stop()

labels = dict(zip(conventions["convention_id"], conventions["title"]))
default = convention.default_convention(conventions, ctx.region)
convention_id = st.selectbox("Convention", list(labels), index=list(labels).index(default), format_func=labels.get)
row = conventions.set_index("convention_id").loc[convention_id]
st.caption(f"Signée le {formatting.date(row['signed_on'])} entre {row['party_ars']} et {row['party_association']} "
           f"· période du {formatting.date(row['start_date'])} au {formatting.date(row['end_date'])}")

milestones = queries.milestones(convention_id)
choices = convention.review_dates(milestones, ctx.as_of)
picked = st.selectbox("Situation à afficher", list(choices), format_func=choices.get,
                      help="Revoir ce que le groupe de suivi a vu à une réunion passée.")
as_of = picked
st.subheader(f"Tableau de bord au {formatting.date(as_of)}")

card = queries.scorecard_with_trends(convention_id, row["signed_on"], as_of)
if card.empty:
    st.info("Aucune cible d'indicateur pour cette convention.")
else:
    counts = card["status"].value_counts()
    summary = st.columns(3)
    for column, status in zip(summary, ["atteint", "en bonne voie", "en retard"]):
        icon, _ = charts.STATUS_STYLE[status]
        column.metric(f"{icon} {status.capitalize()}", formatting.number(int(counts.get(status, 0))), border=True)
    shown = convention.scorecard_display(card)
    st.dataframe(
        shown, hide_index=True, width="stretch",
        column_config={"Tendance depuis la signature": st.column_config.LineChartColumn(
            "Tendance depuis la signature", width="medium")})
    st.caption("Statut : ✔ atteint (cible de l'année atteinte) · ↗ en bonne voie (du bon côté de la trajectoire "
               "linéaire entre la valeur à la signature et la cible) · ⚠ en retard. Tendance : valeur au 1er de "
               "chaque trimestre depuis la signature.")
    st.download_button("Télécharger le tableau de bord (CSV)",
                       tables.csv_bytes(card.drop(columns=["trend"]), convention.SCORECARD_EXPORT),
                       file_name=f"tableau_de_bord_{convention_id}_{as_of.isoformat()}.csv", mime="text/csv")

st.subheader("Jalons de suivi")
if len(milestones):
    st.plotly_chart(charts.timeline(convention.milestones_frame(milestones), "milestone_date", "label",
                                    "type_label", as_of, ""), width="stretch")
    st.dataframe(tables.display(convention.milestones_frame(milestones, as_of), convention.MILESTONE_COLUMNS),
                 hide_index=True, width="stretch")

st.subheader("Feuille de route")
actions = convention.actions_frame(queries.actions(convention_id), as_of)
if len(actions):
    late = int(actions["overdue"].sum())
    if late:
        st.warning(f"{late} action(s) en retard sur leur échéance au {formatting.date(as_of)}.")
    st.dataframe(tables.display(actions, convention.ACTION_COLUMNS), hide_index=True, width="stretch")
    st.download_button("Télécharger la feuille de route (CSV)", tables.csv_bytes(actions, convention.ACTION_COLUMNS),
                       file_name=f"feuille_de_route_{convention_id}.csv", mime="text/csv")
