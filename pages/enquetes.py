"""Enquêtes : chaque enquête de data/raw/enquetes (format long) a sa section, sans code propre à une enquête."""
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting
from observatoire.present import charts, exports, surveys, tables, territorial
from observatoire.present.tables import Col

SHARE_COLUMNS = {"question_label": Col("Question"), "territory_name": Col("Territoire"), "year": Col("Année"),
                 "option": Col("Réponse"), "percent": Col("Part", "percent"), "base": Col("Base (répondants)", "int"),
                 "ci": Col("Intervalle de confiance à 95 %")}
LEVELS_FR = {"national": "France", "region": "région", "departement": "département"}

ctx = ui.context()
st.title("Enquêtes")
st.caption("Résultats publiés, tels que déposés dans data/raw/enquetes. Intervalle de confiance à 95 % calculé "
           "quand la base de répondants est connue (approximation normale, comme pour un échantillon aléatoire).")
sections = queries.survey_sections()  # computed once per store: this page only draws
if not sections:
    st.info("Aucune enquête dans data/raw/enquetes : déposez un fichier au format long (modèle dans data/templates).")
    st.stop()

highlight = [ctx.name] if ctx.level != "national" else []
MAP_CONFIG = {"scrollZoom": False, "displaylogo": False}
for index, section in enumerate(sections):
    survey, summary, count = section["survey"], section["summary"], section["count"]
    st.header(survey, divider="gray")
    st.caption(f"Année(s) : {', '.join(map(str, summary['years']))} · niveau(x) : "
               f"{', '.join(LEVELS_FR.get(lv, lv) for lv in summary['levels'])} · "
               f"{len(summary['questions'])} question(s)")

    if count is not None:
        facts = count["facts"]
        cards = st.columns(len(facts))
        for card, fact in zip(cards, facts.values()):
            card.metric(f"{fact['label']} (total)", formatting.number(fact["total"]), border=True)
        for fact in facts.values():
            st.markdown(f"- {surveys.count_facts_text(fact)}")
        question = st.radio("Carte", list(facts), format_func=lambda q: facts[q]["label"], horizontal=True,
                            key=f"enquete_{index}_carte") if len(facts) > 1 else next(iter(facts))
        frame = count["maps"][question]
        low, high = territorial.value_range(frame)

        def count_map(frame=frame, low=low, high=high, question=question, count=count, facts=facts, **options):
            return charts.choropleth_map(
                frame, count["level"], facts[question]["label"], "", "higher_is_better", (low + high) / 2,
                f"de {formatting.number(low)} à {formatting.number(high)}", region=count["region"],
                reference_label="milieu de l'échelle", **({"height": 540} | options))

        ui.chart(count_map(), name=("enquete", survey, question), title=f"{survey} : {facts[question]['label']}",
                 data=frame, key=f"enquete_{index}_map_{question}",
                 export=lambda f=count_map: f(annotated=True, **exports.MAP_SIZE), config=MAP_CONFIG)
        st.caption("Effectifs : de blanc (0) au bleu foncé ; gris clair : aucune donnée. Ce sont les chiffres publiés "
                   "par l'enquête (répondants, projets), déjà publics : ils ne sont pas masqués sous le seuil du secret "
                   "statistique, qui s'applique aux effectifs de personnes calculés par l'observatoire.")
        columns = {name: Col(label, kind) for name, (label, kind) in count["columns"].items()}
        ui.show(tables.display(count["shown"], columns))
        ui.table_downloads("Télécharger le tableau", count["shown"], columns, name=("enquete", survey, "effectifs"),
                           title=f"{survey} : effectifs", territory=surveys.place_name(count["region"]),
                           key=f"enquete_{index}_csv_comptes")

    for item in section["questions"]:
        question, rows, share_map = item["question"], item["rows"], item["map"]
        ui.chart(charts.share_bars(rows, "bar_label", "percent", "ci_low", "ci_high",
                                   rows["question_label"].iloc[0],
                                   highlight=[b for b in rows["bar_label"] if any(h in b for h in highlight)]),
                 name=("enquete", survey, question), data=rows, key=f"enquete_{index}_{question}")
        if share_map is not None:
            frame = share_map["frame"]
            low, high = territorial.value_range(frame)

            def share_map_figure(frame=frame, low=low, high=high, share_map=share_map, **options):
                return charts.choropleth_map(
                    frame, share_map["level"], share_map["label"], "%", "higher_is_better", (low + high) / 2,
                    f"de {formatting.percent(low)} à {formatting.percent(high)}", region=share_map["region"],
                    reference_label="milieu de l'échelle", **({"height": 540} | options))

            ui.chart(share_map_figure(), name=("enquete", survey, question, "carte"),
                     title=f"{survey} : {share_map['label']}", data=frame,
                     key=f"enquete_{index}_{question}_carte", config=MAP_CONFIG,
                     export=lambda f=share_map_figure: f(annotated=True, **exports.MAP_SIZE))
    shares = section["shares"]
    if len(shares):
        ui.show(tables.display(shares, SHARE_COLUMNS))
        ui.table_downloads("Télécharger les résultats", shares, SHARE_COLUMNS, name=("enquete", survey, "resultats"),
                           title=f"{survey} : résultats", territory=surveys.place_name(None),
                           key=f"enquete_{index}_csv_parts")
