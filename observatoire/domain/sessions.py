"""Server-side sign-in sessions: a session is revoked at sign-out and expires after an idle time.

Streamlit keeps who is signed in in a signed cookie: a copy of it would sign in from another browser, even after
sign-out. The app therefore keeps, on the server, the sessions it has closed and when each one was last used,
keyed by a hash of the cookie (never the cookie itself). SQLite: shared by every app process of the machine.
"""
from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

TOUCH_EVERY_S = 60  # last use is written at most once a minute per session


def session_id(cookie: str | None) -> str | None:
    return hashlib.sha256(cookie.encode()).hexdigest() if cookie else None


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute("CREATE TABLE IF NOT EXISTS revoked (sid TEXT PRIMARY KEY, at REAL)")
    con.execute("CREATE TABLE IF NOT EXISTS seen (sid TEXT PRIMARY KEY, at REAL)")
    return con


def revoke(path: Path, sid: str, now: float | None = None) -> None:
    with _connect(path) as con:
        con.execute("INSERT OR REPLACE INTO revoked VALUES (?, ?)", (sid, time.time() if now is None else now))


def is_valid(path: Path, sid: str, idle_s: float, now: float | None = None) -> bool:
    """False for a revoked session or one unused for more than `idle_s` seconds (then revoked); else its last use
    is recorded and True."""
    now = time.time() if now is None else now
    with _connect(path) as con:
        if con.execute("SELECT 1 FROM revoked WHERE sid = ?", (sid,)).fetchone():
            return False
        row = con.execute("SELECT at FROM seen WHERE sid = ?", (sid,)).fetchone()
        if row and now - row[0] > idle_s:
            con.execute("INSERT OR REPLACE INTO revoked VALUES (?, ?)", (sid, now))
            return False
        if row is None or now - row[0] >= TOUCH_EVERY_S:
            con.execute("INSERT OR REPLACE INTO seen VALUES (?, ?)", (sid, now))
        return True
