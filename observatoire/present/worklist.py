"""How « À traiter » reads: one sentence per line, the table's columns, the XLSX file and the e-mail digest.

The digest holds counts and links, never personal data: no name, no association, no pseudonymous key; a count of
people under the threshold reads « < 11 »."""
from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import pandas as pd

from observatoire.base import formatting
from observatoire.base.dates import is_missing
from observatoire.base.vocabulary import (
    ACTION_STATUSES,
    WL_ACTION_DUE,
    WL_ACTION_LATE,
    WL_ENDING_3M,
    WL_ENDING_6M,
    WL_LOW_PARTICIPATION,
    WL_NO_MEETING,
    WL_NO_TITULAR,
    WL_TRAINING_OVERDUE,
    WL_TRAINING_SOON,
    WL_VACANT_6M,
    WORKLIST_CATEGORIES,
)
from observatoire.domain.worklist import category_counts
from observatoire.present import establishment, exports, tables
from observatoire.present.tables import Col

__all__ = [
    "COLUMNS",
    "ORDER_TEXT",
    "PINNED",
    "SCOPE_TEXT",
    "WIDTHS",
    "category_counts",
    "count_text",
    "csv_bytes",
    "detail",
    "file_name",
    "for_export",
    "mail",
    "page_url",
    "rows",
    "xlsx_bytes",
]

PAGE = "a_traiter"
ROLES_OF = {"titulaire": "titulaire", "suppleant": "suppléant"}
COLUMNS = {
    "due": Col("Échéance", "date"), "category_label": Col("À traiter"), "where": Col("Établissement ou convention"),
    "link": Col("Fiche", "link"), "detail": Col("Détail"), "days": Col("Jours (négatif : dépassé)", "int"),
    "body_label": Col("Instance"), "department_code": Col("Département"), "finess": Col("N° FINESS"),
}
# On screen: pixel widths, and the columns kept in view while the table scrolls sideways (1366 px screens).
WIDTHS = {"due": 90, "category_label": 190, "where": 230, "link": 110, "detail": 420, "days": 80,
          "body_label": 280, "department_code": 90, "finess": 95}
PINNED = ("due", "category_label")
ORDER_TEXT = ("Les plus urgents d'abord : les instances sans aucun titulaire, puis ce qui arrive à échéance et peut "
              "encore être évité (sièges à renouveler sous 3 mois, formations à faire sous 2 mois, actions de la "
              "feuille de route à échéance sous un mois), puis ce qui est déjà en retard (actions en retard, sièges "
              "vacants depuis plus de 6 mois, RU non formés dans leur délai, participation sous 50 %, instances sans "
              "séance depuis 12 mois), enfin les sièges à renouveler dans 3 à 6 mois ; dans chaque rubrique, "
              "l'échéance la plus proche d'abord, ou le retard le plus récent (le plus facile à rattraper).")
SCOPE_TEXT = ("Instances dont les sièges sont pourvus par arrêté de l'ARS (les conseils de la vie sociale, dont les "
              "membres sont élus, n'y figurent pas) et feuille de route de la convention de la région. Une fin de "
              "mandat qui ne libère aucun siège (désignation suivante déjà arrêtée à la date, ou mandat en surnombre) "
              "n'est plus à préparer : elle n'est pas listée.")


def _count(row, threshold: int) -> str:
    count = 0 if is_missing(row.count) else int(row.count)
    return f"< {threshold}" if row.count_masked else formatting.number(count)


def _role(row, plural: bool) -> str:
    word = ROLES_OF.get(row.role, "")
    return f"{word}s" if plural and word else word


def _date(value) -> str:
    return "–" if is_missing(value) else formatting.date(pd.Timestamp(value).date())


def detail(row, threshold: int) -> str:
    """One line in words (row: a worklist line)."""
    n = 0 if is_missing(row.count) else int(row.count)
    several = n > 1
    category = row.category
    if category == WL_NO_TITULAR:
        since = "jamais pourvu dans les données" if is_missing(row.since) else f"depuis le {_date(row.since)}"
        return f"Aucun titulaire sur {formatting.number(n)} siège{'s' if several else ''} ({since})"
    if category in (WL_ENDING_3M, WL_ENDING_6M):
        return (f"{formatting.number(n)} siège{'s' if several else ''} de {_role(row, False)} à renouveler : "
                f"{'première ' if several else ''}fin de mandat prévue le {_date(row.due)}")
    if category == WL_VACANT_6M:
        since = "jamais pourvus dans les données" if is_missing(row.since) else f"depuis le {_date(row.since)}"
        return (f"{formatting.number(n)} siège{'s' if several else ''} de {_role(row, several)} "
                f"vacant{'s' if several else ''} ({since})")
    if category == WL_TRAINING_SOON:
        return f"{_count(row, threshold)} RU à former avant le {_date(row.due)} (échéance la plus proche)"
    if category == WL_TRAINING_OVERDUE:
        return (f"{_count(row, threshold)} RU en mandat non formé(s), échéance dépassée (la plus récente le "
                f"{_date(row.due)})")
    if category == WL_LOW_PARTICIPATION:
        return (f"Participation réelle de {formatting.percent(row.rate)} sur les 4 dernières séances (la dernière le "
                f"{_date(row.due)})")
    if category == WL_NO_MEETING:
        return ("Aucune séance enregistrée" if is_missing(row.since) else
                f"Aucune séance depuis le {_date(row.since)}")
    if category in (WL_ACTION_LATE, WL_ACTION_DUE):
        status = ACTION_STATUSES.get(row.status, "statut inconnu").lower()
        owner = f", pilote : {row.owner}" if isinstance(row.owner, str) and row.owner else ""
        return f"Action {row.action_id} – {row.action_label} (échéance le {_date(row.due)}, {status}{owner})"
    return ""


SEAT_CATEGORIES = (WL_NO_TITULAR, WL_ENDING_3M, WL_ENDING_6M, WL_VACANT_6M)


def _plural(n: int, word: str) -> str:
    return f"{formatting.number(n)} {word}{'s' if n > 1 else ''}"


def count_text(category: str, lines: pd.DataFrame) -> str:
    """What a category's lines add up to, in words: seats and bodies for seats, bodies for people and meetings (a
    count of people is never added up: it could be small), actions for the roadmap."""
    part = lines[lines["category"] == category]
    if category in (WL_ACTION_LATE, WL_ACTION_DUE):
        return _plural(len(part), "action")
    bodies = _plural(part["body_id"].nunique(), "instance")
    if category in SEAT_CATEGORIES:
        return f"{_plural(int(part['count'].sum()), 'siège')} dans {bodies}"
    return bodies


def page_url(territory: str, as_of: dt.date, base: str = "") -> str:
    """The « À traiter » page's address for a territory and a date."""
    query = urlencode({"territoire": territory, "date": as_of.isoformat()})
    return f"{base.rstrip('/') + '/' if base else ''}{PAGE}?{query}"


def rows(lines: pd.DataFrame, as_of: dt.date, territory: str, threshold: int, base: str = "") -> pd.DataFrame:
    """The worklist with its words: category label, days to the deadline (negative once passed), where (the
    establishment, else the convention, else the territory's body: a CTS, the CRSA), the sentence, the establishment
    page's link."""
    if lines.empty:
        return lines.assign(**{c: pd.Series(dtype=object) for c in ("category_label", "days", "where", "detail",
                                                                    "link")})
    due = pd.to_datetime(lines["due"])
    days = (due - pd.Timestamp(as_of)).dt.days
    where = [e if isinstance(e, str) else f"Convention {c}" if isinstance(c, str) else b if isinstance(b, str)
             else None for e, c, b in zip(lines["establishment"], lines["convention_id"], lines["body_label"])]
    out = lines.assign(category_label=lines["category"].map(WORKLIST_CATEGORIES), days=days.astype("Int64"),
                       where=where, detail=[detail(r, threshold) for r in lines.itertuples(index=False)])
    return establishment.with_links(out, territory, as_of, base)


DEFAULT_BASE = "http://127.0.0.1:8501"  # the address `make run` serves, when no public address is set


def for_export(shown: pd.DataFrame, territory: str, as_of: dt.date, base: str) -> pd.DataFrame:
    """The lines with absolute links (a file or an e-mail opened outside the app): `base` is the public address."""
    return establishment.with_links(shown, territory, as_of, base or DEFAULT_BASE)


def csv_bytes(shown: pd.DataFrame) -> bytes:
    return tables.csv_bytes(shown, COLUMNS)


def xlsx_bytes(shown: pd.DataFrame, title: str, territory_name: str, as_of: dt.date) -> bytes:
    """The worklist as an Excel workbook: a title row, the header frozen with a filter, dates as dates, the link
    as a clickable cell, text kept as text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = f"À traiter {as_of.strftime('%d-%m-%Y')}"
    sheet.cell(1, 1, f"{title} – {territory_name} – situation au {formatting.date(as_of)}").font = Font(bold=True,
                                                                                                     size=13)
    names = list(COLUMNS)
    for j, name in enumerate(names, start=1):
        cell = sheet.cell(2, j, COLUMNS[name].label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF0F3")
    widths = [len(COLUMNS[n].label) for n in names]
    for i, row in enumerate(shown.itertuples(index=False), start=3):
        values = row._asdict()
        for j, name in enumerate(names, start=1):
            value = values.get(name)
            cell = sheet.cell(i, j)
            if value is None or is_missing(value):
                continue
            kind = COLUMNS[name].kind
            if kind == "date":
                cell.value = pd.Timestamp(value).date()
                cell.number_format = "DD/MM/YYYY"
                text = formatting.date(cell.value)
            elif kind == "int":
                cell.value = int(value)
                text = str(value)
            elif kind == "link":
                cell.value = "Ouvrir la fiche"
                cell.hyperlink = str(value)
                cell.font = Font(color="0563C1", underline="single")
                text = cell.value
            else:
                cell.value = str(value)
                cell.data_type = "s"  # text stays text: « =1+1 » is shown, never run
                text = cell.value
            widths[j - 1] = max(widths[j - 1], len(text))
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = min(width + 2, 70)
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(names))}{max(len(shown), 1) + 2}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(territory_name: str, as_of: dt.date, ext: str) -> str:
    """`a_traiter_grand-est_2026-03-01.csv`."""
    return exports.file_name(PAGE, territory_name, as_of=as_of, ext=ext)


MAIL_LINES = 10  # the most urgent lines the e-mail lists (establishment, what, link); the rest is on the page


def mail(counts: dict[str, int], shown: pd.DataFrame, territory_name: str, territory: str, as_of: dt.date,
         base: str, threshold: int) -> tuple[str, str]:
    """(subject, plain text) of the digest: counts per category (count_text), the page's address, the most urgent
    lines with their establishment page. Counts and links only: no name, no association, no count of people.
    `shown` is the whole list (rows)."""
    total = sum(counts.values())
    subject = (f"Observatoire de la démocratie en santé – À traiter, {territory_name}, "
               f"{formatting.date(as_of)} : {formatting.number(total)} point{'s' if total > 1 else ''}")
    lines = [f"À traiter au {formatting.date(as_of)} – {territory_name}", "",
             f"{formatting.number(total)} point{'s' if total > 1 else ''} à traiter :"]
    lines += [f"- {WORKLIST_CATEGORIES[c]} : {count_text(c, shown)}" for c, n in counts.items() if n]
    lines += ["", f"La liste complète (et son export CSV ou XLSX) : {page_url(territory, as_of, base)}"]
    top = shown.head(MAIL_LINES)
    if len(top):
        lines += ["", "Les plus urgents :"]
        for row in top.itertuples(index=False):
            where = row.where if isinstance(row.where, str) and row.where else row.body_label
            link = row.link if isinstance(row.link, str) and row.link else page_url(territory, as_of, base)
            lines.append(f"- {row.category_label} – {where} : {link}")
    lines += ["", (f"Les effectifs de moins de {threshold} personnes ne sont jamais écrits. Message envoyé par "
                   "l'observatoire à ses abonnés pour ce territoire ; pour ne plus le recevoir, demandez à "
                   "l'administrateur de vous retirer du fichier des abonnements.")]
    return subject, "\n".join(lines) + "\n"
