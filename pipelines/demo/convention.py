"""Convention and campaigns: the Grand Est convention (targets, milestones, roadmap) and nomination campaigns."""
from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from pipelines import schemas
from pipelines.demo.bodies import Body, Mandates
from pipelines.demo.calibration import (
    AURA_CAMPAIGN_SEATS,
    AURA_CAMPAIGN_WINDOW_END,
    CYCLE_STARTS,
    GE_CAMPAIGN_ARRETES,
    GE_CAMPAIGN_CLOSES,
    GE_CAMPAIGN_OPENS,
    GE_CAMPAIGN_SEATS,
    GE_CAMPAIGN_WINDOW_END,
)
from pipelines.demo.common import GRAND_EST, DateText, write_csv
from pipelines.demo.territories import Geography

CONVENTION_ID = "GE-2026-2028"
CONVENTION_SIGNED = date(2026, 1, 21)
# Yearly targets 2026, 2027, 2028 (région). The vacancy priority is judged on the seats the ARS designates (CDU, CS,
# CRSA, CTS, CDCA; CVS members are elected): `taux_vacance_designes`, 22,7 % at the signature (328 of 1 448 seats).
# The CDU vacancy starts from the public « 200 postes vacants sur 800 » (25 %). The all-body `taux_vacance` stays
# a context indicator, with no target. Real participation was 81,1 % over the 12 months before the signature
# (titulaires convened as « RU attendus »): about one point more each year.
CONVENTION_TARGETS = {
    "taux_vacance_cdu": (20, 16, 12), "taux_vacance_designes": (20, 17, 14),
    "taux_vacance_suppleants": (35, 28, 22), "part_cdu_completes": (45, 55, 65),
    "taux_formation_6m": (80, 85, 90), "taux_participation": (82, 84, 85), "taux_realisation_campagne": (75, 75, 75),
}
# `taux_vacance_designes` of each département in 2028: about 40 % fewer vacant designated seats than at the signature
# (Ardennes 24,0 %, Aube 32,7 %, Marne 23,6 %, Haute-Marne 23,2 %, Meurthe-et-Moselle 21,8 %, Meuse 25,6 %,
# Moselle 18,2 %, Bas-Rhin 22,8 %, Haut-Rhin 22,6 %, Vosges 20,2 % on 21/01/2026; the CRSA counts at région level).
DEPARTMENT_VACANCY_INDICATOR = "taux_vacance_designes"
DEPARTMENT_VACANCY_TARGETS_2028 = {"08": 14, "10": 20, "51": 14, "52": 14, "54": 13, "55": 15, "57": 11, "67": 14,
                                   "68": 14, "88": 12}
ROADMAP_2027_SEMINAR = date(2026, 11, 5)
CONVENTION_MILESTONES = (
    ("16/03/2026", "revue_strategique", "Revue stratégique de lancement : priorités et feuille de route 2026"),
    ("18/06/2026", "comite_suivi", "Comité de suivi n° 1 – point sur la campagne de désignation"),
    (f"{ROADMAP_2027_SEMINAR:%d/%m/%Y}", "autre", "Séminaire de préparation de la feuille de route 2027"),
    ("10/12/2026", "comite_suivi", "Comité de suivi n° 2 – bilan de l'année 2026"),
    ("04/02/2027", "revue_strategique", "Revue stratégique annuelle 2027 : adoption de la feuille de route 2027"),
    ("17/06/2027", "comite_suivi", "Comité de suivi n° 3"),
    ("18/11/2027", "bilan_intermediaire", "Bilan intermédiaire de la convention (mi-parcours)"),
    ("09/12/2027", "comite_suivi", "Comité de suivi n° 4 – suites du bilan intermédiaire"),
    ("27/01/2028", "revue_strategique", "Revue stratégique annuelle 2028 entre les directions"),
    ("15/06/2028", "comite_suivi", "Comité de suivi n° 5"),
    ("23/11/2028", "bilan_final", "Bilan final de la convention 2026-2028"),
    ("14/12/2028", "comite_suivi", "Comité de suivi n° 6 – clôture et perspectives"),
)
# The three optional columns of the roadmap (a file without them: statuses as of the build date).
ACTION_HISTORY_HEADERS = ("annee", "date_statut", "commentaire")

VACANCY, TRAINING, PARTICIPATION, COMMUNICATION, PARTNERSHIP = (
    "Réduire la vacance des sièges", "Former les représentants des usagers", "Renforcer la participation réelle",
    "Communiquer vers les usagers", "Expérience patient et partenariat")
ARS_STRATEGY, ARS_MISSION = "ARS – Direction de la stratégie", "ARS – Mission démocratie en santé"
FAS_REGION, FAS_TRAINING = "FAS GE – délégation régionale", "FAS GE – pôle formation"


def _d(text: str) -> date:
    day, month, year = (int(x) for x in text.split("/"))
    return date(year, month, day)


def _fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def roadmap(partner_sessions: list[tuple[int, str, str]]) -> list[tuple]:
    """The Grand Est roadmaps 2026 and 2027: (id, year, axis, label, owner, due date, [(date, status, comment)]).

    Each action's history: the statuses it went through, dated. `partner_sessions` are the Grand Est sessions of
    « RU et patients partenaires : agir ensemble » (training module), which action A07 opens to every RU.
    """
    batches = [d for d, _ in GE_CAMPAIGN_ARRETES]
    pilots = [date.fromordinal(d) for d, _c, _dep in partner_sessions if date.fromordinal(d).year == 2025]
    opened = next(date.fromordinal(d) for d, _c, _dep in partner_sessions if date.fromordinal(d).year == 2026)
    listed = (CONVENTION_SIGNED, "a_faire", "Inscrite à la feuille de route 2026 annexée à la convention")
    review = _d("16/03/2026")
    committee = _d("18/06/2026")
    drafted = (ROADMAP_2027_SEMINAR, "a_faire",
               f"Inscrite au projet de feuille de route 2027 (séminaire du {_fr(ROADMAP_2027_SEMINAR)}), "
               "à adopter en revue stratégique")
    adopted = _d("04/02/2027")
    return [
        ("A01", 2026, VACANCY, f"Lancer la campagne de désignation CDU 2026 ({GE_CAMPAIGN_SEATS} sièges)",
         ARS_STRATEGY, GE_CAMPAIGN_CLOSES, [
             listed,
             (GE_CAMPAIGN_OPENS, "en_cours", f"Appel à candidatures ouvert : {GE_CAMPAIGN_SEATS} sièges de CDU "
                                             "(renouvellements et nouvelles désignations)"),
             (GE_CAMPAIGN_CLOSES, "fait", "Clôture des candidatures")]),
        ("A02", 2026, VACANCY, "Publier les arrêtés de désignation dans les deux mois suivant la clôture",
         ARS_STRATEGY, GE_CAMPAIGN_WINDOW_END, [
             listed,
             (batches[0], "en_cours", "Premier lot d'arrêtés publié"),
             (batches[-1], "fait", f"Dernier lot d'arrêtés publié, {(batches[-1] - GE_CAMPAIGN_CLOSES).days} jours "
                                   "après la clôture")]),
        ("A03", 2026, VACANCY, "Relancer les associations sur les sièges de suppléants restés vacants", FAS_REGION,
         _d("30/09/2026"), [
             listed,
             (committee, "en_cours", "Décidée au comité de suivi n° 1 : relance ciblée par département"),
             (_d("14/01/2027"), "fait", "Sièges encore vacants reportés sur la campagne complémentaire 2027")]),
        ("A04", 2026, VACANCY, "Tableau de bord trimestriel des sièges vacants par département", ARS_MISSION,
         _d("31/03/2027"), [
             listed,
             (_d("01/04/2026"), "en_cours", "Premier tableau (situation au 31/03/2026) envoyé aux délégations"),
             (_d("02/04/2027"), "fait", "Quatre tableaux trimestriels diffusés ; suivi intégré à l'observatoire")]),
        ("A05", 2026, TRAINING, "Programmer 8 sessions « RU en Avant ! » par an dans la région", FAS_TRAINING,
         _d("31/12/2026"), [
             listed,
             (review, "en_cours", "Calendrier 2026 validé en revue stratégique"),
             (_d("18/12/2026"), "fait", "Sessions 2026 tenues ; calendrier 2027 publié")]),
        ("A06", 2026, TRAINING, "Suivre le délai entre désignation et formation de base", FAS_TRAINING,
         _d("30/06/2026"), [
             listed,
             (review, "en_cours", "Indicateur « RU formés dans les 6 mois » retenu"),
             (committee, "fait", "Indicateur présenté au comité de suivi n° 1, suivi à chaque comité")]),
        ("A07", 2026, TRAINING, "Ouvrir le module « RU et patients partenaires : agir ensemble » à tous les RU "
                                "de la région", FAS_TRAINING, _d("30/06/2026"), [
             (CONVENTION_SIGNED, "en_cours", "Module expérimenté en 2025 : sessions pilotes du "
                                             + " et du ".join(_fr(d) for d in pilots)),
             (opened, "fait", f"Session du {_fr(opened)} ouverte à tous les RU ; deux sessions par an")]),
        ("A08", 2026, PARTICIPATION, "Recueillir les feuilles de présence des CDU auprès des établissements",
         "ARS – Direction de la qualité et de la performance", _d("30/09/2026"), [
             listed,
             (_d("05/10/2026"), "en_cours", "Modèle de feuille de présence envoyé aux établissements (retard : "
                                            "modèle validé après l'échéance)"),
             (_d("26/02/2027"), "fait", "Feuilles de présence 2026 reçues")]),
        ("A10", 2026, COMMUNICATION, "Campagne « Soigne tes Droits » dans les établissements", FAS_REGION,
         _d("31/10/2026"), [
             listed,
             (_d("04/05/2026"), "en_cours", "Kit de campagne adapté au Grand Est"),
             (_d("30/10/2026"), "fait", "Kit diffusé aux établissements et aux CDU")]),
        ("A11", 2026, COMMUNICATION, "Semaine de la sécurité des patients : kit commun ARS / FAS",
         "ARS – Direction de la communication", _d("27/11/2026"), [
             listed,
             (_d("15/09/2026"), "en_cours", "Kit en relecture par les deux services de communication"),
             (_d("27/11/2026"), "fait", "Kit diffusé pour la semaine de la sécurité des patients")]),
        ("A12", 2026, COMMUNICATION, "Annuaire public des RU (avec consentement à la publication)", ARS_MISSION,
         _d("30/06/2026"), [
             listed,
             (review, "en_cours", "Consentement à la publication demandé lors de la campagne 2026"),
             (committee, "abandonne", "Abandonnée au comité de suivi n° 1 : trop peu de consentements recueillis")]),
        ("A09", 2027, PARTICIPATION, "Accompagner les CDU sans RU présent depuis trois séances",
         "ARS – Délégations territoriales", _d("31/12/2027"), [
             drafted, (adopted, "en_cours", "Liste des CDU concernées établie à partir des feuilles de présence")]),
        ("A13", 2027, PARTNERSHIP, "Recenser les démarches de patients partenaires en établissement (registre des "
                                   "projets de partenariat)", FAS_REGION, _d("31/12/2027"), [
             drafted, (_d("15/03/2027"), "en_cours", "Registre ouvert aux établissements et aux associations")]),
        ("A14", 2027, PARTNERSHIP, "Journée régionale expérience patient et partenariat", ARS_STRATEGY,
         _d("30/06/2028"), [drafted]),
        ("A15", 2027, VACANCY, "Campagne complémentaire de désignation sur les sièges de suppléants encore vacants",
         ARS_STRATEGY, _d("30/06/2027"), [
             drafted, (adopted, "en_cours", "Appel à candidatures complémentaire ouvert"),
             (_d("30/06/2027"), "fait", "Arrêtés publiés")]),
        ("A16", 2027, TRAINING, "Former avant le 31/03/2027 tous les RU désignés par la campagne 2026", FAS_TRAINING,
         _d("31/03/2027"), [
             drafted, (adopted, "en_cours", "Sessions supplémentaires en février et mars 2027"),
             (_d("31/03/2027"), "fait", "Relances individuelles des RU non encore formés")]),
        ("A17", 2027, PARTICIPATION, "Étendre le recueil des feuilles de présence aux CTS et à la CRSA", ARS_MISSION,
         _d("30/09/2027"), [drafted]),
        ("A18", 2027, VACANCY, "Préparer le bilan intermédiaire commun de la convention", ARS_STRATEGY,
         _d("18/11/2027"), [
             drafted, (_d("17/06/2027"), "en_cours", "Plan du bilan validé au comité de suivi n° 3"),
             (_d("18/11/2027"), "fait", "Bilan intermédiaire présenté aux deux directions")]),
    ]


def write_convention(out_dir: Path, today: date, partner_sessions: list[tuple[int, str, str]]) -> dict[str, int]:
    """The convention, its targets, milestones and roadmap. A status change is written once it has happened
    (dated on or before `today`): a later build date shows more of each action's history."""
    written = {}
    rel = "convention/demo_convention.csv"
    written[rel] = write_csv(out_dir / rel, schemas.CONVENTIONS.headers, [[
        CONVENTION_ID, "Convention de partenariat ARS Grand Est – France Assos Santé Grand Est", GRAND_EST,
        "ARS Grand Est", "France Assos Santé Grand Est", _fr(CONVENTION_SIGNED), "01/01/2026", "31/12/2028"]])
    targets = [[CONVENTION_ID, indicator, "region", GRAND_EST, str(year), str(value)]
               for indicator, values in CONVENTION_TARGETS.items() for year, value in zip((2026, 2027, 2028), values)]
    targets += [[CONVENTION_ID, DEPARTMENT_VACANCY_INDICATOR, "departement", dep, "2028", str(value)]
                for dep, value in DEPARTMENT_VACANCY_TARGETS_2028.items()]
    rel = "convention/demo_cibles.csv"
    written[rel] = write_csv(out_dir / rel, schemas.TARGETS.headers, targets)
    rel = "convention/demo_jalons.csv"
    written[rel] = write_csv(out_dir / rel, schemas.MILESTONES.headers,
                             [[CONVENTION_ID, *m] for m in CONVENTION_MILESTONES])
    header = schemas.ACTIONS.headers + [h for h in ACTION_HISTORY_HEADERS if h not in schemas.ACTIONS.headers]
    rows = []
    for action_id, year, axis, label, owner, due, history in sorted(roadmap(partner_sessions), key=lambda a: a[0]):
        for when, status, comment in history:
            if when > today:
                break
            cells = {"id_convention": CONVENTION_ID, "id_action": action_id, "axe": axis, "libelle_action": label,
                     "pilote": owner, "echeance": _fr(due), "statut_action": status, "annee": str(year),
                     "date_statut": _fr(when), "commentaire": comment}
            rows.append([cells.get(h, "") for h in header])
    rel = "convention/demo_actions.csv"
    written[rel] = write_csv(out_dir / rel, header, rows)
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

    def row(region: str, label: str, opens: date, closes: date, window_end: date | None, status: int, seats: int,
            candidacies: int, designations: int) -> list[str]:
        cells = {"region": region, "type_instance": "CDU", "libelle": label, "date_ouverture": fmt(opens.toordinal()),
                 "date_cloture": fmt(closes.toordinal()),
                 "fin_prise_en_compte": fmt(window_end.toordinal()) if window_end else "",
                 "date_situation": fmt(status), "sieges_ouverts": str(seats), "candidatures": str(candidacies),
                 "designations": str(designations)}
        return [cells[h] for h in schemas.CAMPAIGNS.headers]

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
        window_end = None
        if region == "84":
            opens, closes, label = date(2025, 6, 2), date(2025, 9, 15), "Campagne de désignation des RU en CDU 2025"
            snapshots = _month_ends(opens, min(today, date(2025, 12, 31)))
            opened = AURA_CAMPAIGN_SEATS
            window_end = AURA_CAMPAIGN_WINDOW_END
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
            rows.append(row(region, label, opens, closes, window_end, s, opened,
                            max(designated, int(candidacies * share ** 0.8)), designated))
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
            rows.append(row(GRAND_EST, "Campagne de désignation des RU en CDU 2026", GE_CAMPAIGN_OPENS,
                            GE_CAMPAIGN_CLOSES, GE_CAMPAIGN_WINDOW_END, s, GE_CAMPAIGN_SEATS, received, designated))
    rel = "campagnes/demo_campagnes.csv"
    return {rel: write_csv(out_dir / rel, schemas.CAMPAIGNS.headers, rows)}
