"""DEMO generator: determinism, official FINESS layout, template headers, calibration, planted errors."""
from __future__ import annotations

import csv
import hashlib
import io
import random
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pyproj import Transformer

from pipelines import demo, schemas
from pipelines.demo import bodies as bodies_module
from pipelines.demo import calibration, projects, training

FINESS_FIELDS = 32
TEMPLATE_OF_FILE = (  # (folder, file-name pattern, table)
    ("instances", r"demo_instances\.csv", schemas.BODIES),
    ("nominations", r"demo_arretes_\d\d_\d{4}\.(csv|xlsx)", schemas.MANDATES),
    ("formations", r"demo_formations_\d\d\.csv", schemas.TRAININGS),
    ("seances", r"demo_seances_\d\d\.csv", schemas.MEETINGS),
    ("convention", r"demo_convention\.csv", schemas.CONVENTIONS),
    ("convention", r"demo_cibles\.csv", schemas.TARGETS),
    ("convention", r"demo_jalons\.csv", schemas.MILESTONES),
    ("convention", r"demo_actions\.csv", schemas.ACTIONS),
    ("campagnes", r"demo_campagnes\.csv", schemas.CAMPAIGNS),
)
# The roadmap's optional history columns (« feuille de route » year, date and comment of each status).
ACTION_HISTORY = ["annee", "date_statut", "commentaire"]
PROJECT_HEADER = ("id_projet;intitule;finess;code_territoire;formes_engagement;initiateur;implication_ru;date_debut;"
                  "date_fin;statut;lien")


@pytest.fixture(scope="module")
def region_run(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo_region")
    return out, demo.generate(out, scale="region")


def _sha256_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _read_text_table(path: Path) -> pd.DataFrame:
    """Read a demo CSV the way a user's file would be read: sniff encoding and separator."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    sep = "\t" if "\t" in text.splitlines()[0] else ";"
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


def _read_mandates(root: Path) -> pd.DataFrame:
    frames = []
    for path in sorted((root / "nominations").iterdir()):
        if path.suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=object, engine="openpyxl")
            for column in ("date_debut", "date_fin", "date_fin_anticipee", "date_arrete"):
                frame[column] = pd.to_datetime(frame[column], errors="coerce")
            for column in ("finess", "code_territoire", "role", "type_instance"):
                frame[column] = frame[column].fillna("").astype(str)
        else:
            frame = _read_text_table(path)
            iso = re.match(r"\d{4}-\d\d-\d\d$", frame["date_debut"].iloc[0]) is not None
            for column in ("date_debut", "date_fin", "date_fin_anticipee", "date_arrete"):
                frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d" if iso else "%d/%m/%Y",
                                               errors="coerce")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_luhn_key_matches_real_finess_numbers():
    for real in ("010000024", "010000032", "010780054"):
        assert demo.luhn_complete(real[:8]) == real


def test_same_arguments_give_identical_files_and_stale_demo_files_go(region_run, tmp_path):
    out, written = region_run
    stale = tmp_path / "nominations" / "demo_arretes_11_2024.csv"  # left by an earlier national run
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    real = tmp_path / "nominations" / "arretes_reels.csv"
    real.write_text("real")
    again = demo.generate(tmp_path, scale="region")
    assert not stale.exists() and real.exists()
    real.unlink()
    assert again == written
    assert _sha256_tree(tmp_path) == _sha256_tree(out)


def test_written_files_are_the_returned_ones_and_all_demo(region_run):
    out, written = region_run
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(written)
    assert all(Path(name).name.startswith("demo_") for name in on_disk)
    assert {name.split("/")[0] for name in on_disk} == set(demo.SOURCES)
    assert "nominations/demo_arretes_44_2026.xlsx" in written
    assert "nominations/demo_arretes_44_2026.csv" not in written


def test_finess_extract_has_the_official_layout(region_run):
    out, written = region_run
    (path,) = sorted((out / "finess").iterdir())
    assert re.fullmatch(r"demo_etalab-cs1100507-stock-20261101-0430\.csv", path.name)
    text = path.read_bytes().decode("cp1252")
    first, _, body = text.partition("\n")
    assert re.fullmatch(r"finess;etalab;\d+;2026-11-01", first)
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    structure = [r for r in rows if r[0] == "structureet"]
    geoloc = [r for r in rows if r[0] == "geolocalisation"]
    assert len(structure) + len(geoloc) == len(rows) == written[f"finess/{path.name}"]
    assert all(len(r) == FINESS_FIELDS for r in structure)
    assert all(len(r) == 6 for r in geoloc)
    numbers = [r[1] for r in structure]
    assert len(set(numbers)) == len(numbers) and all(len(n) == 9 for n in numbers)
    assert [r[1] for r in geoloc] == numbers
    assert any('"' in r[3] or ";" in r[3] for r in structure)  # quoting exercised
    assert any(c in text for c in "éèçô")
    categories = {r[18] for r in structure}
    assert {"101", "355", "292", "500"} <= categories
    # Outside the 101 départements: kept in the extract, for the pipeline to reject with a warning.
    assert sorted(r[13] for r in structure if r[13] in ("9E", "9J")) == ["9E", "9E", "9J"]
    for r in geoloc:
        assert r[4].rsplit(",", 1)[1] in demo.SOURCECOORD_EPSG


def test_finess_rows_overseas_codes_and_projections():
    geo = demo.load_geography(demo.REFERENCE_DIR, "national")
    rng = random.Random(demo.DEFAULT_SEED)
    establishments = demo.build_establishments(geo, "national", rng, demo.DEFAULT_TODAY)
    structure, geoloc = demo.finess_rows(establishments, geo, rng, np.random.default_rng(1),
                                          date(2026, 11, 1))
    assert {"9A", "9B", "9C", "9D", "9F"} <= {r[13] for r in structure}
    assert not {"971", "972", "973", "974", "976", "20"} & {r[13] for r in structure}
    assert all(re.fullmatch(r"\d{3}", r[12]) for r in structure)
    by_number = {e.finess: e for e in establishments}
    to_wgs84 = {name: Transformer.from_crs(epsg, 4326, always_xy=True) for name, epsg in demo.SOURCECOORD_EPSG.items()}
    for row in geoloc:
        est = by_number.get(row[1])
        if est is None:
            continue  # outside the 101 départements
        lon, lat = to_wgs84[row[4].rsplit(",", 1)[1]].transform(float(row[2]), float(row[3]))
        assert abs(lon - est.lon) < 0.05 and abs(lat - est.lat) < 0.05, row
    total_cdu = sum(e.category != "500" for e in establishments)
    assert 2700 <= total_cdu <= 3100
    idf = sum(e.category != "500" and e.region == "11" for e in establishments)
    assert idf == demo.CDU_ESTABLISHMENTS["11"]


def test_every_csv_header_is_the_template(region_run):
    out, _ = region_run
    checked = 0
    for folder, pattern, table in TEMPLATE_OF_FILE:
        for path in sorted((out / folder).iterdir()):
            if not re.fullmatch(pattern, path.name):
                continue
            if path.suffix == ".xlsx":
                sheet = load_workbook(path, read_only=True).active
                header = [c.value for c in next(sheet.iter_rows(max_row=1))]
            else:
                header = list(_read_text_table(path).columns)
            if table is schemas.ACTIONS:
                expected = table.headers + [h for h in ACTION_HISTORY if h not in table.headers]
            else:
                expected = table.headers
            assert header == expected, path.name
            checked += 1
    projects = (out / "projets" / "demo_projets.csv").read_text(encoding="utf-8")
    assert projects.splitlines()[0] == PROJECT_HEADER
    assert checked == len(list(out.rglob("*.*"))) - 2  # every file but the FINESS extract and the projects


def test_xlsx_holds_real_excel_dates_and_text_codes(region_run):
    out, _ = region_run
    sheet = load_workbook(out / "nominations" / "demo_arretes_44_2026.xlsx").active
    header = [c.value for c in sheet[1]]
    row = [c for c in sheet[2]]
    assert row[header.index("date_debut")].is_date
    assert isinstance(row[header.index("finess")].value, str) and len(row[header.index("finess")].value) == 9


def test_grand_est_cdu_seats_and_vacancy_on_1_january_2026(region_run):
    out, _ = region_run
    bodies = _read_text_table(out / "instances" / "demo_instances.csv")
    cdu = bodies[bodies["type_instance"] == "CDU"]
    seats = cdu["sieges_titulaires"].astype(int) + cdu["sieges_suppleants"].astype(int)
    assert 720 <= seats.sum() <= 880

    on = pd.Timestamp(2026, 1, 1)
    closed = pd.to_datetime(cdu["date_fermeture"], format="%d/%m/%Y", errors="coerce")
    created = pd.to_datetime(cdu["date_creation"], format="%d/%m/%Y", errors="coerce")
    open_cdu = cdu[~(closed <= on) & ~(created > on)]
    mandates = _read_mandates(out)
    end = mandates[["date_fin", "date_fin_anticipee"]].min(axis=1)
    active = mandates[(mandates["type_instance"] == "CDU") & (mandates["date_debut"] <= on) & (end >= on)]
    held = active.groupby(["finess", "role"]).size()
    vacant = total = 0
    for _, body in open_cdu.iterrows():
        for role, column in (("titulaire", "sieges_titulaires"), ("suppleant", "sieges_suppleants")):
            n = int(body[column])
            total += n
            vacant += max(n - int(held.get((body["finess"], role), 0)), 0)
    assert 0.20 <= vacant / total <= 0.30


def test_campaign_designations_match_the_2026_arretes(region_run):
    out, _ = region_run
    campaigns = _read_text_table(out / "campagnes" / "demo_campagnes.csv")
    ge_2026 = campaigns[campaigns["libelle"].str.contains("2026")]
    assert (ge_2026["sieges_ouverts"] == "400").all()
    designated = ge_2026["designations"].astype(int).tolist()
    assert designated == sorted(designated) and designated[-1] > 0
    assert (ge_2026["candidatures"].astype(int) >= ge_2026["designations"].astype(int)).all()
    arretes = pd.read_excel(out / "nominations" / "demo_arretes_44_2026.xlsx", engine="openpyxl")
    batches = {pd.Timestamp(d) for d, _ in demo.GE_CAMPAIGN_ARRETES}
    from_campaign = arretes[(arretes["type_instance"] == "CDU") & arretes["date_arrete"].isin(batches)]
    assert len(from_campaign) == designated[-1]


def test_campaign_window_covers_its_decrees(region_run):
    """« fin_prise_en_compte »: Grand Est's 2026 campaign counts its decrees until 31/07/2026 (roadmap action A02)."""
    out, _ = region_run
    campaigns = _read_text_table(out / "campagnes" / "demo_campagnes.csv")
    window = campaigns.groupby("libelle")["fin_prise_en_compte"].agg(set).to_dict()
    assert window == {"Campagne de désignation des RU en CDU 2026": {"31/07/2026"},
                      "Renouvellement des RU en CDU – fin 2025": {""}}
    assert max(d for d, _ in demo.GE_CAMPAIGN_ARRETES) <= calibration.GE_CAMPAIGN_WINDOW_END


@pytest.mark.parametrize("error", [e for e in demo.PLANTED_ERRORS if "region" in e.scales],
                         ids=lambda e: f"{Path(e.file).name}:{e.line}:{e.column}")
def test_planted_errors_sit_where_documented(region_run, error):
    out, _ = region_run
    table = _read_text_table(out / error.file)
    row = table.iloc[error.line - 2]  # line 1 is the header
    value = row[error.column]
    if error.kind == "lost_leading_zero":
        assert value in ("8", "1") or (value.isdigit() and len(value) == 8)
    elif error.kind == "impossible_date":
        assert value == "31/02/2025"
    elif error.kind == "unknown_role":
        assert value == "membre"
    elif error.kind == "end_before_start":
        parse = lambda v: pd.to_datetime(v, format="%d/%m/%Y")  # noqa: E731
        assert parse(value) < parse(row["date_debut"])
    elif error.kind == "finess_without_body":
        bodies = _read_text_table(out / "instances" / "demo_instances.csv")
        assert len(value) == 9 and value not in set(bodies["finess"])
    elif error.kind == "missing_value":
        assert value == ""
    elif error.kind == "present_above_expected":
        assert int(value) > int(row["ru_attendus"])
    else:
        pytest.fail(f"unexpected kind {error.kind}")


def test_only_planted_errors_break_the_obvious_rules(region_run):
    out, _ = region_run
    mandates = _read_mandates(out)
    assert set(mandates["role"]) == {"titulaire", "suppleant", "membre"}
    assert (mandates["role"] == "membre").sum() == 1
    codes = mandates.loc[mandates["finess"] != "", "finess"].str.len()
    assert (codes != 9).sum() == 1
    for path in sorted((out / "seances").iterdir()):
        meetings = _read_text_table(path)
        over = meetings["ru_presents"].astype(int) > meetings["ru_attendus"].astype(int)
        assert over.sum() == 1


@pytest.mark.parametrize("seats, held, expected, convened_titulaires, free_suppleants", [
    ((2, 2), (2, 2), 2, 2, 2),  # full CDU: the two titulaires are expected, both suppléants can stand in
    ((2, 2), (1, 2), 2, 1, 1),  # a vacant titular seat: one suppléant convened in its place, one left free
    ((2, 2), (0, 1), 1, 0, 0),  # one suppléant left: expected once
    ((2, 2), (2, 0), 2, 2, 0),
    ((2, 2), (3, 2), 2, 2, 2),  # two mandates overlapping on one seat fill it once
    ((8, 8), (5, 8), 8, 5, 5),  # CRSA: never more expected than the titular seats
    ((10, 10), (0, 0), 0, 0, 0),
])
def test_expected_ru_are_the_titulaires_convened(seats, held, expected, convened_titulaires, free_suppleants):
    from pipelines.demo.meetings import expected_and_stand_ins

    got = expected_and_stand_ins(*(np.array([v]) for v in (*seats, *held)))
    assert [int(v[0]) for v in got] == [expected, convened_titulaires, free_suppleants]


def test_meetings_expect_no_more_ru_than_titular_seats(region_run):
    out, _ = region_run
    bodies = _read_text_table(out / "instances" / "demo_instances.csv")
    meetings = _read_text_table(out / "seances" / "demo_seances_44.csv")
    for frame in (bodies, meetings):  # a body is its FINESS, or its territory for CRSA, CTS, CDCA
        frame["body"] = frame["type_instance"] + "|" + frame["finess"].where(frame["finess"] != "",
                                                                             frame["code_territoire"])
    joined = meetings.merge(bodies[["body", "sieges_titulaires"]], on="body", how="left", validate="many_to_one")
    assert joined["sieges_titulaires"].notna().all()
    expected, present = joined["ru_attendus"].astype(int), joined["ru_presents"].astype(int)
    assert (expected <= joined["sieges_titulaires"].astype(int)).all()
    assert set(joined["type_instance"]) == {"CDU", "CTS", "CRSA"}
    recent = pd.to_datetime(joined["date_seance"], format="%d/%m/%Y") >= "2025-06-16"
    assert 0.75 <= present[recent].sum() / expected[recent].sum() <= 0.85  # Grand Est, 12 months to 15/06/2026


def test_new_ru_are_mostly_trained_within_six_months(region_run):
    out, _ = region_run
    mandates = _read_mandates(out)
    mandates = mandates[mandates["type_instance"] != "CVS"].copy()

    def key(frame):
        return (frame["nom"].map(demo.norm) + "|" + frame["prenom"].map(demo.norm) + "|"
                + frame["date_naissance"].astype(str).str[:10])

    mandates["date_naissance"] = pd.to_datetime(mandates["date_naissance"], format="%d/%m/%Y", errors="coerce")
    mandates["person"] = key(mandates.assign(date_naissance=mandates["date_naissance"].dt.strftime("%Y-%m-%d")))
    first = mandates.groupby("person")["date_debut"].min()
    trainings = _read_text_table(out / "formations" / "demo_formations_44.csv")
    present = trainings[(trainings["statut"] == "present") & (trainings["formation"] == "RU en Avant !")].copy()
    present["date_naissance"] = pd.to_datetime(present["date_naissance"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
    present["person"] = key(present)
    present["date_session"] = pd.to_datetime(present["date_session"], format="%d/%m/%Y")
    trained = present.groupby("person")["date_session"].min()
    cohort = first[(first >= "2016-01-01") & (first < "2025-01-01")]
    delay = (trained.reindex(cohort.index) - cohort).dt.days
    assert 0.65 <= (delay <= 183).mean() <= 0.85
    assert present.groupby("person").size().max() == 2  # a few came twice


# --------------------------------------------------------------------------------------------------------------
# Calibration (pipelines/demo/calibration.py): measured on the files, as the store would count them.
def _person_keys(frame: pd.DataFrame) -> pd.Series:
    born = frame["date_naissance"].map(
        lambda v: v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else
        (f"{v[6:10]}-{v[3:5]}-{v[0:2]}" if isinstance(v, str) and len(v) == 10 and v[2] == "/" else str(v)))
    return frame["nom"].astype(str).map(demo.norm) + "|" + frame["prenom"].astype(str).map(demo.norm) + "|" + born


@pytest.fixture(scope="module")
def region_mandates(region_run) -> pd.DataFrame:
    out, _ = region_run
    mandates = _read_mandates(out)
    mandates = mandates[mandates["role"].isin(["titulaire", "suppleant"])].copy()
    mandates["person"] = _person_keys(mandates)
    mandates["end"] = mandates[["date_fin", "date_fin_anticipee"]].min(axis=1)
    return mandates


def _designated(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the bodies whose RU the ARS designates: CVS members are elected, counted apart."""
    return frame[frame["type_instance"] != "CVS"]


@pytest.mark.parametrize("on", ["2026-01-01", "2026-06-15", "2026-11-23"])
def test_grand_est_has_1400_to_1500_designated_seats(region_run, region_mandates, on):
    """Seed 001: « près de 1 400 à 1 500 représentants des usagers », read as seats in CDU, CS, CRSA, CTS, CDCA."""
    out, _ = region_run
    day = pd.Timestamp(on)
    bodies = _designated(_read_text_table(out / "instances" / "demo_instances.csv"))
    created = pd.to_datetime(bodies["date_creation"], format="%d/%m/%Y", errors="coerce")
    closed = pd.to_datetime(bodies["date_fermeture"], format="%d/%m/%Y", errors="coerce")
    open_bodies = bodies[~(created > day) & ~(closed <= day)]
    seats = open_bodies["sieges_titulaires"].astype(int).sum() + open_bodies["sieges_suppleants"].astype(int).sum()
    assert 1400 <= seats <= 1500
    active = _designated(region_mandates[(region_mandates["date_debut"] <= day) & (region_mandates["end"] >= day)])
    people = active["person"].nunique()
    assert 450 <= people <= 620  # the RU of the CS, CRSA, CTS and CDCA mostly sit in a CDU too
    assert 1.9 <= len(active) / people <= 2.5


def test_about_93_percent_of_designated_ru_sit_in_a_cdu(region_mandates):
    day = pd.Timestamp(2026, 6, 15)
    designated = _designated(region_mandates[(region_mandates["date_debut"] <= day) & (region_mandates["end"] >= day)])
    in_cdu = set(designated.loc[designated["type_instance"] == "CDU", "person"])
    share = len(in_cdu) / designated["person"].nunique()
    assert 0.89 <= share <= 0.97
    assert designated[designated["type_instance"] == "CDU"].groupby("person").size().max() <= 3


def test_grand_est_cdu_vacancies_are_concentrated(region_run, region_mandates):
    """Vacancies pile up in hard-to-fill CDU: ≈ 38 % complete (interpolated between HdF and IdF figures)."""
    out, _ = region_run
    bodies = _read_text_table(out / "instances" / "demo_instances.csv")
    cdu = set(bodies.loc[(bodies["type_instance"] == "CDU") & (bodies["date_fermeture"] == ""), "finess"])
    day = pd.Timestamp(2026, 1, 1)
    active = region_mandates[(region_mandates["type_instance"] == "CDU") & (region_mandates["date_debut"] <= day)
                             & (region_mandates["end"] >= day)]
    held = active.groupby("finess").size().clip(upper=4)
    complete = sum(int(held.get(f, 0)) == 4 for f in cdu)
    assert 0.33 <= complete / len(cdu) <= 0.44


@pytest.fixture(scope="module")
def national_world():
    """National establishments, bodies and CDU wave plan, drawn exactly as `generate` draws them."""
    geo = demo.load_geography(demo.REFERENCE_DIR, "national")
    rng = random.Random(demo.DEFAULT_SEED)
    establishments = demo.build_establishments(geo, "national", rng, demo.DEFAULT_TODAY)
    bodies = bodies_module.build_bodies(geo, establishments, rng)
    simulator = bodies_module.SeatSimulator(rng, demo.DEFAULT_TODAY)
    simulator.plan_cdu_waves(bodies)
    return geo, establishments, bodies, simulator


@pytest.fixture(scope="module")
def national_people():
    """National bodies, mandates and the people holding them, drawn as `generate` draws them (no file written)."""
    geo = demo.load_geography(demo.REFERENCE_DIR, "national")
    rng = random.Random(demo.DEFAULT_SEED)
    establishments = demo.build_establishments(geo, "national", rng, demo.DEFAULT_TODAY)
    bodies = bodies_module.build_bodies(geo, establishments, rng)
    simulator = bodies_module.SeatSimulator(rng, demo.DEFAULT_TODAY)
    simulator.plan_cdu_waves(bodies)
    for bi, body in enumerate(bodies):
        simulator.simulate(bi, body)
    people = demo.assign_people(geo, bodies, simulator.store, rng)
    return geo, bodies, simulator.store, people


def _designated_people(bodies, store, people, on: date, region: str | None = None) -> tuple[set[int], set[int], set[str]]:
    """(designated RU in mandate, those holding a CDU mandate, their associations) on a date."""
    day = on.toordinal()
    held, in_cdu = set(), set()
    for i in range(len(store)):
        body = bodies[store.body[i]]
        if body.kind != "CVS" and store.start[i] <= day <= store.end(i) and region in (None, body.region):
            held.add(store.person[i])
            if body.kind == "CDU":
                in_cdu.add(store.person[i])
    return held, in_cdu, {people.association[p] for p in held}


def test_national_designated_ru_and_their_cdu_share(national_people):
    """93 % of RU hold a CDU mandate (France Assos Santé); « about 15 000 RU » cannot hold with the CDU seats
    (~11 500 in France, ~72 % filled) and Centre-Val de Loire's 310 RU: the régions' figures win (README)."""
    _geo, bodies, store, people = national_people
    held, in_cdu, _associations = _designated_people(bodies, store, people, date(2026, 6, 15))
    assert 6500 <= len(held) <= 7800
    assert 0.91 <= len(in_cdu) / len(held) <= 0.95
    designated_mandates = sum(1 for i in range(len(store)) if bodies[store.body[i]].kind != "CVS"
                              and store.start[i] <= date(2026, 6, 15).toordinal() <= store.end(i))
    assert 14000 <= designated_mandates <= 15500


@pytest.mark.parametrize("on", [date(2026, 1, 1), date(2026, 6, 15)])
def test_centre_val_de_loire_has_310_ru_from_52_associations(national_people, on):
    """Seed 004: France Assos Santé Centre-Val de Loire, 52 member associations, 310 RU."""
    _geo, bodies, store, people = national_people
    held, _in_cdu, associations = _designated_people(bodies, store, people, on, "24")
    assert 295 <= len(held) <= 325
    assert 47 <= len(associations) <= 57


def test_aura_campaign_window_covers_its_november_decrees(national_people, tmp_path):
    """Every decree of the 2025 AURA campaign is dated in November 2025, after closing + 2 months (15/11/2025)."""
    geo, bodies, store, _people = national_people
    from pipelines.demo.convention import write_campaigns

    write_campaigns(tmp_path, geo, bodies, store, random.Random(1), demo.DEFAULT_TODAY)
    campaigns = _read_text_table(tmp_path / "campagnes" / "demo_campagnes.csv")
    aura = campaigns[campaigns["region"] == "84"]
    assert set(aura["fin_prise_en_compte"]) == {"31/12/2025"}
    assert set(campaigns.loc[~campaigns["region"].isin(["84", "44"]), "fin_prise_en_compte"]) == {""}
    wave = calibration.CYCLE_STARTS["CDU"][4].toordinal()
    decrees = [store.arrete[i] for i in range(len(store)) if bodies[store.body[i]].region == "84"
               and bodies[store.body[i]].kind == "CDU" and store.start[i] == wave and store.arrete[i]]
    assert int(aura["designations"].max()) == len(decrees)
    assert max(decrees) <= calibration.AURA_CAMPAIGN_WINDOW_END.toordinal()
    assert min(decrees) > date(2025, 11, 5).toordinal()


@pytest.mark.parametrize("region, vacant_titulaires, vacant_suppleants, with_vacancy, complete_share", [
    ("32", (23, 27), (176, 180), (122, 130), None),  # ARS HdF: 25 + 178 vacant over 126 of 204 CDU
    ("11", None, None, None, (0.31, 0.33)),  # ARS IdF: 32 % of establishments have all 4 RU
    ("44", None, None, None, (0.36, 0.40)),
])
def test_end_2025_wave_leaves_the_published_vacancies(national_world, region, vacant_titulaires, vacant_suppleants,
                                                      with_vacancy, complete_share):
    _geo, _establishments, bodies, simulator = national_world
    wave = 4  # 01/12/2025
    vacant = [(bi, role) for bi, role, _seat, k in simulator.cdu_wave_vacant if k == wave
              and bodies[bi].region == region]
    opened = [bi for bi, b in enumerate(bodies) if b.kind == "CDU" and b.region == region
              and not (b.closed and b.closed < calibration.CYCLE_STARTS["CDU"][wave].toordinal())
              and not (b.created and b.created > calibration.CYCLE_STARTS["CDU"][wave].toordinal())]
    seats = 4 * len(opened)
    assert abs(len(vacant) / seats - calibration.CDU_VACANCY_2026[region]) < 0.006
    struck = {bi for bi, _ in vacant}
    if vacant_titulaires:
        assert vacant_titulaires[0] <= sum(role == 0 for _, role in vacant) <= vacant_titulaires[1]
        assert vacant_suppleants[0] <= sum(role == 1 for _, role in vacant) <= vacant_suppleants[1]
        assert with_vacancy[0] <= len(struck) <= with_vacancy[1]
    if complete_share:
        assert complete_share[0] <= 1 - len(struck) / len(opened) <= complete_share[1]


# --------------------------------------------------------------------------------------------------------------
# Convention: the roadmap's dated history.
def test_roadmap_history_is_dated_ordered_and_never_in_the_future(region_run):
    out, _ = region_run
    actions = _read_text_table(out / "convention" / "demo_actions.csv")
    assert set(actions["annee"]) == {"2026", "2027"}
    assert set(actions["statut_action"]) <= set(schemas.ACTION_STATUSES)
    when = pd.to_datetime(actions["date_statut"], format="%d/%m/%Y")
    assert when.max() <= pd.Timestamp(demo.DEFAULT_TODAY)
    for _action, rows in actions.assign(when=when).groupby("id_action"):
        assert rows["when"].is_monotonic_increasing and rows["when"].is_unique
        assert rows[["axe", "libelle_action", "echeance", "annee"]].nunique().max() == 1
    a01 = actions[actions["id_action"] == "A01"]
    assert a01[["date_statut", "statut_action"]].values.tolist() == [
        ["21/01/2026", "a_faire"], ["02/03/2026", "en_cours"], ["29/05/2026", "fait"]]
    assert not actions["commentaire"].str.contains("|".join(demo.names.SURNAMES[:50])).any()


def test_a07_opens_the_partner_module_on_the_sessions_dates(region_run):
    out, _ = region_run
    actions = _read_text_table(out / "convention" / "demo_actions.csv")
    a07 = actions[actions["id_action"] == "A07"]
    trainings = _read_text_table(out / "formations" / "demo_formations_44.csv")
    partner = trainings[trainings["formation"] == "RU et patients partenaires : agir ensemble"]
    sessions = sorted(set(pd.to_datetime(partner["date_session"], format="%d/%m/%Y")))
    pilots = [d for d in sessions if d.year == 2025]
    first_2026 = next(d for d in sessions if d.year == 2026)
    assert len(pilots) == 2
    started = a07[a07["statut_action"] == "en_cours"].iloc[0]
    assert all(f"{d:%d/%m/%Y}" in started["commentaire"] for d in pilots)
    done = a07[a07["statut_action"] == "fait"].iloc[0]
    assert done["date_statut"] == f"{first_2026:%d/%m/%Y}" and done["date_statut"] in done["commentaire"]
    assert pd.to_datetime(done["date_statut"], format="%d/%m/%Y") <= pd.to_datetime(done["echeance"], format="%d/%m/%Y")


def test_later_build_date_shows_more_history(tmp_path):
    from pipelines.demo.convention import write_convention

    sessions = training.partner_session_days("44", ["08", "10", "51"], date(2028, 12, 31).toordinal())
    early = write_convention(tmp_path / "a", date(2026, 3, 1), sessions)["convention/demo_actions.csv"]
    late = write_convention(tmp_path / "b", date(2028, 12, 31), sessions)["convention/demo_actions.csv"]
    assert early == 11  # the 2026 actions listed at the signature (A07 already started on that day)
    assert late > 40


def test_convention_targets(region_run):
    out, _ = region_run
    targets = _read_text_table(out / "convention" / "demo_cibles.csv")
    region = targets[targets["niveau"] == "region"]
    by = {(r.indicateur, r.annee): float(r.cible) for r in region.itertuples()}
    for indicator in ("taux_vacance_cdu", "taux_vacance_designes", "taux_realisation_campagne", "taux_participation"):
        assert [by[(indicator, str(y))] for y in (2026, 2027, 2028)] == sorted(
            (by[(indicator, str(y))] for y in (2026, 2027, 2028)),
            reverse=indicator in ("taux_vacance_cdu", "taux_vacance_designes"))
    assert by[("taux_realisation_campagne", "2026")] == 75
    assert by[("taux_vacance_cdu", "2026")] < 25  # from the public 200 of 800 (25 %)
    assert 80 <= by[("taux_participation", "2026")] <= by[("taux_participation", "2028")] <= 86
    # The vacancy priority is judged on designated seats; the all-body rate (CVS included) has no target.
    assert "taux_vacance" not in set(targets["indicateur"])
    departments = targets[targets["niveau"] == "departement"]
    assert set(departments["indicateur"]) == {"taux_vacance_designes"}
    assert sorted(departments["territoire"]) == sorted(demo.load_geography(demo.REFERENCE_DIR, "region").departments["44"])


def test_department_targets_start_from_their_designated_vacancy_at_the_signature(region_run, region_mandates):
    """Each 2028 target is below the département's vacancy of designated seats (CVS excluded) on 21/01/2026."""
    out, _ = region_run
    day = pd.Timestamp(2026, 1, 21)
    bodies = _designated(_read_text_table(out / "instances" / "demo_instances.csv"))
    created = pd.to_datetime(bodies["date_creation"], format="%d/%m/%Y", errors="coerce")
    closed = pd.to_datetime(bodies["date_fermeture"], format="%d/%m/%Y", errors="coerce")
    bodies = bodies[~(created > day) & ~(closed <= day) & (bodies["type_instance"] != "CRSA")]
    active = _designated(region_mandates[(region_mandates["date_debut"] <= day) & (region_mandates["end"] >= day)])
    active = active.assign(body=active["type_instance"] + "|" + active["finess"].where(active["finess"] != "",
                                                                                       active["code_territoire"]))
    held = active.groupby(["body", "role"]).size()
    targets = _read_text_table(out / "convention" / "demo_cibles.csv")
    target = {r.territoire: float(r.cible) for r in targets[targets["niveau"] == "departement"].itertuples()}
    seats, vacant = {}, {}
    for body in bodies.itertuples():
        key = body.type_instance + "|" + (body.finess or body.code_territoire)
        for role, n in (("titulaire", int(body.sieges_titulaires)), ("suppleant", int(body.sieges_suppleants))):
            seats[body.code_territoire] = seats.get(body.code_territoire, 0) + n
            vacant[body.code_territoire] = vacant.get(body.code_territoire, 0) + n - min(int(held.get((key, role), 0)), n)
    for dep, value in target.items():
        at_signature = 100 * vacant[dep] / seats[dep]
        assert value < at_signature, dep


# --------------------------------------------------------------------------------------------------------------
# Projects register (seeds 002–003).
@pytest.fixture(scope="module")
def register(national_world) -> pd.DataFrame:
    geo, establishments, _bodies, _simulator = national_world
    rows = projects.register_rows(geo, establishments, demo.DEFAULT_SEED, demo.DEFAULT_TODAY)
    return pd.DataFrame(rows, columns=projects.HEADER)


def _aura(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["id_projet"].str.startswith("PRJ-84-")]


def test_register_aura_counts_equal_the_2023_survey(register):
    survey = pd.read_csv(calibration.AURA_SURVEY_FILE, sep=";", dtype=str)
    counts = survey[(survey["niveau"] == "departement") & (survey["question"] == "projets_en_cours_ou_a_venir")]
    expected = {dep: int(n) for dep, n in zip(counts["territoire"], counts["effectif"]) if int(n)}
    aura = _aura(register)
    assert aura["code_territoire"].value_counts().to_dict() == expected
    assert len(aura) == 96 and aura["code_territoire"].value_counts().idxmax() == "69"
    assert not aura["code_territoire"].isin(["15", "43"]).any()


def test_register_aura_ru_share_and_forms(register):
    aura = _aura(register)
    assert (aura["implication_ru"] == "oui").sum() == 29  # round(30 % × 96)
    forms = aura["formes_engagement"].str.split(" | ", regex=False).explode()
    assert forms.value_counts().idxmax() == "pair-aidance"
    assert set(forms) <= set(projects.FORMS)


def test_register_rows_are_valid_and_name_no_one(register, national_world):
    _geo, establishments, _bodies, _simulator = national_world
    dep_of = {e.finess: e.dep for e in establishments}
    with_finess = register[register["finess"] != ""]
    assert (with_finess["finess"].map(dep_of) == with_finess["code_territoire"]).all()
    assert set(register["initiateur"]) <= {"établissement", "association", "usagers", "autre"}
    assert set(register["implication_ru"]) == {"oui", "non"}
    assert set(register["statut"]) <= {"en projet", "en cours", "terminé", "abandonné"}
    start = pd.to_datetime(register["date_debut"], format="%d/%m/%Y")
    end = pd.to_datetime(register["date_fin"], format="%d/%m/%Y", errors="coerce")
    assert (end.isna() | (end > start)).all()
    assert (end.isna() == register["statut"].isin(["en cours", "en projet"])).all()
    assert register["lien"].map(lambda v: v == "" or v.startswith("https://")).all()
    assert {"11", "24", "44", "84"} == {i[4:6] for i in register["id_projet"]}
    surnames = {s.lower() for s in demo.names.SURNAMES if len(s) > 4}
    words = set(" ".join(register["intitule"]).lower().replace("–", " ").split())
    assert not words & surnames - {"paris", "lucas", "martin", "nicolas", "julien", "louis"}


def test_register_planted_errors_sit_where_documented(register):
    rows = register.values.tolist()
    demo.errors.plant(projects.REL, "national", projects.HEADER, rows)
    damaged = pd.DataFrame(rows, columns=projects.HEADER)
    planted = [e for e in demo.PLANTED_ERRORS if e.file == projects.REL]
    assert len(planted) == 3
    for error in planted:
        row = damaged.iloc[error.line - 2]
        assert not row["id_projet"].startswith("PRJ-84-")  # AURA keeps its survey counts
        if error.kind == "unknown_form":
            assert demo.errors.UNKNOWN_FORM in row["formes_engagement"].split(" | ")
        elif error.kind == "end_before_start":
            assert pd.to_datetime(row["date_fin"], format="%d/%m/%Y") < pd.to_datetime(row["date_debut"],
                                                                                        format="%d/%m/%Y")
        elif error.kind == "finess_extra_digit":
            assert len(row["finess"]) == 10 and row["finess"].isdigit()
    assert (damaged != register).any(axis=1).sum() == 3


def test_register_is_deterministic(register, national_world):
    geo, establishments, _bodies, _simulator = national_world
    again = projects.register_rows(geo, establishments, demo.DEFAULT_SEED, demo.DEFAULT_TODAY)
    assert again == register.values.tolist()
