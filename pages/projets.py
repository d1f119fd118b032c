"""Projets de partenariat : le registre des projets (seed 002) par territoire, par forme d'engagement, avec les RU."""
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting
from observatoire.domain import indicators
from observatoire.present import charts, exports, projects, territorial
from observatoire.present.tables import Col

LIST_COLUMNS = {
    "project_id": Col("N°"), "title": Col("Projet"), "forms_label": Col("Formes d'engagement"),
    "initiator": Col("Initiateur"), "ru_label": Col("RU impliqué"), "place": Col("Établissement ou territoire"),
    "start_date": Col("Début", "date"), "end_date": Col("Fin", "date"), "status": Col("Statut"),
    "active_label": Col("En cours à la date"), "link": Col("Lien", "link"),
}

ctx = ui.context()
st.title("Projets de partenariat en santé")
st.caption(f"{ui.caption_as_of(ctx)} · registre des projets associant usagers et professionnels (data/raw/projets)")
register = queries.project_register(ctx.scope, ctx.as_of)
if register.empty:
    st.info("Aucun projet de partenariat enregistré pour ce territoire : déposez le registre dans data/raw/projets "
            "(modèle data/templates/projets.csv).")
    st.stop()

active = queries.indicator("projets_actifs", ctx.scope, ctx.as_of)
share = queries.indicator("part_projets_avec_ru", ctx.scope, ctx.as_of)
forms = queries.projects_by_form(ctx.scope, ctx.as_of)
cards = st.columns(3)
cards[0].metric("Projets en cours", formatting.number(active["value"].iloc[0]) if len(active) else "0", border=True,
                help=indicators.get("projets_actifs").definition)
cards[1].metric("Impliquant au moins un RU", formatting.percent(share["value"].iloc[0]) if len(share) else "–",
                border=True, help=indicators.get("part_projets_avec_ru").definition)
if len(share):
    cards[1].caption(formatting.small_base_note(share["numerator"].iloc[0], share["denominator"].iloc[0],
                                                queries.small_base()))
cards[2].metric("Forme la plus fréquente", forms["form_label"].iloc[0] if len(forms) else "–", border=True,
                help="Parmi les projets en cours ; un projet compte dans chacune de ses formes.")
st.caption(projects.ACTIVE_RULE_FR)


def overview_section() -> None:
    """The map of projects under way by département, their forms, and the share involving a RU over time."""
    spec = indicators.get("projets_actifs")
    frame = queries.projects_map(ctx.region, ctx.as_of)
    low, high = territorial.value_range(frame)

    def projects_map(**options):
        return charts.choropleth_map(
            frame, "departement", spec.label, spec.unit, spec.direction, (low + high) / 2,
            f"de {formatting.number(low)} à {formatting.number(high)} projets", region=ctx.region,
            year=ctx.as_of.year, reference_label="milieu de l'échelle", **({"height": 560} | options))

    ui.chart(projects_map(), name=("projets_actifs", "departements"), title="Projets de partenariat en cours",
             data=frame, key="projets_carte",
             export=lambda: projects_map(annotated=True, **exports.MAP_SIZE),
             config={"scrollZoom": False, "displaylogo": False})
    st.caption("Projets en cours par département de l'établissement (ou du code territoire), de blanc (0 : aucun "
               "projet dans un département d'une région que le registre couvre) au bleu foncé ; gris clair : région "
               "absente du registre. Les projets régionaux, sans département, ne comptent que dans les totaux.")

    form_col, share_col = st.columns(2)
    with form_col:
        if forms.empty:
            st.info(f"Aucun projet en cours au {formatting.date(ctx.as_of)}.")
        else:
            ui.chart(charts.ranked_bars(forms, "form_label", "value", "Projets en cours par forme d'engagement",
                                        "projets"), name=("projets", "formes"), data=forms, key="projets_formes")
    with share_col:
        series = queries.indicator_series("part_projets_avec_ru", ctx.scope, projects.series_dates(ctx.as_of))
        if len(series) and series["value"].notna().any():
            ui.chart(charts.time_series(series, "as_of", "value", "Part des projets en cours impliquant un RU",
                                        "%", y_label="Projets avec un RU (%)"), name=("part_projets_avec_ru",),
                     data=series, key="projets_part_ru")
            st.caption("Au 1er de chaque trimestre : projets en cours à cette date impliquant au moins un "
                       "représentant des usagers, rapportés aux projets en cours.")
        else:
            st.info("Aucun projet en cours sur la période : pas de part à suivre.")


def list_section() -> None:
    """The register itself, searchable, with its CSV and Excel."""
    left, right = st.columns([3, 1])
    search = left.text_input("Rechercher (intitulé, forme, initiateur, lieu)", key="projets_recherche",
                             placeholder="ex. pair-aidance Rhône")
    active_only = right.toggle("En cours à la date seulement", key="projets_en_cours")
    listed = queries.project_register(ctx.scope, ctx.as_of, search, active_only)
    st.caption(f"{formatting.number(len(listed))} projet(s) sur {formatting.number(len(register))} du territoire.")
    ui.grid(listed, LIST_COLUMNS, placeholder="–")
    ui.table_downloads("Télécharger la liste", listed, LIST_COLUMNS, name="projets_partenariat",
                       title="Projets de partenariat en santé")


ui.sections({"Carte et formes d'engagement": overview_section, "Liste des projets": list_section},
            key="projets_section")
