"""Accueil and Convention in headless Chromium with every non-local request blocked."""
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, FLAGS, offline_route, streamlit_app

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")]


@pytest.fixture(scope="module")
def server(fixture_store_dir):
    with streamlit_app(fixture_store_dir) as url:
        yield url


def _open(server, path, wait_text, tmp_path, name):
    from playwright.sync_api import sync_playwright

    blocked = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})

            page.route("**/*", offline_route(blocked))
            page.goto(server + path, timeout=60000)
            page.get_by_text(wait_text).first.wait_for(timeout=90000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
            text = page.inner_text("body")
            exceptions = page.locator('[data-testid="stException"]').count()
        finally:
            browser.close()
    return text, exceptions, blocked


def test_accueil_in_chromium(server, tmp_path):
    text, exceptions, blocked = _open(server, "/?territoire=departement:67&date=2026-03-01",
                                      "Fraîcheur des données", tmp_path, "accueil")
    assert exceptions == 0 and blocked == []
    assert "Taux de vacance des sièges" in text and "25,0" in text
    assert "Territoire" in text                       # the router's sidebar is there


def test_convention_deep_link_in_chromium(server, tmp_path):
    text, exceptions, blocked = _open(server, "/convention?territoire=departement:67&date=2026-03-01",
                                      "Référence : la valeur à la signature", tmp_path, "convention")
    assert exceptions == 0 and blocked == []
    assert "Tableau de bord au 01/03/2026" in text
    assert "Pilotage" in text and "Territoire" in text  # deep link went through app.py (router sidebar)
