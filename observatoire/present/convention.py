"""A convention as users read it: the scorecard in French, the roadmap and milestones tables, their columns."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import formatting
from observatoire.base.dates import as_date
from observatoire.base.vocabulary import (
    ACTION_STATUSES,
    BASELINE_CAMPAIGN,
    LEVEL_NAMES,
    MILESTONE_TYPES,
    STATUS_NOT_EVALUABLE,
    STATUSES,
    status_label,
)

# What a page assembles a convention's charts and tables from (pages read the domain through present and queries).
from observatoire.domain.convention import (
    chart_rows,
    chosen_first,
    chosen_rows,
    convention_order,
    default_convention,
    meeting_dates,
    overdue,
    previous_follow_up,
    row_baseline,
    row_targets,
    series_start,
    signed_by,
    status_counts,
    territory_name,
)

__all__ = ["chart_rows", "chosen_first", "chosen_rows", "convention_order", "default_convention", "meeting_dates", "overdue", "row_baseline",
           "row_targets", "series_start", "signed_by", "status_counts", "territory_name", "plan_caption",
           "review_dates", "scorecard_display", "chart_title", "milestones_frame", "roadmap_columns", "actions_frame",
           "baseline_text", "change_text", "MILESTONE_COLUMNS", "ACTION_COLUMNS", "ACTION_WIDTHS", "SCORECARD_EXPORT",
           "SERIES_COLUMNS", "REPLAY_COLUMNS", "replay_display", "record_caption"]
from observatoire.present import tables

MILESTONE_COLUMNS = {"milestone_date": tables.Col("Date", "date"), "type_label": tables.Col("Type"),
                     "label": tables.Col("Jalon"), "state": tables.Col("État")}


ACTION_COLUMNS = {"roadmap": tables.Col("Feuille de route"), "action_id": tables.Col("N°"), "axis": tables.Col("Axe"), "label": tables.Col("Action"),
                  "owner": tables.Col("Pilote"), "due_date": tables.Col("Échéance", "date"),
                  "status_fr": tables.Col("Statut"), "lateness": tables.Col("Retard"),
                  "expected_result": tables.Col("Résultat attendu"),
                  "comment": tables.Col("Commentaire"), "status_note": tables.Col("Remarque")}


# Pixel widths of the roadmap columns, so that ten columns fit a 1 500 px wide page without scrolling.
ACTION_WIDTHS = {"Feuille de route": 75, "N°": 45, "Axe": 170, "Action": 330, "Pilote": 190, "Échéance": 90,
                 "Statut": 165, "Retard": 60, "Commentaire": 160, "Remarque": 150}


SCORECARD_EXPORT = {"label": tables.Col("Indicateur"), "level": tables.Col("Niveau"),
                    "territory_name": tables.Col("Territoire"), "value": tables.Col("Valeur", "float"),
                    "unit": tables.Col("Unité"), "target": tables.Col("Cible", "float"),
                    "target_year": tables.Col("Année de la cible"), "gap": tables.Col("Écart", "float"),
                    "baseline": tables.Col("Référence", "float"), "baseline_date": tables.Col("Date de la référence", "date"),
                    "baseline_how": tables.Col("Origine de la référence"),
                    "since_last_meeting": tables.Col("Évolution depuis le dernier groupe de suivi", "float"),
                    "last_meeting": tables.Col("Dernier groupe de suivi", "date"),
                    "status": tables.Col("Statut"), "status_reason": tables.Col("Motif"), "note": tables.Col("Remarque")}


# The figures behind an indicator's chart (CSV of the page and of the bilan pack).
SERIES_COLUMNS = {"day": tables.Col("Date", "date"), "value": tables.Col("Valeur", "float", masked_by="masked")}


def plan_caption(row: pd.Series) -> str:
    """« Signée le … entre … et … · période … », or for a plan adopted without signature « Plan de … »."""
    period = f"période du {formatting.date(row['start_date'])} au {formatting.date(row['end_date'])}"
    # Parties are typed by users: escaped so that Markdown in them never renders (no injected link or image).
    parties = [formatting.md_escape(p) for p in (row.get("party_ars"), row.get("party_association"))
               if isinstance(p, str) and p]
    if pd.isna(row.get("signed_on")):
        return f"Plan de {' et '.join(parties) or 'la région'} · {period}"
    return f"Signée le {formatting.date(row['signed_on'])} entre {' et '.join(parties)} · {period}"


def review_dates(milestones: pd.DataFrame, as_of: dt.date) -> dict[dt.date, str]:
    """The as-of date chosen in the sidebar, then every past milestone (newest first)."""
    choices = {as_of: f"Au {formatting.date(as_of)} (date choisie dans le menu)"}
    for _, m in milestones.sort_values("milestone_date", ascending=False).iterrows():
        day = as_date(m["milestone_date"])
        if day <= as_of and day not in choices:
            choices[day] = f"{MILESTONE_TYPES.get(m['milestone_type'], '')} du {formatting.date(day)} – {m['label']}"
    return choices


def baseline_text(value, day, how, unit: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    when = f"au {formatting.date(day)}" if how != BASELINE_CAMPAIGN else \
        f"à l'ouverture ({formatting.date(day)})"
    return f"{formatting.value_with_unit(value, unit)} {when}"


def change_text(change, unit: str) -> str:
    return formatting.gap(change, unit)


def scorecard_display(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard in French, one line per indicator and territory."""
    # Why a row has no status or is not evaluable, and caveats on its value (campaign file count).
    remarks = [" ; ".join(x for x in (r if isinstance(r, str) and s == STATUS_NOT_EVALUABLE else "",
                                      n if isinstance(n, str) else "") if x)
               for s, r, n in zip(card["status"], card["status_reason"], card["note"])]
    return pd.DataFrame({
        "Indicateur": card["label"],
        "Territoire": card["level"].map(LEVEL_NAMES) + " · " + card["territory_name"].astype(str),
        "Valeur": [formatting.value_with_unit(v, u, m) for v, u, m in zip(card["value"], card["unit"], card["masked"])],
        "Cible": [f"{formatting.value_with_unit(t, u)} ({y})" for t, u, y in
                  zip(card["target"], card["unit"], card["target_year"])],
        "Écart à la cible": [formatting.gap(g, u) for g, u in zip(card["gap"], card["unit"])],
        "Référence": [baseline_text(v, d, h, u) for v, d, h, u in
                      zip(card["baseline"], card["baseline_date"], card["baseline_how"], card["unit"])],
        "Depuis le dernier groupe de suivi": [change_text(c, u) for c, u in
                                              zip(card["since_last_meeting"], card["unit"])],
        "Statut": [status_label(s) for s in card["status"]],
        **({"Remarque": remarks} if any(remarks) else {}),
    })


def chart_title(row) -> str:
    return f"{row['label']} – {row['territory_name']}"


def milestones_frame(milestones: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    frame = milestones.copy()
    frame["milestone_date"] = [as_date(d) for d in frame["milestone_date"]]
    frame["type_label"] = frame["milestone_type"].map(MILESTONE_TYPES).fillna("Autre")
    if as_of is not None:
        frame["state"] = ["✔ passé" if d <= as_of else "à venir" for d in frame["milestone_date"]]
    return frame


def roadmap_columns(frame: pd.DataFrame) -> dict[str, tables.Col]:
    """ACTION_COLUMNS without the optional ones nobody filled (roadmap year, owner, expected result, comment,
    remark)."""
    optional = ("roadmap", "owner", "expected_result", "comment", "status_note")
    return {name: col for name, col in ACTION_COLUMNS.items()
            if name not in optional or (name in frame and frame[name].fillna("").astype(str).str.strip().ne("").any())}


def actions_frame(actions: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Roadmap actions in French with their lateness (convention.overdue), the late ones first."""
    frame = actions.copy()
    frame["due_date"] = [as_date(d) for d in frame["due_date"]]
    frame["overdue"] = overdue(frame, as_of)
    frame["status_fr"] = [ACTION_STATUSES.get(s, "Inconnu") if isinstance(s, str) else "Non daté"
                          for s in frame["status"]]
    if "status_date" in frame:
        frame["status_fr"] = [f"{label} (au {formatting.date(d)})" if d is not None and not pd.isna(d) else label
                              for label, d in zip(frame["status_fr"], frame["status_date"])]
    frame["lateness"] = [f"⚠ {(as_of - d).days} j" if late else "" for d, late in
                         zip(frame["due_date"], frame["overdue"])]
    return frame.sort_values(["overdue", "due_date"], ascending=[False, True], kind="stable")


# The record of a séance replayed: what the room saw that day beside today's values for the same date.
REPLAY_COLUMNS = {"label": tables.Col("Indicateur"), "territory_name": tables.Col("Territoire"),
                  "value": tables.Col("Valeur enregistrée", "float"), "status": tables.Col("Statut enregistré"),
                  "value_now": tables.Col("Valeur aujourd'hui (révisée)", "float"),
                  "change": tables.Col("Écart", "float"), "status_now": tables.Col("Statut aujourd'hui"),
                  "comment": tables.Col("Commentaire"), "decision": tables.Col("Décision")}


def replay_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The replay in French: values with their unit, statuses with their icon, the change when a late decree
    revised the past (« – » when nothing changed)."""
    return pd.DataFrame({
        "Indicateur": frame["label"],
        "Territoire": frame["level"].map(LEVEL_NAMES) + " · " + frame["territory_name"].astype(str),
        "Valeur enregistrée": [formatting.value_with_unit(v, u, bool(m)) for v, u, m in
                               zip(frame["value"], frame["unit"], frame["masked"].fillna(False))],
        "Statut enregistré": [status_label(s) for s in frame["status"]],
        "Valeur aujourd'hui (révisée)": [formatting.value_with_unit(v, u) for v, u in
                                         zip(frame["value_now"], frame["unit"])],
        "Écart": ["–" if pd.isna(c) or abs(c) < 1e-9 else formatting.gap(c, u)
                  for c, u in zip(frame["change"], frame["unit"])],
        "Statut aujourd'hui": [status_label(s) for s in frame["status_now"]],
        "Commentaire": frame["comment"], "Décision": frame["decision"],
    })


def record_caption(record: dict) -> str:
    closed = record["closed_at"][:10]
    return (f"Séance du {formatting.date(record['meeting_date'])} close le {formatting.date(closed)} par "
            f"{formatting.md_escape(record['closed_by'])} (version {record.get('version', 1)}) · organisations "
            f"présentes : {formatting.md_escape(', '.join(record['organisations']))}")


# --- two dates side by side ----------------------------------------------------------------------------------------

def comparison_display(frame: pd.DataFrame, first: dt.date, second: dt.date) -> pd.DataFrame:
    """domain.convention.compare_scorecards in French: value at both dates, change, status at both (a status that
    changed marked ◆)."""
    a, b = formatting.date(first), formatting.date(second)
    return pd.DataFrame({
        "Indicateur": frame["label"],
        "Territoire": frame["level"].map(LEVEL_NAMES) + " · " + frame["territory_name"].astype(str),
        f"Au {a}": [formatting.value_with_unit(v, u, m) for v, u, m in
                    zip(frame["value_first"], frame["unit"], frame["masked_first"])],
        f"Au {b}": [formatting.value_with_unit(v, u, m) for v, u, m in
                    zip(frame["value_second"], frame["unit"], frame["masked_second"])],
        "Évolution": [formatting.gap(c, u) for c, u in zip(frame["change"], frame["unit"])],
        f"Statut au {a}": [status_label(s) for s in frame["status_first"]],
        f"Statut au {b}": [("◆ " if c else "") + status_label(s) for s, c in
                           zip(frame["status_second"], frame["status_changed"])],
    })


# Pixel widths of comparison_display's columns on screen, in order: the whole table fits 1366 px; the indicator and
# territory stay in view when it scrolls sideways (the first two, pinned).
COMPARISON_WIDTHS = [210, 165, 90, 90, 75, 125, 135]


def changed_actions_display(frame: pd.DataFrame, first: dt.date, second: dt.date) -> pd.DataFrame:
    """domain.convention.changed_actions in French: the action, its deadline, its status at both dates."""
    a, b = formatting.date(first), formatting.date(second)

    def word(status) -> str:
        return ACTION_STATUSES.get(status, "Inconnu") if isinstance(status, str) else "Non daté"

    return pd.DataFrame({
        "N°": frame["action_id"], "Action": frame["label"],
        "Pilote": frame["owner"].fillna("") if "owner" in frame else "",
        "Échéance": [formatting.date(as_date(d)) for d in frame["due_date"]],
        f"Statut au {a}": ["Pas encore à la feuille de route" if n else word(s)
                           for s, n in zip(frame["status_first"], frame["new"])],
        f"Statut au {b}": [word(s) + (f" (au {formatting.date(as_date(d))})" if not pd.isna(d) and d is not None
                                      else "") for s, d in zip(frame["status_second"], frame["status_date_second"])],
    })


def changed_actions_words(frame: pd.DataFrame) -> pd.DataFrame:
    """domain.convention.changed_actions with its statuses in French words, for CSV/XLSX (as the roadmap's)."""
    frame = frame.copy()
    for column in ("status_first", "status_second"):
        frame[column] = [ACTION_STATUSES.get(s, "Inconnu") if isinstance(s, str) else "" for s in frame[column]]
    return frame


def status_moves(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """How many rows have each status at the first and at the second date (every status listed)."""
    first = frame["status_first"].value_counts()
    second = frame["status_second"].value_counts()
    return {s: (int(first.get(s, 0)), int(second.get(s, 0))) for s in STATUSES}


COMPARISON_EXPORT = {"label": tables.Col("Indicateur"), "level": tables.Col("Niveau"),
                     "territory_name": tables.Col("Territoire"), "unit": tables.Col("Unité"),
                     "value_first": tables.Col("Valeur à la première date", "float", masked_by="masked_first"),
                     "value_second": tables.Col("Valeur à la seconde date", "float", masked_by="masked_second"),
                     "change": tables.Col("Évolution", "float"),
                     "status_first": tables.Col("Statut à la première date"),
                     "status_second": tables.Col("Statut à la seconde date"),
                     "status_changed": tables.Col("Statut changé")}
CHANGED_ACTIONS_EXPORT = {"action_id": tables.Col("N°"), "label": tables.Col("Action"), "owner": tables.Col("Pilote"),
                          "due_date": tables.Col("Échéance", "date"),
                          "status_first": tables.Col("Statut à la première date"),
                          "status_second": tables.Col("Statut à la seconde date"),
                          "status_date_second": tables.Col("Date du statut", "date"),
                          "new": tables.Col("Nouvelle action")}
__all__ += ["comparison_display", "changed_actions_display", "changed_actions_words", "status_moves", "COMPARISON_EXPORT", "COMPARISON_WIDTHS",
            "CHANGED_ACTIONS_EXPORT", "previous_follow_up"]
