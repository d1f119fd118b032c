"""Monthly vacancy, projection, designation waves, campaigns, quarterly participation and empty chairs, on a
tiny hand-checked fixture; the `series` command line.

Fixture (Bas-Rhin 67 and Haut-Rhin 68, Grand Est), seats counted on the 1st of each month of 2024:
  A  CDU-670000025  2 tit + 2 sup, open since 2016
       T1 titulaire 01/01/2020–14/03/2024 (ends mid-month: still counted on 01/03, gone on 01/04)
       T2 titulaire 01/06/2023–31/05/2026
       T3 titulaire 01/06/2023–29/02/2024 (with T1 and T2: 3 mandates for 2 seats in Jan-Feb, 2 filled)
       T4 titulaire 15/04/2024–14/04/2027 (starts mid-month: counted from 01/05)
       S1 suppléant 01/01/2022–31/12/2026, resigned 10/02/2024 (counted on 01/02, gone on 01/03)
       the second suppléant seat is never filled
  B  CDU-670000041  2 + 2, created 15/02/2024 (seats from 01/03)
       B1 titulaire 01/03/2024–28/02/2027 ; B2 suppléant 01/03/2024–30/06/2026, renewed by B3 from 01/07/2026
  C  CDU-670000033  2 + 2, closed 15/05/2024 (seats until 01/05, none on 01/06)
       C1 titulaire 01/01/2022–31/12/2024
  D  CTS-68         3 titulaires, never filled; 4 meetings in 2023 where no RU was expected (no empty chair)

  67 on the 1st of:   Jan  Feb  Mar  Apr  May  Jun
     seats              8    8   12   12   12    8
     vacant             4    4    7    8    7    4   (A 1 1 2 3 2 2 · B - - 2 2 2 2 · C 3 3 3 3 3 -)
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from observatoire import cli_series
from observatoire.base import dates
from observatoire.base.dates import month_starts
from observatoire.base.db import Scope, Store
from observatoire.domain import vacancy
from observatoire.domain.measures import campaign_situations, seat_series
from observatoire.present import vacancy as vacancy_view
from tests.conftest import NOMINATIONS_HEADER, write_fixture_raw

D = dt.date

INSTANCES = """type_instance;finess;code_territoire;libelle;sieges_titulaires;sieges_suppleants;date_creation;date_fermeture
CDU;670000025;;CDU A – CH Strasbourg;2;2;01/01/2016;
CDU;670000041;;CDU B – CH Haguenau;2;2;15/02/2024;
CDU;670000033;;CDU C – Clinique Sainte-Odile;2;2;01/01/2016;15/05/2024
CTS;;68;CTS D – Haut-Rhin;3;0;01/01/2016;
"""
NOMINATIONS = NOMINATIONS_HEADER + """
670000025;;CDU;titulaire;Un;Titulaire;;UNAF;01/01/2020;14/03/2024;;;;
670000025;;CDU;titulaire;Deux;Titulaire;;UNAF;01/06/2023;31/05/2026;;;;
670000025;;CDU;titulaire;Trois;Titulaire;;UNAF;01/06/2023;29/02/2024;;;;
670000025;;CDU;titulaire;Quatre;Titulaire;;UNAF;15/04/2024;14/04/2027;;;;
670000025;;CDU;suppleant;Un;Suppleant;;AIDES;01/01/2022;31/12/2026;10/02/2024;démission;;
670000041;;CDU;titulaire;Un;B;;CLCV;01/03/2024;28/02/2027;;;;
670000041;;CDU;suppleant;Deux;B;;CLCV;01/03/2024;30/06/2026;;;;
670000041;;CDU;suppleant;Trois;B;;CLCV;01/07/2026;30/06/2029;;;;
670000033;;CDU;titulaire;Un;C;;UFC;01/01/2022;31/12/2024;;;;
"""
SEANCES = """finess;code_territoire;type_instance;date_seance;ru_attendus;ru_presents
670000025;;CDU;10/11/2023;2;1
670000025;;CDU;15/01/2024;2;0
670000025;;CDU;10/03/2024;2;0
670000025;;CDU;20/05/2024;1;0
670000025;;CDU;25/06/2024;2;0
670000041;;CDU;20/03/2024;2;0
670000041;;CDU;10/04/2024;2;1
670000041;;CDU;10/05/2024;2;0
670000041;;CDU;10/06/2024;2;0
670000033;;CDU;01/02/2024;2;0
670000033;;CDU;01/04/2024;2;0
670000033;;CDU;02/05/2024;2;0
;68;CTS;01/02/2023;0;0
;68;CTS;01/04/2023;0;0
;68;CTS;01/06/2023;0;0
;68;CTS;01/08/2023;0;0
"""
MONTHS = month_starts(D(2024, 1, 1), D(2024, 6, 1))
SEATS_67 = [8, 8, 12, 12, 12, 8]
VACANT_67 = [4, 4, 7, 8, 7, 4]


def build_vacancy_store(root: Path) -> Path:
    """The fixture above as a built store (the other sources from tests/conftest.py)."""
    from pipelines.build import build

    raw = write_fixture_raw(root)
    for relative, text in {"instances/instances.csv": INSTANCES, "nominations/arretes_2026.csv": NOMINATIONS,
                           "seances/seances.csv": SEANCES}.items():
        (raw / relative).write_text(text, encoding="utf-8")
    build(raw, root / "parquet")
    return root / "parquet"


@pytest.fixture(scope="module")
def vacancy_store_dir(tmp_path_factory) -> Path:
    return build_vacancy_store(tmp_path_factory.mktemp("vacancy"))


@pytest.fixture(scope="module")
def vstore(vacancy_store_dir) -> Store:
    return Store(vacancy_store_dir)


# --- monthly seat series ---------------------------------------------------------------------------------

def test_every_mandate_reached_the_store(vstore):
    assert vstore.scalar("SELECT count(*) FROM mandates") == 9
    assert vstore.scalar("SELECT count(*) FROM bodies") == 4


def test_monthly_series_of_a_departement(vstore):
    frame = seat_series(vstore, MONTHS, Scope("departement", "67"))
    assert list(pd.to_datetime(frame["as_of"]).dt.date) == MONTHS
    assert list(frame["seats"]) == SEATS_67
    assert list(frame["vacant"]) == VACANT_67
    assert list(frame["filled"]) == [s - v for s, v in zip(SEATS_67, VACANT_67)]
    assert list(vacancy.with_rate(frame)["rate"]) == [50.0, 50.0, 58.33, 66.67, 58.33, 50.0]


@pytest.mark.parametrize("role, seats, vacant", [
    # titulaires: A 0 0 0 1 0 0 (T1-T3 over-seated, T1 to 14/03, T4 from 01/05) · B 1 · C 1 (until May)
    ("titulaire", [4, 4, 6, 6, 6, 4], [1, 1, 2, 3, 2, 1]),
    # suppléants: A 1 1 2 2 2 2 (S1 resigned 10/02) · B 1 · C 2 (until May)
    ("suppleant", [4, 4, 6, 6, 6, 4], [3, 3, 5, 5, 5, 3]),
])
def test_monthly_series_by_role(vstore, role, seats, vacant):
    frame = seat_series(vstore, MONTHS, Scope("departement", "67"), ("role",))
    part = frame[frame["role"] == role]
    assert list(part["seats"]) == seats
    assert list(part["vacant"]) == vacant


def test_child_territories_and_a_seat_never_filled(vstore):
    frame = seat_series(vstore, [D(2024, 4, 1)], Scope("departement", region="44"))
    assert dict(zip(frame["territory_code"], zip(frame["seats"], frame["vacant"]))) == {"67": (12, 8), "68": (3, 3)}


def test_series_rows_follow_the_catalogue_filters(vstore):
    cdu = vacancy.indicator_series(vstore, "taux_vacance_cdu", Scope("region", "44"), D(2024, 1, 1), D(2024, 6, 1))
    assert list(cdu["denominator"]) == SEATS_67 and list(cdu["numerator"]) == VACANT_67
    everything = vacancy.indicator_series(vstore, "taux_vacance", Scope("region", "44"), D(2024, 4, 1), D(2024, 4, 1))
    assert everything.iloc[0][["numerator", "denominator", "value"]].tolist() == [11, 15, pytest.approx(73.3333)]
    count = vacancy.indicator_series(vstore, "sieges_vacants", Scope("national"), D(2024, 6, 1), D(2024, 6, 1))
    assert count.iloc[0][["territory_name", "value", "numerator", "denominator"]].tolist() == [
        "France entière", 7.0, 7, 11]
    with pytest.raises(ValueError):
        vacancy.indicator_series(vstore, "taux_participation", Scope("national"), D(2024, 1, 1), D(2024, 2, 1))


# --- projection ---------------------------------------------------------------------------------------------

def test_projection_lists_the_seats_freed_after_the_as_of_date(vstore):
    ahead = vacancy.vacancies_ahead(vstore, Scope("national"), D(2026, 4, 1), 12)
    rows = list(zip(ahead["body_id"], ahead["role"], ahead["seats_freed"], ahead["vacant_from"]))
    # B's suppléant ends 30/06/2026 but B3 starts 01/07/2026: no seat freed; T4 ends after the horizon.
    assert rows == [("CDU-670000025", "titulaire", 1, D(2026, 6, 1)), ("CDU-670000041", "titulaire", 1, D(2027, 3, 1))]
    assert ahead["body_label"].tolist() == ["CDU A – CH Strasbourg", "CDU B – CH Haguenau"]
    assert vacancy.freed_within(ahead, D(2026, 4, 1)) == {3: 1, 6: 1, 12: 2}


def test_projection_agrees_with_the_series_on_future_months(vstore):
    as_of = D(2026, 4, 1)
    later = [D(2026, 5, 1), D(2026, 7, 1), D(2027, 4, 1)]
    frame = seat_series(vstore, [as_of, *later], Scope("departement", "67"))
    assert list(frame["vacant"]) == [4, 4, 5, 6]
    ahead = vacancy.vacancies_ahead(vstore, Scope("departement", "67"), as_of, 12)
    assert frame["vacant"].iloc[0] + ahead["seats_freed"].sum() == frame["vacant"].iloc[-1]


def test_projection_ignores_a_closing_body(vstore):
    ahead = vacancy.vacancies_ahead(vstore, Scope("national"), D(2024, 4, 1), 3)
    # C closes on 15/05/2024 (its seats disappear, none falls vacant); T1 and S1 ended before 01/04.
    assert ahead.empty


# --- designation waves, campaigns, conventions ----------------------------------------------------------------

def test_designation_waves_need_the_top_decile_and_twice_the_median():
    monthly = pd.DataFrame({"month": month_starts(D(2023, 1, 1), D(2023, 12, 1)),
                            "new_mandates": [10, 12, 9, 11, 10, 80, 10, 12, 9, 11, 30, 10]})
    waves = vacancy.designation_waves(monthly)
    assert waves["month"].tolist() == [D(2023, 6, 1), D(2023, 11, 1)]
    flat = monthly.assign(new_mandates=10)
    assert vacancy.designation_waves(flat).empty
    assert vacancy.designation_waves(monthly.assign(new_mandates=0)).empty


def test_new_mandates_by_month(vstore):
    monthly = vacancy.new_mandates_by_month(vstore, Scope("departement", "67"), D(2024, 1, 1), D(2024, 6, 30))
    assert monthly["new_mandates"].tolist() == [0, 0, 2, 1, 0, 0]


def test_campaign_status_and_periods(vstore):
    snapshots = vstore.df("SELECT * FROM campaigns")
    choices = vacancy.campaigns_in_scope(snapshots, "44")
    assert len(choices) == 1
    chosen = choices["campaign_id"].iloc[0]

    def status(day):
        return vacancy.campaign_status(campaign_situations(vstore, day, "44"), chosen, day)

    assert status(D(2026, 3, 1)) is None                   # opens on 02/03/2026
    # No decree of this fixture falls in the campaign window: the campaign file's count is used, and said so.
    april = status(D(2026, 5, 1))
    assert (april["seats_opened"], april["candidacies"], april["designations"], april["from_file"]) == (
        400, 150, 40, True)
    july = status(D(2026, 7, 1))
    assert (july["designations"], july["achievement"], july["status_date"]) == (260, 65.0, D(2026, 6, 30))
    opening = status(D(2026, 3, 10))                        # open, no situation yet: seats known, nothing else
    assert (opening["seats_opened"], opening["candidacies"], opening["status_date"]) == (400, None, None)
    assert vacancy.campaigns_in_scope(snapshots, "11").empty
    assert vacancy.merged_periods(choices) == [(D(2026, 3, 2), D(2026, 5, 29))]
    periods = pd.DataFrame({"opens_on": [D(2026, 3, 1), D(2026, 4, 1), D(2026, 9, 1)],
                            "closes_on": [D(2026, 5, 1), D(2026, 6, 1), D(2026, 10, 1)]})
    assert vacancy.merged_periods(periods) == [(D(2026, 3, 1), D(2026, 6, 1)), (D(2026, 9, 1), D(2026, 10, 1))]
    signatures = vacancy.convention_signatures(vstore.df("SELECT * FROM conventions"), "44")
    assert signatures["signed_on"].dt.date.tolist() == [D(2026, 1, 21)]
    # At national scope no région's signature is drawn.
    assert vacancy.convention_signatures(vstore.df("SELECT * FROM conventions"), None).empty


# --- participation ---------------------------------------------------------------------------------------------

def test_quarterly_participation(vstore):
    frame = vacancy.quarterly_participation(vstore, Scope("departement", "67"), D(2016, 1, 1), D(2024, 12, 31))
    assert frame["quarter_label"].tolist() == ["T4 2023", "T1 2024", "T2 2024"]
    assert frame["meetings"].tolist() == [1, 4, 7]
    assert frame["expected"].tolist() == [2, 8, 13]
    assert frame["present"].tolist() == [1, 0, 1]
    assert frame["rate"].tolist() == [50.0, 0.0, 7.69]
    by_type = vacancy.quarterly_participation(vstore, Scope("national"), D(2024, 4, 1), D(2024, 5, 31), ("body_type",))
    assert by_type[["body_type", "meetings", "present"]].values.tolist() == [["CDU", 5, 1]]


@pytest.mark.parametrize("as_of, expected", [
    (D(2024, 7, 1), ["CDU-670000025"]),   # A: 4 last meetings all empty; B had 1 RU on 10/04; C has only 3
    (D(2024, 6, 1), []),                  # A's last 4 then include 10/11/2023 (1 RU present)
    (D(2023, 12, 31), []),                # CTS D: 4 meetings without RU, but none was expected
])
def test_empty_chairs(vstore, as_of, expected):
    frame = vacancy.empty_chairs(vstore, Scope("national"), as_of)
    assert frame["body_id"].tolist() == expected


def test_empty_chairs_columns(vstore):
    row = vacancy.empty_chairs(vstore, Scope("region", "44"), D(2024, 7, 1)).iloc[0]
    assert (row["body_label"], row["meetings"], row["expected"], row["department_code"]) == (
        "CDU A – CH Strasbourg", 4, 7, "67")
    assert pd.Timestamp(row["since"]).date() == D(2024, 1, 15)
    assert pd.Timestamp(row["last_meeting"]).date() == D(2024, 6, 25)


def test_quarter_helpers():
    assert dates.quarter_start(D(2026, 11, 23)) == D(2026, 10, 1)
    assert vacancy.quarter_label(D(2026, 2, 1)) == "T1 2026"
    assert vacancy_view.count_label(1, "siège", "sièges") == "1 siège"
    assert vacancy_view.count_label(1400, "siège", "sièges") == "1\u202f400 sièges"


# --- command line -------------------------------------------------------------------------------------------

def _cli(argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    cli_series.add_parser(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    return cli_series.run(parser.parse_args(argv), out=out), out.getvalue()


def test_cli_csv(vacancy_store_dir):
    code, text = _cli(["series", "--id", "taux_vacance", "--level", "departement", "--territory", "67",
                       "--from", "2024-01-01", "--to", "2024-06-15", "--data", str(vacancy_store_dir)])
    assert code == 0
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert list(rows[0]) == ["Identifiant de l'indicateur", "Niveau", "Code du territoire", "Territoire", "Date",
                             "Valeur", "Numérateur", "Dénominateur"]
    assert [r["Date"] for r in rows] == [m.strftime("%d/%m/%Y") for m in MONTHS]
    assert [int(r["Numérateur"]) for r in rows] == VACANT_67
    assert [int(r["Dénominateur"]) for r in rows] == SEATS_67
    assert rows[3]["Valeur"] == "66,6667" and rows[0]["Territoire"] == "Bas-Rhin"


def test_cli_json_by_role(vacancy_store_dir):
    code, text = _cli(["series", "--id", "taux_vacance_titulaires", "--level", "region", "--territory", "44",
                       "--from", "2024-04-01", "--to", "2024-04-01", "--by", "role", "--format", "json",
                       "--data", str(vacancy_store_dir)])
    assert code == 0
    assert json.loads(text) == [{"indicator_id": "taux_vacance_titulaires", "level": "region",
                                 "territory_code": "44", "territory_name": "Grand Est", "role": "titulaire",
                                 "date": "2024-04-01", "value": 66.6667, "numerator": 6, "denominator": 9}]


def test_cli_by_body_type_and_errors(vacancy_store_dir, tmp_path):
    code, text = _cli(["series", "--id", "sieges_vacants", "--from", "2024-06-01", "--to", "2024-06-01",
                       "--by", "type_instance", "--data", str(vacancy_store_dir)])
    assert code == 0
    rows = {r["Type d'instance"]: (r["Valeur"], r["Dénominateur"])
            for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";")}
    assert rows == {"CDU": ("4", "8"), "CTS": ("3", "3")}
    assert _cli(["series", "--id", "inconnu", "--data", str(vacancy_store_dir)])[0] == 2
    assert _cli(["series", "--id", "taux_participation", "--data", str(vacancy_store_dir)])[0] == 2
    assert _cli(["series", "--id", "taux_vacance", "--data", str(tmp_path)])[0] == 2




def test_seats_ahead_are_what_was_known_on_the_date(store):
    """On 01/02/2026, 3 months ahead: Klein's planned end frees a suppléant seat of CDU A on 01/03/2026. Muller's
    resignation (15/02, recorded later) and Hoffmann's designation (decree of 20/03) were not known yet."""
    from observatoire.domain.vacancy import vacancies_ahead

    ahead = vacancies_ahead(store, Scope("national"), D(2026, 2, 1), 3)
    assert [(r.finess, r.role, r.vacant_from, r.seats_freed) for r in ahead.itertuples()] == [
        ("670000025", "suppleant", D(2026, 3, 1), 1)]
