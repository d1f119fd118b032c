"""The record of a séance: append-only, outside the store, no personal data, replayed beside today's values."""
import datetime as dt

import pandas as pd
import pytest

from observatoire.domain import records

D = dt.date
CARD = pd.DataFrame([
    {"indicator_id": "taux_vacance_designes", "label": "Taux de vacance", "level": "region", "territory_code": "44",
     "territory_name": "Grand Est", "unit": "%", "value": 20.4, "masked": False, "target": 20.0, "target_year": 2026,
     "status": "en bonne voie", "status_reason": "", "baseline": 22.7},
    {"indicator_id": "taux_vacance_designes", "label": "Taux de vacance", "level": "departement",
     "territory_code": "67", "territory_name": "Bas-Rhin", "unit": "%", "value": 20.2, "masked": False,
     "target": 14.0, "target_year": 2028, "status": "en retard", "status_reason": "", "baseline": 22.8}])


def test_a_record_keeps_what_the_room_saw_and_versions_a_correction(tmp_path):
    notes = {"taux_vacance_designes|departement|67": {"comment": "Relance des associations", "decision": "Courrier"}}
    first = records.append(tmp_path, records.build_record(
        "GE", D(2026, 6, 18), CARD, ["ARS Grand Est", "France Assos Santé Grand Est"], notes, {},
        closed_by="agent@ars.sante.fr", closed_at=dt.datetime(2026, 6, 18, 17, 30)))
    second = records.append(tmp_path, records.build_record(
        "GE", D(2026, 6, 18), CARD, ["ARS Grand Est"], {}, {"A03": {"comment": "reportée", "decision": ""}},
        closed_by="local"))
    assert (first["version"], second["version"]) == (1, 2)
    kept = records.read(tmp_path, "GE")
    assert len(kept) == 2 and kept[0]["scorecard"][1]["value"] == 20.2       # the first line is never rewritten
    assert "baseline" not in kept[0]["scorecard"][0]                         # what was shown, not computed later
    assert records.latest(tmp_path, "GE", D(2026, 6, 18))["organisations"] == ["ARS Grand Est"]
    assert records.latest(tmp_path, "GE", D(2026, 12, 10)) is None


@pytest.mark.parametrize("text, why", [
    ("voir jean.dupont@ars.sante.fr", "une adresse électronique"),
    ("appeler le 06 12 34 56 78", "un numéro de téléphone"),
    ("appeler le +33 6 12 34 56 78", "un numéro de téléphone"),
    ("Relance en 2026 : 12 sièges", None),
])
def test_no_personal_data_in_the_free_text(text, why):
    assert records.personal_data(text) == why
    if why:
        with pytest.raises(records.RecordRefused, match=why):
            records.build_record("GE", D(2026, 6, 18), CARD, ["ARS"], {"k": {"comment": text}}, {}, "local")


def test_a_record_needs_an_organisation():
    with pytest.raises(records.RecordRefused, match="organisation"):
        records.build_record("GE", D(2026, 6, 18), CARD, [" ", ""], {}, {}, "local")


def test_replay_shows_the_recorded_value_beside_todays(tmp_path):
    # A late decree filled a Bas-Rhin seat: for the same date the value is now 19,7 % instead of the 20,2 % seen.
    record = records.append(tmp_path, records.build_record(
        "GE", D(2026, 6, 18), CARD, ["ARS"], {"taux_vacance_designes|departement|67": {"decision": "Courrier"}},
        {}, "local"))
    today = CARD.assign(value=[20.4, 19.7], status=["en bonne voie", "en bonne voie"])
    frame = records.replay(record, today).set_index("territory_code")
    assert frame.loc["67", ["value", "value_now", "status", "status_now", "decision"]].tolist() == [
        20.2, 19.7, "en retard", "en bonne voie", "Courrier"]
    assert frame.loc["67", "change"] == pytest.approx(-0.5) and frame.loc["44", "change"] == 0
