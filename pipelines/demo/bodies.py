"""Bodies and mandates: the bodies with RU seats, the seat simulator (who sits when) and the arrêtés files."""
from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from pipelines import schemas
from pipelines.demo.calibration import (
    BODY_SEATS,
    CDU_DIFFICULTY_NOISE,
    CDU_VACANCY_2026,
    CDU_VACANCY_DEFAULT,
    CDU_WAVE_TREND,
    CLOSURE_REASON,
    CVS_END_REASONS,
    CYCLE_STARTS,
    END_REASONS,
    GE_CAMPAIGN_ARRETES,
    GE_CAMPAIGN_FILL,
    GE_PROROGATED_SEATS,
    GE_PROROGATION_END,
    LATE_FILL,
    RENEWAL,
    RESIGNATION_RATE,
    SUPPLEANT_VACANCY_FACTOR,
    TERRITORIAL_BODIES_CREATED,
    TITULAIRE_VACANCY_FACTOR,
    WAVE_FILL,
    cdu_complete_share,
)
from pipelines.demo.common import GRAND_EST, DateText, spelling, weighted, write_csv, write_xlsx
from pipelines.demo.errors import plant
from pipelines.demo.model import Body, Mandates
from pipelines.demo.people import People
from pipelines.demo.territories import PUBLIC_CATEGORIES, REGIONS, Establishment, Geography, dep_label

BODY_ORDER = {"CRSA": 0, "CTS": 1, "CDCA": 2, "CDU": 3, "CS": 4, "CVS": 5}
ROLE_NAMES = ("titulaire", "suppleant")


# --------------------------------------------------------------------------------------------------------------
# Bodies
def build_bodies(geo: Geography, establishments: list[Establishment], rng: random.Random) -> list[Body]:
    bodies: list[Body] = []
    for region in geo.regions:
        bodies.append(Body("CRSA", "", region, f"Conférence régionale de la santé et de l'autonomie – "
                           f"{geo.region_names[region]}", BODY_SEATS["CRSA"], region, ""))
        for dep in geo.departments[region]:
            created = TERRITORIAL_BODIES_CREATED.toordinal()
            bodies.append(Body("CTS", "", dep, f"Conseil territorial de santé {dep_label(geo, dep)}", BODY_SEATS["CTS"], region,
                               dep, created=created))
            bodies.append(Body("CDCA", "", dep, f"Conseil départemental de la citoyenneté et de l'autonomie "
                               f"{dep_label(geo, dep)}", BODY_SEATS["CDCA"], region, dep, created=created))
    for est in sorted(establishments, key=lambda e: e.finess):
        common = dict(finess=est.finess, territory=est.dep, region=est.region, dep=est.dep, created=est.opened,
                      closed=est.closed)
        if est.category == "500":
            bodies.append(Body("CVS", label=f"Conseil de la vie sociale – {est.name}", seats=BODY_SEATS["CVS"],
                               cvs_shift=rng.randint(0, 11), **common))
            continue
        bodies.append(Body("CDU", label=f"Commission des usagers – {est.name}", seats=BODY_SEATS["CDU"], **common))
        if est.category in PUBLIC_CATEGORIES:
            bodies.append(Body("CS", label=f"Conseil de surveillance – {est.name}", seats=BODY_SEATS["CS"],
                               partner=len(bodies) - 1, **common))
    return bodies


# --------------------------------------------------------------------------------------------------------------
# Mandates: seat timelines first, people afterwards
def _cycles(body: Body) -> list[tuple[int, int]]:
    starts = CYCLE_STARTS[body.kind]
    if body.kind == "CVS":
        starts = tuple(date(s.year + (s.month - 1 + body.cvs_shift) // 12, (s.month - 1 + body.cvs_shift) % 12 + 1, 1)
                       for s in starts)
    ords = [s.toordinal() for s in starts]
    return [(ords[k], ords[k + 1] - 1) for k in range(len(ords) - 1)]


class SeatSimulator:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today.toordinal()
        self.store = Mandates()
        self.wave_arrete: dict[tuple[int, int], int] = {}
        self.ge_cycle = CYCLE_STARTS["CDU"][4].toordinal()
        self.campaign_last = GE_CAMPAIGN_ARRETES[-1][0].toordinal()
        self.prorogation_end = GE_PROROGATION_END.toordinal()
        self.prorogated: set[tuple[int, int, int]] = set()

    def plan_cdu_waves(self, bodies: list[Body]) -> None:
        """Pick the CDU seats left vacant at each wave: exact quotas per région and role, concentrated on few CDU.

        Each CDU has a lasting difficulty to find RU (a latent score, plus some noise at each wave); the hardest
        CDU of the région get one vacancy each, then the rest of the quota doubles up on them.
        """
        self.cdu_wave_vacant: set[tuple[int, int, int, int]] = set()
        prorogation_pool: list[tuple[int, int, int, int]] = []
        difficulty = {bi: self.rng.random() for bi, body in enumerate(bodies) if body.kind == "CDU"}
        cycles = _cycles(Body("CDU", "", "", "", BODY_SEATS["CDU"], "", ""))
        for k, (ws, _we) in enumerate(cycles):
            if ws > self.today:
                break
            by_region: dict[str, list[int]] = {}
            for bi, body in enumerate(bodies):
                if body.kind != "CDU" or (body.created and body.created > ws) or (body.closed and body.closed < ws):
                    continue
                by_region.setdefault(body.region, []).append(bi)
            for region, members in sorted(by_region.items()):
                vacant = self._wave_vacancies(bodies, region, members, difficulty, k)
                self.cdu_wave_vacant.update(vacant)
                if region == GRAND_EST and k == 4:
                    prorogation_pool.extend((bi, role, seat, k) for bi in members for role in (0, 1)
                                            for seat in range(bodies[bi].seats[role])
                                            if (bi, role, seat, k) not in vacant)
        # Grand Est, end 2025: part of the filled seats only got a prorogation until the 2026 campaign.
        prorogation_pool.sort()
        picked = self.rng.sample(prorogation_pool, min(GE_PROROGATED_SEATS, len(prorogation_pool)))
        self.prorogated = {(bi, role, seat) for bi, role, seat, _k in picked}

    def _wave_vacancies(self, bodies: list[Body], region: str, members: list[int], difficulty: dict[int, float],
                        k: int) -> set[tuple[int, int, int, int]]:
        rng, trend = self.rng, CDU_WAVE_TREND[k]
        v = CDU_VACANCY_2026.get(region, CDU_VACANCY_DEFAULT)
        seats = [sum(bodies[bi].seats[role] for bi in members) for role in (0, 1)]
        quota = [round(TITULAIRE_VACANCY_FACTOR * v * trend * seats[0]),
                 round(min(SUPPLEANT_VACANCY_FACTOR * v, 0.9) * trend * seats[1])]
        wanted = round((1 - cdu_complete_share(region)) * trend * len(members))
        if quota[1] > 2 * wanted:  # too many suppléant vacancies for that few CDU: the excess falls on titulaires
            quota = [quota[0] + quota[1] - 2 * wanted, 2 * wanted]
        hardest = sorted(members, key=lambda bi: (-(difficulty[bi] + rng.gauss(0, CDU_DIFFICULTY_NOISE)), bi))
        # Enough CDU to hold the quotas (2 seats per role each), never more CDU than vacant seats.
        n_chosen = min(max(wanted, -(-quota[1] // 2), -(-sum(quota) // 4)), sum(quota), len(members))
        chosen = hardest[:n_chosen]
        free = {(bi, role): list(range(bodies[bi].seats[role])) for bi in chosen for role in (0, 1)}
        vacant: set[tuple[int, int, int, int]] = set()

        def take(bi: int, role: int) -> bool:
            if quota[role] and free[(bi, role)]:
                vacant.add((bi, role, free[(bi, role)].pop(0), k))
                quota[role] -= 1
                return True
            return False

        for bi in chosen:  # one vacancy each, a suppléant seat first
            take(bi, 1) or take(bi, 0)
        for role in (1, 0):  # the rest of each quota, hardest CDU first
            for bi in chosen:
                while take(bi, role):
                    if rng.random() < 0.5:
                        break
            for bi in chosen:
                while take(bi, role):
                    pass
        return vacant

    def _end_reason(self, body: Body) -> str:
        return weighted(self.rng, CVS_END_REASONS if body.kind == "CVS" else END_REASONS)

    def _late_fill(self, body: Body, role: int, vacant_from: int, ws: int, hi: int):
        """(start, arrêté date, campaign?) of a designation on a seat vacant since `vacant_from`, or None."""
        rng = self.rng
        q = LATE_FILL[body.kind][role]
        if body.kind == "CDU" and body.region == GRAND_EST and ws == self.ge_cycle:
            if vacant_from < self.campaign_last - 20:
                if rng.random() < GE_CAMPAIGN_FILL[role]:
                    batches = [(d.toordinal(), w) for d, w in GE_CAMPAIGN_ARRETES if d.toordinal() > vacant_from + 20]
                    arrete = weighted(rng, batches)
                    return arrete + rng.randint(3, 12), arrete, True
                vacant_from, q = max(vacant_from, date(2026, 8, 1).toordinal()), q * 0.4
            elif vacant_from < self.today:
                q *= 0.6
        if rng.random() >= q:
            return None
        start = vacant_from + 60 + int(rng.expovariate(1 / 240))
        if start > hi - 90:
            return None
        return start, (0 if body.kind == "CVS" else start - rng.randint(5, 20)), False

    def simulate(self, bi: int, body: Body) -> None:
        rng, store, today = self.rng, self.store, self.today
        rate = RESIGNATION_RATE[body.kind]
        cycles = _cycles(body)
        for role in (0, 1):
            for seat in range(body.seats[role]):
                prev = -1
                for k, (ws, we) in enumerate(cycles):
                    if ws > today:
                        break
                    lo = max(ws, body.created or ws)
                    hi = min(we, body.closed or we)
                    if lo > hi:
                        prev = -1
                        continue
                    pending = None
                    if lo == ws:
                        if body.kind == "CDU":
                            filled = (bi, role, seat, k) not in self.cdu_wave_vacant
                        else:
                            filled = rng.random() < WAVE_FILL[body.kind][role]
                        if filled:
                            key = (bi, k)
                            if key not in self.wave_arrete:
                                self.wave_arrete[key] = 0 if body.kind == "CVS" else ws - rng.randint(5, 25)
                            pending = (ws, self.wave_arrete[key], False)
                        else:
                            pending = self._late_fill(body, role, ws, ws, hi)
                    elif rng.random() < (0.9 if role == 0 else 0.6):  # body opened during the cycle
                        start = lo + rng.randint(30, 150)
                        pending = (start, 0 if body.kind == "CVS" else start - rng.randint(5, 20), False)
                    prorogated = k == 4 and body.kind == "CDU" and (bi, role, seat) in self.prorogated
                    last, successor_of = -1, -1
                    while pending is not None and pending[0] <= min(hi, today):
                        start, arrete, campaign = pending
                        planned = self.prorogation_end if prorogated and start == ws else we
                        early, reason = 0, ""
                        resign = start + int(rng.expovariate(rate) * 365.25)
                        if start + 20 < resign < min(hi, planned) and resign <= today:
                            early, reason = resign, self._end_reason(body)
                        elif body.closed and body.closed <= planned and body.closed <= today:
                            early, reason = body.closed, CLOSURE_REASON
                        if start == ws:
                            renew_from = prev if prev >= 0 and rng.random() < RENEWAL else -1
                        else:
                            renew_from = successor_of if successor_of >= 0 and rng.random() < RENEWAL else -1
                        last = store.add(bi, role, start, planned, early, reason, arrete, renew_from, campaign)
                        successor_of = -1
                        if early and early < hi:
                            pending = self._late_fill(body, role, early + 1, ws, hi)
                        elif planned < we and rng.random() < 0.95:  # prorogation ends: the 2026 campaign takes over
                            successor_of = last
                            arrete = weighted(rng, [(d.toordinal(), w) for d, w in GE_CAMPAIGN_ARRETES[:2]])
                            pending = (planned + 1, arrete, True)
                        elif planned < we:
                            pending = self._late_fill(body, role, planned + 1, ws, hi)
                        else:
                            pending = None
                    prev = last if last >= 0 and not store.early_end[last] else -1


def write_instances(out_dir: Path, bodies: list[Body], scale: str) -> dict[str, int]:
    fmt = DateText()
    order = sorted(range(len(bodies)), key=lambda i: (bodies[i].region, BODY_ORDER[bodies[i].kind],
                                                      bodies[i].territory, bodies[i].finess))
    rows = []
    for i in order:
        b = bodies[i]
        rows.append([b.kind, b.finess, b.territory, b.label, str(b.seats[0]), str(b.seats[1]), fmt(b.created),
                     fmt(b.closed)])
    rel = "instances/demo_instances.csv"
    plant(rel, scale, schemas.BODIES.headers, rows)
    return {rel: write_csv(out_dir / rel, schemas.BODIES.headers, rows)}


def _arrete_references(bodies: list[Body], store: Mandates, rng: random.Random) -> dict[tuple[int, int], str]:
    """One arrêté per (body, date): ARS-GE-2025-0412, numbered in date order within région and year."""
    keys = sorted({(bodies[store.body[i]].region, store.arrete[i], store.body[i]) for i in range(len(store))
                   if store.arrete[i]})
    refs: dict[tuple[int, int], str] = {}
    counters: dict[tuple[str, int], int] = {}
    for region, arrete, bi in keys:
        year = date.fromordinal(arrete).year
        counters[(region, year)] = counters.get((region, year), rng.randint(5, 40)) + rng.randint(1, 4)
        refs[(bi, arrete)] = f"ARS-{REGIONS[region][1]}-{year}-{counters[(region, year)]:04d}"
    return refs


def write_nominations(out_dir: Path, bodies, store: Mandates, people: People, rng: random.Random,
                       scale: str) -> dict[str, int]:
    refs = _arrete_references(bodies, store, rng)
    files: dict[tuple[str, int], list[int]] = {}
    for i in range(len(store)):
        b = bodies[store.body[i]]
        when = store.arrete[i] or store.start[i]
        files.setdefault((b.region, date.fromordinal(when).year), []).append(i)
    header = schemas.MANDATES.headers
    written: dict[str, int] = {}
    for region, year in sorted(files):
        idx = sorted(files[(region, year)], key=lambda i: (
            bodies[store.body[i]].finess == "", bodies[store.body[i]].finess, BODY_ORDER[bodies[store.body[i]].kind],
            bodies[store.body[i]].territory, store.role[i], store.start[i], people.last[store.person[i]], i))
        iso = region == "53" and year == 2023
        xlsx = region == GRAND_EST and year == 2026
        fmt = DateText(iso=iso)
        d = (lambda o: date.fromordinal(o) if o else None) if xlsx else fmt
        rows = []
        for i in idx:
            b = bodies[store.body[i]]
            pid = store.person[i]
            last, first = spelling(rng, people.last[pid], people.first[pid])
            ref = refs.get((store.body[i], store.arrete[i]), "")
            rows.append([b.finess, "" if b.finess else b.territory, b.kind, ROLE_NAMES[store.role[i]], last, first,
                         d(people.birth[pid]), people.association[pid], d(store.start[i]), d(store.planned_end[i]),
                         d(store.early_end[i]), store.reason[i], ref, d(store.arrete[i])])
        name = f"demo_arretes_{region}_{year}"
        if xlsx:
            rel = f"nominations/{name}.xlsx"
            dates = {header.index(h) for h in ("date_naissance", "date_debut", "date_fin", "date_fin_anticipee",
                                               "date_arrete")}
            written[rel] = write_xlsx(out_dir / rel, "Arrêtés 2026", header, rows, dates)
            continue
        rel = f"nominations/{name}.csv"
        plant(rel, scale, header, rows)
        if region == "11" and year == 2024:
            written[rel] = write_csv(out_dir / rel, header, rows, encoding="cp1252", lineterminator="\r\n")
        elif iso:
            written[rel] = write_csv(out_dir / rel, header, rows, delimiter="\t")
        else:
            written[rel] = write_csv(out_dir / rel, header, rows)
    return written

