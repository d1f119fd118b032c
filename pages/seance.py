"""Mode séance: one convention indicator per screen, in large type, for the follow-up group's wall screen."""
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting
from observatoire.present import charts, convention, seance
from observatoire.present.charts import alt

ctx = ui.context()
st.html(seance.STYLE)
conventions = queries.conventions()
if conventions.empty:
    st.info("Aucune convention dans l'entrepôt : rien à projeter.")
    st.stop()
convention_id = st.query_params.get("convention")
if convention_id not in set(conventions["convention_id"]):
    convention_id = convention.default_convention(conventions, ctx.region)
if convention_id is None:  # a territory with no convention of its own chooses one, none is imposed
    labels = dict(zip(conventions["convention_id"], conventions["title"]))
    st.html(seance.banner("Mode séance", ctx.name, ctx.as_of))
    st.title(f"{ctx.name} n'a pas de convention propre : quelle convention projeter ?")
    for choice in queries.convention_choices():
        if st.button(labels[choice], key=f"seance_choice_{choice}", width="stretch"):
            st.query_params["convention"] = choice
            st.rerun()
    st.stop()
row = conventions.set_index("convention_id").loc[convention_id]
as_of = ctx.as_of  # frozen: the date in the address, never "today"
card = seance.ordered(queries.scorecard(convention_id, as_of))
st.html(seance.banner(str(row["title"]), convention.territory_name(row), as_of))
if card.empty:
    st.info("Aucune cible d'indicateur pour cette convention.")
    st.stop()

# Slides: the overview of every indicator first, one slide per indicator and territory, the late actions last.
count = len(card) + 2
index = min(max(int(st.session_state.get("seance_index", 0)), 0), count - 1)
previous, position, following = st.columns([1, 4, 1], vertical_alignment="center")
if previous.button("◀ Précédent", shortcut="Left", disabled=index == 0, key="seance_previous", width="stretch"):
    index -= 1
if following.button("Suivant ▶", shortcut="Right", disabled=index == count - 1, key="seance_next", width="stretch"):
    index += 1
st.session_state["seance_index"] = index
if index == 0:
    position.html(seance.plain_heading("Vue d'ensemble", f"{len(card)} indicateurs et territoires ciblés", index,
                                       count))
    st.html(seance.overview(card))
elif index == count - 1:
    position.html(seance.plain_heading("Feuille de route", f"actions en retard au {formatting.date(as_of)}", index,
                                       count))
    st.html(seance.late_actions(convention.actions_frame(queries.actions(convention_id, as_of), as_of), as_of))
else:
    item = card.iloc[index - 1]
    position.html(seance.heading(item, index, count))
    st.html(f'<p class="seance-message">{seance.escape(seance.message(item, as_of))}</p>')
    series = queries.convention_series(item["indicator_id"], item["level"], item["territory_code"],
                                       convention.series_start(row["signed_on"], as_of, item), as_of)
    milestones = queries.milestones(convention_id)
    meetings = convention.meeting_dates(milestones) if len(milestones) else []
    figure = charts.seance_trajectory(series, convention.row_targets(queries.targets(convention_id), item),
                                      height=seance.CHART_HEIGHT, baseline=convention.row_baseline(item),
                                      meetings=meetings, as_of=as_of, unit=item["unit"], direction=item["direction"])
    # The message above says the value against the target in words: the chart's text alternative points to it.
    ui.plot(figure, key=f"seance_chart_{index}", config={"displayModeBar": False},
            alt=f"{alt.text_alternative(figure, table=False)} {seance.message(item, as_of)}")
st.caption(f"Touches ← et → du clavier : écran précédent ou suivant. Données extraites le "
           f"{formatting.date(queries.manifest()['built_at'][:10])}.")
