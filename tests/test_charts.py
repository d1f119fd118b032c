"""Chart builders: scales that keep the history readable, one y scale for small multiples, labels that fit."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from observatoire.present import charts

D = dt.date
NNBSP = "\u202f"


def _series(history, projection, group="CDCA"):
    months = pd.date_range("2025-01-01", periods=len(history) + len(projection), freq="MS").date
    return pd.DataFrame({"as_of": months, "rate": [*history, *projection], "group": group})


@pytest.mark.parametrize("past, future, top, expected", [
    ([20, 25, 30], [60, 100], 100, [0.0, 32.4]),     # a projection jumping to 100 % runs off the top
    ([20, 25, 30], [31, 33], 100, [0.0, 35.64]),     # a projection close to the history stays whole
    ([40, 100], [], 100, [0.0, 104.0]),              # a line at 100 % does not touch the top edge
    ([0, 0], [], 100, [0.0, 1.0]),
    ([100, 100, *[20] * 400], [], 100, [0.0, 21.6]),  # a brief 100 % spike does not set the scale
    ([], [], 100, None),
])
def test_value_range(past, future, top, expected):
    assert charts.value_range(past, future, top=top) == (expected if expected is None else pytest.approx(expected))


def test_projection_to_100_percent_does_not_crush_the_history():
    frame = pd.concat([_series([20, 22, 25], [80, 100]), _series([10, 12, 14], [14, 15], "CDU")])
    figure = charts.time_series(frame, "as_of", "rate", "Taux", "%", color="group", dash_from=D(2025, 3, 1))
    low, high = figure.layout.yaxis.range
    assert low == 0 and 25 < high < 30
    assert figure.layout.yaxis.ticksuffix == NNBSP + "%"
    assert [a.text for a in figure.layout.annotations] == ["↑ hors échelle : CDCA (jusqu'à 100,0" + NNBSP + "%)"]


def test_participation_line_has_room_above_it():
    frame = pd.DataFrame({"quarter": [D(2025, 1, 1), D(2025, 4, 1)], "rate": [80.0, 100.0], "group": "Ensemble"})
    figure = charts.time_series(frame, "quarter", "rate", "Participation", "%", color="group")
    assert figure.layout.yaxis.range[1] > 100


def test_small_multiples_share_one_y_scale():
    frame = pd.concat([_series([10, 12], [], "Bas-Rhin"), _series([40, 60], [], "Moselle"),
                       _series([5, 6], [], "Meuse"), _series([20, 21], [], "Marne"), _series([1, 2], [], "Aube")])
    figure = charts.small_multiples(frame, "as_of", "rate", "group", "Taux", "%", columns=2)
    axes = [figure.layout[name] for name in figure.layout if name.startswith("yaxis")]
    assert len(axes) == 6
    assert all(axis.matches == "y" for axis in axes[1:])     # every panel, across rows, on the first's scale
    assert figure.layout.yaxis.range[1] == pytest.approx(64.8)


def test_timeline_leaves_room_for_the_last_date_label():
    frame = pd.DataFrame({"day": [D(2026, 6, 15), D(2028, 11, 23)], "label": ["Groupe", "Bilan final"],
                          "kind": ["Groupe de suivi", "Bilan"]})
    figure = charts.timeline(frame, "day", "label", "kind", D(2026, 3, 1), "")
    start, end = (pd.Timestamp(x) for x in figure.layout.xaxis.range)
    assert end >= pd.Timestamp("2028-11-23") + pd.Timedelta(days=45)
    assert start <= pd.Timestamp("2026-03-01") - pd.Timedelta(days=45)
    assert all(trace.cliponaxis is False for trace in figure.data)  # the date above the top row is not cut


def test_funnel_writes_percentages_the_french_way():
    figure = charts.funnel(["Sièges ouverts", "Candidatures", "Désignations"], [400, 380, 260], "Campagne")
    assert list(figure.data[0].text) == ["400", "380 (95" + NNBSP + "%)",
                                         "260 (65" + NNBSP + "%)"]


def test_close_milestone_dates_are_stacked_never_written_over_each_other():
    from observatoire.present.charts.lines import timeline_levels

    days = [pd.Timestamp(d) for d in ("2023-09-04", "2023-07-01", "2023-12-05", "2024-06-15", "2023-10-01")]
    assert timeline_levels(days, 120) == [1, 0, 0, 0, 2]
    frame = pd.DataFrame({"day": [D(2023, 7, 1), D(2023, 9, 4)], "label": ["Questionnaire", "Séminaire"],
                          "kind": ["Autre", "Autre"]})
    figure = charts.timeline(frame, "day", "label", "kind", D(2025, 12, 5), "")
    dates = {a.text: a.yshift for a in figure.layout.annotations if a.text[:1].isdigit()}
    assert set(dates) == {"01/07/2023", "04/09/2023"} and dates["04/09/2023"] > dates["01/07/2023"]
    as_of = next(a for a in figure.layout.annotations if a.text.startswith("Au "))
    assert as_of.xanchor == "right"  # late in the axis: written to the left of its line, never past the edge
