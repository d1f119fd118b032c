"""The demo's bodies and their mandates (seat timelines), shared by the body simulator and the people assigned."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Body:
    kind: str
    finess: str
    territory: str
    label: str
    seats: tuple[int, int]
    region: str
    dep: str  # "" for a région-level body
    created: int = 0
    closed: int = 0
    partner: int = -1  # CS -> CDU of the same establishment
    cvs_shift: int = 0  # months


@dataclass
class Mandates:
    body: list[int] = field(default_factory=list)
    role: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    planned_end: list[int] = field(default_factory=list)
    early_end: list[int] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    arrete: list[int] = field(default_factory=list)
    prev: list[int] = field(default_factory=list)
    campaign: list[bool] = field(default_factory=list)
    person: list[int] = field(default_factory=list)

    def add(self, body, role, start, planned_end, early_end, reason, arrete, prev, campaign) -> int:
        self.body.append(body)
        self.role.append(role)
        self.start.append(start)
        self.planned_end.append(planned_end)
        self.early_end.append(early_end)
        self.reason.append(reason)
        self.arrete.append(arrete)
        self.prev.append(prev)
        self.campaign.append(campaign)
        self.person.append(-1)
        return len(self.body) - 1

    def end(self, i: int) -> int:
        return self.early_end[i] or self.planned_end[i]

    def __len__(self) -> int:
        return len(self.body)
