"""A convention's follow-up: its readers, the scorecard (statuses against targets), indicator series since the
signature, and the roadmap as it stood on a date. No French display text: see observatoire.present.convention."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import formatting, referential, settings
from observatoire.base.dates import add_months, as_date, is_missing, month_starts, quarter_starts
from observatoire.base.db import Scope, Store
from observatoire.base.vocabulary import (
    ACTION_ABANDONED,
    ACTION_DONE,
    ACTION_STATUSES,
    ACTION_TO_DO,
    BASELINE_AT_SIGNATURE,
    BASELINE_CAMPAIGN,
    BASELINE_FIRST_KNOWN,
    FOLLOW_UP_MEETING,
    NOT_SIGNED_YET,
    NOTE_SMALL_BASE,
    REASON_BEYOND_DATA,
    REASON_FINAL,
    REASON_NO_CAMPAIGN_TARGET,
    REASON_NO_QUARTER_YET,
    STATUS_NOT_EVALUABLE,
    STATUSES,
)
from observatoire.domain import indicators
from observatoire.domain.measures import seat_series
from observatoire.domain.targets import (
    baseline_dates,
    evaluate,
    final_status,
    judged_on,
    one_unit,
    own_targets,
    segment_start,
    target_for,
    target_of_year,
    trajectory_points,
)


def territory_name(row) -> str:
    """The territory a convention covers (its région; France when it has none)."""
    code = row.get("region_code") if hasattr(row, "get") else None
    if isinstance(code, str) and code:
        return referential.names("region").get(code, code)
    return referential.NATIONAL_NAME


def default_convention(conventions: pd.DataFrame, region_code: str | None) -> str | None:
    """The convention of the territory's own région (a signed one first), or None: a territory with no convention
    of its own (France, a région without one) is not handed another région's plan."""
    if not region_code or conventions.empty:
        return None
    mine = conventions[conventions["region_code"] == region_code]
    mine = mine.assign(_unsigned=mine["signed_on"].isna()).sort_values(["_unsigned", "convention_id"], kind="stable")
    return mine["convention_id"].iloc[0] if len(mine) else None


def convention_order(conventions: pd.DataFrame, with_targets: set[str]) -> list[str]:
    """Conventions to choose from: those with indicators and targets first, then plans followed by their
    milestones and roadmap only; by title within each group."""
    ranked = conventions.assign(_plain=~conventions["convention_id"].isin(with_targets))
    return list(ranked.sort_values(["_plain", "title", "convention_id"], kind="stable")["convention_id"])


def signed_by(signed_on, as_of: dt.date) -> bool:
    """Whether the plan is signed on the date (a roadmap without a signature date never is)."""
    return not pd.isna(signed_on) and as_of >= as_date(signed_on)


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
    # Each point depends on its own day only: the points of the 1st of each month, shared by every as-of date
    # after them, are computed once per store; a new as-of date computes its own point alone.
    points = store.memo("convention_points", 20_000)
    rules = _settings_in_use()

    def key(day: dt.date) -> tuple:
        return indicator_id, level, code, day, rules

    missing = [day for day in dates if points.get(key(day)) is None]
    for day, value, masked in _series_points(store, indicator, level, code, missing):
        points.put(key(day), (value, masked))
    rows = [(day, *points.get(key(day))) for day in dates]
    return pd.DataFrame(rows, columns=["day", "value", "masked"])


def _settings_in_use() -> tuple:
    """The settings a computation depends on besides the store: part of the key of what is kept with it."""
    return settings.mask_threshold(), settings.training_obligation_from()


def _series_points(store: Store, indicator: indicators.Indicator, level: str, code: str,
                   days: list[dt.date]) -> list[tuple[dt.date, float, bool]]:
    """(day, value, masked) of one indicator of one territory on each day: NaN when masked or missing."""
    if not days:
        return []
    scope = Scope(level, code if level != "national" else None)
    if indicator.measure == "seats":
        frame = seat_series(store, days, scope, (), dict(indicator.filters))
        frame = frame[frame["territory_code"] == code]
        num = frame[indicator.num].astype(float)
        den = frame[indicator.den].astype(float) if indicator.den else None
        value = (num / den.where(den > 0) * indicator.factor) if den is not None else num * indicator.factor
        found = dict(zip(pd.to_datetime(frame["as_of"]).dt.date, value.round(4)))
        return [(day, float(found.get(day, float("nan"))), False) for day in days]
    out = []
    whole = Scope(level)  # masked beside the other territories of the level, as the scorecard and the map show it
    for day in days:
        frame = indicators.compute(store, indicator, whole, day)
        frame = frame[frame["territory_code"] == code]
        masked = bool(frame["masked"].iloc[0]) if len(frame) else False
        value = float(frame["value"].iloc[0]) if len(frame) and not masked else float("nan")
        out.append((day, value, masked))
    return out


def status_counts(card: pd.DataFrame) -> dict[str, int]:
    """How many rows of the scorecard have each status (every status listed, zeros included)."""
    counts = card["status"].value_counts() if len(card) and "status" in card else pd.Series(dtype=int)
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def chosen_rows(card: pd.DataFrame, level: str, code: str | None) -> list[bool]:
    """The scorecard rows of the territory chosen in the sidebar (to highlight them)."""
    code = code or "FR"
    return [lv == level and c == code for lv, c in zip(card["level"], card["territory_code"])]


def meeting_dates(milestones: pd.DataFrame) -> list[dt.date]:
    """Follow-up group meetings (the vertical lines of the indicator charts)."""
    rows = milestones[milestones["milestone_type"] == FOLLOW_UP_MEETING]
    return sorted(as_date(d) for d in rows["milestone_date"])


def series_start(signed_on, as_of: dt.date, row=None) -> dt.date:
    """Charts start at the signature; before it, they show the 12 months up to the as-of date. A campaign's
    chart starts at its opening: the campaign before it is another story."""
    signed_on = as_date(signed_on)
    if as_of < signed_on:
        return add_months(as_of, -12)
    if row is not None and row.get("baseline_how") == BASELINE_CAMPAIGN:
        return max(signed_on, as_date(row["baseline_date"]))
    return signed_on


def chart_rows(card: pd.DataFrame, region: str | None, level: str = "national", code: str | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(main rows, other rows): the convention's own territory (its région, or France) and the territory chosen in
    the sidebar (a département sees its own targets) get one chart per indicator; rows of other territories are
    charted on demand."""
    card = card[card["label"].notna()]
    main = (card["level"] == "region") & (card["territory_code"] == region) | (card["level"] == "national")
    main |= pd.Series(chosen_rows(card, level, code), index=card.index)
    return card[main].reset_index(drop=True), card[~main].reset_index(drop=True)


def chosen_first(card: pd.DataFrame, level: str, code: str | None) -> pd.DataFrame:
    """The scorecard with the chosen territory's rows first (a département reads its own targets first)."""
    if card.empty:
        return card
    chosen = pd.Series(chosen_rows(card, level, code), index=card.index)
    return pd.concat([card[chosen], card[~chosen]]).reset_index(drop=True)


def row_baseline(row) -> tuple[dt.date, float] | None:
    if row["baseline"] is None or pd.isna(row["baseline"]):
        return None
    return as_date(row["baseline_date"]), float(row["baseline"])


def row_targets(targets: pd.DataFrame, row) -> pd.DataFrame:
    """The targets of a scorecard row's indicator and territory (its chart's target markers): each year's, due on
    31/12 (`due` empty); for a campaign, its own year's target only, due at the end of its designation window."""
    own = own_targets(targets, row["indicator_id"], row["level"], row["territory_code"])
    if row.get("baseline_how") == BASELINE_CAMPAIGN:
        own = own[own["year"] == row["target_year"]]
        return own[["year", "target"]].assign(due=as_date(row["target_date"])).reset_index(drop=True)
    return own[["year", "target"]].assign(due=None).reset_index(drop=True)


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
    hist["status_date"] = [None if pd.isna(d) else as_date(d) for d in hist["status_date"]]
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
                status, note = ACTION_TO_DO, "aucun statut enregistré à cette date"
            else:
                status = None
                note = f"au {formatting.date(built_on)} : {ACTION_STATUSES.get(undated['status'].iloc[-1], '')}"
        statuses.append(status)
        dates.append(day)
        comments.append(None if comment is None or pd.isna(comment) else comment)
        notes.append(note)
    years = frame["year"] if "year" in frame else pd.Series(None, index=frame.index)
    return frame.assign(status=statuses, status_date=dates, comment=comments, status_note=notes,
                        roadmap=["" if pd.isna(y) else str(int(y)) for y in years]).reset_index(drop=True)


def data_horizon(store: Store) -> dt.date:
    """The last day the store knows of: the day it was built (or a later date read in its decrees, meetings or
    sessions). Beyond it nothing is known (no decree, no meeting): no status is given."""
    built = built_on(store)
    latest = store.scalar("SELECT max(decree_date) FROM mandates") if store.has("mandates") else None
    latest = as_date(latest) if latest is not None and not is_missing(latest) else None
    return max(built, latest) if latest else built


def scorecard(store: Store, convention_id: str, as_of: dt.date, ids: list[str] | None = None) -> pd.DataFrame:
    """One row per (indicator, territory) targeted by the convention: value, target, gap, baseline (with its
    date and how it was found), status and its reason, and the change since the previous follow-up meeting.

    A quarterly indicator is judged at the end of the last completed quarter (`judged_on`); a campaign once its
    designation window is over is final (atteint or non atteint), and between campaigns the last one's final
    result is shown; past the store's horizon (the day it was built) no status; a rate on fewer than
    `settings.small_base()` units carries a « petit effectif » note with its numerator and denominator."""
    agreement = read_convention(store, convention_id)
    targets = read_targets(store, convention_id)
    if ids is not None:
        targets = targets[targets["indicator_id"].isin(ids)]
    if agreement is None or targets.empty:
        return pd.DataFrame()
    signed_on = as_date(agreement["signed_on"])
    meetings = [day for day in meeting_dates(read_milestones(store, convention_id)) if day < as_of]
    last_meeting = meetings[-1] if meetings else None
    horizon = data_horizon(store)
    small = settings.small_base()
    rows = []
    known = {i.id for i in indicators.catalogue()}
    # One computation per indicator, level and date covers every targeted territory of that level. It is kept with
    # the store: the signature, the baseline and the last meeting are the same days for every date reviewed, and a
    # quarterly indicator is judged on the same quarter end for three months.
    remembered = store.memo("convention_at", 1_000)
    memos: dict[tuple, dict] = {}  # per level and date: measures shared by several indicators computed once
    rules = _settings_in_use()

    def at(indicator: indicators.Indicator, level: str, day: dt.date) -> pd.DataFrame:
        key = (indicator.id, level, day, rules)
        frame = remembered.get(key)
        if frame is None:
            memo = memos.setdefault((level, day), {})
            frame = indicators.compute(store, indicator, Scope(level), day, memo=memo).set_index("territory_code")
            remembered.put(key, frame)
        return frame

    def readable(frame: pd.DataFrame, code: str) -> float | None:
        if code not in frame.index or bool(frame["masked"].get(code, False)) or is_missing(frame["value"].get(code)):
            return None
        return float(frame["value"].get(code))

    def cell(frame: pd.DataFrame, code: str, column: str):
        return frame[column].get(code) if column in frame.columns and code in frame.index else None

    for (indicator_id, level, code), _ in targets.groupby(
            ["indicator_id", "level", targets["territory_code"].fillna("FR")], sort=False):
        if indicator_id not in known:
            rows.append({"indicator_id": indicator_id, "level": level, "territory_code": code,
                         "status": None, "note": "indicateur inconnu du catalogue"})
            continue
        indicator = indicators.get(indicator_id)
        judged = judged_on(as_of, indicator.pace)
        current = at(indicator, level, judged)
        value = readable(current, code)
        masked = bool(cell(current, code, "masked") or False)
        numerator, denominator = cell(current, code, "numerator"), cell(current, code, "denominator")
        notes = [str(cell(current, code, "note") or "")]
        if indicator.is_rate and not masked and not is_missing(denominator) and 0 < denominator < small:
            notes.append(NOTE_SMALL_BASE.format(numerator=formatting.number(numerator),
                                                denominator=formatting.number(denominator)))
        own = own_targets(targets, indicator_id, level, code)
        target_row = target_for(targets, indicator_id, level, code, judged)
        target_date = None if target_row is None else dt.date(int(target_row["year"]), 12, 31)
        baseline = baseline_how = None
        final = False
        if indicator.measure == "campaigns":
            # Each campaign is judged on its own, against its own year's target: 0 designations at its opening,
            # a straight line to the target at the end of its designation window, then a final result.
            opens_on, window_end = cell(current, code, "opens_on"), cell(current, code, "window_end")
            if opens_on is not None and not is_missing(opens_on):
                baseline, baseline_how = (as_date(opens_on), 0.0), BASELINE_CAMPAIGN
                year = int(cell(current, code, "campaign_year"))
                target_row = target_of_year(targets, indicator_id, level, code, year)
                target_date = as_date(window_end)
                final = bool(cell(current, code, "final"))
        elif as_of >= signed_on:
            for day in baseline_dates(signed_on, judged):
                found = readable(at(indicator, level, day), code)
                if found is not None:
                    # A quarterly value found on the 1st of July is the one judged on 30 June: dated so.
                    baseline = (min(judged_on(day, indicator.pace), day), found)
                    baseline_how = BASELINE_AT_SIGNATURE if day == signed_on else BASELINE_FIRST_KNOWN
                    break
        target = None if target_row is None else float(target_row["target"])
        if as_of < signed_on:
            status, reason = None, NOT_SIGNED_YET
        elif as_of > horizon:
            status, reason = None, REASON_BEYOND_DATA.format(day=formatting.date(horizon))
        elif judged < signed_on:  # a quarterly indicator whose last completed quarter ended before the signature
            status, reason = STATUS_NOT_EVALUABLE, REASON_NO_QUARTER_YET
        elif target is None:
            status, reason = None, (REASON_NO_CAMPAIGN_TARGET.format(year=int(cell(current, code, "campaign_year")))
                                    if baseline_how == BASELINE_CAMPAIGN else "")
        elif final:
            status, reason = final_status(indicator.direction, target, value, masked=masked)
            reason = reason or REASON_FINAL.format(year=int(cell(current, code, "campaign_year")))
        else:
            if baseline_how == BASELINE_CAMPAIGN:
                start = baseline
            else:
                path = trajectory_points(baseline, list(zip(own["year"].astype(int), own["target"].astype(float))))
                start = segment_start(path, target_date)
            tolerance = indicator.tolerance if indicator.tolerance is not None else \
                one_unit(indicator.factor, denominator) if indicator.is_rate else 0.0
            status, reason = evaluate(indicator.direction, start[1] if start else None, target, value,
                                      start[0] if start else signed_on, target_date, judged, signed_on=signed_on,
                                      masked=masked, tolerance=tolerance)
        previous = readable(at(indicator, level, judged_on(last_meeting, indicator.pace)), code) \
            if last_meeting else None
        rows.append({
            "indicator_id": indicator_id, "label": indicator.label, "level": level, "territory_code": code,
            "territory_name": referential.names(level).get(code, code), "unit": indicator.unit,
            "direction": indicator.direction, "value": value, "masked": masked,
            "numerator": None if masked or is_missing(numerator) else float(numerator),
            "denominator": None if is_missing(denominator) else float(denominator), "judged_on": judged,
            "baseline": baseline[1] if baseline else None, "baseline_date": baseline[0] if baseline else None,
            "baseline_how": baseline_how, "target": target,
            "target_year": None if target_row is None else int(target_row["year"]),
            "target_date": target_date if target_row is not None else None,  # 31/12, or a campaign's window end
            "gap": None if value is None or target is None else value - target,
            "status": status, "status_reason": reason, "note": " ; ".join(n for n in notes if n),
            "last_meeting": last_meeting, "value_at_last_meeting": previous,
            "since_last_meeting": None if value is None or previous is None else value - previous,
            "priority": indicator.convention_priority,
        })
    card = pd.DataFrame(rows)
    # Wider territories first (the région before its départements), then by convention priority.
    order = card["level"].map({"national": 0, "region": 1, "departement": 2}).fillna(3)
    return card.assign(_order=order).sort_values(["_order", "priority", "indicator_id", "territory_code"],
                                                 kind="stable", na_position="last").drop(columns="_order") \
        .reset_index(drop=True)


# --- readers: the one way pages (through queries), the bilan and the CLI read a convention -----------------------

def read_convention(store: Store, convention_id: str) -> pd.Series | None:
    frame = store.df("SELECT * FROM conventions WHERE convention_id = ?", [convention_id])
    return frame.iloc[0] if len(frame) else None


def convention_ids(store: Store) -> list[str]:
    return list(store.df("SELECT convention_id FROM conventions ORDER BY convention_id")["convention_id"])


def read_targets(store: Store, convention_id: str | None = None) -> pd.DataFrame:
    """Yearly targets of a convention (of every convention without one); empty when the store has none."""
    if not store.has("targets"):
        return pd.DataFrame(columns=["convention_id", "indicator_id", "level", "territory_code", "year", "target"])
    if convention_id is None:
        return store.df("SELECT * FROM targets ORDER BY convention_id, indicator_id, level, territory_code, year")
    return store.df("SELECT * FROM targets WHERE convention_id = ? ORDER BY indicator_id, level, territory_code, year",
                    [convention_id])


def read_milestones(store: Store, convention_id: str) -> pd.DataFrame:
    if not store.has("milestones"):
        return pd.DataFrame(columns=["convention_id", "milestone_date", "milestone_type", "label"])
    return store.df("SELECT * FROM milestones WHERE convention_id = ? ORDER BY milestone_date", [convention_id])


def built_on(store: Store) -> dt.date:
    """The day the store was built: undated statuses of the roadmap are known as of that day."""
    return dt.date.fromisoformat(store.manifest.get("built_at", "")[:10])


def roadmap(store: Store, convention_id: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """The roadmap's actions as they stood on the as-of date (roadmap_as_of); the latest statuses without one."""
    if not store.has("actions"):
        return pd.DataFrame(columns=["convention_id", "action_id", "label", "due_date", "status"])
    current = store.df("SELECT * FROM actions WHERE convention_id = ? ORDER BY due_date, action_id", [convention_id])
    if as_of is None:
        return current
    if store.has("action_history"):
        history = store.df("SELECT * FROM action_history WHERE convention_id = ? ORDER BY action_id, status_date",
                           [convention_id])
    else:  # a store built before the history existed: every status is undated
        history = current.assign(comment=None, status_date=None)[
            ["convention_id", "action_id", "status_date", "status", "comment"]]
    return roadmap_as_of(current, history, as_of, built_on(store))


def overdue(actions: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """An action neither done nor abandoned past its deadline is late (one whose status is unknown on the date is
    not called late)."""
    open_ = actions["status"].notna() & ~actions["status"].isin([ACTION_DONE, ACTION_ABANDONED])
    return open_ & (pd.Series([as_date(d) for d in actions["due_date"]], index=actions.index) < as_of)


# --- two dates side by side (Convention page, Accueil; the bilan can print it) ------------------------------------

def previous_follow_up(milestones: pd.DataFrame, as_of: dt.date, signed_on=None) -> dt.date | None:
    """The first date of a comparison by default: the last follow-up group meeting before the date (the one the
    scorecard's « since the last follow-up group » refers to), else the signature if it is before the date."""
    meetings = [day for day in meeting_dates(milestones) if day < as_of]
    if meetings:
        return meetings[-1]
    signed = None if signed_on is None or pd.isna(signed_on) else as_date(signed_on)
    return signed if signed is not None and signed < as_of else None


COMPARISON_KEYS = ["indicator_id", "level", "territory_code"]


def compare_scorecards(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Each indicator and territory of two scorecards (scorecard() at two dates): its value at both, the change
    (second − first, when both are shown), its status at both and whether it changed. A row targeted at one date
    only keeps an empty side."""
    columns = [*COMPARISON_KEYS, "label", "territory_name", "unit", "direction", "priority", "value_first",
               "masked_first", "status_first", "value_second", "masked_second", "status_second", "change",
               "status_changed"]
    sides = []
    for card, suffix in ((first, "first"), (second, "second")):
        card = card[card["label"].notna()] if len(card) and "label" in card else pd.DataFrame(columns=[
            *COMPARISON_KEYS, "label", "territory_name", "unit", "direction", "priority", "value", "masked",
            "status"])
        sides.append(card[[*COMPARISON_KEYS, "label", "territory_name", "unit", "direction", "priority", "value",
                           "masked", "status"]].rename(columns={"value": f"value_{suffix}", "masked": f"masked_{suffix}",
                                                                "status": f"status_{suffix}"}))
    info = ["label", "territory_name", "unit", "direction", "priority"]
    frame = sides[1].merge(sides[0], on=COMPARISON_KEYS, how="outer", suffixes=("", "_a"))
    for column in info:  # an indicator targeted at the first date only still has its label
        frame[column] = frame[column].fillna(frame.pop(f"{column}_a")) if f"{column}_a" in frame else frame[column]
    for side in ("first", "second"):
        frame[f"masked_{side}"] = frame[f"masked_{side}"].astype("boolean").fillna(False).astype(bool)
        frame[f"value_{side}"] = pd.to_numeric(frame[f"value_{side}"], errors="coerce").astype(float)
    frame["change"] = (frame["value_second"] - frame["value_first"]).where(
        ~frame["masked_first"] & ~frame["masked_second"])
    frame["status_changed"] = [_status(a) != _status(b) for a, b in zip(frame["status_first"], frame["status_second"])]
    order = frame["level"].map({"national": 0, "region": 1, "departement": 2}).fillna(3)
    frame = frame.assign(_order=order).sort_values(["_order", "priority", "indicator_id", "territory_code"],
                                                   kind="stable", na_position="last")
    return frame.drop(columns="_order")[columns].reset_index(drop=True)


def _status(value):
    return value if isinstance(value, str) else None


def changed_actions(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """The roadmap actions whose status differs between two roadmaps (roadmap_as_of at two dates): an action of the
    second only (a later roadmap year) is new (`status_first` empty); by deadline."""
    columns = ["convention_id", "action_id", "label", "owner", "due_date", "status_first", "status_second",
               "status_date_second", "new"]
    keys = ["convention_id", "action_id"]
    if second.empty:
        return pd.DataFrame(columns=columns)
    after = second.rename(columns={"status": "status_second", "status_date": "status_date_second"})
    before = first[[*keys, "status"]].rename(columns={"status": "status_first"}) if len(first) else \
        pd.DataFrame(columns=[*keys, "status_first"])
    frame = after.merge(before, on=keys, how="left", indicator=True)
    frame["new"] = frame["_merge"] == "left_only"
    for column in ("owner", "status_date_second"):
        if column not in frame:
            frame[column] = None
    changed = [_status(a) != _status(b) for a, b in zip(frame["status_first"], frame["status_second"])]
    frame = frame[changed]
    return frame.sort_values(["due_date", "action_id"], kind="stable")[columns].reset_index(drop=True)


def comparison(store: Store, convention_id: str, first: dt.date, second: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators, actions) of a convention between two dates: compare_scorecards of the scorecards at both dates
    and the roadmap actions whose status changed between them. What the Convention page, Accueil and the bilan
    print (observatoire.present.convention.comparison_display, changed_actions_display)."""
    return (compare_scorecards(scorecard(store, convention_id, first), scorecard(store, convention_id, second)),
            changed_actions(roadmap(store, convention_id, first), roadmap(store, convention_id, second)))
