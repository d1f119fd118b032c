"""How an establishment reads: its address in the app, identity lines, the seats in words, the tables' columns."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pandas as pd

from observatoire.base import formatting, referential
from observatoire.base.dates import as_date, is_missing
from observatoire.base.vocabulary import ACCESS_ROLES
from observatoire.domain import territorial
from observatoire.domain.establishment import ELECTED, NOT_BOUND, NOT_YET, OVERDUE, SEAT_ROWS_ROLES, TRAINED
from observatoire.present.tables import Col

PAGE = "etablissement"
ROLE_WORDS = {"titulaire": "Titulaire", "suppleant": "Suppléant"}
TRAINING_WORDS = {TRAINED: "Formé", NOT_YET: "Pas encore formé (délai en cours)",
                  OVERDUE: "Non formé, échéance dépassée", NOT_BOUND: "Non concerné (désigné avant l'obligation)",
                  ELECTED: "Non concerné (membre élu)"}
SEAT_ROLES_TEXT = " et ".join(ACCESS_ROLES[r].lower() for r in SEAT_ROWS_ROLES)

SEARCH_COLUMNS = {"name": Col("Établissement"), "finess": Col("N° FINESS"), "category_label": Col("Catégorie"),
                  "place": Col("Commune – département"), "link": Col("Fiche", "link")}
BODY_COLUMNS = {"label": Col("Instance"), "body_type": Col("Type"), "role_label": Col("Rôle"),
                "seats": Col("Sièges", "int"), "filled": Col("Pourvus", "int"), "vacant": Col("Vacants", "int"),
                "vacant_since_text": Col("Vacant depuis (le plus ancien)")}
# What a seat is comes first (type, role, state, training): readable at 1366 px; the body's full name last.
SEAT_COLUMNS = {"body_type": Col("Type"), "role_label": Col("Rôle"), "seat": Col("Siège", "int"),
                "state": Col("État"), "training": Col("Formation « RU en Avant ! »"),
                "deadline": Col("Échéance de formation", "date"), "association": Col("Association"),
                "start_date": Col("Début", "date"), "planned_end_date": Col("Fin prévue", "date"),
                "label": Col("Instance")}
COUNT_COLUMNS = {"label": Col("Instance"), "role_label": Col("Rôle"), "seats": Col("Sièges", "int"),
                 "filled": Col("Pourvus", "int"), "vacant": Col("Vacants", "int"),
                 "untrained_label": Col("RU pas encore formés")}
ENDING_COLUMNS = {"planned_end_date": Col("Fin prévue", "date"), "label": Col("Instance"),
                  "role_label": Col("Rôle"), "association": Col("Association"), "start_date": Col("Début", "date"),
                  "successor": Col("Désignation suivante déjà arrêtée")}
ENDING_COUNT_COLUMNS = {"label": Col("Instance"), "role_label": Col("Rôle"), "ending": Col("Mandats", "int"),
                        "first_end": Col("Première fin prévue", "date")}
MEETING_COLUMNS = {"year": Col("Année"), "label": Col("Instance"), "meetings": Col("Séances", "int"),
                   "expected": Col("RU attendus", "int"), "present": Col("RU présents", "int"),
                   "rate": Col("Participation réelle", "percent")}
PROJECT_COLUMNS = {"title": Col("Projet"), "forms_label": Col("Formes d'engagement"), "status": Col("Statut"),
                   "ru_label": Col("RU impliqué"), "start_date": Col("Début", "date"), "end_date": Col("Fin", "date"),
                   "link": Col("Lien", "link")}
CAMPAIGN_COLUMNS = {"label": Col("Campagne"), "body_type": Col("Type"), "opens_on": Col("Ouverture", "date"),
                    "closes_on": Col("Clôture", "date"), "window_end": Col("Désignations prises en compte jusqu'au",
                                                                          "date"),
                    "seats_opened": Col("Sièges ouverts (région)", "int"),
                    "candidacies": Col("Candidatures (région)", "int"),
                    "designations": Col("Désignations (région)", "int"),
                    "designations_here": Col("Désignations dans l'établissement", "int")}


def url(finess: str, territory: str | None = None, as_of: dt.date | None = None, base: str = "") -> str:
    """The establishment page's address: relative (`etablissement?finess=…`) inside the app, absolute with `base`
    (`http://…/`) in an export or an e-mail; the territory and date travel with it, so the page opens in the same
    situation."""
    params = {"finess": finess}
    if territory:
        params["territoire"] = territory
    if as_of:
        params["date"] = as_of.isoformat()
    return f"{base.rstrip('/') + '/' if base else ''}{PAGE}?{urlencode(params)}"


def with_links(frame: pd.DataFrame, territory: str | None, as_of: dt.date | None, base: str = "",
               column: str = "link") -> pd.DataFrame:
    """`frame` with the establishment page's address of each row that has a FINESS number (empty otherwise)."""
    links = [url(f, territory, as_of, base) if isinstance(f, str) and f else None for f in frame["finess"]] \
        if "finess" in frame else []
    return frame.assign(**{column: links}) if len(frame) else frame.assign(**{column: pd.Series(dtype=object)})


def place(commune_code, department_code) -> str:
    """« Strasbourg – Bas-Rhin (67) »."""
    commune = territorial.commune_names().get(commune_code, "") if isinstance(commune_code, str) else ""
    department = referential.names("departement").get(department_code, department_code) \
        if isinstance(department_code, str) else ""
    department = f"{department} ({department_code})" if department else ""
    return " – ".join(p for p in (commune, department) if p)


def search_rows(found: pd.DataFrame, territory: str | None, as_of: dt.date | None) -> pd.DataFrame:
    out = found.assign(place=[place(c, d) for c, d in zip(found["commune_code"], found["department_code"])])
    return with_links(out, territory, as_of)


def identity_lines(identity: dict) -> list[tuple[str, str]]:
    """The FINESS identity as (label, value) lines, empty values left out."""
    lines = [("N° FINESS", identity.get("finess")), ("Catégorie", identity.get("category_label")),
             ("Statut juridique", identity.get("legal_status_label")),
             ("Commune", place(identity.get("commune_code"), identity.get("department_code"))),
             ("Région", identity.get("region_name"))]
    if not is_missing(identity.get("lon")) and not is_missing(identity.get("lat")):
        where = f"{formatting.number(identity['lat'], 5)} N, {formatting.number(identity['lon'], 5)} E"
        lines.append(("Coordonnées", where))
    if not is_missing(identity.get("extract_date")):
        lines.append(("Extraction FINESS du", formatting.date(as_date(identity["extract_date"]))))
    return [(label, str(value)) for label, value in lines if isinstance(value, str) and value]


def title(identity: dict) -> str:
    return identity.get("name") or f"Établissement {identity.get('finess')}"


def duration(since, as_of: dt.date) -> str:
    """« 3 mois », « 2 ans et 1 mois », « 12 jours »: how long since a date, rounded down."""
    since = pd.Timestamp(since).date()
    months = (as_of.year - since.year) * 12 + as_of.month - since.month - (as_of.day < since.day)
    if months < 1:
        days = (as_of - since).days
        return f"{days} jour{'s' if days > 1 else ''}"
    years, months = divmod(months, 12)
    parts = ([f"{years} an{'s' if years > 1 else ''}"] if years else []) + ([f"{months} mois"] if months else [])
    return " et ".join(parts)


def vacant_text(since, as_of: dt.date) -> str:
    if is_missing(since):
        return "Vacant, jamais pourvu dans les données"
    return f"Vacant depuis le {formatting.date(pd.Timestamp(since).date())} ({duration(since, as_of)})"


def body_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Seats by body and role in words: since when the longest-vacant seat is vacant (« jamais pourvu » when no
    mandate ever filled it in the store's memory)."""
    since = ["" if not v else "jamais pourvu dans les données" if is_missing(s) else
             formatting.date(pd.Timestamp(s).date()) for v, s in zip(frame["vacant"], frame["vacant_since"])]
    return frame.assign(role_label=frame["role"].map(ROLE_WORDS), vacant_since_text=since)


def seat_display(rows: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The seats one by one in words: filled (with its association, dates and the holder's training), vacant since
    when, or held in excess of the seat count."""
    filled = rows["filled"].fillna(False).astype(bool)
    excess = rows["in_excess"].fillna(False).astype(bool)
    state = ["Pourvu, en surnombre" if e else "Pourvu" if f else vacant_text(s, as_of)
             for f, e, s in zip(filled, excess, rows["vacant_since"])]
    return rows.assign(role_label=rows["role"].map(ROLE_WORDS), state=state,
                       training=[TRAINING_WORDS.get(t, "") if f else "" for t, f in
                                 zip(rows["training_state"], filled)])


def ending_display(ending: pd.DataFrame) -> pd.DataFrame:
    return ending.assign(role_label=ending["role"].map(ROLE_WORDS),
                         successor=["oui" if n else "non" for n in ending.get("successors", [])])


def ending_count_display(counts: pd.DataFrame) -> pd.DataFrame:
    return counts.assign(role_label=counts["role"].map(ROLE_WORDS))
