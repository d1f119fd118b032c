"""Projects register: partnership projects with users (pair-aidance, ETP, patients partenaires…), seeds 002–003.

Auvergne-Rhône-Alpes mirrors the AURA 2023 survey « Voix et voies plurielles » (the real table shipped in
data/raw/enquetes): as many projects per département as the survey counts, about 30 % involving an RU.
A few other régions hold fewer projects. No person's name anywhere: titles name a theme and a town.
"""
from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from pipelines.demo.calibration import AURA_SURVEY_FILE, PROJECTS_PER_REGION
from pipelines.demo.common import write_csv
from pipelines.demo.errors import plant
from pipelines.demo.territories import PREFECTURES, Establishment, Geography

HEADER = ["id_projet", "intitule", "finess", "code_territoire", "formes_engagement", "initiateur", "implication_ru",
          "date_debut", "date_fin", "statut", "lien"]
REL = "projets/demo_projets.csv"
FORMS = ("pair-aidance", "éducation thérapeutique du patient", "patient partenaire / usager partenaire",
         "médiation en santé pair", "recherche", "formation des professionnels", "réflexion éthique", "autre")
# Weight of each form as a project's main form: pair-aidance is the most frequent (seed 003).
FORM_WEIGHTS = (0.32, 0.18, 0.17, 0.09, 0.06, 0.09, 0.05, 0.04)
SECOND_FORM = 0.35  # chance of each extra form (at most three)
SEPARATOR = " | "
THEMES = {
    "pair-aidance": ("Groupe de pair-aidance en santé mentale", "Pair-aidance en cancérologie : accueil des "
                     "nouveaux patients", "Café des aidants animé par des pairs", "Pair-aidance en addictologie",
                     "Pair-aidance après un AVC"),
    "éducation thérapeutique du patient": ("Programme d'ETP diabète co-animé avec des patients",
                                           "ETP insuffisance cardiaque : ateliers co-construits",
                                           "ETP maladies respiratoires : patient intervenant"),
    "patient partenaire / usager partenaire": ("Patients partenaires au comité qualité",
                                               "Usagers partenaires du parcours de chirurgie ambulatoire",
                                               "Comité d'usagers partenaires du pôle gériatrie"),
    "médiation en santé pair": ("Médiateurs de santé pairs en psychiatrie de secteur",
                                "Médiation en santé pair aux urgences"),
    "recherche": ("Recherche participative sur le retour à domicile",
                  "Protocole de recherche co-construit avec des patients"),
    "formation des professionnels": ("Patients formateurs pour les internes",
                                     "Formation des soignants à l'annonce co-animée par des patients"),
    "réflexion éthique": ("Espace de réflexion éthique ouvert aux usagers", "Groupe éthique et fin de vie avec "
                          "des usagers"),
    "autre": ("Journée de l'expérience patient", "Questionnaire d'expérience patient co-rédigé avec les usagers"),
}
INITIATORS_WITH_ESTABLISHMENT = (("établissement", 0.70), ("association", 0.15), ("usagers", 0.10), ("autre", 0.05))
INITIATORS_WITHOUT = (("association", 0.60), ("usagers", 0.30), ("autre", 0.10))
WITH_ESTABLISHMENT = 0.65
WITH_LINK = 0.4
# The AURA survey (2023) counted projects « en cours ou à venir »: they started before mid-2023 or soon after.
SURVEY_DATE = date(2023, 6, 30)


def _survey_rows(path: Path = AURA_SURVEY_FILE) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def aura_survey_counts() -> dict[str, int]:
    """Projects per département in the AURA 2023 survey (its `projets_en_cours_ou_a_venir` rows)."""
    return {r["territoire"]: int(r["effectif"]) for r in _survey_rows()
            if r["niveau"] == "departement" and r["question"] == "projets_en_cours_ou_a_venir"}


def aura_survey_ru_share() -> float:
    """Share of the survey's projects involving at least one RU (30 %)."""
    row = next(r for r in _survey_rows() if r["question"] == "projet_implique_un_ru" and r["modalite"] == "oui")
    return float(row["pourcentage"].replace(",", ".")) / 100


def _pick(rng: random.Random, pairs) -> str:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def _forms(rng: random.Random) -> list[str]:
    main = rng.choices(FORMS, weights=FORM_WEIGHTS)[0]
    forms = [main]
    for _ in range(2):
        if rng.random() < SECOND_FORM:
            extra = rng.choices(FORMS[:-1], weights=FORM_WEIGHTS[:-1])[0]
            if extra not in forms:
                forms.append(extra)
    return sorted(forms, key=FORMS.index)


def _dates(rng: random.Random, region: str, today: date) -> tuple[date, date | None, str]:
    """(start, end or None, status) as of `today`."""
    if region == "84":  # running or planned at the 2023 survey
        if rng.random() < 0.85:
            start = date(2019, 1, 1) + timedelta(days=rng.randint(0, (SURVEY_DATE - date(2019, 1, 1)).days))
        else:
            start = SURVEY_DATE + timedelta(days=rng.randint(1, 365))
        earliest_end = max(start + timedelta(days=180), SURVEY_DATE + timedelta(days=1))
    else:
        if rng.random() < 0.12:  # not started yet
            return today + timedelta(days=rng.randint(30, 240)), None, "en projet"
        start = date(2021, 1, 1) + timedelta(days=rng.randint(0, (today - date(2021, 1, 1)).days - 30))
        earliest_end = start + timedelta(days=180)
    u = rng.random()
    latest_end = today - timedelta(days=20)
    if u < 0.30 and earliest_end < latest_end:
        return start, earliest_end + timedelta(days=rng.randint(0, (latest_end - earliest_end).days)), "terminé"
    if u < 0.36 and earliest_end < latest_end:
        return start, earliest_end + timedelta(days=rng.randint(0, (latest_end - earliest_end).days)), "abandonné"
    return start, None, "en cours"


def register_rows(geo: Geography, establishments: list[Establishment], seed: int, today: date) -> list[list[str]]:
    """Rows of the register (header order), régions in code order; draws from their own generator."""
    rng = random.Random(f"projets-{seed}")
    counts = {"84": aura_survey_counts()}
    for region, n in PROJECTS_PER_REGION.items():
        if region in geo.regions and region != "84":
            deps = geo.departments[region]
            counts[region] = {dep: k for dep, k in zip(deps, _spread(rng, n, len(deps)))}
    if "84" not in geo.regions:
        del counts["84"]
    by_dep: dict[str, list[Establishment]] = {}
    for est in sorted(establishments, key=lambda e: e.finess):
        if est.category != "500" and not est.closed:
            by_dep.setdefault(est.dep, []).append(est)
    ru_share = aura_survey_ru_share()
    rows = []
    for region in sorted(counts):
        projects = [dep for dep in sorted(counts[region]) for _ in range(counts[region][dep])]
        involved = set(rng.sample(range(len(projects)), round(ru_share * len(projects))))
        for k, dep in enumerate(projects):
            forms = _forms(rng)
            est = rng.choice(by_dep[dep]) if by_dep.get(dep) and rng.random() < WITH_ESTABLISHMENT else None
            town = est.commune if est else PREFECTURES.get(dep, geo.department_names[dep])
            initiator = _pick(rng, INITIATORS_WITH_ESTABLISHMENT if est else INITIATORS_WITHOUT)
            start, end, status = _dates(rng, region, today)
            project_id = f"PRJ-{region}-{k + 1:03d}"
            rows.append([project_id, f"{rng.choice(THEMES[forms[0]])} – {town}", est.finess if est else "", dep,
                         SEPARATOR.join(forms), initiator, "oui" if k in involved else "non",
                         f"{start:%d/%m/%Y}", f"{end:%d/%m/%Y}" if end else "", status,
                         f"https://www.example.org/projets/{project_id.lower()}" if rng.random() < WITH_LINK else ""])
    return rows


def _spread(rng: random.Random, n: int, k: int) -> list[int]:
    """n projects over k départements, the first ones (by code) not favoured: a random multinomial draw."""
    out = [0] * k
    for _ in range(n):
        out[rng.randrange(k)] += 1
    return out


def write_projects(out_dir: Path, geo: Geography, establishments: list[Establishment], seed: int, today: date,
                   scale: str) -> dict[str, int]:
    rows = register_rows(geo, establishments, seed, today)
    plant(REL, scale, HEADER, rows)
    return {REL: write_csv(out_dir / REL, HEADER, rows)}
