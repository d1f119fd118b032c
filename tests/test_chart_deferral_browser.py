"""Charts away from the window are drawn when they come near it (observatoire/ui/figures.js).

On a territory or date change, only the charts the reader sees are redrawn at once; a chart below the fold keeps its place
(its height, its text alternative already the new one) and is drawn with the latest figure when scrolled to, or
when the page is printed. Debian's chromium through Playwright against the app on the fixture store.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.bench_browser import set_day
from tests import browser_support
from tests.browser_support import FLAGS, offline_route, streamlit_app
from tests.test_sweep import _settle

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    not Path(browser_support.CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")]

TIMEOUT_MS = 90_000
VIEWPORT = {"width": 1600, "height": 1000}
LOW = {"width": 1600, "height": 260}

CHARTS = """() => [...document.querySelectorAll('.obs-plot')].map((el) => ({
  top: el.getBoundingClientRect().top, height: el.getBoundingClientRect().height,
  pending: el.hasAttribute('data-pending'), drawn: !!el.querySelector('.main-svg'),
  label: el.getAttribute('aria-label') || '', asked: el.__payload || null, shown: el.__drawn || null}))"""


def _set_day(page, day: int) -> None:
    """Type another day in the sidebar's date field (as the benchmark does) and wait for the rerun."""
    set_day(page, day)
    page.wait_for_timeout(300)
    _settle(page)


@pytest.fixture(scope="module")
def app(fixture_store_dir):
    with streamlit_app(fixture_store_dir) as url:
        yield url


def test_charts_below_the_fold_are_drawn_when_scrolled_to_with_the_latest_figure(app):
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_support.CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(TIMEOUT_MS)
            page.route("**/*", offline_route(blocked))
            page.goto(app + "/")
            page.get_by_text("Situation au").first.wait_for()
            page.goto(app + "/enquetes?territoire=region:44&date=2026-03-01")
            page.locator("h1").first.wait_for()
            _settle(page)
            near = page.evaluate(CHARTS)
            assert len(near) >= 2 and all(c["top"] < VIEWPORT["height"] + 400 for c in near), near
            assert all(c["drawn"] and not c["pending"] and c["shown"] == c["asked"] for c in near), near

            # Formation's sessions section in a low window (a laptop's browser with its developer tools open): once
            # the reader is back at the top, the sessions' calendar sits below the headline cards, far below the fold.
            page.set_viewport_size(LOW)
            page.goto(app + "/formation?territoire=region:44&date=2026-03-01")
            page.locator("h1").first.wait_for()
            _settle(page)
            page.get_by_role("tab", name="Sessions").click()
            page.wait_for_timeout(300)
            _settle(page)
            page.locator("h1").first.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            charts = page.evaluate(CHARTS)
            far = [i for i, c in enumerate(charts) if c["top"] > LOW["height"] + 400]
            assert far, charts
            first = charts[far[0]]["asked"]
            assert charts[far[0]]["shown"] == first, charts[far[0]]

            # Another date while it is off screen: it waits, with the new figure (its « today » line moved), its
            # place and its text alternative there.
            _set_day(page, 15)
            chart = page.evaluate(CHARTS)[far[0]]
            assert chart["pending"] and chart["asked"] != first and chart["shown"] == first, chart
            height = json.loads(chart["asked"])["meta"]["height"]
            assert chart["height"] == height and chart["label"].startswith("Graphique"), chart

            # Scrolled to: drawn, with the latest figure asked for (the 15th's).
            page.locator(".obs-plot").nth(far[0]).scroll_into_view_if_needed()
            page.wait_for_timeout(1500)
            drawn = page.evaluate(CHARTS)[far[0]]
            assert drawn["drawn"] and not drawn["pending"] and drawn["shown"] == chart["asked"], drawn

            # Back at the top and back to the 1st: the chart, off screen again, waits; printing draws it.
            page.locator("h1").first.scroll_into_view_if_needed()
            _set_day(page, 1)
            chart = page.evaluate(CHARTS)[far[0]]
            assert chart["pending"] and chart["shown"] == drawn["shown"] and chart["asked"] == first, chart
            page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
            page.wait_for_timeout(1500)
            charts = page.evaluate(CHARTS)
            assert all(c["drawn"] and not c["pending"] and c["shown"] == c["asked"] for c in charts), charts
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
    assert blocked == []
