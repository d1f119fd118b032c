"""RGAA in headless Chromium: every page registered in app.py, the mode séance and a chart's data table pass
axe-core (the PyPI package axe-playwright-python bundles it) with no serious or critical violation, in French;
every chart has a text alternative; the keyboard alone reaches every control with a visible focus, opens the map's
drill-down from its list and changes tabs. The sign-in screen is checked in tests/test_access_browser.py.

Runs on the fixture store (tests/conftest.py), Grand Est on 15/06/2026.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, FLAGS, offline_route, serious_violations, streamlit_app
from tests.test_sweep import _settle, registered_pages

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")]
pytest.importorskip("axe_playwright_python")

QUERY = "territoire=region:44&date=2026-06-15"
WAIT = 120000
CHARTS = """() => [...document.querySelectorAll('.obs-plot')].filter(el => el.checkVisibility())
  .map(el => [el.getAttribute('role'), el.getAttribute('aria-label') || ''])"""
FOCUSED = """() => { const el = document.activeElement;
  let shown = false;
  for (let e = el, i = 0; e && i < 6; e = e.parentElement, i++) {
    const s = getComputedStyle(e);
    if ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== 'none') shown = true;
  }
  let text = el.innerText || '';     // the name a screen reader reads: icons (aria-hidden) left out
  for (const hidden of el.querySelectorAll('[aria-hidden="true"]')) text = text.replace(hidden.innerText, '');
  return {name: (el.getAttribute('aria-label') || text).split('\\n').filter((line) => line.trim()).pop()?.trim() || '',
          role: el.getAttribute('role') || el.tagName.toLowerCase(), visible: el.matches(':focus-visible') && shown}; }"""


@pytest.fixture(scope="module")
def app(fixture_store_dir):
    with streamlit_app(fixture_store_dir) as url:
        yield url


@pytest.fixture(scope="module")
def page(app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(WAIT)
        page.route("**/*", offline_route([]))
        page.goto(app + "/")  # app.py registers the pages once before any deep link
        _settle(page)
        yield page
        browser.close()


def test_every_page_passes_axe_in_french_with_text_alternatives(app, page, tmp_path):
    problems = []
    for url, title in registered_pages():
        path = f"/?{QUERY}&seance=1" if url == "seance" else f"/{url}?{QUERY}"
        page.goto(app + path)
        _settle(page)
        problems += [f"{title}: {violation}" for violation in serious_violations(page)]
        if page.evaluate("document.documentElement.lang") != "fr":
            problems.append(f"{title}: document language is not French")
        if not page.title().startswith(title):
            problems.append(f"{title}: window title « {page.title()} »")
        problems += [f"{title}: a chart without text alternative" for role, label in page.evaluate(CHARTS)
                     if role != "figure" or len(label) < 20]
        if problems and problems[-1].startswith(title):
            page.screenshot(path=str(tmp_path / f"{url or 'accueil'}.png"), full_page=True)
    assert problems == []


def test_a_charts_data_table_passes_axe(app, page):
    page.goto(f"{app}/vacance?{QUERY}")
    _settle(page)
    page.get_by_text("Données du graphique (tableau)").first.click()
    page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').first.wait_for()
    _settle(page)
    assert serious_violations(page) == []


def _tab_until(page, name: str, limit: int = 80) -> list[dict]:
    """Press Tab until the focused element's name is `name`; every element met on the way."""
    met = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        page.wait_for_timeout(60)
        met.append(page.evaluate(FOCUSED))
        if met[-1]["name"] == name:
            return met
    raise AssertionError(f"« {name} » not reached with the keyboard: {[m['name'] for m in met]}")


def test_the_keyboard_reaches_every_control_with_a_visible_focus_and_drills_down(app, page):
    page.goto(f"{app}/carte?{QUERY}")
    _settle(page)
    met = _tab_until(page, "Département à détailler")
    names = [m["name"] for m in met]
    for expected in ("Aller au contenu", "Accueil", "Carte", "Données", "Accessibilité", "Territoire",
                     "Indicateur", "Télécharger", "Données du graphique (tableau)"):
        assert expected in names, f"« {expected} » not reached: {names}"
    assert [(m["name"], m["role"]) for m in met if not m["visible"]] == []
    # The chart's « Télécharger » menu opens with the keyboard; its files are reached with Tab, Escape closes it.
    page.keyboard.press("Shift+Tab")
    while page.evaluate(FOCUSED)["name"] != "Télécharger":
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Télécharger (PNG)").wait_for()
    menu = _tab_until(page, "Télécharger (PNG)", limit=5)
    assert menu[-1]["visible"], menu
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Télécharger (PNG)").wait_for(state="hidden")
    _tab_until(page, "Département à détailler")
    # The drill-down's list next to the map, with the keyboard only.
    page.keyboard.type("67")
    page.keyboard.press("Enter")
    page.get_by_text("CDU complète").first.wait_for()
    assert "Bas-Rhin" in page.inner_text('[data-testid="stMain"]')


def test_tabs_change_with_the_arrow_keys(app, page):
    page.goto(f"{app}/vacance?{QUERY}")
    _settle(page)
    page.get_by_role("tab", name="Taux de vacance").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.get_by_role("tab", name="Sièges vacants", selected=True).wait_for()
