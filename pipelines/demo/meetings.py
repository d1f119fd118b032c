"""Meetings: CRSA, CTS and CDU sessions with the RU expected and present (real participation).

« RU attendus » are the titulaires convened: one per titular seat that someone can fill, a titulaire in mandate or,
on a vacant titular seat, a suppléant convened in their place; never more than the body's titular seats. An absent
titulaire is replaced by a spare suppléant when one comes (« RU présents » count them too).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from pipelines import schemas
from pipelines.demo.bodies import BODY_ORDER, Body, Mandates
from pipelines.demo.calibration import (
    CYCLE_STARTS,
    MEETING_ATTENDANCE_BETA,
    MEETING_STAND_IN_BETA,
)
from pipelines.demo.common import DateText, write_csv
from pipelines.demo.errors import plant
from pipelines.demo.territories import Geography


def _meeting_dates(np_rng: np.random.Generator, n_bodies: int, years: range, months: tuple[int, ...],
                   spread: int) -> np.ndarray:
    """Day ordinals, shape (n_bodies, len(years) * len(months)), on weekdays, body-specific rhythm."""
    base_shift = np_rng.integers(0, spread + 1, size=(n_bodies, 1))
    ys = np.repeat(np.array(list(years)), len(months))
    ms = np.tile(np.array(months), len(years))
    month_index = (ys - 1970) * 12 + (ms - 1)
    month_index = month_index[None, :] + base_shift
    days = np_rng.integers(0, 26, size=month_index.shape)
    d64 = month_index.astype("datetime64[M]").astype("datetime64[D]") + days
    d64 = np.busday_offset(d64, 0, roll="forward")
    return d64.astype("int64") + date(1970, 1, 1).toordinal()


def _active_counts(store: Mandates, role: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (body, day) keys of the starts and of the day after the ends of one role's mandates."""
    keep = np.array(store.role, dtype=np.int64) == role
    body_arr = np.array(store.body, dtype=np.int64)[keep]
    starts = body_arr * 1_000_000 + (np.array(store.start, dtype=np.int64)[keep] - base)
    ends = body_arr * 1_000_000 + (np.array([store.end(i) for i in range(len(store))], dtype=np.int64)[keep] + 1 - base)
    starts.sort()
    ends.sort()
    return starts, ends


def expected_and_stand_ins(titular_seats: np.ndarray, substitute_seats: np.ndarray, titulaires: np.ndarray,
                           suppleants: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(RU attendus, titulaires convened, suppléants free to stand in for an absent titulaire) at each meeting.

    Seats held above their number (an overlap of two mandates) fill nothing more; a suppléant convened on a vacant
    titular seat is no longer free to replace an absent titulaire.
    """
    titulaires = np.minimum(titulaires, titular_seats)
    suppleants = np.minimum(suppleants, substitute_seats)
    expected = np.minimum(titular_seats, titulaires + suppleants)
    free = suppleants - (expected - titulaires)
    return expected, titulaires, free


def write_seances(out_dir: Path, geo: Geography, bodies: list[Body], store: Mandates, np_rng: np.random.Generator,
                   today: date, scale: str) -> dict[str, int]:
    today_o = today.toordinal()
    base = date(2000, 1, 1).toordinal()
    by_role = [_active_counts(store, role, base) for role in (0, 1)]
    years = range(2016, today.year + 1)
    parts = []
    fmt = DateText()
    for kind, months, spread in (("CRSA", (3, 6, 10), 0), ("CTS", (2, 5, 11), 1), ("CDU", (2, 5, 9, 11), 1)):
        idx = np.array([i for i, b in enumerate(bodies) if b.kind == kind], dtype=np.int64)
        if not len(idx):
            continue
        when = _meeting_dates(np_rng, len(idx), years, months, spread)
        created = np.array([bodies[i].created for i in idx])[:, None]
        closed = np.array([bodies[i].closed or 10 ** 7 for i in idx])[:, None]
        first_wave = CYCLE_STARTS[kind][0].toordinal()  # no meeting before the first RU are designated
        valid = (when <= today_o) & (when >= np.maximum(created, first_wave)) & (when < closed)
        query = idx[:, None] * 1_000_000 + (when - base)
        held = [np.searchsorted(starts, query, side="right") - np.searchsorted(ends, query, side="right")
                for starts, ends in by_role]
        seats = [np.array([bodies[i].seats[role] for i in idx], dtype=np.int64)[:, None] for role in (0, 1)]
        expected, titulaires, free = expected_and_stand_ins(seats[0], seats[1], held[0], held[1])
        # Each body has its own attendance (a convened RU comes) and its own habit of calling a suppléant when a
        # titulaire sends apologies.
        attendance = np.broadcast_to(np_rng.beta(*MEETING_ATTENDANCE_BETA, size=(len(idx), 1)), expected.shape)
        stand_in = np.broadcast_to(np_rng.beta(*MEETING_STAND_IN_BETA, size=(len(idx), 1)), expected.shape)
        came = np_rng.binomial(titulaires, attendance)
        present = (came + np_rng.binomial(expected - titulaires, attendance)
                   + np_rng.binomial(np.minimum(titulaires - came, free), stand_in))
        # A few bodies where no RU came for several meetings in a row.
        for r in np.flatnonzero(np_rng.random(len(idx)) < 0.03):
            cols = np.flatnonzero(valid[r])
            if len(cols) > 6:
                s = int(np_rng.integers(0, len(cols) - 5))
                present[r, cols[s:s + int(np_rng.integers(3, 6))]] = 0
        r, c = np.nonzero(valid)
        parts.append((idx[r], when[r, c], expected[r, c], present[r, c]))
    body_idx, day, expected, present = (np.concatenate(columns) for columns in zip(*parts))
    # File order: CRSA, then CTS by département, then CDU by FINESS; each body by date.
    ranked = sorted(range(len(bodies)), key=lambda i: (BODY_ORDER[bodies[i].kind], bodies[i].territory
                                                       if not bodies[i].finess else "", bodies[i].finess))
    rank = np.empty(len(bodies), dtype=np.int64)
    rank[ranked] = np.arange(len(bodies))
    order = np.lexsort((day, rank[body_idx]))
    body_idx, day, expected, present = body_idx[order], day[order], expected[order], present[order]
    region_of = np.array([b.region for b in bodies])[body_idx]
    unique_days, inverse = np.unique(day, return_inverse=True)
    day_text = np.array([fmt(int(d)) for d in unique_days], dtype=object)[inverse]
    header = schemas.MEETINGS.headers
    written = {}
    for region in geo.regions:
        sel = np.flatnonzero(region_of == region)
        rows = [[bodies[bi].finess, "" if bodies[bi].finess else bodies[bi].territory, bodies[bi].kind, d, str(e), str(p)]
                for bi, d, e, p in zip(body_idx[sel].tolist(), day_text[sel].tolist(), expected[sel].tolist(),
                                       present[sel].tolist())]
        rel = f"seances/demo_seances_{region}.csv"
        plant(rel, scale, header, rows)
        written[rel] = write_csv(out_dir / rel, header, rows)
    return written

