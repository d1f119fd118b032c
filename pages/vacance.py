"""Vacance des sièges: monthly vacancy since 2016, campaigns and waves, projection, campaign tracking."""
import pandas as pd
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting, vocabulary
from observatoire.base.dates import add_months
from observatoire.present import charts, tables
from observatoire.present.tables import Col
from observatoire.present.vacancy import (
    BREAKDOWNS,
    PROJECTION_MONTHS,
    SERIES_START,
    campaign_label,
    count_label,
    default_campaign,
    last_month_start,
)

SERIES_COLUMNS = {"group": Col("Groupe"), "as_of": Col("Au", "date"), "seats": Col("Sièges", "int"),
                  "vacant": Col("Sièges vacants", "int"), "rate": Col("Taux de vacance (%)", "percent")}

# The series' tabs, only the open one built and drawn (one figure per rerun, not three): tab label: column, unit,
# axis title, file name, chart title.
SERIES_TABS = {
    "Taux de vacance": ("rate", "%", "Sièges vacants (%)", "taux_vacance", "Taux de vacance des sièges"),
    "Sièges vacants": ("vacant", "sièges", "Sièges vacants", "sieges_vacants", "Sièges vacants"),
}

CAMPAIGN_COLUMNS = {
    "region": Col("Région"), "campaign_year": Col("Campagne"), "phase": Col("État"),
    "seats_opened": Col("Sièges ouverts", "int"), "designations": Col("Désignations", "int"),
    "achievement": Col("Réalisation", "percent"),
    "window_end": Col("Désignations prises en compte jusqu'au", "date"),
    "target": Col("Cible de l'année", "percent"), "status": Col("Résultat"),
}

AHEAD_COLUMNS = {
    "body_label": Col("Instance"), "body_type": Col("Type"), "establishment": Col("Établissement"),
    "link": Col("Fiche", "link"),
    "department_code": Col("Département"), "role_label": Col("Rôle"), "seats_freed": Col("Sièges libérés", "int"),
    "vacant_from": Col("Vacant à partir du", "date"),
}

ctx = ui.context()
scope = ctx.scope
horizon_end = add_months(ctx.as_of, max(PROJECTION_MONTHS))
last_measure = last_month_start(ctx.as_of)

st.title("Vacance des sièges")
st.caption(f"{ui.caption_as_of(ctx)} · sièges mesurés au 1er de chaque mois, de janvier 2016 à "
           f"{formatting.month(last_measure)}, puis projetés sur 12 mois sans aucun renouvellement")

# --- Headline: now and if nobody is renewed ---------------------------------------------------------
snapshot_dates = [ctx.as_of, *(add_months(ctx.as_of, h) for h in PROJECTION_MONTHS)]
snapshots = queries.seat_snapshots(scope, snapshot_dates).set_index("as_of")
if snapshots.empty:
    st.info("Aucun siège de représentant des usagers n'est enregistré pour ce territoire.")
    st.stop()
now = snapshots.loc[ctx.as_of]
cards = st.columns(len(snapshot_dates))
cards[0].metric(f"Vacance au {formatting.date(ctx.as_of)}", formatting.percent(now["rate"]),
                help=f"{formatting.number(now['vacant'])} sièges vacants sur {formatting.number(now['seats'])}")
for card, months in zip(cards[1:], PROJECTION_MONTHS):
    later = snapshots.loc[add_months(ctx.as_of, months)]
    card.metric(f"Dans {months} mois, sans renouvellement", formatting.percent(later["rate"]),
                **formatting.metric_delta(later["rate"] - now["rate"], "%", "lower_is_better"),
                help=f"{formatting.number(later['vacant'])} sièges vacants au "
                     f"{formatting.date(add_months(ctx.as_of, months))}")

# --- Sections, one at a time under the cards (ui.sections) ------------------------------------------------


def compared_territories() -> tuple[queries.Scope | None, str | None]:
    """The territories drawn side by side and their plural noun: those below the one chosen (régions of France,
    départements of a région); for a département, the départements of its région, itself among them, when the user
    may see them (a user of one département sees no other). A région and its départements thus offer the same tabs:
    going from one to the other keeps the open tab and redraws its chart in place."""
    if ctx.level != "departement":
        return ctx.children(), {"national": "régions", "region": "départements"}[ctx.level]
    if not ui.may_see_departments_of(ctx.region):
        return None, None
    return queries.Scope("departement", region=ctx.region), "départements"


def series_section() -> None:
    """The monthly series since 2016, by breakdown, with the campaigns, the waves and the 12 months projected."""
    breakdown = st.radio("Ventiler par", list(BREAKDOWNS), horizontal=True)
    series = queries.vacancy_breakdown_series(scope, SERIES_START, horizon_end, BREAKDOWNS[breakdown])
    by_group = bool(BREAKDOWNS[breakdown])
    waves = queries.designation_waves(scope, SERIES_START, ctx.as_of)
    bands = queries.campaign_periods(ctx.region)
    signatures = queries.convention_signatures(ctx.region)
    annotations = [(row.signed_on, f"Signature de la convention ({formatting.date(row.signed_on)})")
                   for row in signatures.itertuples()]
    events = {"bands": bands, "band_label": "Campagnes de nomination", "markers": waves,
              "marker_label": "Vagues de désignations", "annotations": annotations, "dash_from": last_measure,
              "color": "group"}
    compared, noun = compared_territories()
    comparison = f"Comparaison des {noun}" if noun else None
    tabs = st.tabs([*SERIES_TABS, *([comparison] if comparison else [])], key="vacance_onglet", on_change="rerun")
    for tab, (y, unit, y_label, stem, title) in zip(tabs, SERIES_TABS.values()):
        if tab.open:
            with tab:
                ui.chart(charts.series_with_events(series, "as_of", y, f"{title} – {ctx.name}", unit, y_label=y_label,
                                                   **events),
                         name=(stem, "mensuel", breakdown if by_group else ""), title=title, data=series,
                         columns=SERIES_COLUMNS)
                st.caption("Trait plein : situation au 1er de chaque mois (un mandat commencé en cours de mois compte à "
                           "partir du 1er du mois suivant). Tirets : projection avec les seuls mandats connus. Bandes : "
                           "campagnes de nomination de la région. Triangles : mois de désignations massives (décile "
                           "supérieur et plus du double du mois médian).")
    if comparison and tabs[-1].open:  # small multiples of the territories below
        with tabs[-1]:
            children = queries.child_vacancy_series(compared, SERIES_START, horizon_end)
            if children.empty:
                st.info(f"Aucun siège enregistré dans les {noun} de ce territoire.")
            else:
                ui.chart(charts.small_multiples(children, "as_of", "rate", "territory_name",
                                                f"Taux de vacance par {noun[:-1]}" + (
                                                    " de la région " + queries.territory_names("region").get(
                                                        ctx.region, ctx.region) if ctx.level == "departement" else ""),
                                                "%", dash_from=last_measure),
                         name=("taux_vacance", noun), data=children,
                         columns={"territory_name": Col("Territoire"), "as_of": Col("Au", "date"),
                                  "seats": Col("Sièges", "int"), "vacant": Col("Sièges vacants", "int"),
                                  "rate": Col("Taux de vacance (%)", "percent")})


def ahead_section() -> None:
    """The seats about to fall vacant within the horizon chosen, if nobody is renewed."""
    months = st.radio("Horizon", PROJECTION_MONTHS, index=len(PROJECTION_MONTHS) - 1, horizontal=True,
                      format_func=lambda m: f"{m} mois")
    ahead = queries.vacancies_ahead(scope, ctx.as_of, months)
    freed = int(ahead["seats_freed"].sum())
    st.markdown(f"**{count_label(freed, 'siège', 'sièges')}** {'se libère' if freed < 2 else 'se libèrent'} d'ici le "
                f"{formatting.date(add_months(ctx.as_of, months))} si aucun mandat n'est renouvelé "
                f"({count_label(ahead['body_id'].nunique(), 'instance', 'instances')}).")
    ahead = ui.with_links(ahead)
    ui.link_table(ahead, AHEAD_COLUMNS)
    ui.table_downloads("Télécharger la liste", ahead, AHEAD_COLUMNS, name=("sieges_a_pourvoir", f"{months}_mois"),
                       title=f"Sièges qui vont se libérer d'ici {months} mois")


def campaign_section() -> None:
    """The nomination campaigns: the régions' overview (national), one campaign followed, its dossiers."""
    if ctx.level == "national":
        st.header("Campagnes de nomination des régions")
        overview = queries.campaign_overview(ctx.as_of)
        if overview.empty:
            st.info("Aucune campagne de nomination ouverte à cette date.")
        else:
            overview = overview.assign(phase=["terminée" if f else "en cours" for f in overview["final"]],
                                       status=[vocabulary.status_label(s) if isinstance(s, str) else "–"
                                               for s in overview["status"]])
            ui.table(overview, CAMPAIGN_COLUMNS, name=("campagnes", "regions"),
                     title="Campagnes de nomination des régions")
            st.caption("Chaque région est jugée sur sa propre campagne, contre la cible de son année : une campagne "
                       "terminée (fin de prise en compte des désignations passée) a un résultat définitif, ✔ atteint ou "
                       "✗ non atteint. Des campagnes de régions et d'années différentes ne s'additionnent pas : pas de "
                       "total national.")
    st.header("Suivi d'une campagne de nomination")
    choices = queries.campaign_choices(ctx.region)
    if choices.empty:
        st.info("Aucune campagne de nomination enregistrée pour ce territoire.")
        return
    region_names = queries.territory_names("region")
    labels = {row.campaign_id: campaign_label(row, region_names) for row in choices.itertuples()}
    chosen = st.selectbox("Campagne", list(labels), format_func=labels.get, index=default_campaign(choices, ctx.region),
                          placeholder="Choisir une campagne (région · type d'instance)")
    if chosen is None:
        st.info("Choisissez une campagne : chacune concerne une région et un type d'instance.")
        return
    status = queries.campaign_status(chosen, ctx.as_of)
    if status is None:
        st.info("Cette campagne n'est pas encore ouverte à la date choisie.")
        return
    where = f"{region_names.get(status['region_code'], status['region_code'])} · {status['body_type']}"
    st.caption(f"{where} · campagne du {formatting.date(status['opens_on'])} au {formatting.date(status['closes_on'])} "
               f"· dernière situation du fichier de campagne au {formatting.date(status['status_date'])} · désignations : "
               + ("nombre du fichier de campagne (aucun arrêté chargé pour cette campagne)" if status["from_file"] else
                  f"arrêtés datés du {formatting.date(status['opens_on'])} au {formatting.date(status['window_end'])} "
                  f"(fin de prise en compte des désignations), jusqu'au {formatting.date(ctx.as_of)}")
               + (" · campagne terminée : résultat définitif" if ctx.as_of > status["window_end"] else ""))
    cards = st.columns(4)
    cards[0].metric(f"Sièges ouverts ({where})", formatting.number(status["seats_opened"]))
    cards[1].metric(f"Candidatures reçues ({where})", formatting.number(status["candidacies"]),
                    help=f"Dossiers déposés sur « Démarches simplifiées » au {formatting.date(ctx.as_of)}."
                    if status["from_dossiers"] else "Nombre du fichier de campagne à sa dernière situation.")
    cards[2].metric(f"Désignations ({where})", formatting.number(status["designations"]),
                    help="Nombre du fichier de campagne : aucun arrêté chargé." if status["from_file"] else
                    "Arrêtés de désignation chargés dans nominations.")
    effect = queries.seat_snapshots(queries.Scope("region", status["region_code"]), [status["opens_on"], ctx.as_of],
                                    filters={"body_type": status["body_type"]}).set_index("as_of")
    if len(effect) == 2 and status["opens_on"] <= ctx.as_of:
        before, after = effect.loc[status["opens_on"]], effect.loc[ctx.as_of]
        cards[3].metric(f"Vacance ({where})", formatting.percent(after["rate"]),
                        **formatting.metric_delta(after["rate"] - before["rate"], "%", "lower_is_better"),
                        help=f"{formatting.percent(before['rate'])} à l'ouverture ({formatting.date(status['opens_on'])}),"
                             f" {formatting.percent(after['rate'])} au {formatting.date(ctx.as_of)}")
    target = queries.campaign_target(status["region_code"], status["opens_on"].year)
    left, right = st.columns(2)
    funnel_data = pd.DataFrame({"stage": ["Sièges ouverts", "Candidatures", "Désignations"],
                                "count": [status["seats_opened"], status["candidacies"] or 0, status["designations"]]})
    if status["from_dossiers"]:  # the dossiers say how many were accepted before the decrees
        funnel_data = pd.DataFrame({"stage": ["Sièges ouverts", "Candidatures reçues", "Candidatures acceptées",
                                              "Désignations"],
                                    "count": [status["seats_opened"], status["funnel"]["received"],
                                              status["funnel"]["accepted"], status["designations"]]})
    funnel_columns = {"stage": Col("Étape"), "count": Col("Nombre", "int")}
    with left:
        ui.chart(charts.funnel(list(funnel_data["stage"]), list(funnel_data["count"]),
                               f"De l'ouverture aux désignations – {where}"),
                 name=("campagne", chosen, "entonnoir"), data=funnel_data, columns=funnel_columns)
    with right:
        ui.chart(charts.progress(status["achievement"],
                                 f"Désignations : {formatting.percent(status['achievement'], 0)} des sièges "
                                 f"ouverts – {where}", target=target,
                                 target_label=f"Cible de la convention {status['opens_on'].year}"),
                 name=("campagne", chosen, "realisation"), data=funnel_data, columns=funnel_columns)
        if target is None:
            st.caption("Aucune cible de convention pour cette campagne.")
    # --- The campaign's dossiers on « Démarches simplifiées » (data/raw/candidatures) ----------------------------------
    if status["from_dossiers"]:
        st.subheader("Candidatures déposées sur « Démarches simplifiées »")
        st.caption(f"{where} · dossiers déposés au {formatting.date(ctx.as_of)}, dans leur état à cette date (une "
                   "décision compte à sa date de traitement) · un dossier qui demande plusieurs établissements compte "
                   "une fois dans chacun, une fois pour la région")
        stage_cards = st.columns(len(vocabulary.CANDIDACY_STAGES))
        for card, (stage, label) in zip(stage_cards, vocabulary.CANDIDACY_STAGES.items()):
            card.metric(label, formatting.number(status["funnel"].get(stage, 0)))
        levels = {"region": "Région", "departement": "Département", "etablissement": "Établissement"}
        level = st.radio("Par", list(levels), format_func=levels.get, horizontal=True, key="vacance_candidatures_par")
        dossiers = queries.campaign_candidacies(chosen, ctx.as_of, level)
        CANDIDACY_COLUMNS = {"territory_name": Col(levels[level]),
                             **{stage: Col(label, "int") for stage, label in vocabulary.CANDIDACY_STAGES.items()}}
        if dossiers.empty:
            st.info("Aucun dossier déposé à cette date" + ("" if level == "region" else " avec un établissement")
                    + " dans votre territoire.")
        else:
            ui.show(tables.display(dossiers, CANDIDACY_COLUMNS))


ui.sections({"Évolution mensuelle": series_section, "Sièges qui vont se libérer": ahead_section,
             "Campagnes de nomination": campaign_section}, key="vacance_section")
