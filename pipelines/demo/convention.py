"""Convention and campaigns: the Grand Est convention (targets, milestones, roadmap) and nomination campaigns."""
from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from pipelines import schemas
from pipelines.demo.bodies import Body, Mandates
from pipelines.demo.calibration import (
    AURA_CAMPAIGN_SEATS, CYCLE_STARTS, GE_CAMPAIGN_CLOSES, GE_CAMPAIGN_OPENS, GE_CAMPAIGN_SEATS,
)
from pipelines.demo.common import GRAND_EST, DateText, write_csv
from pipelines.demo.territories import Geography

CONVENTION_ID = "GE-2026-2028"
CONVENTION_TARGETS = {
    "taux_vacance": (22, 18, 15), "taux_vacance_suppleants": (35, 28, 22), "part_cdu_completes": (45, 55, 65),
    "taux_formation_6m": (80, 85, 90), "taux_participation": (65, 70, 75), "taux_realisation_campagne": (75, 85, 90),
}
DEPARTMENT_VACANCY_TARGETS_2028 = {"08": 16, "10": 15, "51": 14, "52": 17, "54": 13, "55": 17, "57": 14, "67": 12,
                                   "68": 14, "88": 16}
CONVENTION_MILESTONES = (
    ("16/03/2026", "revue_strategique", "Revue stratégique de lancement : priorités et feuille de route 2026"),
    ("18/06/2026", "comite_suivi", "Comité de suivi n° 1 – point sur la campagne de désignation"),
    ("10/12/2026", "comite_suivi", "Comité de suivi n° 2 – bilan de l'année 2026"),
    ("04/02/2027", "revue_strategique", "Revue stratégique annuelle 2027 entre les directions"),
    ("17/06/2027", "comite_suivi", "Comité de suivi n° 3"),
    ("18/11/2027", "bilan_intermediaire", "Bilan intermédiaire de la convention (mi-parcours)"),
    ("09/12/2027", "comite_suivi", "Comité de suivi n° 4 – suites du bilan intermédiaire"),
    ("27/01/2028", "revue_strategique", "Revue stratégique annuelle 2028 entre les directions"),
    ("15/06/2028", "comite_suivi", "Comité de suivi n° 5"),
    ("23/11/2028", "bilan_final", "Bilan final de la convention 2026-2028"),
    ("14/12/2028", "comite_suivi", "Comité de suivi n° 6 – clôture et perspectives"),
)
CONVENTION_ACTIONS = (
    ("A01", "Réduire la vacance des sièges", "Lancer la campagne de désignation CDU 2026 (400 sièges)",
     "ARS – Direction de la stratégie", "29/05/2026", "fait"),
    ("A02", "Réduire la vacance des sièges", "Publier les arrêtés de désignation dans les deux mois suivant la clôture",
     "ARS – Direction de la stratégie", "31/07/2026", "fait"),
    ("A03", "Réduire la vacance des sièges", "Relancer les associations sur les sièges de suppléants restés vacants",
     "FAS GE – délégation régionale", "30/09/2026", "en_cours"),
    ("A04", "Réduire la vacance des sièges", "Tableau de bord trimestriel des sièges vacants par département",
     "ARS – Mission démocratie en santé", "31/03/2027", "en_cours"),
    ("A05", "Former les représentants des usagers", "Programmer 8 sessions « RU en Avant ! » par an dans la région",
     "FAS GE – pôle formation", "31/12/2026", "en_cours"),
    ("A06", "Former les représentants des usagers", "Suivre le délai entre désignation et formation de base",
     "FAS GE – pôle formation", "30/06/2026", "fait"),
    ("A07", "Former les représentants des usagers", "Ouvrir le module « RU et patients partenaires : agir ensemble »",
     "FAS GE – pôle formation", "31/03/2027", "a_faire"),
    ("A08", "Renforcer la participation réelle", "Recueillir les feuilles de présence des CDU auprès des établissements",
     "ARS – Direction de la qualité et de la performance", "30/09/2026", "a_faire"),
    ("A09", "Renforcer la participation réelle", "Accompagner les CDU sans RU présent depuis trois séances",
     "ARS – Délégations territoriales", "31/12/2027", "a_faire"),
    ("A10", "Communiquer vers les usagers", "Campagne « Soigne tes Droits » dans les établissements",
     "FAS GE – délégation régionale", "31/10/2026", "en_cours"),
    ("A11", "Communiquer vers les usagers", "Semaine de la sécurité des patients : kit commun ARS / FAS",
     "ARS – Direction de la communication", "27/11/2026", "en_cours"),
    ("A12", "Communiquer vers les usagers", "Annuaire public des RU (avec consentement à la publication)",
     "ARS – Mission démocratie en santé", "30/06/2026", "abandonne"),
    ("A13", "Expérience patient et partenariat", "Recenser les démarches de patients partenaires en établissement",
     "FAS GE – délégation régionale", "31/12/2027", "a_faire"),
    ("A14", "Expérience patient et partenariat", "Journée régionale expérience patient et partenariat",
     "ARS – Direction de la stratégie", "30/06/2028", "a_faire"),
)


def write_convention(out_dir: Path) -> dict[str, int]:
    written = {}
    rel = "convention/demo_convention.csv"
    written[rel] = write_csv(out_dir / rel, schemas.CONVENTIONS.headers, [[
        CONVENTION_ID, "Convention de partenariat ARS Grand Est – France Assos Santé Grand Est", GRAND_EST,
        "ARS Grand Est", "France Assos Santé Grand Est", "21/01/2026", "01/01/2026", "31/12/2028"]])
    targets = [[CONVENTION_ID, indicator, "region", GRAND_EST, str(year), str(value)]
               for indicator, values in CONVENTION_TARGETS.items() for year, value in zip((2026, 2027, 2028), values)]
    targets += [[CONVENTION_ID, "taux_vacance", "departement", dep, "2028", str(value)]
                for dep, value in DEPARTMENT_VACANCY_TARGETS_2028.items()]
    rel = "convention/demo_cibles.csv"
    written[rel] = write_csv(out_dir / rel, schemas.TARGETS.headers, targets)
    rel = "convention/demo_jalons.csv"
    written[rel] = write_csv(out_dir / rel, schemas.MILESTONES.headers,
                              [[CONVENTION_ID, *m] for m in CONVENTION_MILESTONES])
    rel = "convention/demo_actions.csv"
    written[rel] = write_csv(out_dir / rel, schemas.ACTIONS.headers, [[CONVENTION_ID, *a] for a in CONVENTION_ACTIONS])
    return written


def _month_ends(first: date, last: date) -> list[date]:
    out = []
    y, m = first.year, first.month
    while True:
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        if end > last:
            return out
        out.append(end)
        y, m = nxt.year, nxt.month


def write_campaigns(out_dir: Path, geo: Geography, bodies: list[Body], store: Mandates, rng: random.Random,
                     today: date) -> dict[str, int]:
    fmt = DateText()
    wave = CYCLE_STARTS["CDU"][4].toordinal()
    rows = []
    seats = {}
    for b in bodies:
        if b.kind == "CDU" and not (b.closed and b.closed < wave):
            seats[b.region] = seats.get(b.region, 0) + 4
    wave_arretes: dict[str, list[int]] = {}
    campaign_arretes: list[int] = []
    for i in range(len(store)):
        b = bodies[store.body[i]]
        if b.kind != "CDU" or not store.arrete[i]:
            continue
        if store.campaign[i]:
            campaign_arretes.append(store.arrete[i])
        elif wave - 200 <= store.arrete[i] and wave <= store.start[i] <= wave + 31:
            wave_arretes.setdefault(b.region, []).append(store.arrete[i])
    for region in geo.regions:
        arretes = sorted(wave_arretes.get(region, []))
        if region == "84":
            opens, closes, label = date(2025, 6, 2), date(2025, 9, 15), "Campagne de désignation des RU en CDU 2025"
            snapshots = _month_ends(opens, min(today, date(2025, 12, 31)))
            opened = AURA_CAMPAIGN_SEATS
        else:
            opens, closes = date(2025, 6, 2) + timedelta(days=rng.randint(0, 30)), date(2025, 9, 30)
            label = "Renouvellement des RU en CDU – fin 2025"
            snapshots = [date(2025, 12, 31)]
            opened = seats.get(region, 0)
        final = len(arretes)
        candidacies = int(final * rng.uniform(1.05, 1.2))
        for snap in snapshots:
            s = snap.toordinal()
            designated = sum(1 for a in arretes if a <= s)
            share = min(1.0, max(0.0, (s - opens.toordinal()) / max(closes.toordinal() - opens.toordinal(), 1)))
            rows.append([region, "CDU", label, fmt(opens.toordinal()), fmt(closes.toordinal()), fmt(s), str(opened),
                         str(max(designated, int(candidacies * share ** 0.8))), str(designated)])
    if GRAND_EST in geo.regions:
        campaign_arretes.sort()
        final = len(campaign_arretes)
        candidacies = int(final * 1.28) + 7
        for snap in _month_ends(GE_CAMPAIGN_OPENS, today):
            s = snap.toordinal()
            designated = sum(1 for a in campaign_arretes if a <= s)
            share = min(1.0, (s - GE_CAMPAIGN_OPENS.toordinal()) / (GE_CAMPAIGN_CLOSES.toordinal() -
                                                                    GE_CAMPAIGN_OPENS.toordinal()))
            received = max(designated, int(candidacies * share ** 0.7) + (2 * (s > GE_CAMPAIGN_CLOSES.toordinal())))
            rows.append([GRAND_EST, "CDU", "Campagne de désignation des RU en CDU 2026", fmt(GE_CAMPAIGN_OPENS.toordinal()),
                         fmt(GE_CAMPAIGN_CLOSES.toordinal()), fmt(s), str(GE_CAMPAIGN_SEATS), str(received),
                         str(designated)])
    rel = "campagnes/demo_campagnes.csv"
    return {rel: write_csv(out_dir / rel, schemas.CAMPAIGNS.headers, rows)}

