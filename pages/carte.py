"""Carte : un indicateur par département ou par région, les établissements d'un département, les écarts."""
import math

import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting
from observatoire.domain import indicators
from observatoire.present import charts, exports, tables, territorial
from observatoire.present.tables import Col

LEVELS = {"departement": "Département", "region": "Région"}
LEVELS_PLURAL = {"departement": "départements", "region": "régions"}
POINT_COLUMNS = {"name": Col("Établissement"), "finess": Col("N° FINESS"), "cdu_state": Col("État de la CDU"),
                 "seats": Col("Sièges", "int"), "filled": Col("Sièges pourvus", "int"),
                 "vacant_titulaire": Col("Sièges titulaires vacants", "int"),
                 "vacant_suppleant": Col("Sièges suppléants vacants", "int"), "lon": Col("Longitude", "float"),
                 "lat": Col("Latitude", "float")}
DRILLDOWN_COLUMNS = {
    "name": Col("Établissement"),
    "link": Col("Fiche", "link"),
    "finess": Col("N° FINESS"),
    "place": Col("Commune – département"),
    "cdu_state": Col("État de la CDU"),
    "vacant_titulaire": Col("Sièges titulaires vacants", "int"),
    "vacant_suppleant": Col("Sièges suppléants vacants", "int"),
    "ending": Col("Mandats finissant sous 6 mois", "int"),
    "first_end": Col("Première fin de mandat", "date"),
}


def gap_columns(unit: str) -> dict[str, Col]:
    """The ranking table: values in the indicator's unit, gaps in the one gap format (+5,0 pt, −1 mandat)."""
    return {
        "rank": Col("Rang", "int"),
        "territory_name": Col("Territoire"),
        "territory_code": Col("Code"),
        "value": Col("Valeur", "value", unit, masked_by="masked"),
        "reference": Col("Référence", "value", unit),
        "gap_reference": Col("Écart à la référence", "gap", unit),
        "target": Col("Cible", "value", unit),
        "target_year": Col("Année de la cible", "text"),
        "gap_target": Col("Écart à la cible", "gap", unit),
    }


ctx = ui.context()
st.title("Carte des territoires")
st.caption(ui.caption_as_of(ctx))
catalogue = {i.id: i for i in indicators.catalogue()}
left, middle, right = st.columns([3, 2, 4])
indicator_id = left.selectbox("Indicateur", list(catalogue), index=list(catalogue).index("taux_vacance"),
                              format_func=lambda i: catalogue[i].label, key="carte_indicateur")
level = middle.radio("Maille", list(LEVELS), format_func=LEVELS.get, horizontal=True, key="carte_maille")
spec = catalogue[indicator_id]
region = ctx.region if level == "departement" else None
frame, references = queries.map_frame(indicator_id, level, region, ctx.as_of)
by_key = {r.key: r for r in references}
single = len(frame) == 1  # an overseas région: one département, nothing to compare on the map
count_scale = charts.is_count(spec.unit)  # a count is read from zero (white), not around a reference
if single and "national" in by_key:
    centre = by_key["national"]
    right.caption("Un seul département dans cette région : couleur neutre, référence nationale en légende.")
elif count_scale:
    right.caption(f"Effectif ({spec.unit}) : échelle de 0 (blanc) à la plus grande valeur.")
    centre = territorial.median_reference(frame)
elif references:
    default = "region" if "region" in by_key else "national"
    if st.session_state.get("carte_centre") not in by_key:  # a choice the new indicator does not offer
        st.session_state["carte_centre"] = default if default in by_key else next(iter(by_key))
    centre_key = right.radio(
        "Centrer l'échelle sur", list(by_key), horizontal=True, key="carte_centre",
        format_func=lambda k: f"{by_key[k].label} : {formatting.value_with_unit(by_key[k].value, spec.unit)}")
    centre = by_key[centre_key]
else:
    right.caption("Pas de valeur de référence à cette date : échelle centrée sur la médiane des territoires.")
    centre = territorial.median_reference(frame)
reference_label = "Référence régionale" if "region" in by_key else "Référence nationale"
st.caption(f"{spec.definition}")

ranked = frame.sort_values(["rank", "territory_code"], na_position="last")
columns = gap_columns(spec.unit)
# Only the open tab runs and is drawn (a tab change reruns the page): the map and the gaps are never both built.
tab_map, tab_gaps = st.tabs(["Carte", "Écarts"], key="carte_onglet", on_change="rerun")


@st.fragment
def map_and_drilldown():
    """The map and the département drill-down: a click on the map, the toggle or the département chosen rerun
    this part only, not the gaps tab."""
    wall = st.toggle("Grand écran", help="Carte agrandie pour un écran large ou une projection en réunion.",
                     key="carte_grand_ecran")
    map_key = f"carte_map_{level}_{wall}"
    departments = queries.detail_departments(ctx.region)
    department_names = queries.territory_names("departement")
    if st.session_state.get("carte_departement") not in [None, *departments]:
        st.session_state["carte_departement"] = None
    if "carte_departement" not in st.session_state:
        st.session_state["carte_departement"] = ctx.code if ctx.level == "departement" else None
    # A click is read before the map is drawn, so the clicked département is outlined on this very run.
    clicked = territorial.clicked_territory(ui.selection(map_key)) if level == "departement" else None
    if clicked and clicked != st.session_state.get("carte_dernier_clic"):
        st.session_state["carte_dernier_clic"] = clicked
        if clicked in departments:
            st.session_state["carte_departement"] = clicked
    chosen = ctx.code if ctx.level == level else ctx.region if level == "region" else None
    drilled = st.session_state.get("carte_departement") if level == "departement" else None
    # Beside the map on a wide screen (ui.PAGE_CSS stacks them below 1500 px), so a click's result is in view;
    # below it in « Grand écran ».
    map_column, detail_column = (st.container(), st.container()) if wall else \
        st.container(key="carte_cote_a_cote").columns([3, 2], gap="medium")
    with map_column:
        if not frame["has_value"].any():
            st.info(f"Aucune valeur de « {spec.label} » à cette maille au {formatting.date(ctx.as_of)}.")
        centre_text = (f"{centre.label.split(' (')[0]} : {formatting.value_with_unit(centre.value, spec.unit)}"
                       if single else
                       f"{centre.label.split(' (')[0].lower()} {formatting.value_with_unit(centre.value, spec.unit)}")
        def map_figure(**size):
            return charts.choropleth_map(
                frame, level, spec.label, spec.unit, spec.direction, centre.value, centre_text,
                region=region, num_label=spec.numerator if spec.is_rate else "",
                den_label=spec.denominator if spec.is_rate else "", year=ctx.as_of.year,
                reference_label=reference_label, outline=[c for c in (chosen, drilled) if c], **size)

        ui.chart(map_figure(**({"width": 1250, "height": 860} if wall else {})),
                 name=(indicator_id, LEVELS_PLURAL[level]), title=spec.label,
                 territory=ctx.name if region else queries.territory_names("national")["FR"],
                 export=lambda: map_figure(annotated=True, **exports.MAP_SIZE), data=ranked, columns=columns,
                 key=map_key, on_select=True, config={"scrollZoom": False, "displaylogo": False})
        masked = int(frame["masked"].sum())
        legend = (("De blanc (0) au bleu foncé (le plus grand effectif) ; gris clair : aucune donnée ; "
                   if count_scale else "Bleu : plus favorable que le centre de l'échelle ; orange : moins favorable ; "
                   "blanc : aucune donnée ; ") + "contour noir : territoire choisi et département détaillé."
                  + (" Outre-mer dans les encarts à l'ouest ; Paris et la petite couronne agrandis dans l'encadré."
                     if level == "departement" and not region else
                     " Outre-mer dans les encarts à l'ouest." if not region else ""))
        if not single:
            st.caption(legend)
        if masked:
            st.markdown(f"■ **Valeur masquée : {formatting.fewer_than()}** — {masked} territoire(s) en gris : "
                        f"le secret statistique interdit de publier un effectif de {formatting.fewer_than()}, et "
                        "masque un second territoire quand le premier se déduirait du total affiché.")
        st.caption("Survolez un territoire pour le détail ; cliquez sur un département "
                   "(ou choisissez-le dans la liste) pour voir ses établissements.")

    with detail_column:
        st.header("Établissements d'un département")
        department = st.selectbox("Département à détailler", [None, *departments], key="carte_departement",
                                  placeholder="Choisir un département",
                                  format_func=lambda c: "— Choisir un département —" if c is None
                                  else f"{c} – {department_names.get(c, c)}")
        if department is None:
            st.caption("Cliquez sur un département de la carte ou choisissez-le dans la liste.")
        else:
            points = queries.department_establishments(department, ctx.as_of)
            if points.empty:
                st.info(f"Aucune commission des usagers ouverte au {formatting.date(ctx.as_of)} "
                        f"dans ce département.")
            else:
                counts = points["cdu_state"].value_counts()
                cols = st.columns(3)
                for col, state in zip(cols, territorial.CDU_STATES):
                    col.metric(f"CDU {state}", formatting.number(int(counts.get(state, 0))))
                ui.chart(charts.establishments_map(points, department, height=440),
                         name=("etablissements_cdu", "carte"), title="État des commissions des usagers (CDU)",
                         territory=department_names.get(department),
                         export=lambda: charts.establishments_map(points, department, **exports.MAP_SIZE),
                         data=points, columns=POINT_COLUMNS, key="carte_etablissements",
                         config={"scrollZoom": False, "displaylogo": False})
                unplaced = int(points["lon"].isna().sum())
                if unplaced:
                    st.caption(f"{unplaced} établissement(s) sans coordonnées dans le fichier FINESS : absent(s) "
                               "de la carte, présent(s) dans le tableau.")

    if department is not None:
        table = ui.with_links(queries.department_drilldown(department, ctx.as_of))
        st.markdown(f"**Sièges vacants et mandats finissant sous 6 mois — {department_names.get(department)}** "
                    f"— {len(table)} établissement(s)")
        if table.empty:
            st.caption("Aucun siège vacant ni mandat finissant sous 6 mois.")
        else:
            ui.grid(table, DRILLDOWN_COLUMNS, placeholder="–")
            ui.table_downloads("Exporter le tableau", table, DRILLDOWN_COLUMNS, name=("etablissements", department),
                               title="Sièges vacants et mandats finissant sous 6 mois",
                               territory=department_names.get(department, department),
                               key="carte_export_etablissements")


def gaps_and_comparison():
    """The « Écarts » tab: gaps to the reference and to the target, the ranking, two territories side by side."""
    st.header(f"{spec.label} : écarts à la référence et à la cible")
    gaps_reference = territorial.extremes(frame, "gap_reference", spec.direction)
    if gaps_reference.empty:
        st.info("Aucun écart à afficher à cette date.")
    else:
        subset = " (les 15 plus grands écarts de chaque côté)" if len(gaps_reference) < frame["has_value"].sum() \
            else ""
        ui.chart(charts.gap_bars(gaps_reference, "territory_name", "gap_reference",
                                 f"Écart à la {reference_label.lower()}{subset}", spec.unit, spec.direction,
                                 reference_label), name=(indicator_id, "ecarts_reference", LEVELS_PLURAL[level]),
                 title=f"{spec.label} : écart à la {reference_label.lower()}", data=gaps_reference,
                 columns=columns, key="carte_ecarts_reference")
    gaps_target = territorial.extremes(frame, "gap_target", spec.direction)
    years = territorial.target_years(frame)
    year_text = " et ".join(str(y) for y in years)
    if gaps_target.empty:
        st.caption(f"Aucune cible de la convention pour cet indicateur à cette maille, ni en {ctx.as_of.year} "
                   "ni après.")
    else:
        ui.chart(charts.gap_bars(gaps_target, "territory_name", "gap_target",
                                 f"Écart à la cible {year_text} de la convention", spec.unit,
                                 spec.direction, "cible"), name=(indicator_id, "ecarts_cible", LEVELS_PLURAL[level]),
                 title=f"{spec.label} : écart à la cible {year_text} de la convention", data=gaps_target,
                 columns=columns, key="carte_ecarts_cible")
        if years != [ctx.as_of.year]:
            st.caption(f"Pas de cible pour {ctx.as_of.year} : écart à la cible suivante ({year_text}), "
                       "comme au tableau de bord de la convention.")
    st.caption(f"Valeurs en {spec.unit}" + (" ; écarts en points." if spec.unit == "%" else ".")
               + " Rang 1 = situation la plus favorable.")
    shown = tables.display(ranked, columns)
    chosen_row = ranked["territory_code"].eq(ctx.code).to_numpy() if ctx.level == level else None
    ui.show(tables.highlight(shown, chosen_row) if chosen_row is not None and chosen_row.any() else shown)
    ui.table_downloads("Exporter le classement", ranked, columns, name=("ecarts", indicator_id, LEVELS_PLURAL[level]),
                       title=f"{spec.label} : classement des {LEVELS_PLURAL[level]}", key="carte_export_ecarts")

    st.header("Deux territoires côte à côte")
    codes = list(frame["territory_code"])
    names = dict(zip(frame["territory_code"], frame["territory_name"]))
    if len(codes) < 2:
        st.caption("Un seul territoire à cette maille : rien à comparer.")
        return
    with_values = list(frame.loc[frame["has_value"], "territory_code"]) + codes
    first, second = st.columns(2)
    code_a = first.selectbox("Territoire A", codes, index=codes.index(with_values[0]),
                             key=f"carte_a_{level}_{region}", format_func=lambda c: f"{names[c]} ({c})")
    code_b = second.selectbox("Territoire B", codes, index=codes.index(next(c for c in with_values if c != code_a)),
                              key=f"carte_b_{level}_{region}", format_func=lambda c: f"{names[c]} ({c})")
    comparison = queries.territory_comparison(level, region, ctx.as_of, code_a, code_b)
    first.markdown(f"**A : {formatting.md_escape(names[code_a])}**")
    second.markdown(f"**B : {formatting.md_escape(names[code_b])}** (flèche : écart B − A)")
    for row in comparison.itertuples(index=False):
        comparable = not (row.masked_a or row.masked_b or math.isnan(row.difference))
        first.metric(row.label, formatting.value_with_unit(row.value_a, row.unit, row.masked_a),
                     help=formatting.masked_reason() if row.masked_a else None)
        second.metric(row.label, formatting.value_with_unit(row.value_b, row.unit, row.masked_b),
                      help=formatting.masked_reason() if row.masked_b else None,
                      **(formatting.metric_delta(row.difference, row.unit, row.direction) if comparable else {}))


if tab_map.open:
    with tab_map:
        map_and_drilldown()
if tab_gaps.open:
    with tab_gaps:
        gaps_and_comparison()
