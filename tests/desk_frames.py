"""Tiny hand-written frames for the establishment and « À traiter » rules (tests/test_establishment.py,
tests/test_worklist.py): bodies, mandates, people and meetings as the store's readers return them."""
from __future__ import annotations

import pandas as pd

BODY_COLUMNS = ["body_id", "body_type", "finess", "label", "seats_titular", "seats_substitute", "created_on",
                "closed_on", "department_code", "region_code", "establishment"]
MANDATE_COLUMNS = ["mandate_id", "body_id", "body_type", "role", "person_key", "association", "start_date",
                   "planned_end_date", "end_date", "decree_date"]


def day(text):
    """`31/07/2026` -> Timestamp; None stays None."""
    return None if text is None else pd.Timestamp(pd.to_datetime(text, dayfirst=True))


def bodies(*rows) -> pd.DataFrame:
    """(body_id, body_type, seats_titular, seats_substitute, created_on) rows; finess from the id."""
    out = []
    for body_id, body_type, titular, substitute, created in rows:
        finess = body_id.split("-", 1)[1] if "-" in body_id else None
        out.append({"body_id": body_id, "body_type": body_type, "finess": finess,
                    "label": f"{body_type} {finess}", "seats_titular": titular, "seats_substitute": substitute,
                    "created_on": day(created), "closed_on": None, "department_code": "67", "region_code": "44",
                    "establishment": f"Établissement {finess}"})
    frame = pd.DataFrame(out, columns=BODY_COLUMNS)
    frame["created_on"] = pd.to_datetime(frame["created_on"])
    frame["closed_on"] = pd.to_datetime(frame["closed_on"])
    return frame


def mandates(*rows) -> pd.DataFrame:
    """(body_id, role, person, start, planned end[, early end[, decree date]]) rows."""
    out = []
    for number, row in enumerate(rows, start=1):
        body_id, role, person, start, planned, *rest = row
        early = rest[0] if rest else None
        decree = rest[1] if len(rest) > 1 else None
        out.append({"mandate_id": f"M{number}", "body_id": body_id, "body_type": body_id.split("-")[0], "role": role,
                    "person_key": person, "association": f"Association {person}", "start_date": day(start),
                    "planned_end_date": day(planned), "end_date": day(early or planned),
                    "decree_date": day(decree) if decree else day(start) - pd.Timedelta(days=15)})
    frame = pd.DataFrame(out, columns=MANDATE_COLUMNS)
    for column in ("start_date", "planned_end_date", "end_date", "decree_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def people(*rows) -> pd.DataFrame:
    """(person, first designation, first « RU en Avant ! » session or None) rows (training.first_designations)."""
    return pd.DataFrame({"person_key": [r[0] for r in rows],
                         "first_start": pd.to_datetime([day(r[1]) for r in rows]),
                         "first_session": pd.to_datetime([day(r[2]) for r in rows]),
                         "department_code": "67", "region_code": "44", "body_type": "CDU", "finess": None})


def meetings(*rows) -> pd.DataFrame:
    """(body_id, date, RU expected, RU present) rows."""
    frame = pd.DataFrame(rows, columns=["body_id", "meeting_date", "ru_expected", "ru_present"])
    frame["meeting_date"] = pd.to_datetime([day(d) for d in frame["meeting_date"]])
    frame["body_type"] = frame["body_id"].str.split("-").str[0]
    return frame
