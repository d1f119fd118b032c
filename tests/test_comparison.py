"""Two dates of a convention side by side (Convention page, Accueil, and what the bilan can print): each indicator's
value and status at both, the change, the roadmap actions whose status changed, the default first date.

On the fixture of tests/conftest.py (GE-TEST signed 21/01/2026, Bas-Rhin target taux_vacance 20 % in 2026):
  01/03/2026  3 vacant seats of 12 = 25,0 %, ⚠ en retard (the trajectory from 8,3 % at the signature allows ~9,7 %)
  15/06/2026  CDU A: Klein and Schmitt gone, Hoffmann since 01/04 (1 vacant); CDU B: Braun since 16/05 fills Muller's
              seat, one suppléant seat vacant (1); CDU C full: 2 of 12 = 16,7 %, ✔ atteint (under 20 %)
"""
import datetime as dt

import pandas as pd
import pytest

from observatoire.base.vocabulary import STATUS_LATE, STATUS_ON_TRACK, STATUS_REACHED
from observatoire.domain import convention
from observatoire.present import convention as view

D = dt.date


def test_the_fixtures_vacancy_between_two_dates(store):
    indicators_, actions = convention.comparison(store, "GE-TEST", D(2026, 3, 1), D(2026, 6, 15))
    row = indicators_.iloc[0]
    assert (row["indicator_id"], row["territory_code"]) == ("taux_vacance", "67")
    assert row["value_first"] == pytest.approx(25.0) and row["value_second"] == pytest.approx(100 * 2 / 12, abs=1e-3)
    assert row["change"] == pytest.approx(-25.0 + 100 * 2 / 12, abs=1e-3)
    assert (row["status_first"], row["status_second"], row["status_changed"]) == (STATUS_LATE, STATUS_REACHED, True)
    shown = view.comparison_display(indicators_, D(2026, 3, 1), D(2026, 6, 15))
    assert shown.iloc[0].tolist()[1:] == ["Département · Bas-Rhin", "25,0\u202f%", "16,7\u202f%", "\u22128,3\u202fpt",
                                          "⚠ en retard", "◆ ✔ atteint"]
    assert list(shown.columns)[2:4] == ["Au 01/03/2026", "Au 15/06/2026"]
    # The fixture's roadmap statuses are undated (known from the build date only): nothing changed between them.
    assert actions.empty


def card(*rows):
    return pd.DataFrame([{"indicator_id": i, "level": "region", "territory_code": "44", "label": i.upper(),
                          "territory_name": "Grand Est", "unit": "%", "direction": "lower_is_better", "priority": 1,
                          "value": v, "masked": m, "status": s} for i, v, m, s in rows])


def test_values_change_and_statuses_at_both_dates():
    first = card(("a", 30.0, False, STATUS_LATE), ("b", None, True, "non évaluable"), ("c", 10.0, False,
                                                                                          STATUS_REACHED))
    second = card(("a", 24.5, False, STATUS_ON_TRACK), ("b", 12.0, False, STATUS_REACHED), ("d", 5.0, False, None))
    out = convention.compare_scorecards(first, second).set_index("indicator_id")
    assert out.loc["a", "change"] == pytest.approx(-5.5) and out.loc["a", "status_changed"]
    assert pd.isna(out.loc["b", "change"])                      # masked at the first date: no change shown
    assert pd.isna(out.loc["c", "value_second"]) and out.loc["c", "label"] == "C"   # targeted at the first date only
    assert pd.isna(out.loc["d", "value_first"]) and not out.loc["d", "status_changed"]   # no status at either
    moves = view.status_moves(out.reset_index())
    assert moves[STATUS_LATE] == (1, 0) and moves[STATUS_REACHED] == (1, 1)
    shown = view.comparison_display(out.reset_index(), D(2026, 6, 18), D(2026, 11, 1))
    assert shown.set_index("Indicateur").loc["B", "Au 18/06/2026"] == "masqué"


def roadmap(*rows):
    return pd.DataFrame([{"convention_id": "C", "action_id": a, "label": f"Action {a}", "owner": "ARS",
                          "due_date": D(2026, 9, 30), "status": s, "status_date": d} for a, s, d in rows])


def test_actions_whose_status_changed():
    first = roadmap(("A1", "a_faire", D(2026, 1, 10)), ("A2", "en_cours", D(2026, 2, 1)), ("A3", None, None))
    second = roadmap(("A1", "en_cours", D(2026, 7, 1)), ("A2", "en_cours", D(2026, 2, 1)), ("A3", None, None),
                     ("A4", "a_faire", D(2027, 1, 15)))   # of the next roadmap year: new
    out = convention.changed_actions(first, second)
    assert out[["action_id", "status_second", "new"]].values.tolist() == [["A1", "en_cours", False],
                                                                         ["A4", "a_faire", True]]
    assert out["status_first"].iloc[0] == "a_faire" and pd.isna(out["status_first"].iloc[1])
    shown = view.changed_actions_display(out, D(2026, 6, 18), D(2027, 2, 1))
    assert shown["Statut au 18/06/2026"].tolist() == ["À faire", "Pas encore à la feuille de route"]
    assert shown["Statut au 01/02/2027"].tolist() == ["En cours (au 01/07/2026)", "À faire (au 15/01/2027)"]


def test_actions_from_the_dated_history():
    actions = roadmap(("A1", "fait", None))
    history = pd.DataFrame({"convention_id": "C", "action_id": "A1", "status": ["a_faire", "en_cours", "fait"],
                            "status_date": [D(2026, 3, 16), D(2026, 6, 1), D(2026, 10, 15)], "comment": None})
    built = D(2026, 12, 5)
    out = convention.changed_actions(convention.roadmap_as_of(actions, history, D(2026, 6, 18), built),
                                     convention.roadmap_as_of(actions, history, D(2026, 11, 1), built))
    assert out[["status_first", "status_second"]].values.tolist() == [["en_cours", "fait"]]
    same = convention.changed_actions(convention.roadmap_as_of(actions, history, D(2026, 6, 18), built),
                                      convention.roadmap_as_of(actions, history, D(2026, 9, 1), built))
    assert same.empty


MILESTONES = pd.DataFrame({"convention_id": "C", "milestone_date": [D(2026, 3, 16), D(2026, 6, 18), D(2026, 12, 10)],
                           "milestone_type": ["revue_strategique", "comite_suivi", "comite_suivi"], "label": "x"})


@pytest.mark.parametrize("as_of, expected", [
    (D(2026, 11, 1), D(2026, 6, 18)),    # the last follow-up group before the date
    (D(2026, 6, 18), D(2026, 1, 21)),    # none strictly before: the signature
    (D(2026, 12, 31), D(2026, 12, 10)),
    (D(2026, 1, 1), None),               # before the signature: none (the page falls back on a year before)
])
def test_the_first_date_by_default(as_of, expected):
    assert convention.previous_follow_up(MILESTONES, as_of, pd.Timestamp("2026-01-21")) == expected
