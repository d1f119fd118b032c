"""Training: « RU en Avant ! » sessions within 6 months of a first designation, and the other modules."""
from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from datetime import date
from pathlib import Path

from pipelines import schemas
from pipelines.demo.bodies import Mandates
from pipelines.demo.common import GRAND_EST, DateText, norm, spelling, weekday_on_or_after, write_csv
from pipelines.demo.errors import plant
from pipelines.demo.people import People
from pipelines.demo.territories import Geography


def _sessions(region: str, deps: list[str], big: bool, rng: random.Random, until: int) -> list[tuple[int, str, str]]:
    """« RU en Avant ! » sessions of a région: (date, code, département), every 6 weeks (3 months if small)."""
    sessions = []
    step = 45 if big else 91
    t = date(2016, 2, 1).toordinal() + rng.randint(0, 20)
    per_year: dict[int, int] = {}
    k = 0
    while t <= until:
        day = weekday_on_or_after(t, (3,))  # Thursday: 2 days in person, Thursday–Friday
        year = date.fromordinal(day).year
        per_year[year] = per_year.get(year, 0) + 1
        sessions.append((day, f"REA-{region}-{year}-{per_year[year]:02d}", deps[k % len(deps)]))
        k += 1
        t += step + rng.randint(-10, 10)
    return sessions


PARTNER_MODULE = "RU et patients partenaires : agir ensemble"
PARTNER_MODULE_FIRST_YEAR = 2025


def partner_session_days(region: str, departments: list[str], until: int) -> list[tuple[int, str, str]]:
    """« RU et patients partenaires : agir ensemble » sessions of a région: (date, code, département).

    Two a year from 2025, on a Tuesday from the 10th of March and of October. No random draw: the Grand Est
    roadmap (action A07) quotes the same dates.
    """
    sessions = []
    year = PARTNER_MODULE_FIRST_YEAR
    while date(year, 1, 1).toordinal() <= until:
        for month, k in ((3, 1), (10, 2)):
            shift = (int(region) * 7 + year + k) % 11
            day = weekday_on_or_after(date(year, month, 10).toordinal() + shift, (1,))
            if day <= until:
                sessions.append((day, f"RPP-{region}-{year}-{k:02d}", departments[(year + k) % len(departments)]))
        year += 1
    return sessions


def write_formations(out_dir: Path, geo: Geography, bodies, store: Mandates, people: People, rng: random.Random,
                      today: date, scale: str) -> dict[str, int]:
    today_o = today.toordinal()
    first_designation: dict[int, int] = {}
    for i in range(len(store)):
        if bodies[store.body[i]].kind == "CVS":
            continue  # CVS members are elected, « RU en Avant ! » is for RU designated by the ARS
        pid = store.person[i]
        if pid not in first_designation or store.start[i] < first_designation[pid]:
            first_designation[pid] = store.start[i]
    region_of_dep = {d: r for r in geo.regions for d in geo.departments[r]}
    by_region: dict[str, list[int]] = {}
    for pid in sorted(first_designation):
        by_region.setdefault(region_of_dep[people.dep[pid]], []).append(pid)
    cdu_count = {}
    for b in bodies:
        if b.kind == "CDU":
            cdu_count[b.region] = cdu_count.get(b.region, 0) + 1
    header = schemas.TRAININGS.headers
    fmt = DateText()
    written = {}
    start_2016 = date(2016, 1, 1).toordinal()
    for region in geo.regions:
        sessions = _sessions(region, geo.departments[region], cdu_count.get(region, 0) > 80, rng, today_o + 180)
        dates = [s[0] for s in sessions]
        partner_sessions = partner_session_days(region, geo.departments[region], today_o + 180)
        records = []  # (date, session code, dep, training, pid, status)

        def attend(pid, lo, hi, status_if_past="present", training="RU en Avant !"):
            a, b = bisect_left(dates, lo), bisect_right(dates, hi)
            if a >= b:
                return None
            day, code, dep = sessions[rng.randrange(a, b)]
            status = "inscrit" if day > today_o else status_if_past
            records.append((day, code, dep, training, pid, status))
            return day

        for pid in by_region.get(region, []):
            first = first_designation[pid]
            if first < start_2016:
                if rng.random() < 0.45:
                    attend(pid, start_2016, date(2017, 12, 31).toordinal())
                continue
            good = 0.84 if region == GRAND_EST and first >= date(2026, 1, 1).toordinal() else 0.75
            u = rng.random()
            if u < good:
                day = attend(pid, first + 14, first + 182)
            elif u < good + 0.10:
                if rng.random() < 0.5:
                    attend(pid, first + 14, first + 182, rng.choice(("absent", "excuse")))
                day = attend(pid, first + 183, first + 540)
            else:
                if rng.random() < 0.4:
                    attend(pid, first + 14, first + 182, rng.choice(("absent", "excuse", "absent")))
                day = None
            if day and day <= today_o and rng.random() < 0.05:
                attend(pid, day + 60, today_o)  # second participation: must not count as a second trained RU
        # « RU et patients partenaires : agir ensemble » (from 2025): a few active RU each session.
        active = by_region.get(region, [])
        for day, code, dep in partner_sessions:
            for pid in active:
                if people.active_until[pid] >= day and first_designation[pid] <= day and rng.random() < 0.05:
                    status = "inscrit" if day > today_o else (
                        "present" if rng.random() < 0.85 else rng.choice(("absent", "excuse")))
                    records.append((day, code, dep, PARTNER_MODULE, pid, status))
        records.sort(key=lambda r: (r[0], r[1], norm(people.last[r[4]]), norm(people.first[r[4]]), r[4], r[5]))
        rows = []
        for day, code, dep, training, pid, status in records:
            last, first = spelling(rng, people.last[pid], people.first[pid])
            rows.append([training, code, fmt(day), dep, last, first, fmt(people.birth[pid]),
                         people.association[pid], status])
        rel = f"formations/demo_formations_{region}.csv"
        plant(rel, scale, header, rows)
        written[rel] = write_csv(out_dir / rel, header, rows)
    return written

