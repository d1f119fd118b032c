"""Enquêtes : chaque enquête de data/raw/enquetes (format long) a sa section, sans code propre à une enquête."""
import streamlit as st

from observatoire import charts, formatting, queries, surveys, tables, territorial, ui
from observatoire.tables import Col

ui.require_router()  # deep links must go through app.py

SHARE_COLUMNS = {"question_label": Col("Question"), "territory_name": Col("Territoire"), "year": Col("Année"),
                 "option": Col("Réponse"), "percent": Col("Part", "percent"), "base": Col("Base (répondants)", "int"),
                 "ci": Col("Intervalle de confiance à 95 %")}
LEVELS_FR = {"national": "France", "region": "région", "departement": "département"}

ctx = ui.context()
st.title("Enquêtes")
st.caption("Résultats publiés, tels que déposés dans data/raw/enquetes. Intervalle de confiance à 95 % calculé "
           "quand la base de répondants est connue (approximation normale, comme pour un échantillon aléatoire).")
results = queries.survey_results()
if results.empty:
    st.info("Aucune enquête dans data/raw/enquetes : déposez un fichier au format long (modèle dans data/templates).")
    st.stop()

highlight = [ctx.name] if ctx.level != "national" else []
for index, survey in enumerate(surveys.surveys_in_order(results)):
    summary = surveys.survey_summary(results, survey)
    st.header(survey, divider="gray")
    st.caption(f"Année(s) : {', '.join(map(str, summary['years']))} · niveau(x) : "
               f"{', '.join(LEVELS_FR.get(lv, lv) for lv in summary['levels'])} · "
               f"{len(summary['questions'])} question(s)")

    count_questions = surveys.count_questions(results, survey)
    if count_questions:
        level = surveys.count_level(results, survey)
        table, facts = surveys.count_table(results, survey)
        cards = st.columns(len(facts))
        for card, fact in zip(cards, facts.values()):
            card.metric(f"{fact['label']} (total)", formatting.number(fact["total"]), border=True)
        for fact in facts.values():
            st.markdown(f"- {surveys.count_facts_text(fact)}")
        question = st.radio("Carte", list(facts), format_func=lambda q: facts[q]["label"], horizontal=True,
                            key=f"enquete_{index}_carte") if len(facts) > 1 else next(iter(facts))
        region = surveys.region_of_codes(level, table["territory_code"])
        values = surveys.count_map_values(table, question)
        frame = territorial.choropleth_frame(values, level, territorial.map_codes(level, region), "higher_is_better",
                                             None, unit="réponses")
        low, high = territorial.value_range(frame)
        ui.chart(charts.choropleth_map(
            frame, level, facts[question]["label"], "", "higher_is_better", (low + high) / 2,
            f"de {formatting.number(low)} à {formatting.number(high)}", region=region,
            reference_label="milieu de l'échelle", height=540),
            name=("enquete", survey, question), data=frame, key=f"enquete_{index}_map_{question}", theme=None, config={"scrollZoom": False, "displaylogo": False})
        columns = {name: Col(label, kind) for name, (label, kind) in surveys.count_columns(list(facts)).items()}
        shown = surveys.with_total(table, facts)
        tables.show(tables.display(shown, columns))
        ui.download_button("Télécharger le tableau (CSV)", tables.csv_bytes(shown, columns),
                           file_name=f"enquete_{index}_comptes.csv", mime="text/csv",
                           key=f"enquete_{index}_csv_comptes")

    shares = surveys.share_rows(results, survey)
    for question, rows in shares.groupby("question", sort=False):
        ui.chart(charts.share_bars(rows, "bar_label", "percent", "ci_low", "ci_high",
                                          rows["question_label"].iloc[0],
                                          highlight=[b for b in rows["bar_label"] if any(h in b for h in highlight)]),
                        name=("enquete", survey, question), data=rows, key=f"enquete_{index}_{question}")
        share_map = surveys.share_map(rows)
        if share_map is not None:
            level, values = share_map["level"], share_map["values"]
            region = surveys.region_of_codes(level, values["territory_code"])
            label = surveys.share_map_title(rows["question_label"].iloc[0], share_map["option"], share_map["year"])
            frame = territorial.choropleth_frame(values, level, territorial.map_codes(level, region),
                                                 "higher_is_better", None, unit="%")
            low, high = territorial.value_range(frame)
            ui.chart(charts.choropleth_map(
                frame, level, label, "%", "higher_is_better", (low + high) / 2,
                f"de {formatting.percent(low)} à {formatting.percent(high)}", region=region,
                reference_label="milieu de l'échelle", height=540),
                name=("enquete", survey, question, "carte"), data=frame, key=f"enquete_{index}_{question}_carte",
                theme=None, config={"scrollZoom": False, "displaylogo": False})
    if len(shares):
        tables.show(tables.display(shares, SHARE_COLUMNS))
        ui.download_button("Télécharger les résultats (CSV)", tables.csv_bytes(shares, SHARE_COLUMNS),
                           file_name=f"enquete_{index}_resultats.csv", mime="text/csv",
                           key=f"enquete_{index}_csv_parts")
