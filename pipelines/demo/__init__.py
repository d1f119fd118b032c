"""Deterministic DEMO raw files: FINESS extract, bodies, arrêtés, trainings, meetings, convention, campaigns.

Everything is fake but calibrated on the public figures of shared/DOMAIN.md; `calibration.py` holds every
figure and the parameter it sets. Same arguments, same bytes: only `random.Random(seed)` and
`numpy.random.default_rng(seed)` drive the draws, and every collection written out is ordered explicitly.

One module per topic, in the order `generate` runs them:
  territories  reference geography, establishments, the FINESS extract
  bodies       bodies with RU seats, the seat simulator (mandates), the arrêtés files
  people       who holds each mandate (renewals, cumulation, newcomers)
  training     « RU en Avant ! » and the other modules
  meetings     sessions of the CRSA, CTS and CDU (real participation)
  convention   the Grand Est convention (targets, milestones, roadmap) and the nomination campaigns
  projects     the register of partnership projects (AURA as in its 2023 survey, a few other régions)
  errors       the planted input errors (PLANTED_ERRORS)
"""
from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import numpy as np

from pipelines.demo.bodies import SeatSimulator, build_bodies, write_instances, write_nominations
from pipelines.demo.calibration import CDU_ESTABLISHMENTS, GE_CAMPAIGN_ARRETES  # noqa: F401 (public API)
from pipelines.demo.common import GRAND_EST, SCALES, luhn_complete, norm  # noqa: F401 (public API)
from pipelines.demo.convention import write_campaigns, write_convention
from pipelines.demo.errors import PLANTED_ERRORS, PlantedError  # noqa: F401 (public API)
from pipelines.demo.meetings import write_seances
from pipelines.demo.people import assign_people
from pipelines.demo.projects import write_projects
from pipelines.demo.territories import (  # noqa: F401 (public API)
    SOURCECOORD_EPSG,
    build_establishments,
    finess_rows,
    load_geography,
    write_finess,
)
from pipelines.demo.training import partner_session_days, write_formations

DEFAULT_SEED = 20260121
DEFAULT_TODAY = date(2026, 11, 23)
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
SOURCES = ("finess", "instances", "nominations", "formations", "seances", "convention", "campagnes", "projets")


def generate(out_dir: Path, scale: str = "national", seed: int = DEFAULT_SEED, today: date = DEFAULT_TODAY,
             *, reference_dir: Path | None = None) -> dict[str, int]:
    """Write the DEMO raw files under out_dir/<source>/ and return the rows written per file (relative path).

    Existing `demo_*` files of these sources are removed first, so switching scale leaves no stale file.
    The FINESS extract counts its structureet + geolocalisation rows (not the first line).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, not {scale!r}")
    out_dir = Path(out_dir)
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    geo = load_geography(Path(reference_dir or REFERENCE_DIR), scale)
    for source in SOURCES:
        folder = out_dir / source
        if folder.is_dir():
            for old in sorted(folder.glob("demo_*")):
                old.unlink()
    establishments = build_establishments(geo, scale, rng, today)
    bodies = build_bodies(geo, establishments, rng)
    simulator = SeatSimulator(rng, today)
    simulator.plan_cdu_waves(bodies)
    for bi, body in enumerate(bodies):
        simulator.simulate(bi, body)
    store = simulator.store
    people = assign_people(geo, bodies, store, rng)
    written: dict[str, int] = {}
    written.update(write_finess(out_dir, establishments, geo, rng, np_rng, today))
    written.update(write_instances(out_dir, bodies, scale))
    written.update(write_nominations(out_dir, bodies, store, people, rng, scale))
    written.update(write_formations(out_dir, geo, bodies, store, people, rng, today, scale))
    written.update(write_seances(out_dir, geo, bodies, store, np_rng, today, scale))
    ge_partner_sessions = partner_session_days(GRAND_EST, geo.departments.get(GRAND_EST, []), today.toordinal())
    written.update(write_convention(out_dir, today, ge_partner_sessions))
    written.update(write_campaigns(out_dir, geo, bodies, store, rng, today))
    written.update(write_projects(out_dir, geo, establishments, seed, today, scale))
    return dict(sorted(written.items()))
