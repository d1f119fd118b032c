"""People: who holds each mandate (renewals, cumulation, newcomers), with fake but plausible identities."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from pipelines.demo.calibration import (
    LEAVING_REASONS,
    NATIONAL_ASSOCIATIONS_ZIPF,
    PEOPLE_CDU_CUMUL,
    PEOPLE_CDU_FROM_OTHER_BODY,
    PEOPLE_CDU_RETURN,
    PEOPLE_CVS_ALSO_RU,
    PEOPLE_NEARBY_DEPARTMENTS,
    PEOPLE_OTHER_BODY_FROM_CDU,
)
from pipelines.demo.common import de, norm, weighted
from pipelines.demo.model import Body, Mandates
from pipelines.demo.names import (
    FEMALE_FIRST_NAMES,
    MALE_FIRST_NAMES,
    NATIONAL_ASSOCIATIONS,
    REGIONAL_ASSOCIATIONS,
    REGIONAL_SURNAME_SHARE,
    REGIONAL_SURNAMES,
    SURNAMES,
)
from pipelines.demo.territories import PREFECTURES, Geography, dep_label


# --------------------------------------------------------------------------------------------------------------
# People
@dataclass
class People:
    last: list[str] = field(default_factory=list)
    first: list[str] = field(default_factory=list)
    birth: list[int] = field(default_factory=list)
    association: list[str] = field(default_factory=list)
    dep: list[str] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)
    active_until: list[int] = field(default_factory=list)
    mandates: list[list[tuple[int, int, int, str]]] = field(default_factory=list)  # (start, end, body, kind)

    def __len__(self) -> int:
        return len(self.last)


class _PeopleMaker:
    NEVER = date(2200, 1, 1).toordinal()

    def __init__(self, geo: Geography, rng: random.Random):
        self.geo = geo
        self.rng = rng
        self.people = People()
        self.keys: set[tuple[str, str, int]] = set()
        self.pools: dict[str, list[int]] = {}
        self.region_of = {d: r for r in geo.regions for d in geo.departments[r]}
        self.associations = {dep: self._association_choices(dep) for r in geo.regions for dep in geo.departments[r]}

    def _association_choices(self, dep: str):
        geo = self.geo
        region = next(r for r in geo.regions if dep in geo.departments[r])
        prefecture = PREFECTURES.get(dep, geo.department_names[dep])
        local = [(f"UDAF {dep_label(geo, dep)}", 18.0), (f"UFC-Que Choisir {de(prefecture)}", 8.0)]
        regional = [(a, 1.5) for a in REGIONAL_ASSOCIATIONS.get(region, ())]
        weights = [1 / rank ** NATIONAL_ASSOCIATIONS_ZIPF for rank in range(1, len(NATIONAL_ASSOCIATIONS) + 1)]
        national = [(a, 72.0 * w / sum(weights)) for a, w in zip(NATIONAL_ASSOCIATIONS, weights)]
        return local + regional + national

    def new(self, dep: str, at: int) -> int:
        rng, p = self.rng, self.people
        region = self.region_of[dep]
        share = REGIONAL_SURNAME_SHARE.get(region, 0.0)
        year_max = date.fromordinal(at).year - 25
        while True:
            last = rng.choice(REGIONAL_SURNAMES[region]) if rng.random() < share else rng.choice(SURNAMES)
            first = rng.choice(FEMALE_FIRST_NAMES if rng.random() < 0.56 else MALE_FIRST_NAMES)
            year = min(int(rng.triangular(1940, 1996, 1953)), year_max)
            birth = date(year, 1, 1).toordinal() + rng.randint(0, 364)
            key = (norm(last), norm(first), birth)
            if key not in self.keys:
                self.keys.add(key)
                break
        p.last.append(last)
        p.first.append(first)
        p.birth.append(birth)
        p.association.append(weighted(rng, self.associations[dep]))
        p.dep.append(dep)
        p.gone.append(self.NEVER)
        p.active_until.append(0)
        p.mandates.append([])
        self.pools.setdefault(dep, []).append(len(p.last) - 1)
        return len(p.last) - 1


def assign_people(geo: Geography, bodies: list[Body], store: Mandates, rng: random.Random) -> People:
    maker = _PeopleMaker(geo, rng)
    p = maker.people
    n = len(store)
    order = np.lexsort((np.array(store.role), np.array(store.body), np.array(store.start))).tolist()
    occupants: dict[int, list[int]] = {}  # body -> mandate indices
    cdu_pools: dict[str, list[int]] = {}  # département -> people who ever held a CDU mandate
    region_deps = {r: geo.departments[r] for r in geo.regions}

    def can_take(pid: int, t: int, bi: int, kind: str) -> bool:
        if p.gone[pid] <= t:
            return False
        cdu = 0
        for s, e, b, k in p.mandates[pid]:
            if s <= t <= e:
                if b == bi:
                    return False
                cdu += k == "CDU"
        return kind != "CDU" or cdu < 3

    def holds_cdu(pid: int, t: int) -> bool:
        return any(k == "CDU" and s <= t <= e for s, e, _b, k in p.mandates[pid])

    def fits(pid: int, t: int, bi: int, kind: str, active: bool) -> bool:
        until = p.active_until[pid]
        if (until < t) if active else not (t - 3 * 365 < until < t):
            return False
        return can_take(pid, t, bi, kind)

    def pick(pool: list[int], t: int, bi: int, kind: str, active: bool = True, tries: int = 8,
             with_cdu: bool = False, without_cdu: bool = False) -> int:
        if not pool:
            return -1
        for _ in range(tries):
            pid = pool[len(pool) - 1 - int(len(pool) * rng.random() ** 1.3)]
            if fits(pid, t, bi, kind, active) and (not (with_cdu or without_cdu) or holds_cdu(pid, t) == with_cdu):
                return pid
        return -1

    for i in order:
        bi = store.body[i]
        body = bodies[bi]
        t, end = store.start[i], store.end(i)
        pid = -1
        if store.prev[i] >= 0:  # renewal: same person, if still around
            candidate = store.person[store.prev[i]]
            if candidate >= 0 and can_take(candidate, t, bi, body.kind):
                pid = candidate
        dep = body.dep or rng.choice(region_deps[body.region])
        if pid < 0:
            u = rng.random()
            if body.kind == "CDU":
                if u < PEOPLE_CDU_CUMUL:
                    pid = pick(cdu_pools.get(dep, []), t, bi, "CDU", tries=10, with_cdu=True)
                elif u < PEOPLE_CDU_CUMUL + PEOPLE_CDU_RETURN:
                    pid = pick(cdu_pools.get(dep, []), t, bi, "CDU", active=False)
                elif u < PEOPLE_CDU_CUMUL + PEOPLE_CDU_RETURN + PEOPLE_CDU_FROM_OTHER_BODY:
                    # an RU still sitting elsewhere (CS, CTS…) who lost their CDU seat takes this one
                    pid = pick(cdu_pools.get(dep, []), t, bi, "CDU", tries=25, without_cdu=True)
            elif body.kind == "CVS":
                if u < PEOPLE_CVS_ALSO_RU:
                    pid = pick(cdu_pools.get(dep, []), t, bi, "CVS", tries=5, with_cdu=True)
            else:
                if body.kind == "CS" and u < 0.5:
                    mates = [store.person[j] for j in occupants.get(body.partner, ())
                             if store.start[j] <= t <= store.end(j)]
                    mates = [m for m in mates if fits(m, t, bi, "CS", True)]
                    pid = mates[0] if mates else -1
                if pid < 0 and rng.random() < PEOPLE_OTHER_BODY_FROM_CDU:
                    pid = pick(cdu_pools.get(dep, []), t, bi, body.kind, tries=25, with_cdu=True)
                    if pid < 0:  # a small département has too few RU: one sitting in a CDU elsewhere in the région
                        nearby = [d for d in region_deps[body.region] if d != dep and cdu_pools.get(d)]
                        for other in rng.sample(nearby, min(PEOPLE_NEARBY_DEPARTMENTS, len(nearby))):
                            pid = pick(cdu_pools[other], t, bi, body.kind, tries=10, with_cdu=True)
                            if pid >= 0:
                                break
                if pid < 0 and rng.random() < 0.8:
                    pid = pick(cdu_pools.get(dep, []), t, bi, body.kind, tries=12)
        if pid < 0:
            pid = maker.new(dep, t)
        store.person[i] = pid
        p.mandates[pid].append((t, end, bi, body.kind))
        if end > p.active_until[pid]:
            p.active_until[pid] = end
        if store.reason[i] in LEAVING_REASONS:
            p.gone[pid] = min(p.gone[pid], end)
        occupants.setdefault(bi, []).append(i)
        if body.kind == "CDU" and not any(k == "CDU" for _s, _e, _b, k in p.mandates[pid][:-1]):
            cdu_pools.setdefault(dep, []).append(pid)
    # Someone who moved away, fell ill or died leaves all their seats that day; when the first
    # resignation letter only covered one seat, the others go on (the reason is then a plain resignation).
    by_person: dict[int, list[int]] = {}
    for i in range(n):
        by_person.setdefault(store.person[i], []).append(i)
    for i in range(n):
        if store.reason[i] in LEAVING_REASONS and store.early_end[i]:
            e = store.early_end[i]
            others = [j for j in by_person[store.person[i]] if j != i and store.end(j) > e]
            if not others:
                continue
            if rng.random() < 0.35:
                for j in others:
                    if store.start[j] <= e:
                        store.early_end[j], store.reason[j] = e, store.reason[i]
            else:
                store.reason[i] = "démission"
    return p

