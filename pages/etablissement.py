"""Établissement : la fiche d'un établissement, trouvée par son n° FINESS ou son nom (adresse
`/etablissement?finess=670000199`) : identité, instances et sièges, vacance depuis 2016, fins de mandat, séances,
projets, campagnes. Jamais un nom de personne ; hors du territoire de l'utilisateur : « hors de vos droits »."""
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting
from observatoire.present import charts, establishment
from observatoire.present.charts.place import location_map
from observatoire.present.tables import Col

ctx = ui.context()
finess = st.query_params.get("finess", "").strip().upper()


def open_establishment() -> None:
    """The search result chosen becomes the page's address (a link reproduces the view)."""
    picked = st.session_state.get("etablissement_choix")
    if picked:
        st.query_params["finess"] = picked


def search() -> None:
    """The search box: FINESS number or name, accents and case ignored, within the user's territory."""
    text = st.text_input("Rechercher un établissement : n° FINESS ou nom (sans tenir compte des accents ni des "
                         "majuscules)", key="etablissement_recherche",
                         placeholder="670000199, « hopital saverne », « clinique sainte odile »…")
    if not text.strip():
        return
    found = queries.establishment_search(text, ctx.scope)
    if found.empty:
        st.info("Aucun établissement de votre territoire ne correspond à cette recherche.")
        return
    labels = dict(zip(found["finess"], [f"{n} – {f} – {establishment.place(c, d)}" for n, f, c, d in zip(
        found["name"], found["finess"], found["commune_code"], found["department_code"])]))
    st.selectbox(f"{formatting.number(len(found))} établissement(s) trouvé(s)"
                 + (" (les 50 premiers)" if len(found) >= 50 else ""), list(labels), index=None,
                 format_func=labels.get, placeholder="Choisir un établissement", key="etablissement_choix",
                 on_change=open_establishment)


status = queries.establishment_access(finess) if finess else None
if status != queries.ESTABLISHMENT_OK:
    st.title("Fiche d'un établissement")
    st.caption(f"{ui.caption_as_of(ctx)} · cherchez un établissement ci-dessous, ou ouvrez sa fiche depuis la carte "
               "(détail d'un département), « À former » (page Formation), les tableaux de la page Vacance des "
               "sièges ou la page À traiter.")
    if status == queries.ESTABLISHMENT_UNKNOWN:
        st.warning(f"Aucun établissement de n° FINESS « {formatting.md_escape(finess)} » dans l'entrepôt.",
                   icon=":material/search_off:")
    elif status == queries.ESTABLISHMENT_DENIED:
        st.error(f"L'établissement {formatting.md_escape(finess)} est hors de vos droits : votre accès couvre "
                 f"{formatting.md_escape(queries.access().territory_label)}.", icon=":material/block:")
    search()
    st.stop()

identity = queries.establishment_identity(finess)
st.title(formatting.md_escape(establishment.title(identity)))
st.caption(f"N° FINESS {formatting.md_escape(finess)} · "
           f"{formatting.md_escape(establishment.place(identity.get('commune_code'), identity.get('department_code')))}"
           f" · situation au {formatting.date(ctx.as_of)}")
with st.expander("Rechercher un autre établissement", icon=":material/search:"):
    search()

left, right = st.columns([3, 2], gap="medium")
with left:
    st.markdown("\n".join(f"- **{label}** : {formatting.md_escape(value)}"
                          for label, value in establishment.identity_lines(identity)))
with right:
    if identity.get("lon") is not None and identity.get("lat") is not None and identity.get("department_code"):
        ui.chart(location_map(establishment.title(identity), identity["department_code"], identity["lon"],
                              identity["lat"], height=260),
                 name=("etablissement", finess, "carte"), title=establishment.title(identity),
                 territory=identity.get("department_name"), key="etablissement_carte",
                 config={"scrollZoom": False, "displaylogo": False})
    else:
        st.caption("Pas de coordonnées dans le fichier FINESS : établissement non placé sur une carte.")

# --- bodies and seats ----------------------------------------------------------------------------------------
st.header("Instances et sièges")
bodies = queries.establishment_bodies(finess, ctx.as_of)
if bodies.empty:
    st.info(f"Aucune instance ouverte au {formatting.date(ctx.as_of)} dans cet établissement.")
else:
    cards = st.columns(3)
    cards[0].metric("Sièges", formatting.number(bodies["seats"].sum()), border=True)
    cards[1].metric("Sièges pourvus", formatting.number(bodies["filled"].sum()), border=True)
    cards[2].metric("Sièges vacants", formatting.number(bodies["vacant"].sum()), border=True)
    ui.table(establishment.body_rows(bodies), establishment.BODY_COLUMNS, name=("instances", finess), title="Instances de l'établissement")

    if queries.seat_rows_allowed():
        st.markdown("**Les sièges un par un**")
        seats = establishment.seat_display(queries.establishment_seats(finess, ctx.as_of), ctx.as_of)
        ui.table(seats, establishment.SEAT_COLUMNS, name=("sieges", finess), title="Sièges de l'établissement")
        st.caption("Aucun nom : pour un siège pourvu, l'association, les dates du mandat et la formation de la "
                   "personne qui l'occupe (« RU en Avant ! » dans les 6 mois de sa première désignation par arrêté). "
                   "Un siège vacant l'est depuis le début de la période sans interruption pendant laquelle au moins "
                   "autant de sièges de ce rôle étaient vacants ; « en surnombre » : un mandat de plus que de "
                   "sièges.")
    else:
        st.markdown("**Sièges par rôle**")
        counts = queries.establishment_seat_counts(finess, ctx.as_of)
        ui.table(counts, establishment.COUNT_COLUMNS, name=("sieges", finess), title="Sièges de l'établissement")
        st.caption(f"Le détail siège par siège est réservé aux rôles {establishment.SEAT_ROLES_TEXT}. Effectifs de "
                   f"personnes de moins de {queries.mask_threshold()} affichés « < {queries.mask_threshold()} ».")

    # --- vacancy since 2016 --------------------------------------------------------------------------------------
    st.header("Vacance des sièges depuis 2016")
    history = queries.establishment_vacancy(finess, ctx.as_of)
    if history.empty:
        st.caption("Aucun siège enregistré.")
    else:
        ui.chart(charts.time_series(history, "as_of", "vacant", f"Sièges vacants au 1er de chaque mois – "
                                    f"{establishment.title(identity)}", "sièges", color="body_type",
                                    y_label="Sièges vacants"),
                 name=("vacance", finess), title="Sièges vacants au 1er de chaque mois", data=history,
                 columns={"body_type": Col("Type d'instance"), "as_of": Col("Au", "date"),
                          "seats": Col("Sièges", "int"), "vacant": Col("Sièges vacants", "int")},
                 key="etablissement_vacance")

    # --- mandates ending ---------------------------------------------------------------------------------------
    st.header("Mandats finissant dans les 6 mois")
    if queries.seat_rows_allowed():
        ending = queries.establishment_ending(finess, ctx.as_of)
        if ending.empty:
            st.caption("Aucun mandat ne finit dans les 6 mois (fins prévues par les arrêtés connus à la date).")
        else:
            ui.table(establishment.ending_display(ending), establishment.ENDING_COLUMNS, name=("fins_de_mandat", finess), title="Mandats finissant dans les 6 mois")
    else:
        ending = queries.establishment_ending_counts(finess, ctx.as_of)
        if ending.empty:
            st.caption("Aucun mandat ne finit dans les 6 mois (fins prévues par les arrêtés connus à la date).")
        else:
            ui.table(establishment.ending_count_display(ending), establishment.ENDING_COUNT_COLUMNS,
                     name=("fins_de_mandat", finess), title="Mandats finissant dans les 6 mois")

# --- meetings, projects, campaigns ------------------------------------------------------------------------------
st.header("Séances et participation réelle, par année")
meetings = queries.establishment_meetings(finess, ctx.as_of)
if meetings.empty:
    st.caption("Aucune séance enregistrée pour les instances de cet établissement.")
else:
    ui.table(meetings.assign(year=meetings["year"].astype(str)), establishment.MEETING_COLUMNS,
             name=("seances", finess), title="Séances et participation réelle par année")
    st.caption("Participation réelle : RU présents / RU attendus (les titulaires convoqués).")

st.header("Projets de partenariat")
project_rows = queries.establishment_projects(finess, ctx.as_of)
if project_rows.empty:
    st.caption("Aucun projet de partenariat de cet établissement dans le registre.")
else:
    ui.show(project_rows[list(establishment.PROJECT_COLUMNS)],
            column_config=ui.column_config(establishment.PROJECT_COLUMNS), placeholder="–")

st.header("Campagnes de nomination")
campaign_rows = queries.establishment_campaigns(finess, ctx.as_of)
if campaign_rows.empty:
    st.caption("Aucune campagne de nomination de la région pour les instances de cet établissement.")
else:
    ui.table(campaign_rows, establishment.CAMPAIGN_COLUMNS, name=("campagnes", finess), title="Campagnes de nomination")
    st.caption("Sièges ouverts, candidatures et désignations : ceux de toute la campagne dans la région (le fichier de "
               "campagne ne les détaille pas par établissement) ; dernière colonne : les arrêtés de désignation dans "
               "les instances de cet établissement datés pendant la campagne (jusqu'à la fin de prise en compte).")
