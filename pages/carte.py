"""Carte : un indicateur par département ou par région, les établissements d'un département, les écarts."""
import math

import streamlit as st

from observatoire import charts, exports, formatting, indicators, queries, referential, tables, territorial, ui
from observatoire.tables import Col

ui.require_router()  # deep links must go through app.py

LEVELS = {"departement": "Département", "region": "Région"}
LEVELS_PLURAL = {"departement": "départements", "region": "régions"}
POINT_COLUMNS = {"name": Col("Établissement"), "finess": Col("N° FINESS"), "cdu_state": Col("État de la CDU"),
                 "seats": Col("Sièges", "int"), "filled": Col("Sièges pourvus", "int"),
                 "vacant_titulaire": Col("Sièges titulaires vacants", "int"),
                 "vacant_suppleant": Col("Sièges suppléants vacants", "int"), "lon": Col("Longitude", "float"),
                 "lat": Col("Latitude", "float")}
DRILLDOWN_COLUMNS = {
    "name": Col("Établissement"),
    "finess": Col("N° FINESS"),
    "place": Col("Commune – département"),
    "cdu_state": Col("État de la CDU"),
    "vacant_titulaire": Col("Sièges titulaires vacants", "int"),
    "vacant_suppleant": Col("Sièges suppléants vacants", "int"),
    "ending": Col("Mandats finissant sous 6 mois", "int"),
    "first_end": Col("Première fin de mandat", "date"),
}
DELTA_COLORS = {"lower_is_better": "inverse", "higher_is_better": "normal"}
GAP_COLUMNS = {
    "rank": Col("Rang", "int"),
    "territory_name": Col("Territoire"),
    "territory_code": Col("Code"),
    "value": Col("Valeur", "float", masked_by="masked"),
    "reference": Col("Référence", "float"),
    "gap_reference": Col("Écart à la référence", "float"),
    "target": Col("Cible", "float"),
    "gap_target": Col("Écart à la cible", "float"),
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
if references:
    default = "region" if "region" in by_key else "national"
    centre_key = right.radio(
        "Centrer l'échelle sur", list(by_key), horizontal=True, key="carte_centre",
        index=list(by_key).index(default) if default in by_key else 0,
        format_func=lambda k: f"{by_key[k].label} : {formatting.value_with_unit(by_key[k].value, spec.unit)}")
    centre = by_key[centre_key]
else:
    right.caption("Pas de valeur de référence à cette date : échelle centrée sur la médiane des territoires.")
    centre = territorial.median_reference(frame)
reference_label = "Référence régionale" if "region" in by_key else "Référence nationale"
st.caption(f"{spec.definition}")

ranked = frame.sort_values(["rank", "territory_code"], na_position="last")
tab_map, tab_gaps = st.tabs(["Carte", "Écarts"])


@st.fragment
def map_and_drilldown():
    """The map and the département drill-down: a click on the map, the toggle or the département chosen rerun
    this part only, not the gaps tab."""
    wall = st.toggle("Grand écran", help="Carte agrandie pour un écran large ou une projection en réunion.",
                     key="carte_grand_ecran")
    if not frame["has_value"].any():
        st.info(f"Aucune valeur de « {spec.label} » à cette maille au {formatting.date(ctx.as_of)}.")
    def map_figure(**size):
        return charts.choropleth_map(
            frame, level, spec.label, spec.unit, spec.direction, centre.value,
            f"{centre.label.split(' (')[0].lower()} {formatting.value_with_unit(centre.value, spec.unit)}",
            region=region, num_label=spec.numerator if spec.is_rate else "",
            den_label=spec.denominator if spec.is_rate else "", year=ctx.as_of.year, reference_label=reference_label,
            **size)

    event = ui.chart(map_figure(**({"width": 1250, "height": 860} if wall else {})),
                     name=(indicator_id, LEVELS_PLURAL[level]), title=spec.label,
                     territory=ctx.name if region else referential.NATIONAL_NAME,
                     export=lambda: map_figure(**exports.MAP_SIZE), data=ranked, columns=GAP_COLUMNS,
                     key=f"carte_map_{level}_{wall}", on_select="rerun", selection_mode="points",
                     theme=None, config={"scrollZoom": False, "displaylogo": False})
    masked = int(frame["masked"].sum())
    legend = ("Bleu : plus favorable que le centre de l'échelle ; orange : moins favorable ; "
              "blanc : aucune donnée. Outre-mer dans les encarts à l'ouest"
              + ("; Paris et la petite couronne agrandis dans l'encadré." if level == "departement" and not region
                 else "."))
    st.caption(legend)
    if masked:
        st.markdown(f"■ **Valeur masquée : moins de 11 personnes** — {masked} territoire(s) en gris : "
                    "le secret statistique interdit de publier un effectif de moins de 11 personnes.")
    st.caption("Survolez un territoire pour le détail ; cliquez sur un département "
               "(ou choisissez-le ci-dessous) pour voir ses établissements.")

    st.subheader("Établissements d'un département")
    departments = territorial.map_codes("departement", ctx.region)
    department_names = referential.names("departement")
    if st.session_state.get("carte_departement") not in [None, *departments]:
        st.session_state["carte_departement"] = None
    if "carte_departement" not in st.session_state:
        st.session_state["carte_departement"] = ctx.code if ctx.level == "departement" else None
    clicked = territorial.clicked_territory(event.selection if event else None) if level == "departement" else None
    if clicked and clicked != st.session_state.get("carte_dernier_clic"):
        st.session_state["carte_dernier_clic"] = clicked
        if clicked in departments:
            st.session_state["carte_departement"] = clicked
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
            ui.chart(charts.establishments_map(points, department), name=("etablissements_cdu", "carte"),
                     title="État des commissions des usagers (CDU)", territory=department_names.get(department),
                     export=lambda: charts.establishments_map(points, department, **exports.MAP_SIZE),
                     data=points, columns=POINT_COLUMNS, key="carte_etablissements", theme=None,
                     config={"scrollZoom": False, "displaylogo": False})
            unplaced = int(points["lon"].isna().sum())
            if unplaced:
                st.caption(f"{unplaced} établissement(s) sans coordonnées dans le fichier FINESS : absent(s) de "
                           "la carte, présent(s) dans le tableau.")
        table = queries.department_drilldown(department, ctx.as_of)
        st.markdown(f"**Sièges vacants et mandats finissant sous 6 mois** — {len(table)} établissement(s)")
        if table.empty:
            st.caption("Aucun siège vacant ni mandat finissant sous 6 mois.")
        else:
            st.dataframe(table, column_config=tables.column_config(DRILLDOWN_COLUMNS), placeholder="–",
                         column_order=list(DRILLDOWN_COLUMNS), hide_index=True, width="stretch")
            ui.download_button("Exporter le tableau (CSV)", tables.csv_bytes(table, DRILLDOWN_COLUMNS),
                               file_name=f"etablissements_{department}_{ctx.as_of.isoformat()}.csv",
                               mime="text/csv", key="carte_export_etablissements")


with tab_map:
    map_and_drilldown()

with tab_gaps:
    st.subheader(f"{spec.label} : écarts à la référence et à la cible")
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
                 columns=GAP_COLUMNS, key="carte_ecarts_reference")
    gaps_target = territorial.extremes(frame, "gap_target", spec.direction)
    if gaps_target.empty:
        st.caption(f"Aucune cible de la convention pour cet indicateur en {ctx.as_of.year} à cette maille.")
    else:
        ui.chart(charts.gap_bars(gaps_target, "territory_name", "gap_target",
                                 f"Écart à la cible {ctx.as_of.year} de la convention", spec.unit,
                                 spec.direction, "cible"), name=(indicator_id, "ecarts_cible", LEVELS_PLURAL[level]),
                 title=f"{spec.label} : écart à la cible {ctx.as_of.year} de la convention", data=gaps_target,
                 columns=GAP_COLUMNS, key="carte_ecarts_cible")
    st.caption(f"Valeurs en {spec.unit}" + ("; écarts en points." if spec.unit == "%" else ".")
               + " Rang 1 = situation la plus favorable.")
    st.dataframe(ranked, column_config=tables.column_config(GAP_COLUMNS), placeholder="–",
                 column_order=list(GAP_COLUMNS),
                 hide_index=True, width="stretch")
    ui.download_button("Exporter le classement (CSV)", tables.csv_bytes(ranked, GAP_COLUMNS),
                       file_name=f"ecarts_{indicator_id}_{level}_{ctx.as_of.isoformat()}.csv", mime="text/csv",
                       key="carte_export_ecarts")

    st.subheader("Deux territoires côte à côte")
    codes = list(frame["territory_code"])
    names = dict(zip(frame["territory_code"], frame["territory_name"]))
    if len(codes) < 2:
        st.caption("Un seul territoire à cette maille : rien à comparer.")
        st.stop()
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
        first.metric(row.label, formatting.value_with_unit(row.value_a, row.unit, row.masked_a))
        second.metric(row.label, formatting.value_with_unit(row.value_b, row.unit, row.masked_b),
                      delta=charts.signed_gap(row.difference, row.unit) if comparable else None,
                      delta_color=DELTA_COLORS.get(row.direction, "off") if row.difference else "off")
