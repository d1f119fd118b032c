"""The record of a follow-up group or a strategic review: the scorecard as it was shown, a comment and a decision
per indicator and per late action, the organisations present, who closed it.

Records are append-only JSON lines, one file per convention, outside the rebuilt store: a rebuild never loses
them, and a correction is a new version of the same meeting's record (the latest version is the one read). No
personal name is kept: organisations only; free text holding an e-mail address or a phone number is refused.
Beside them, the bilans' own record: which pack was validated, for which meeting, by whom (the one name kept here).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pandas as pd

from observatoire.base.dates import as_date, is_missing

# What is kept of each scorecard row: what the room saw (values, targets, statuses), nothing computed later.
SCORECARD_FIELDS = ("indicator_id", "label", "level", "territory_code", "territory_name", "unit", "value", "masked",
                    "target", "target_year", "status", "status_reason")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")


class RecordRefused(ValueError):
    """A record that cannot be kept; the message is French."""


def personal_data(text: str) -> str | None:
    """Why a free text cannot be kept (an e-mail address, a phone number), or None."""
    if EMAIL.search(text or ""):
        return "une adresse électronique"
    if PHONE.search(text or ""):
        return "un numéro de téléphone"
    return None


def record_file(folder: Path, convention_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", convention_id)
    return folder / f"seances_{safe}.jsonl"


def _plain(value):
    """JSON-safe: dates as ISO text, NaN as null, numpy numbers as Python numbers."""
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return as_date(value).isoformat()
    if is_missing(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def build_record(convention_id: str, meeting_date: dt.date, card: pd.DataFrame, organisations: list[str],
                 indicator_notes: dict[str, dict], action_notes: dict[str, dict], closed_by: str,
                 closed_at: dt.datetime | None = None) -> dict:
    """A record ready to append; refuses free text holding personal data, and a meeting with no organisation."""
    organisations = [o.strip() for o in organisations if o and o.strip()]
    if not organisations:
        raise RecordRefused("Indiquez au moins une organisation présente (sans nom de personne).")
    texts = [*organisations, *(v for notes in (indicator_notes, action_notes) for n in notes.values()
                                for v in n.values() if isinstance(v, str))]
    for text in texts:
        why = personal_data(text)
        if why:
            raise RecordRefused(f"Le texte « {text[:40]}… » contient {why} : aucune donnée personnelle n'est "
                                "conservée dans le relevé de séance.")
    rows = [{field: _plain(row.get(field)) for field in SCORECARD_FIELDS} for _, row in card.iterrows()]
    return {"convention_id": convention_id, "meeting_date": meeting_date.isoformat(),
            "closed_at": (closed_at or dt.datetime.now()).isoformat(timespec="seconds"), "closed_by": closed_by,
            "organisations": organisations, "scorecard": rows,
            "indicator_notes": {k: v for k, v in indicator_notes.items() if any(v.values())},
            "action_notes": {k: v for k, v in action_notes.items() if any(v.values())}}


def row_key(row) -> str:
    """The key of a scorecard row in a record's notes: indicator, level, territory."""
    return f"{row['indicator_id']}|{row['level']}|{row['territory_code']}"


def append(folder: Path, record: dict) -> dict:
    """Append a record as the next version of its meeting's record (never rewriting an earlier line)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = record_file(folder, record["convention_id"])
    versions = [r for r in read(folder, record["convention_id"]) if r["meeting_date"] == record["meeting_date"]]
    record = {**record, "version": len(versions) + 1}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return record


def read(folder: Path, convention_id: str) -> list[dict]:
    """Every record of a convention, every version, in the order written."""
    return _lines(record_file(folder, convention_id))


def _lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut by a crash: the others stand
            continue
    return out


def latest(folder: Path, convention_id: str, meeting_date: dt.date) -> dict | None:
    """The last version of a meeting's record, or None."""
    found = [r for r in read(folder, convention_id) if r["meeting_date"] == meeting_date.isoformat()]
    return found[-1] if found else None


def latest_until(folder: Path, convention_id: str, as_of: dt.date) -> list[dict]:
    """The last version of the record of each meeting held on or before a date, oldest meeting first."""
    last: dict[str, dict] = {}
    for record in read(folder, convention_id):
        if record["meeting_date"] <= as_of.isoformat():
            last[record["meeting_date"]] = record
    return [last[day] for day in sorted(last)]


# The validation of a bilan (who validated it, for which meeting, on which date) is kept in the bilans' own record,
# one JSON line per validated pack beside the séance records: the one place the validator's name is written, never
# the store.
def validation_file(folder: Path, convention_id: str) -> Path:
    return folder / f"bilans_{re.sub(r'[^A-Za-z0-9_-]', '_', convention_id)}.jsonl"


def append_validation(folder: Path, entry: dict) -> dict:
    """Append one validated bilan to its convention's record of bilans (never rewriting an earlier line)."""
    folder.mkdir(parents=True, exist_ok=True)
    with validation_file(folder, entry["convention_id"]).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({k: _plain(v) for k, v in entry.items()}, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return entry


def validations(folder: Path, convention_id: str) -> list[dict]:
    """Every validated bilan of a convention, in the order written."""
    return _lines(validation_file(folder, convention_id))


def replay(record: dict, current: pd.DataFrame) -> pd.DataFrame:
    """The values recorded that day beside today's values for the same date (a late decree may have changed the
    past), with the difference, the statuses at both, and the comment and decision recorded."""
    recorded = pd.DataFrame(record["scorecard"])
    now = current[["indicator_id", "level", "territory_code", "value", "status"]] if len(current) else \
        pd.DataFrame(columns=["indicator_id", "level", "territory_code", "value", "status"])
    frame = recorded.merge(now.rename(columns={"value": "value_now", "status": "status_now"}),
                           on=["indicator_id", "level", "territory_code"], how="left")
    frame["change"] = pd.to_numeric(frame["value_now"], errors="coerce") - pd.to_numeric(frame["value"],
                                                                                         errors="coerce")
    notes = record.get("indicator_notes", {})
    frame["comment"] = [notes.get(row_key(r), {}).get("comment", "") for _, r in frame.iterrows()]
    frame["decision"] = [notes.get(row_key(r), {}).get("decision", "") for _, r in frame.iterrows()]
    return frame
