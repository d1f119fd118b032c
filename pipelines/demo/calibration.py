"""Calibration of the DEMO data: every public figure (shared/DOMAIN.md) and the parameter it sets."""
from __future__ import annotations

from datetime import date

# Calibration (shared/DOMAIN.md): establishments with a CDU, national total and fixed régions.
NATIONAL_CDU_ESTABLISHMENTS = 2900
CDU_ESTABLISHMENTS = {"44": 200, "11": 379, "32": 204, "84": 300}
EHPAD_PER_CDU_ESTABLISHMENT = 0.6
STRESS_FACTOR = 10
# CDU seat vacancy right after the end-2025 renewal wave (measured on 01/01/2026), per région.
CDU_VACANCY_2026 = {
    "01": 0.31, "02": 0.29, "03": 0.32, "04": 0.24, "06": 0.33, "11": 0.40, "24": 0.28, "27": 0.27, "28": 0.24,
    "32": 0.25, "44": 0.25, "52": 0.21, "53": 0.22, "75": 0.26, "76": 0.28, "84": 0.27, "93": 0.30, "94": 0.30,
}
# Earlier waves were slightly better filled: vacancy at wave k = 2025 vacancy × factor. Titulaire seats are
# rarely left vacant, suppléant seats often (Hauts-de-France: 25 titulaires vs 178 suppléants vacant).
# The number of seats left vacant at each CDU wave is exact per région and role (a quota drawn without
# replacement), so the headline figures do not drift with the seed.
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
GE_CAMPAIGN_FILL = (0.65, 0.45)  # share of vacant titulaire / suppléant seats filled by the campaign
# The 400 seats opened = the ~200 vacant ones + 200 seats whose holders were only extended (« prorogés ») at the
# end-2025 wave until 30/06/2026 (date_fin); the campaign designates their successors from 01/07/2026.
GE_PROROGATED_SEATS = 200
GE_PROROGATION_END = date(2026, 6, 30)
