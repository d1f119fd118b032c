"""Accessibility that needs no browser: the theme's contrast (RGAA 3.2, 3.3), charts' text alternatives (1.3),
a chart's data as a table with the CSV's masks, the declaration's words."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from observatoire.present import accessibility, tables
from observatoire.present.charts.alt import TABLE_NOTE, text_alternative

ROOT = Path(__file__).resolve().parent.parent
THEME = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
CAPTION_OPACITY = 0.6  # Streamlit draws captions and help text in the text colour at 60 % opacity (fadedText60)


def rgb(colour: str) -> tuple[float, ...]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def luminance(colour) -> float:
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def over(colour, background, opacity):
    return tuple(opacity * c + (1 - opacity) * b for c, b in zip(colour, background))


@pytest.mark.parametrize("background", ["backgroundColor", "secondaryBackgroundColor"])
def test_text_and_captions_meet_aa_on_the_page_and_in_the_sidebar(background):
    text, ground = rgb(THEME["textColor"]), rgb(THEME[background])
    assert contrast(text, ground) >= 4.5
    assert contrast(over(text, ground, CAPTION_OPACITY), ground) >= 4.5


def test_primary_buttons_and_focus_ring_meet_aa():
    primary, white = rgb(THEME["primaryColor"]), rgb("#ffffff")
    assert contrast(white, primary) >= 4.5      # white label on a primary button
    assert contrast(primary, white) >= 3        # focus ring and selected tab on the page


def test_the_theme_is_neutral():
    assert "marianne" not in str(THEME).lower() and THEME["font"] == "sans serif"


def test_a_chart_says_what_it_shows():
    fig = go.Figure([go.Scatter(x=[1, 2], y=[3, 4], name="Grand Est"),
                     go.Scatter(x=[1, 2], y=[3, 5], name="<b>Cible</b>", mode="markers")])
    fig.update_layout(title="Taux de vacance<br><sup>Grand Est</sup>", xaxis_title="Date", yaxis_title="Taux (%)")
    assert text_alternative(fig) == ("Graphique (courbes, points) : Taux de vacance Grand Est. Séries : Grand Est, "
                                     "Cible. Axe horizontal : Date ; axe vertical : Taux (%). " + TABLE_NOTE)
    bars = go.Figure(go.Bar(x=[1], y=["a"], orientation="h"))
    assert text_alternative(bars, "Projets par forme", table=False) == (
        "Graphique (barres horizontales) : Projets par forme.")
    area = go.Figure(go.Choroplethmap(locations=["67"], z=[1], name="Taux"))
    area.update_layout(title="Taux de vacance par département")
    assert text_alternative(area) == f"Carte : Taux de vacance par département. {TABLE_NOTE}"


def test_a_charts_data_on_screen_hides_what_its_csv_hides():
    frame = pd.DataFrame({"territory_name": ["Bas-Rhin", "Haut-Rhin"], "people": [4, 25], "rate": [0.1, 0.25]})
    columns = {"territory_name": tables.Col("Territoire"), "people": tables.Col("RU", "int"),
               "rate": tables.Col("Taux", "percent")}
    masked = pd.DataFrame({"people": [True, False]})
    shown = tables.screen(frame, columns, masked)
    assert shown.columns.tolist() == ["Territoire", "RU", "Taux"]
    csv = tables.csv_bytes(frame, columns, masked=masked).decode("utf-8-sig")
    hidden = csv.splitlines()[1].split(";")[1]
    assert shown["RU"].tolist() == [hidden, "25"] and hidden not in ("4", "")


def test_the_declaration_states_a_lawful_state():
    assert accessibility.mention() in {"Accessibilité : non conforme", "Accessibilité : partiellement conforme",
                                       "Accessibilité : totalement conforme"}
    assert accessibility.HAND_CHECKS and accessibility.NOT_ACCESSIBLE
