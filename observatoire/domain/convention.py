"""Convention follow-up: scorecard presentation, milestone review dates, roadmap lateness (pure functions)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import formatting
from observatoire.domain import indicators
from observatoire.present import charts, tables
from observatoire.base.db import Scope, Store
from observatoire.domain.measures import add_months, month_starts, seat_series

MILESTONE_TYPES_FR = {"comite_suivi": "Groupe de suivi", "revue_strategique": "Revue stratégique annuelle",
                      "bilan_intermediaire": "Bilan intermédiaire", "bilan_final": "Bilan final", "autre": "Autre"}
ACTION_STATUS_FR = {"a_faire": "À faire", "en_cours": "En cours", "fait": "Fait", "abandonne": "Abandonné"}
LEVELS_FR = {"national": "France", "region": "Région", "departement": "Département"}

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


def territory_name(row) -> str:
    """The territory a convention covers (its région; France when it has none)."""
    from observatoire.base import referential

    code = row.get("region_code") if hasattr(row, "get") else None
    if isinstance(code, str) and code:
        return referential.names("region").get(code, code)
    return referential.NATIONAL_NAME


# The figures behind an indicator's chart (CSV of the page and of the bilan pack).
SERIES_COLUMNS = {"day": tables.Col("Date", "date"), "value": tables.Col("Valeur", "float", masked_by="masked")}


def default_convention(conventions: pd.DataFrame, region_code: str | None) -> str:
    mine = conventions[conventions["region_code"] == region_code] if region_code else conventions.iloc[0:0]
    return (mine if len(mine) else conventions)["convention_id"].iloc[0]


def plan_caption(row: pd.Series) -> str:
    """« Signée le … entre … et … · période … », or for a plan adopted without signature « Plan de … »."""
    period = f"période du {formatting.date(row['start_date'])} au {formatting.date(row['end_date'])}"
    # Parties are typed by users: escaped so that Markdown in them never renders (no injected link or image).
    parties = [formatting.md_escape(p) for p in (row.get("party_ars"), row.get("party_association"))
               if isinstance(p, str) and p]
    if pd.isna(row.get("signed_on")):
        return f"Plan de {' et '.join(parties) or 'la région'} · {period}"
    return f"Signée le {formatting.date(row['signed_on'])} entre {' et '.join(parties)} · {period}"


def _day(value) -> dt.date:
    return value.date() if isinstance(value, (pd.Timestamp, dt.datetime)) else value


def signature_day(value) -> dt.date:
    return _day(value)


def signed_by(signed_on, as_of: dt.date) -> bool:
    """Whether the plan is signed on the date (a roadmap without a signature date never is)."""
    return not pd.isna(signed_on) and as_of >= _day(signed_on)


def review_dates(milestones: pd.DataFrame, as_of: dt.date) -> dict[dt.date, str]:
    """The as-of date chosen in the sidebar, then every past milestone (newest first)."""
    choices = {as_of: f"Au {formatting.date(as_of)} (date choisie dans le menu)"}
    for _, m in milestones.sort_values("milestone_date", ascending=False).iterrows():
        day = _day(m["milestone_date"])
        if day <= as_of and day not in choices:
            choices[day] = f"{MILESTONE_TYPES_FR.get(m['milestone_type'], '')} du {formatting.date(day)} – {m['label']}"
    return choices


def quarter_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    day = dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    out = []
    while day <= end:
        if day >= dt.date(start.year, start.month, 1):
            out.append(day)
        day = add_months(day, 3)
    return out + ([end] if not out or out[-1] != end else [])


# Seat indicators come from one change-event query for every month; these other measures cost a few
# milliseconds a date: all are drawn monthly. Training cohorts and survey results move slowly: quarterly.
MONTHLY_MEASURES = ("seats", "campaigns", "participation", "cdu_completeness", "people", "ending_mandates")


def series_dates(start: dt.date, as_of: dt.date, monthly: bool) -> list[dt.date]:
    """The start (signature), the 1st of each month (or each quarter) after it, and the as-of date."""
    if as_of < start:
        return [as_of]
    steps = month_starts(start, as_of) if monthly else [d for d in quarter_starts(start, as_of) if d > start]
    return sorted({start, *steps, as_of})


def indicator_series(store: Store, indicator_id: str, level: str, code: str, start: dt.date,
                     as_of: dt.date) -> pd.DataFrame:
    """One convention indicator of one territory from `start` to the as-of date: `day`, `value` (NaN when
    masked or missing), `masked`. Monthly for seat indicators, quarterly otherwise."""
    indicator = indicators.get(indicator_id)
    monthly = indicator.measure in MONTHLY_MEASURES
    dates = series_dates(start, as_of, monthly)
    if indicator.measure == "seats":
        frame = seat_series(store, dates, Scope(level, code if level != "national" else None), (),
                            dict(indicator.filters))
        frame = frame[frame["territory_code"] == code]
        num = frame[indicator.num].astype(float)
        den = frame[indicator.den].astype(float) if indicator.den else None
        value = (num / den.where(den > 0) * indicator.factor) if den is not None else num * indicator.factor
        out = pd.DataFrame({"day": pd.to_datetime(frame["as_of"]).dt.date, "value": value.round(4).to_numpy(),
                            "masked": False})
        out = pd.DataFrame({"day": dates}).merge(out, on="day", how="left")
        out["masked"] = out["masked"].fillna(False).astype(bool)
        return out.reset_index(drop=True)
    rows = []
    for day in dates:
        frame = indicators.compute(store, indicator, Scope(level, code if level != "national" else None), day)
        frame = frame[frame["territory_code"] == code]
        masked = bool(frame["masked"].iloc[0]) if len(frame) else False
        value = float(frame["value"].iloc[0]) if len(frame) and not masked else float("nan")
        rows.append({"day": day, "value": value, "masked": masked})
    return pd.DataFrame(rows, columns=["day", "value", "masked"])


def status_label(status) -> str:
    """« ⚠ en retard », « ○ non évaluable », « – » without a status."""
    if not isinstance(status, str):
        return "–"
    icon, _ = charts.STATUS_STYLE[status]
    return f"{icon} {status}"


def status_counts(card: pd.DataFrame) -> dict[str, int]:
    """How many rows of the scorecard have each status (every status listed, zeros included)."""
    counts = card["status"].value_counts() if len(card) and "status" in card else pd.Series(dtype=int)
    return {status: int(counts.get(status, 0)) for status in indicators.STATUSES}


def baseline_text(value, day, how, unit: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    when = f"au {formatting.date(day)}" if how != indicators.BASELINE_CAMPAIGN else \
        f"à l'ouverture ({formatting.date(day)})"
    return f"{formatting.value_with_unit(value, unit)} {when}"


def change_text(change, unit: str) -> str:
    return formatting.gap(change, unit)


def scorecard_display(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard in French, one line per indicator and territory."""
    # Why a row has no status or is not evaluable, and caveats on its value (campaign file count).
    remarks = [" ; ".join(x for x in (r if isinstance(r, str) and s == indicators.STATUS_NOT_EVALUABLE else "",
                                      n if isinstance(n, str) else "") if x)
               for s, r, n in zip(card["status"], card["status_reason"], card["note"])]
    return pd.DataFrame({
        "Indicateur": card["label"],
        "Territoire": card["level"].map(LEVELS_FR) + " · " + card["territory_name"].astype(str),
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


def chosen_rows(card: pd.DataFrame, level: str, code: str | None) -> list[bool]:
    """The scorecard rows of the territory chosen in the sidebar (to highlight them)."""
    code = code or "FR"
    return [lv == level and c == code for lv, c in zip(card["level"], card["territory_code"])]


def meeting_dates(milestones: pd.DataFrame) -> list[dt.date]:
    """Follow-up group meetings (the vertical lines of the indicator charts)."""
    rows = milestones[milestones["milestone_type"] == indicators.FOLLOW_UP_MEETING]
    return sorted(_day(d) for d in rows["milestone_date"])


def series_start(signed_on, as_of: dt.date, row=None) -> dt.date:
    """Charts start at the signature; before it, they show the 12 months up to the as-of date. A campaign's
    chart starts at its opening: the campaign before it is another story."""
    signed_on = _day(signed_on)
    if as_of < signed_on:
        return add_months(as_of, -12)
    if row is not None and row.get("baseline_how") == indicators.BASELINE_CAMPAIGN:
        return max(signed_on, _day(row["baseline_date"]))
    return signed_on


def chart_rows(card: pd.DataFrame, region: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(main rows, other rows): the convention's own territory (its région, or France) gets one chart per
    indicator; rows of other territories (départements) are charted on demand."""
    card = card[card["label"].notna()]
    main = (card["level"] == "region") & (card["territory_code"] == region) | (card["level"] == "national")
    return card[main].reset_index(drop=True), card[~main].reset_index(drop=True)


def chart_title(row) -> str:
    return f"{row['label']} – {row['territory_name']}"


def row_baseline(row) -> tuple[dt.date, float] | None:
    if row["baseline"] is None or pd.isna(row["baseline"]):
        return None
    return _day(row["baseline_date"]), float(row["baseline"])


def row_targets(targets: pd.DataFrame, row) -> pd.DataFrame:
    own = targets[(targets["indicator_id"] == row["indicator_id"]) & (targets["level"] == row["level"])
                  & (targets["territory_code"].fillna("FR") == row["territory_code"])]
    return own[["year", "target"]].sort_values("year").reset_index(drop=True)


def milestones_frame(milestones: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    frame = milestones.copy()
    frame["milestone_date"] = [_day(d) for d in frame["milestone_date"]]
    frame["type_label"] = frame["milestone_type"].map(MILESTONE_TYPES_FR).fillna("Autre")
    if as_of is not None:
        frame["state"] = ["✔ passé" if d <= as_of else "à venir" for d in frame["milestone_date"]]
    return frame


def roadmap_as_of(actions: pd.DataFrame, history: pd.DataFrame, as_of: dt.date, built_on: dt.date) -> pd.DataFrame:
    """The roadmap as it stood on the as-of date: actions of the roadmap years up to the as-of year, each with
    the latest status dated on or before that date (`status`, `status_date`, `comment`).

    An undated status is the one known at the build date: it applies from `built_on`. Before that date, an
    action with only undated statuses has an unknown status (`status` empty, `status_note` says what the file
    gives today); an action whose first dated status comes later is « à faire »."""
    frame = actions.copy()
    if "year" in frame:
        frame = frame[frame["year"].isna() | (frame["year"] <= as_of.year)]
    hist = history.copy()
    hist["status_date"] = [None if pd.isna(d) else _day(d) for d in hist["status_date"]]
    by_action = {key: group for key, group in hist.groupby(["convention_id", "action_id"], sort=False)}
    statuses, dates, comments, notes = [], [], [], []
    for convention_id, action_id, current in zip(frame["convention_id"], frame["action_id"], frame["status"]):
        rows = by_action.get((convention_id, action_id))
        status, day, comment, note = current, None, None, ""
        if rows is not None:
            dated = rows[rows["status_date"].notna()]
            dated = dated[dated["status_date"].map(lambda d: d <= as_of).astype(bool)].sort_values(
                "status_date", kind="stable")
            undated = rows[rows["status_date"].isna()]
            if len(undated) and as_of >= built_on:
                status, comment = undated["status"].iloc[-1], undated["comment"].iloc[-1]
            elif len(dated):
                status, day, comment = dated["status"].iloc[-1], dated["status_date"].iloc[-1], dated["comment"].iloc[-1]
            elif rows["status_date"].notna().any():
                status, note = "a_faire", "aucun statut enregistré à cette date"
            else:
                status = None
                note = f"au {formatting.date(built_on)} : {ACTION_STATUS_FR.get(undated['status'].iloc[-1], '')}"
        statuses.append(status)
        dates.append(day)
        comments.append(None if comment is None or pd.isna(comment) else comment)
        notes.append(note)
    years = frame["year"] if "year" in frame else pd.Series(None, index=frame.index)
    return frame.assign(status=statuses, status_date=dates, comment=comments, status_note=notes,
                        roadmap=["" if pd.isna(y) else str(int(y)) for y in years]).reset_index(drop=True)


def roadmap_columns(frame: pd.DataFrame) -> dict[str, tables.Col]:
    """ACTION_COLUMNS without the optional ones nobody filled (roadmap year, owner, expected result, comment,
    remark)."""
    optional = ("roadmap", "owner", "expected_result", "comment", "status_note")
    return {name: col for name, col in ACTION_COLUMNS.items()
            if name not in optional or (name in frame and frame[name].fillna("").astype(str).str.strip().ne("").any())}


def actions_frame(actions: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Roadmap actions with their lateness: an action not done nor abandoned past its deadline is overdue
    (an action whose status is unknown on the date is not called late)."""
    frame = actions.copy()
    frame["due_date"] = [_day(d) for d in frame["due_date"]]
    open_ = frame["status"].notna() & ~frame["status"].isin(["fait", "abandonne"])
    frame["overdue"] = open_ & (frame["due_date"] < as_of)
    frame["status_fr"] = [ACTION_STATUS_FR.get(s, "Inconnu") if isinstance(s, str) else "Non daté"
                          for s in frame["status"]]
    if "status_date" in frame:
        frame["status_fr"] = [f"{label} (au {formatting.date(d)})" if d is not None and not pd.isna(d) else label
                              for label, d in zip(frame["status_fr"], frame["status_date"])]
    frame["lateness"] = [f"⚠ {(as_of - d).days} j" if late else "" for d, late in
                         zip(frame["due_date"], frame["overdue"])]
    return frame.sort_values(["overdue", "due_date"], ascending=[False, True], kind="stable")
