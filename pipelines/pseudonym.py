"""Keyed pseudonyms: people are linked across sources by an HMAC of their normalised identity."""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

import pandas as pd


@lru_cache(maxsize=200_000)
def normalize_name(text: str | None) -> str:
    """« Jean-Michel  MEYER » and « jean michel meyer » give the same string."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.strip()


@lru_cache(maxsize=200_000)
def person_key(key: bytes, last_name: str | None, first_name: str | None, birth_date: str | None) -> str:
    message = "|".join((normalize_name(last_name), normalize_name(first_name), birth_date or ""))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def assign_person_keys(frames: list[pd.DataFrame], key: bytes) -> None:
    """Add `person_key` to each frame in place from last_name, first_name, birth_date (ISO or None).

    A row without birth date borrows it when exactly one birth date is known for that name across
    all sources, so a training list without birth dates still links to the nominations.
    """
    def text(value) -> str | None:
        return value if isinstance(value, str) and value else None

    known: dict[tuple[str, str], set[str]] = {}
    for frame in frames:
        for last, first, born in zip(frame["last_name"], frame["first_name"], frame["birth_date"]):
            if text(born):
                known.setdefault((normalize_name(last), normalize_name(first)), set()).add(born)
    for frame in frames:
        keys = []
        for last, first, born in zip(frame["last_name"], frame["first_name"], frame["birth_date"]):
            born = text(born)
            if not born:
                dates = known.get((normalize_name(last), normalize_name(first)), set())
                born = next(iter(dates)) if len(dates) == 1 else None
            keys.append(person_key(key, text(last), text(first), born))
        frame["person_key"] = keys
