"""The mode séance in headless Chromium: no sidebar, large type, arrow keys move between indicators."""
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, FLAGS, offline_route, streamlit_app
from tests.test_bilan import pack_store_dir  # noqa: F401 - the fixture store with four convention indicators

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")]


@pytest.fixture(scope="module")
def seance_server(pack_store_dir):  # noqa: F811
    with streamlit_app(pack_store_dir) as url:
        yield url


VACANCY = "Taux de vacance des sièges (toutes instances, CVS compris)"  # the fixture convention targets it


def _heading(page) -> str:
    """The slide's title and, when it has one, its territory (« CDU complètes — Région · Grand Est »)."""
    title = page.locator(".seance-heading h1").first.inner_text()
    place = page.locator(".seance-heading .seance-place").first.inner_text()
    return f"{title} — {place}"


def test_arrow_keys_move_between_indicators(seance_server, tmp_path):
    from playwright.sync_api import sync_playwright

    blocked = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})

            page.route("**/*", offline_route(blocked))
            page.goto(seance_server + "/?seance=1&territoire=region:44&date=2026-06-15", timeout=60000)
            page.get_by_text("Touches").first.wait_for(timeout=90000)
            page.wait_for_timeout(800)
            # The overview first (every indicator on one screen), then the priority order: CDU complètes (1),
            # vacancy région then Bas-Rhin (1), participation (3); the late roadmap actions last.
            assert _heading(page).startswith("Vue d'ensemble")
            assert page.locator(".seance-table tbody tr").count() == 4
            assert "Situation figée au 15/06/2026" in page.inner_text("body")
            assert page.locator('[data-testid="stSidebar"]').count() == 0 or \
                not page.locator('[data-testid="stSidebar"]').first.is_visible()
            seen = [_heading(page)]
            for _ in range(5):
                page.mouse.click(960, 30)  # focus the page (the banner), not a widget
                page.keyboard.press("ArrowRight")
                page.wait_for_function("(h) => document.querySelector('.seance-heading h1')?.innerText !== h",
                                       arg=seen[-1].split(" — ")[0], timeout=60000) if len(seen) != 3 else \
                    page.wait_for_function("(p) => document.querySelector('.seance-heading .seance-place')"
                                           "?.innerText !== p", arg=seen[-1].split(" — ")[1], timeout=60000)
                seen.append(_heading(page))
            assert [s.split(" — ")[0] for s in seen] == [
                "Vue d'ensemble", "CDU complètes", VACANCY, VACANCY,
                "Participation réelle des RU", "Feuille de route"]
            assert seen[3].endswith("Département · Bas-Rhin")
            assert "6 / 6" in page.inner_text("body")
            page.keyboard.press("ArrowLeft")
            page.wait_for_function("(h) => document.querySelector('.seance-heading h1')?.innerText !== h",
                                   arg="Feuille de route", timeout=60000)
            assert _heading(page) == seen[4]
            page.get_by_text("Touches").first.wait_for(timeout=60000)
            page.wait_for_timeout(800)
            # Everything fits 1920×1080 without scrolling, and no text is smaller than 24 px.
            assert page.evaluate("document.scrollingElement.scrollHeight") <= 1080
            smallest = page.evaluate("""() => {
                let min = 1000;
                for (const el of document.querySelectorAll('.stMain *')) {
                    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
                    const box = el.getBoundingClientRect();
                    if (own && box.width > 0 && box.height > 0) min = Math.min(min, parseFloat(getComputedStyle(el).fontSize));
                }
                for (const t of document.querySelectorAll('.stMain svg text')) {
                    if (t.textContent.trim()) min = Math.min(min, parseFloat(getComputedStyle(t).fontSize));
                }
                return min;
            }""")
            assert smallest >= 24
            page.screenshot(path=str(tmp_path / "seance.png"))
        finally:
            browser.close()
    assert blocked == []
