"""Calibration of the DEMO data: every public figure (shared/DOMAIN.md, seeds 001–004) and the parameter it sets.

One place to read how the fake data is tuned; `pipelines/demo/README.md` holds the table of each public figure
against the value measured on the built national store.

Public figure → parameter:
- ~2 900 establishments with a CDU; Grand Est 800, Île-de-France 1 516, Hauts-de-France 816,
  Auvergne-Rhône-Alpes 1 200 CDU seats → NATIONAL_CDU_ESTABLISHMENTS, CDU_ESTABLISHMENTS
- CDU vacancy: Grand Est 200 of 800, Île-de-France ≈ 40 %, Hauts-de-France 203 of 816 → CDU_VACANCY_2026
- Hauts-de-France vacant seats: 25 titulaires, 178 suppléants → TITULAIRE_/SUPPLEANT_VACANCY_FACTOR
- Île-de-France 32 % of CDU with all 4 RU; Hauts-de-France 126 of 204 CDU with a vacancy
  → CDU_COMPLETE_SHARE_2026 (cdu_complete_share)
- Grand Est 1 400–1 500 RU seats in the bodies the ARS designates (CDU, CS, CRSA, CTS, CDCA) → BODY_SEATS
- about 93 % of RU hold a CDU mandate, one can hold several; Centre-Val de Loire 310 RU → PEOPLE_* (designated
  RU, CVS excluded). France's « about 15 000 RU » cannot hold with them: see pipelines/demo/README.md
- Centre-Val de Loire 52 member associations; Grand Est 80 → NATIONAL_ASSOCIATIONS_ZIPF, names.REGIONAL_ASSOCIATIONS
- Grand Est campaign from March 2026 for 400 seats → GE_CAMPAIGN_*, GE_PROROGATED_SEATS
- Auvergne-Rhône-Alpes campaign 2 June–15 September 2025 → AURA_CAMPAIGN_SEATS, AURA_CAMPAIGN_WINDOW_END
- AURA 2023 survey: projects per département, 30 % with an RU → AURA_SURVEY_FILE (read as is),
  PROJECTS_PER_REGION for the other régions
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

# --------------------------------------------------------------------------------------------------------------
# Establishments. ~2 900 establishments with a CDU in France; fixed counts where a région publishes its seats
# (4 seats each: Grand Est 800, Île-de-France 1 516, Hauts-de-France 816, Auvergne-Rhône-Alpes 1 200).
NATIONAL_CDU_ESTABLISHMENTS = 2900
CDU_ESTABLISHMENTS = {"44": 200, "11": 379, "32": 204, "84": 300}
STRESS_FACTOR = 10
# EHPAD (each with a CVS of 2 + 2 elected members) per establishment with a CDU. CVS members are elected, not
# designated by the ARS: they are not RU and are counted apart; no public figure sets their number. Grand Est keeps
# the higher ratio it had when seed 001's « CDU, CVS, CRSA » was read as counting them (1 220 CVS seats).
EHPAD_PER_CDU_ESTABLISHMENT = {"44": 1.55}
EHPAD_PER_CDU_ESTABLISHMENT_DEFAULT = 0.83


# RU seats per body (titulaires, suppléants). The ARS designates RU in the CDU (2 + 2), the conseils de surveillance
# of public hospitals (2, no suppléant), the CRSA (its users' college), the CTS (at most 10 in the users' college)
# and the CDCA (users of its two formations, older and disabled people): Grand Est's 200 establishments with a CDU
# and 10 départements then hold about 1 450 designated seats (seed 001: « quelque 1 400 à 1 500 »). CVS members
# are elected, not designated: their seats are counted apart.
BODY_SEATS = {"CDU": (2, 2), "CS": (2, 0), "CRSA": (16, 16), "CTS": (10, 10), "CDCA": (14, 14), "CVS": (2, 2)}


# --------------------------------------------------------------------------------------------------------------
# CDU vacancy right after the end-2025 renewal wave (measured on 01/01/2026), per région.
CDU_VACANCY_2026 = {
    "01": 0.31, "02": 0.29, "03": 0.32, "04": 0.24, "06": 0.33, "11": 0.40, "24": 0.28, "27": 0.27, "28": 0.24,
    "32": 0.25, "44": 0.25, "52": 0.21, "53": 0.22, "75": 0.26, "76": 0.28, "84": 0.27, "93": 0.30, "94": 0.30,
}
CDU_VACANCY_DEFAULT = 0.28
# Titulaire seats are rarely left vacant, suppléant seats often (Hauts-de-France: 25 titulaires vs 178
# suppléants vacant): role vacancy = région vacancy × factor.
TITULAIRE_VACANCY_FACTOR = 0.25
SUPPLEANT_VACANCY_FACTOR = 1.75
# Vacancies are concentrated: a CDU that struggles to find RU misses several. Share of CDU with all 4 seats
# filled on 01/01/2026: Île-de-France 32 % (ARS IdF), Hauts-de-France 1 − 126/204 (ARS HdF); other régions
# interpolate linearly between those two points on their vacancy rate.
CDU_COMPLETE_SHARE_2026 = {"11": 0.32, "32": 1 - 126 / 204}


def cdu_complete_share(region: str) -> float:
    """Share of complete CDU right after the end-2025 wave (public where known, interpolated otherwise)."""
    if region in CDU_COMPLETE_SHARE_2026:
        return CDU_COMPLETE_SHARE_2026[region]
    (v1, c1), (v2, c2) = ((CDU_VACANCY_2026["32"], CDU_COMPLETE_SHARE_2026["32"]),
                          (CDU_VACANCY_2026["11"], CDU_COMPLETE_SHARE_2026["11"]))
    v = CDU_VACANCY_2026.get(region, CDU_VACANCY_DEFAULT)
    return min(max(c1 + (v - v1) * (c2 - c1) / (v2 - v1), 0.2), 0.6)


# How persistent a CDU's difficulty is from one wave to the next (noise added to its latent score).
CDU_DIFFICULTY_NOISE = 0.15
# Earlier waves were slightly better filled: vacancy at wave k = 2025 vacancy × factor (and the number of CDU
# with a vacancy likewise). The number of seats left vacant at each CDU wave is exact per région and role, so
# the headline figures do not drift with the seed.
CDU_WAVE_TREND = (0.78, 0.84, 0.90, 0.95, 1.0, 1.0)

# Renewal waves (first day of each mandate cycle); planned end = next wave − 1 day.
CYCLE_STARTS = {
    "CDU": (date(2013, 12, 1), date(2016, 12, 1), date(2019, 12, 1), date(2022, 12, 1), date(2025, 12, 1),
            date(2028, 12, 1)),
    "CS": (date(2015, 1, 1), date(2020, 1, 1), date(2025, 1, 1), date(2030, 1, 1)),
    "CRSA": (date(2014, 7, 1), date(2019, 7, 1), date(2024, 7, 1), date(2029, 7, 1)),
    "CTS": (date(2017, 1, 1), date(2022, 1, 1), date(2027, 1, 1)),
    "CDCA": (date(2017, 1, 1), date(2022, 1, 1), date(2027, 1, 1)),
    # CVS: 3-year elections, each body shifted by 0–11 months from these.
    "CVS": tuple(date(2013 + 3 * k, 1, 1) for k in range(6)),
}
TERRITORIAL_BODIES_CREATED = date(2016, 10, 1)  # CTS and CDCA (loi de modernisation du système de santé, 2016)
WAVE_FILL = {"CS": (0.92, 0.0), "CRSA": (0.97, 0.85), "CTS": (0.90, 0.70), "CDCA": (0.92, 0.75), "CVS": (0.88, 0.60)}
LATE_FILL = {"CDU": (0.55, 0.22), "CS": (0.6, 0.0), "CRSA": (0.7, 0.4), "CTS": (0.6, 0.3), "CDCA": (0.6, 0.3),
             "CVS": (0.3, 0.15)}
RESIGNATION_RATE = {"CDU": 0.042, "CS": 0.04, "CRSA": 0.04, "CTS": 0.045, "CDCA": 0.04, "CVS": 0.07}  # per year
RENEWAL = 0.7
END_REASONS = (("démission", 0.45), ("déménagement", 0.20), ("raisons de santé", 0.20), ("décès", 0.15))
CVS_END_REASONS = (("départ de l'établissement", 0.5), ("démission", 0.5))
CLOSURE_REASON = "fermeture de l'établissement"
LEAVING_REASONS = ("déménagement", "raisons de santé", "décès")  # the person takes no mandate afterwards

# Grand Est nomination campaign 2026 (seed 001): opens 02/03/2026, arrêtés in three batches.
GE_CAMPAIGN_OPENS = date(2026, 3, 2)
GE_CAMPAIGN_CLOSES = date(2026, 5, 29)
GE_CAMPAIGN_SEATS = 400
GE_CAMPAIGN_ARRETES = ((date(2026, 5, 15), 0.45), (date(2026, 6, 12), 0.35), (date(2026, 7, 10), 0.20))
AURA_CAMPAIGN_SEATS = 1200  # campaign 2 June–15 September 2025 (ARS ARA)
# End of the window in which a campaign's decrees count as its designations (« fin_prise_en_compte » of the
# campaigns file), where the ARS set one; other campaigns leave it empty (closing + 2 months). Auvergne-Rhône-Alpes
# closed on 15/09/2025 and signed its decrees in November 2025 for mandates starting on 01/12/2025; Grand Est's
# roadmap gives its 2026 campaign until 31/07/2026 to publish them (action A02).
AURA_CAMPAIGN_WINDOW_END = date(2025, 12, 31)
GE_CAMPAIGN_WINDOW_END = date(2026, 7, 31)
GE_CAMPAIGN_FILL = (0.65, 0.45)  # share of vacant titulaire / suppléant seats filled by the campaign
# The 400 seats opened = the ~200 vacant ones + 200 seats whose holders were only extended (« prorogés ») at the
# end-2025 wave until 30/06/2026 (date_fin); the campaign designates their successors from 01/07/2026.
GE_PROROGATED_SEATS = 200
GE_PROROGATION_END = date(2026, 6, 30)


# --------------------------------------------------------------------------------------------------------------
# Meetings (real participation). « RU attendus » are the titulaires convened, never more than the titular seats
# (a suppléant is convened on a vacant titular seat). Each body draws how often a convened RU comes, and how often
# a free suppléant comes in place of an absent titulaire: Beta(a, b) parameters.
MEETING_ATTENDANCE_BETA = (7.0, 3.0)
MEETING_STAND_IN_BETA = (4.0, 4.0)


# --------------------------------------------------------------------------------------------------------------
# People (who holds a mandate). A designated RU (CVS excluded) mostly sits in a CDU (about 93 %, France Assos
# Santé) and can hold several mandates (up to three CDU). With ~1 450 designated seats for 800 CDU seats in Grand
# Est, that share holds only if the RU of the CS, CRSA, CTS and CDCA are CDU RU too: about 2 mandates per RU, and
# Centre-Val de Loire's 310 RU (seed 004) for its ~370 CDU mandates. CVS members are elected residents and
# families: nearly all of them sit nowhere else.
# A new CDU mandate that renews no one goes to (the shares add up to 1; a draw that finds no one takes a newcomer):
PEOPLE_CDU_CUMUL = 0.10  # an RU already sitting in another CDU
PEOPLE_CDU_RETURN = 0.06  # a former RU back after a break of less than 3 years
PEOPLE_CDU_FROM_OTHER_BODY = 0.84  # an RU sitting in a CS, CTS, CRSA, CDCA who lost their CDU seat
PEOPLE_CVS_ALSO_RU = 0.04  # a CVS seat goes to someone already RU elsewhere
PEOPLE_OTHER_BODY_FROM_CDU = 0.97  # a CS, CRSA, CTS or CDCA seat goes to an RU sitting in a CDU…
PEOPLE_NEARBY_DEPARTMENTS = 3  # … of the département, or else of up to 3 other départements of the région
# An RU's association: the département's UDAF and UFC-Que Choisir, a few regional ones, and national associations
# whose weights fall with their rank in names.NATIONAL_ASSOCIATIONS (1 / rank ** ZIPF): a small région sees the
# large ones, not all of them (Centre-Val de Loire: 52 member associations, seed 004).
NATIONAL_ASSOCIATIONS_ZIPF = 1.15


# --------------------------------------------------------------------------------------------------------------
# Projects register (seeds 002–003). Auvergne-Rhône-Alpes: the AURA 2023 survey's table, read from the real raw
# file: projects per département (96; Rhône first, none in Cantal and Haute-Loire) and the share involving an
# RU (30 %). Other régions: a few projects each.
AURA_SURVEY_FILE = Path(__file__).resolve().parents[2] / "data" / "raw" / "enquetes" / \
    "enquete_aura_2023_voix_et_voies_plurielles.csv"
PROJECTS_PER_REGION = {"11": 12, "24": 8, "44": 14}
