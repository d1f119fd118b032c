"""No link or image injected: text from the data is escaped for Markdown (Streamlit) and for plotly's HTML subset.

The browser check renders a store whose convention party is a Markdown image and whose milestone and
establishment names are HTML, and asserts that the browser requests nothing outside and builds no link or image.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from observatoire.base.formatting import md_escape, plotly_escape
from observatoire.present import charts
from tests.browser_support import CHROMIUM, FLAGS, ROOT, draw_every_chart, offline_route

IMAGE = "![px](http://evil.example/px.png)"
LINK = '<a href="http://evil.example/l">ici</a>'


@pytest.mark.parametrize("value, expected", [
    (IMAGE, "\\!\\[px\\]\\(http\\:\u2060\\/\\/evil\\.example\\/px\\.png\\)"),
    ("[clic](javascript:alert(1))", r"\[clic\]\(javascript\:alert\(1\)\)"),
    ("**gras** _it_ `code` ~~barré~~", r"\*\*gras\*\* \_it\_ \`code\` \~\~barré\~\~"),
    (":red[alerte] :material/warning:", r"\:red\[alerte\] \:material\/warning\:"),
    ("www.evil.example a@b.fr", "w\u2060ww\\.evil\\.example a\\@\u2060b\\.fr"),  # no autolink
    ("# titre\n- liste\n> citation", r"\# titre \- liste \> citation"),   # one line, no block
    ("$x^2$ <b>", r"\$x\^2\$ \<b\>"),
    ("CH d'Ajaccio – 2A", r"CH d\'Ajaccio – 2A"),                           # letters and dashes untouched
    (None, ""), (float("nan"), ""), (12, "12"),
])
def test_md_escape(value, expected):
    assert md_escape(value) == expected


@pytest.mark.parametrize("value, expected", [
    (LINK, '&lt;a href="http://evil.example/l"&gt;ici&lt;/a&gt;'),
    ("<b>gras</b> & <br>", "&lt;b&gt;gras&lt;/b&gt; &amp; &lt;br&gt;"),
    ("CH d'Ajaccio", "CH d'Ajaccio"), (None, ""),
])
def test_plotly_escape(value, expected):
    assert plotly_escape(value) == expected


def _texts(fig) -> str:
    """Every string plotly will interpret as pseudo-HTML in a figure (traces, layout, annotations)."""
    return fig.to_json()


def test_chart_builders_escape_text_from_the_data():
    day = dt.date(2026, 1, 1)
    frame = pd.DataFrame({"as_of": [day, day], "rate": [10.0, 20.0], "group": [LINK, "CDU"],
                          "territory_name": [LINK, "<b>B</b>"], "gap": [1.0, -2.0]})
    figures = [
        charts.time_series(frame, "as_of", "rate", "t", "%", color="group"),
        charts.small_multiples(frame, "as_of", "rate", "territory_name", "t", "%"),
        charts.ranked_bars(frame, "territory_name", "rate", "t", "%"),
        charts.gap_bars(frame, "territory_name", "gap", "t", "%", "lower_is_better", "référence"),
        charts.timeline(pd.DataFrame({"d": [day], "label": [LINK], "kind": ["Jalon"]}), "d", "label", "kind",
                        day, "t"),
    ]
    for fig in figures:
        text = _texts(fig)
        assert "<a href" not in text and "<b>B</b>" not in text
        assert "&lt;a href=" in text


def test_establishment_hover_is_escaped():
    points = pd.DataFrame({"name": [LINK], "finess": ["670000025"], "department_code": ["67"], "lon": [7.75],
                           "lat": [48.58], "cdu_state": ["complète"], "filled": [4], "seats": [4],
                           "vacant_titulaire": [0], "vacant_suppleant": [0]})
    text = _texts(charts.establishments_map(points, "67"))
    assert "<a href" not in text and "&lt;a href=" in text


# --- in the browser -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    from pipelines.build import build
    from tests.conftest import write_fixture_raw
    from tests.test_access_browser import _free_port, _wait

    root = tmp_path_factory.mktemp("hostile")
    raw = write_fixture_raw(root)
    convention = raw / "convention" / "convention.csv"
    convention.write_text(convention.read_text(encoding="utf-8").replace("France Assos Santé Grand Est", IMAGE),
                          encoding="utf-8")
    milestones = raw / "convention" / "jalons.csv"
    milestones.write_text(milestones.read_text(encoding="utf-8").replace("Groupe de suivi de juin 2026", LINK),
                          encoding="utf-8")
    build(raw, root / "parquet")
    port = _free_port()
    env = {**os.environ, "OBSERVATOIRE_DATA": str(root / "parquet")}
    process = subprocess.Popen(
        [sys.executable, "-m", "observatoire.ui.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/_stcore/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")
def test_no_request_leaves_for_injected_markdown_or_html(hostile_app):
    from playwright.sync_api import sync_playwright


    outside = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})

            page.route("**/*", offline_route(outside))
            page.goto(hostile_app + "/convention?territoire=departement:67&date=2026-03-01", timeout=180000)
            evil = 'img[src*="evil"], a[href*="evil"], image[href*="evil"]'
            text, evil_nodes = "", 0
            for section, shown in (("Indicateurs et statuts", "Référence : la valeur à la signature"),
                                   ("Jalons et feuille de route", "Jalons de suivi")):   # one section at a time
                page.get_by_role("tab", name=section).click()
                page.get_by_text(shown).first.wait_for(timeout=180000)
                page.wait_for_timeout(2000)
                text += page.inner_text("body")
                evil_nodes += page.locator(evil).count()
            # plotly draws the hover only on hover: hover the milestone marker and look at the SVG it builds.
            draw_every_chart(page)  # the milestones' chart sits below the fold: drawn once scrolled to
            marker = page.locator(".js-plotly-plot .scatterlayer .point").first
            assert marker.count(), "the milestones' chart was not drawn"
            marker.hover(force=True)
            page.wait_for_timeout(800)
            hover_links = page.locator('.hoverlayer a, .hoverlayer [href*="evil"]').count()
        finally:
            browser.close()
    assert IMAGE in text.replace("\u2060", "")  # shown as typed
    assert evil_nodes == 0 and hover_links == 0 and outside == []
