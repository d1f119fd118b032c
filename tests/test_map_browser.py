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
# Feature ids of the outline shown over the map: the element's own line layers (figures.js), the visible one.
OUTLINED = """async () => {
    const map = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
    const shown = map.getLayersOrder().filter(id => id.startsWith('observatoire-overlay-'))
        .filter(id => map.getPaintProperty(id, 'line-opacity') > 0);
    const data = await Promise.all(shown.map(id => map.getSource(id).getData()));
    return data.flatMap(d => d.features.map(f => String(f.id)));
}"""

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
            # The outline is the element's own layer over the map (not Plotly's): the one shown holds Bas-Rhin.
            outlined = page.evaluate(OUTLINED)
            assert any(fid.endswith("67") for fid in outlined), outlined
            page.screenshot(path=str(tmp_path / "carte_departement.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
    assert non_local == [], f"the map page tried to reach the network: {non_local}"


def _choose_territory(page, label: str) -> None:
    box = page.get_by_role("combobox", name="Territoire", exact=True).first
    box.fill(label)
    page.get_by_role("option", name=label, exact=True).first.click()


def _outlined_once(page, done, timeout_s: float = 30.0) -> list[str]:
    """The outlined feature ids once `done(ids)` holds (the rerun has reached the map), else the last ones."""
    deadline = time.monotonic() + timeout_s
    ids = page.evaluate(OUTLINED)
    while not done(ids) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        ids = page.evaluate(OUTLINED)
    return ids


def test_moving_the_outline_does_not_redraw_the_map(server, tmp_path):
    """Choosing another territory of the same région only moves the outline: Plotly is not asked to redraw the
    map (its traces keep their data), the outline is the element's own layer, and a territory outlined before is
    shown again by opacity alone (no new layer)."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (Python package) not installed")
    non_local: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, timeout=TIMEOUT_S * 1000)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(TIMEOUT_S * 1000)
            page.route("**/*", offline_route(non_local))
            page.goto(server + "/")
            page.get_by_text("Situation au").first.wait_for()
            page.goto(server + "/carte?territoire=region:44&date=2026-03-01")
            page.locator(".maplibregl-canvas").first.wait_for(state="visible")
            page.wait_for_function("() => { const m = document.querySelector('.js-plotly-plot')._fullLayout.map;"
                                   " return m && m._subplot && m._subplot.map && m._subplot.map.loaded(); }")
            assert page.evaluate(OUTLINED) == []                      # a région: nothing outlined
            page.evaluate("""() => { window.__reacts = 0; const react = Plotly.react;
                Plotly.react = function (...args) { window.__reacts += 1; return react.apply(this, args); }; }""")
            layers = """() => document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map
                .getLayersOrder().filter(id => id.startsWith('observatoire-overlay-')).length"""

            _choose_territory(page, "67 – Bas-Rhin")
            assert _outlined_once(page, lambda ids: ids) == ["67"]
            assert page.evaluate(layers) == 1
            _choose_territory(page, "Grand Est (région)")
            assert _outlined_once(page, lambda ids: not ids) == []
            _choose_territory(page, "67 – Bas-Rhin")
            assert _outlined_once(page, lambda ids: ids) == ["67"]
            assert page.evaluate(layers) == 1                          # the same layer, shown again
            assert page.evaluate("() => window.__reacts") == 0         # the map itself was never redrawn
            # The outline is above the map's own layers (a territory's fill never hides it).
            order = page.evaluate("""() => document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map
                .getLayersOrder()""")
            assert order[-1].startswith("observatoire-overlay-"), order
            page.locator(".maplibregl-canvas").first.screenshot(path=str(tmp_path / "bas_rhin.png"))
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
    assert non_local == []
