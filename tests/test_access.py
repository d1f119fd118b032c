"""Access by territory: the access file's resolution and the query layer's restriction, on a tiny store.

The store is tests/conftest.py's two_region_store_dir: 3 CDU in Bas-Rhin (67, Grand Est 44): 12 seats, plus one
CDU of 4 seats in Corse-du-Sud (2A, Corse 94) at CH AJACCIO with one titulaire: 16 seats in France.
"""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from observatoire.base.db import Scope
from observatoire.domain import access as access_rules
from observatoire.domain.access import Access, AccessFileError, parse_rules, resolve
from tests.chart_support import drawn_charts

AS_OF = dt.date(2026, 3, 1)

FILE = """
[[acces]]
domaine = "sante.gouv.fr"
territoire = "national"
role = "lecture"

[[acces]]
groupe = "ars-ge-dd67"
territoire = "departement:67"
role = "charge_de_mission"

[[acces]]
domaine = "ars.sante.fr"
territoire = "region:44"
role = "lecture"

[[acces]]
adresse = "Chef.Corse@ars.sante.fr"
territoire = "departement:2A"
role = "administrateur"

[[acces]]
groupe = "ars-ge-dd67"
territoire = "national"
role = "administrateur"

[[acces]]
siret = "130 008 048 00016"
territoire = "region:44"
role = "charge_de_mission"
"""
RULES = parse_rules(FILE)
SIRET_GE = "13000804800016"  # a test value, written with spaces in the file


@pytest.mark.parametrize("email, groups, verified, expected", [
    ("a.b@sante.gouv.fr", [], True, ("national", None, "lecture")),
    ("A.B@SANTE.GOUV.FR", [], True, ("national", None, "lecture")),            # case does not matter
    ("x@ars.sante.fr", [], True, ("region", "44", "lecture")),                  # domain
    ("x@ars.sante.fr", ["ars-ge-dd67"], True, ("departement", "67", "charge_de_mission")),  # group beats domain;
    # the first ars-ge-dd67 entry wins over the later national one
    ("chef.corse@ars.sante.fr", ["ars-ge-dd67"], True, ("departement", "2A", "administrateur")),  # address first
    ("x@evil-ars.sante.fr", [], True, None),                                    # a domain is exact
    ("x@sub.sante.gouv.fr", [], True, None),                                    # no sub-domain
    ("x@gmail.com", ["ARS-GE-DD67"], True, ("departement", "67", "charge_de_mission")),  # groups ignore case
    ("x@gmail.com", "ars-ge-dd67", True, ("departement", "67", "charge_de_mission")),    # one group as a string
    ("x@gmail.com", [], True, None),                                            # nobody names them
    ("a.b@sante.gouv.fr", [], False, None),                                     # unverified address
    ("", [], True, None),
    (None, ["ars-ge-dd67"], True, None),                                        # a group needs an address
])
def test_resolution(email, groups, verified, expected):
    access = resolve(RULES, email, groups, verified)
    assert (None if access is None else (access.level, access.code, access.role)) == expected


@pytest.mark.parametrize("email, groups, siret, expected", [
    ("agent@ars.sante.fr", [], SIRET_GE, ("region", "44", "charge_de_mission")),   # the organisation beats the domain
    ("agent@gmail.com", [], SIRET_GE, ("region", "44", "charge_de_mission")),
    ("agent@gmail.com", [], "130 008 048 00016", ("region", "44", "charge_de_mission")),
    ("agent@ars.sante.fr", ["ars-ge-dd67"], SIRET_GE, ("departement", "67", "charge_de_mission")),  # group first
    ("chef.corse@ars.sante.fr", [], SIRET_GE, ("departement", "2A", "administrateur")),           # address first
    ("agent@gmail.com", [], "13000804800017", None),                                  # another organisation
    ("agent@gmail.com", [], "1300080480001", None),                                   # not a SIRET
    (None, [], SIRET_GE, None),                                                       # nobody enters without an address
])
def test_an_organisation_is_named_by_its_siret(email, groups, siret, expected):
    access = resolve(RULES, email, groups, siret=siret)
    assert (None if access is None else (access.level, access.code, access.role)) == expected


@pytest.mark.parametrize("text, message", [
    ('[[acces]]\nterritoire = "national"\nrole = "lecture"', "exactement une clé"),
    ('[[acces]]\ndomaine = "a.fr"\ngroupe = "g"\nterritoire = "national"\nrole = "lecture"', "exactement une clé"),
    ('[[acces]]\ndomaine = "a.fr"\nterritoire = "departement:20"\nrole = "lecture"', "territoire « departement:20 »"),
    ('[[acces]]\ndomaine = "a.fr"\nterritoire = "region:99"\nrole = "lecture"', "inconnu"),
    ('[[acces]]\ndomaine = "a.fr"\nterritoire = "national"\nrole = "chef"', "rôle « chef » inconnu"),
    ('[[acces]]\nadresse = "pas-une-adresse"\nterritoire = "national"\nrole = "lecture"', "invalide"),
    ('[[acces]]\ndomaine = "a.fr"\nterritoire = "national"\nrole = "lecture"\nregion = "44"', "clé inconnue region"),
    ('[[acces]]\nsiret = "1300080480001"\nterritoire = "region:44"\nrole = "lecture"', "14 chiffres attendus"),
    ('[[acces]]\nsiret = "130008048000AB"\nterritoire = "region:44"\nrole = "lecture"', "siret vide ou invalide"),
    ('[[acces]\n', "illisible"),
])
def test_a_bad_access_file_is_refused_with_a_french_message(text, message):
    with pytest.raises(AccessFileError) as error:
        parse_rules(text, "acces.toml")
    assert message in error.value.message_fr and error.value.message_fr.startswith("acces.toml")


def test_the_shipped_access_file_is_valid():
    from observatoire.base import settings

    rules = access_rules.load_rules(settings.access_file())
    assert {r.role for r in rules} <= set(access_rules.ROLES) and len(rules) >= 3


DD67 = Access("departement", "67", "charge_de_mission", "a@ars.sante.fr")
GE = Access("region", "44", "lecture", "b@ars.sante.fr")
DD2A = Access("departement", "2A", "lecture", "c@ars.sante.fr")
NATIONAL = Access("national", None, "lecture", "d@sante.gouv.fr")


@pytest.mark.parametrize("access, key, allowed", [
    (DD67, "departement:67", True), (DD67, "departement:68", False), (DD67, "region:44", False),
    (DD67, "national:FR", False), (GE, "region:44", True), (GE, "departement:68", True),
    (GE, "departement:2A", False), (GE, "region:94", False), (NATIONAL, "departement:2A", True),
])
def test_sidebar_choices(access, key, allowed):
    assert access.may_select(key) is allowed


def test_url_territory_outside_the_rights_is_clamped_with_a_notice():
    from observatoire import ui

    options = ui.visible_options(DD67)
    assert list(options) == ["departement:67"]
    assert ui.clamp_territory("departement:68", options, DD67) == (
        "departement:67", "Le territoire demandé (68 – Haut-Rhin) est hors de vos droits : affichage de "
                          "67 – Bas-Rhin.")
    assert ui.clamp_territory("departement:67", options, DD67) == ("departement:67", None)
    assert ui.clamp_territory(None, options, DD67) == ("departement:67", None)
    assert ui.clamp_territory("x:'; DROP", options, DD67)[1].startswith("Territoire inconnu")
    assert ui.clamp_territory("region:94", ui.visible_options(NATIONAL), NATIONAL) == ("region:94", None)


@pytest.fixture
def as_user(two_region_store_dir, monkeypatch):
    from observatoire import session

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(two_region_store_dir))

    def _as(access: Access):
        monkeypatch.setattr(session, "current", lambda: access)
    return _as


def _values(frame, column="value"):
    return dict(zip(frame["territory_code"], frame[column]))


def test_queries_follow_the_users_territory(as_user):
    from observatoire import queries

    as_user(NATIONAL)
    assert _values(queries.indicator("sieges", Scope("departement"), AS_OF)) == {"2A": 16 - 12, "67": 12}
    assert _values(queries.indicator("sieges", Scope("region"), AS_OF)) == {"44": 12, "94": 4}

    as_user(GE)
    assert _values(queries.indicator("sieges", Scope("national"), AS_OF)) == {"FR": 16}   # reference aggregate
    assert _values(queries.indicator("sieges", Scope("region"), AS_OF)) == {"44": 12}     # own région only
    assert _values(queries.indicator("sieges", Scope("region", "94"), AS_OF)) == {}
    assert _values(queries.indicator("sieges", Scope("departement"), AS_OF)) == {"67": 12}

    as_user(DD2A)
    assert _values(queries.indicator("sieges", Scope("national"), AS_OF)) == {"FR": 16}
    assert _values(queries.indicator("sieges", Scope("region"), AS_OF)) == {"94": 4}      # own région aggregate
    assert _values(queries.indicator("sieges", Scope("departement"), AS_OF)) == {"2A": 4}
    assert _values(queries.indicator("sieges", Scope("departement", "67"), AS_OF)) == {}
    assert set(queries.indicator("sieges", Scope("etablissement"), AS_OF)["territory_code"]) == {"2A0000015"}
    # Another département's establishments: not by the drill-down, not by the lists, not by the counts table.
    assert queries.department_drilldown("67", AS_OF).empty and queries.department_establishments("67", AS_OF).empty
    ahead = queries.vacancies_ahead(Scope("national"), AS_OF, 12)
    assert set(ahead["department_code"]) <= {"2A"}
    assert list(queries.counts_by_region(AS_OF)["region_code"]) == ["94"]
    assert queries.conventions().empty and queries.campaigns("44").empty and queries.campaigns().empty
    assert queries.scorecard("GE-TEST", AS_OF).empty
    assert queries.rejects().empty                                      # not an administrator

    as_user(DD67)
    # A and B have vacant seats; C's titulaire Roth ends on 31/08/2026, within 6 months.
    assert set(queries.department_drilldown("67", AS_OF)["finess"]) == {"670000025", "670000033", "670000041"}
    assert set(queries.vacancies_ahead(Scope("national"), AS_OF, 12)["department_code"]) == {"67"}
    assert list(queries.scorecard("GE-TEST", AS_OF)["territory_code"]) == ["67"]
    assert len(queries.campaigns()) == 2 and list(queries.conventions()["convention_id"]) == ["GE-TEST"]
    frame, references = queries.map_frame("sieges", "departement", None, AS_OF)
    shown = frame[frame["has_value"]]
    assert _values(shown) == {"67": 12}                                 # other départements: no value on the map


@pytest.mark.parametrize("user", ["NATIONAL", "GE", "DD2A"])
@pytest.mark.parametrize("scope", [Scope("national"), Scope("region"), Scope("departement"), Scope("departement", "67")])
def test_a_series_reads_as_the_indicator_at_each_date(as_user, user, scope):
    from observatoire import queries

    as_user(globals()[user])
    days = [AS_OF - dt.timedelta(days=90), AS_OF]
    series = queries.indicator_series("sieges", scope, days)
    expected = pd.concat([queries.indicator("sieges", scope, day).assign(as_of=day) for day in days],
                         ignore_index=True)
    pd.testing.assert_frame_equal(series, expected)
    assert queries.indicator_series("sieges", scope, []).empty


def test_convention_targets_of_another_territory_stay_hidden(as_user):
    from observatoire import queries

    # The fixture convention targets only Bas-Rhin (67): 20 % in 2026, 10 % in 2028.
    as_user(DD67)
    assert list(zip(queries.all_targets()["year"], queries.all_targets()["target"])) == [(2026, 20.0), (2028, 10.0)]
    as_user(DD2A)
    assert queries.all_targets().empty
    frame, _ = queries.map_frame("taux_vacance", "departement", None, AS_OF)
    assert frame["target"].isna().all()                                 # no other département's target in hovers


def test_open_access_without_sign_in_sees_everything(as_user):
    from observatoire import queries, session

    as_user(session.OPEN_ACCESS)
    assert _values(queries.indicator("sieges", Scope("departement"), AS_OF)) == {"2A": 4, "67": 12}
    assert len(queries.rejects()) > 0  # the fixture's warnings: readable by administrators and in open access
    assert session.OPEN_ACCESS.can_read_sources and session.OPEN_ACCESS.can_export


def test_nobody_signed_in_reads_nothing(two_region_store_dir, monkeypatch):
    from observatoire import queries, session

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(two_region_store_dir))
    monkeypatch.setattr(session, "current", lambda: None)
    with pytest.raises(queries.AccessDenied):
        queries.indicator("sieges", Scope("national"), AS_OF)


@pytest.mark.parametrize("address, configured, warns", [
    ("127.0.0.1", False, False), ("localhost", False, False), ("0.0.0.0", False, True),
    ("192.168.1.20", False, True), ("0.0.0.0", True, False),
])
def test_open_bind_warning(address, configured, warns):
    from observatoire import session

    warning = session.open_bind_warning(address, configured)
    assert (warning is not None) is warns
    if warns:
        assert address in warning and "sans authentification" in warning


def _cli(argv, capsys):
    from observatoire.__main__ import main

    rc = main(argv)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def test_cli_as_user_follows_the_access_file(two_region_store_dir, tmp_path, monkeypatch, capsys):
    access_file = tmp_path / "acces.toml"
    access_file.write_text(FILE, encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_ACCESS_FILE", str(access_file))
    common = ["--data", str(two_region_store_dir), "--as-of", "2026-03-01", "--id", "sieges", "--format", "json"]
    rc, out, _ = _cli(["indicators", "--level", "departement", *common], capsys)            # operator: all
    assert rc == 0 and [row["territory_code"] for row in json.loads(out)] == ["2A", "67"]
    rc, out, _ = _cli(["indicators", "--level", "departement", *common, "--as-user", "chef.corse@ars.sante.fr"],
                      capsys)
    assert rc == 0 and [row["territory_code"] for row in json.loads(out)] == ["2A"]
    rc, out, _ = _cli(["indicators", "--level", "etablissement", "--territory", "670000025", *common,
                       "--as-user", "chef.corse@ars.sante.fr"], capsys)
    assert rc == 0 and json.loads(out) == []                           # another département's establishment
    rc, out, _ = _cli(["series", "--id", "sieges", "--level", "departement", "--territory", "67", "--from",
                       "2026-01-01", "--to", "2026-02-01", "--data", str(two_region_store_dir),
                       "--as-user", "x@ars.sante.fr", "--group", "ars-ge-dd67", "--format", "json"], capsys)
    assert rc == 0 and [row["value"] for row in json.loads(out)] == [12.0, 12.0]
    rc, out, err = _cli(["indicators", *common, "--as-user", "x@gmail.com"], capsys)
    assert rc == 2 and out == "" and "Aucun accès pour x@gmail.com" in err
    rc, out, _ = _cli(["access", "--as-user", "x@ars.sante.fr", "--group", "ars-ge-dd67"], capsys)
    assert rc == 0 and out.strip() == "x@ars.sante.fr : Chargé de mission, département Bas-Rhin (67)"
    rc, out, _ = _cli(["access", "--as-user", "agent@gmail.com", "--siret", SIRET_GE], capsys)
    assert rc == 0 and out.strip() == "agent@gmail.com : Chargé de mission, région Grand Est"
    access_file.write_text('[[acces]]\ndomaine = "a.fr"\nterritoire = "region:99"\nrole = "lecture"\n',
                           encoding="utf-8")
    rc, _, err = _cli(["access", "--check"], capsys)
    assert rc == 2 and "territoire « region:99 » inconnu" in err


def _vacance_page(monkeypatch, store_dir, access: Access, section: str | None = None):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from observatoire import session

    monkeypatch.setenv("OBSERVATOIRE_DATA", str(store_dir))
    monkeypatch.setattr(session, "current", lambda: access)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=90)
    at.query_params["territoire"] = "departement:67"
    at.query_params["date"] = "2026-03-01"
    at.switch_page("pages/vacance.py").run()
    assert not at.exception
    if section is not None:   # one of the page's sections, built only when open
        at.session_state["vacance_section"] = section
        at.run()
        assert not at.exception
    return at


def test_a_reader_gets_no_csv_export_a_charge_de_mission_does(two_region_store_dir, monkeypatch):
    reader = Access("departement", "67", "lecture", "l@a.fr")
    series = _vacance_page(monkeypatch, two_region_store_dir, reader)
    ahead = _vacance_page(monkeypatch, two_region_store_dir, reader, "Sièges qui vont se libérer")
    campaigns = _vacance_page(monkeypatch, two_region_store_dir, reader, "Campagnes de nomination")
    assert [len(at.get("download_button")) for at in (series, ahead, campaigns)] == [0, 0, 0]
    # Nor through the other ways out: no sortable grid (its toolbar downloads CSV), no chart camera button.
    assert len(ahead.dataframe) == 0 and len(ahead.table) >= 1
    charts_ = drawn_charts(series) + drawn_charts(campaigns)
    assert charts_ and all("toImage" in c.spec or "toImage" in c.config for c in charts_)
    officer = _vacance_page(monkeypatch, two_region_store_dir, DD67)
    assert "Télécharger (PNG)" in [b.label for b in officer.get("download_button")]
    officer = _vacance_page(monkeypatch, two_region_store_dir, DD67, "Sièges qui vont se libérer")
    assert "Télécharger la liste (CSV)" in [b.label for b in officer.get("download_button")]


def test_every_table_download_has_an_excel_twin_named_after_its_territory_and_date(two_region_store_dir,
                                                                                     monkeypatch):
    import io

    import openpyxl
    from streamlit.delta_generator import DeltaGenerator

    seen = []
    original = DeltaGenerator.download_button

    def spy(self, label, data, *args, file_name=None, **kwargs):
        seen.append((label, file_name, data))
        return original(self, label, data, *args, file_name=file_name, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    _vacance_page(monkeypatch, two_region_store_dir, DD67, "Sièges qui vont se libérer")
    names = {label: name for label, name, _ in seen}
    assert names["Télécharger la liste (CSV)"] == "sieges_a_pourvoir_12_mois_67-bas-rhin_2026-03-01.csv"
    assert names["Télécharger la liste (Excel)"] == "sieges_a_pourvoir_12_mois_67-bas-rhin_2026-03-01.xlsx"
    assert all("bas-rhin" in name and name.endswith(("_2026-03-01.png", "_2026-03-01.csv", "_2026-03-01.xlsx"))
               for _, name, _ in seen)
    csv_labels = {label[:-len(" (CSV)")] for label in names if label.endswith("(CSV)")}
    assert csv_labels == {label[:-len(" (Excel)")] for label in names if label.endswith("(Excel)")}
    data = next(data for label, _, data in seen if label == "Télécharger la liste (Excel)")
    sheet = openpyxl.load_workbook(io.BytesIO(data())).active
    title = sheet["A1"].value
    assert title.startswith("Sièges qui vont se libérer d'ici 12 mois – ") and "Bas-Rhin" in title
    assert title.endswith("situation au 01/03/2026")
    header = [c.value for c in sheet[2]]
    codes = [row[header.index("Département")] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert codes and set(codes) == {"67"}  # text, as typed
