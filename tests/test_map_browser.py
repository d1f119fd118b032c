"""The map page in a real browser: it draws offline (no request leaves the machine) and a click drills down.

Drives Debian's chromium through Playwright for Python against `streamlit run app.py` on the fixture store.
"""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import browser_support
from tests.browser_support import FLAGS, ROOT, offline_route

CHROMIUM = Path(browser_support.CHROMIUM)
TIMEOUT_S = 90

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium absent: install Debian's chromium (make browser) to run it")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not answer in time")


@pytest.fixture
def server(fixture_store_dir, tmp_path):
    port = _free_port()
    env = {**os.environ, "OBSERVATOIRE_DATA": str(fixture_store_dir)}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "observatoire.ui.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, 60)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _colours(png: bytes) -> int:
    from PIL import Image
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return len(image.getcolors(maxcolors=1 << 20) or [])


def test_map_renders_offline_and_click_drills_down(server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (Python package) not installed")

    non_local: list[str] = []

    route = offline_route(non_local)

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, timeout=TIMEOUT_S * 1000)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_S * 1000)
            page.route("**/*", route)
            # Let app.py run once (it registers st.navigation) before opening the page by its address.
            page.goto(server + "/")
            page.get_by_text("Situation au").first.wait_for()
            page.goto(server + "/carte?date=2026-03-01")
            page.get_by_text("Carte des territoires").first.wait_for()
            canvas = page.locator(".maplibregl-canvas").first
            canvas.wait_for(state="visible")
            page.wait_for_timeout(2500)  # MapLibre paints after the element appears
            box = canvas.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 300
            shot = canvas.screenshot(path=str(tmp_path / "carte.png"))
            assert _colours(shot) > 5, "the map canvas is blank"
            assert page.locator('[data-testid="stException"]').count() == 0

            # The library served knows every chart type the app draws, at the version Python writes figures for.
            from observatoire.present.plotly_library import python_plotlyjs_version

            version, types = page.evaluate("() => [Plotly.version, Object.keys(Plotly.PlotSchema.get().traces)]")
            assert version == python_plotlyjs_version()
            assert {"scatter", "bar", "funnel", "table", "scattermap", "choroplethmap"} <= set(types), types

            # Click on Bas-Rhin (its true place): the drill-down shows its establishments.
            page.evaluate("() => { document.querySelector('.js-plotly-plot').__before_click = true; }")
            x, y = page.evaluate("""() => {
                const map = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
                const point = map.project([7.55, 48.65]);
                const rect = map.getCanvas().getBoundingClientRect();
                return [rect.left + point.x, rect.top + point.y];
            }""")
            page.mouse.move(x, y)
            page.wait_for_timeout(300)
            page.mouse.click(x, y)
            try:
                # The drill-down's map opens under the map; scrolled to, it is drawn (charts below the fold wait).
                page.locator(".obs-plot").nth(1).wait_for(state="attached", timeout=30_000)
                page.locator(".obs-plot").nth(1).scroll_into_view_if_needed()
                page.locator(".maplibregl-canvas").nth(1).wait_for(state="visible", timeout=30_000)
            finally:
                page.screenshot(path=str(tmp_path / "after_click.png"), full_page=True)
            page.get_by_text("3 établissement(s)").first.wait_for()  # the drill-down table of Bas-Rhin
            page.wait_for_timeout(1500)
            # The map was updated in place (Bas-Rhin now outlined), not thrown away and built again.
            assert page.evaluate("() => document.querySelector('.js-plotly-plot').__before_click === true")
            outlined = page.evaluate("""() => (document.querySelector('.js-plotly-plot').layout.map.layers || [])
                .filter(l => l.type === 'line').flatMap(l => l.source.features.map(f => String(f.id)))""")
            assert any(fid.endswith("67") for fid in outlined), outlined
            page.screenshot(path=str(tmp_path / "carte_departement.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
    assert non_local == [], f"the map page tried to reach the network: {non_local}"
