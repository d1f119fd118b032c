"""Accueil: where the selected territory stands on the headline indicators, and what the store holds."""
import streamlit as st

from observatoire import queries, ui
from observatoire.base import dates, formatting
from observatoire.base.dates import add_months
from observatoire.domain import indicators
from observatoire.present import charts, convention, tables

# Seats the ARS designates lead (CDU, CS, CRSA, CTS, CDCA): those a nomination campaign and the convention can
# change. CVS members are elected in medico-social establishments: shown apart, below the cards.
HEADLINES = ["taux_vacance_designes", "sieges_vacants_designes", "part_cdu_completes", "ru_designes",
             "taux_formation_6m", "taux_participation", "mandats_fin_6m", "taux_realisation_campagne"]
CVS_CONTEXT = ["taux_vacance_cvs", "membres_cvs"]
REGION_COLUMNS = {
    "region": tables.Col("Région"), "establishments": tables.Col("Établissements", "int"),
    "bodies": tables.Col("Instances", "int"), "seats": tables.Col("Sièges", "int"),
    "mandates": tables.Col("Mandats actifs", "int"), "people": tables.Col("RU désignés en mandat", "int"),
    "cvs_members": tables.Col("Membres élus de CVS", "int"),
    "trained": tables.Col("RU formés (cumul)", "int"), "surveys": tables.Col("Enquêtes régionales", "int"),
}

ctx = ui.context()
st.title("Observatoire de la démocratie en santé")
st.caption(ui.caption_as_of(ctx))

manifest = queries.manifest()

if manifest.get("demo"):
    st.warning("Données de démonstration : personnes et mandats fictifs, pseudonymisés avec une clé de "
               "démonstration. Ne pas utiliser pour un bilan.", icon=":material/warning:")

last_year = add_months(ctx.as_of, -12)
headlines_now = queries.indicators_at([*HEADLINES, *CVS_CONTEXT], ctx.scope, ctx.as_of)
headlines_before = queries.indicators_at(HEADLINES, ctx.scope, last_year)
small_base = queries.small_base()
columns = st.columns(4)
for i, indicator_id in enumerate(HEADLINES):
    indicator = indicators.get(indicator_id)
    now = headlines_now[headlines_now["indicator_id"] == indicator_id]
    before = headlines_before[headlines_before["indicator_id"] == indicator_id]
    with columns[i % 4]:
        if now.empty:
            where = (" Les campagnes de régions et d'années différentes ne s'additionnent pas : voir chaque région "
                     "(page Vacance des sièges)." if indicator.measure == "campaigns" else "")
            st.metric(indicator.label, "–", help=indicator.definition + where, border=True)
            continue
        value, masked = now["value"].iloc[0], bool(now["masked"].iloc[0])
        delta = {}
        if not masked and len(before) and not before["masked"].iloc[0] and before["value"].notna().iloc[0] \
                and now["value"].notna().iloc[0]:
            delta = formatting.metric_delta(value - before["value"].iloc[0], indicator.unit, indicator.direction,
                                            "en un an")
        st.metric(indicator.label, formatting.value_with_unit(value, indicator.unit, masked), **delta,
                  help=(f"{formatting.masked_reason()} " if masked else "")
                  + f"{indicator.definition} Variation par rapport au {formatting.date(last_year)}.",
                  border=True)
        notes = [str(now["note"].iloc[0])] if "note" in now and isinstance(now["note"].iloc[0], str) else []
        if indicator.is_rate and not masked:
            notes.append(formatting.small_base_note(now["numerator"].iloc[0], now["denominator"].iloc[0], small_base))
        if any(notes):
            st.caption(" ; ".join(n for n in notes if n))
cvs = headlines_now[headlines_now["indicator_id"].isin(CVS_CONTEXT)].set_index("indicator_id")
if len(cvs):
    parts = [f"{indicators.get(i).label} : "
             f"{formatting.value_with_unit(cvs.loc[i, 'value'], indicators.get(i).unit, bool(cvs.loc[i, 'masked']))}"
             for i in CVS_CONTEXT if i in cvs.index]
    st.caption("Conseils de la vie sociale (établissements médico-sociaux ; membres élus, non désignés par l'ARS, "
               "comptés à part et sans cible de la convention) — " + " ; ".join(parts) + ".")

agreement = queries.territory_convention(ctx.region)
if agreement is not None:
    st.header(f"Convention : {formatting.md_escape(agreement['title'])}")
    if ctx.as_of < dates.as_date(agreement["signed_on"]):
        st.info(f"Convention non encore signée au {formatting.date(ctx.as_of)} (signature le "
                f"{formatting.date(agreement['signed_on'])}) : pas encore de statut.")
    elif ctx.as_of > queries.data_horizon():
        st.info(f"Données connues jusqu'au {formatting.date(queries.data_horizon())} : pas de statut au-delà "
                "(aucun arrêté ni aucune séance n'est connu après cette date).")
    else:
        owner = convention.territory_name(agreement)
        st.caption(f"Statuts des indicateurs de la convention de la région {owner} (tous les territoires qu'elle "
                   f"cible) au {formatting.date(ctx.as_of)}." if ctx.level == "departement" else
                   f"Statuts des indicateurs de la convention (tous les territoires qu'elle cible) au "
                   f"{formatting.date(ctx.as_of)}.")
        counts = convention.status_counts(queries.scorecard(agreement["convention_id"], ctx.as_of))
        status_columns = st.columns(len(counts))
        for column, (status, count) in zip(status_columns, counts.items()):
            icon, _ = charts.STATUS_STYLE[status]
            column.metric(f"{icon} {status.capitalize()}", formatting.number(count), border=True,
                          help=f"Indicateurs de la convention de la région {owner} (et territoires ciblés) dans ce "
                               f"statut au {formatting.date(ctx.as_of)}.")
    ui.convention_comparison(agreement["convention_id"], ctx.as_of, agreement["signed_on"],
                             queries.milestones(agreement["convention_id"]), key="accueil")
    st.page_link("pages/convention.py", label="Tableau de bord de la convention, graphiques et feuille de route",
                 icon=":material/arrow_forward:")

st.header("Fraîcheur des données")
fresh = st.columns(3)
fresh[0].metric("Entrepôt construit le", formatting.date(manifest["built_at"][:10]))
fresh[1].metric("Extraction FINESS du", formatting.date(manifest.get("extract_date")))
fresh[2].metric("Lignes rejetées à l'import", formatting.number(manifest["rejects"]["errors"]),
                help="Détail sur la page Données.")

st.header("Contenu de l'entrepôt par région")
st.caption(f"Situation au {formatting.date(ctx.as_of)}. Les effectifs de personnes inférieurs à "
           f"{queries.mask_threshold()} sont masqués (« < {queries.mask_threshold()} »), avec les mandats qui les "
           "trahiraient et une cellule complémentaire (« secret ») pour qu'ils ne se recalculent pas d'un total.")
counts, masks = queries.masked_counts_by_region(ctx.as_of)
ui.show(tables.label_masked(tables.display(counts, REGION_COLUMNS), masks, REGION_COLUMNS))
ui.table_downloads("Télécharger le tableau", counts, REGION_COLUMNS, masked=masks.ne(""), name="contenu_par_region",
                   title="Contenu de l'entrepôt par région", territory=queries.territory_names("national")["FR"])

ui.accessibility_mention()
