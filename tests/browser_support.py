"""What the browser tests share: Debian's chromium and its flags, an offline route, a Streamlit server on the app."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def offline_route(blocked: list[str]):
    """A Playwright route handler: local, data: and blob: requests go through; any other is recorded in
    `blocked` and aborted (nothing may leave the machine)."""
    def route(request_route):
        url = request_route.request.url
        if url.startswith(("data:", "blob:")) or (urlparse(url).hostname or "") in LOCAL_HOSTS:
            return request_route.continue_()
        blocked.append(url)
        return request_route.abort()
    return route


@contextlib.contextmanager
def streamlit_app(store_dir: Path, env: dict | None = None, **env_extra: str):
    """`streamlit run app.py` on the store, on a free local port: yields its address once it answers. `env` and
    `env_extra` add settings (OBSERVATOIRE_RAW for a page that publishes, OBSERVATOIRE_RECORDS=...)."""
    env = {**os.environ, "OBSERVATOIRE_DATA": str(store_dir), **(env or {}), **env_extra}
    with _serving(["-m", "observatoire.ui.serve"], env) as address:
        yield address


@contextlib.contextmanager
def streamlit_script(script: Path):
    """`streamlit run` on a small script of a test (the project importable), on a free local port."""
    with _serving(["-m", "streamlit", "run", str(script)], {**os.environ, "PYTHONPATH": str(ROOT)}) as address:
        yield address


@contextlib.contextmanager
def chromium_on_script(tmp_path: Path, source: str, name: str = "script.py"):
    """A test's own small script (its `source`, written under `tmp_path`) served by Streamlit, and one Chromium:
    yields (address, browser); the browser is closed on the way out."""
    from playwright.sync_api import sync_playwright

    script = tmp_path / name
    script.write_text(source, encoding="utf-8")
    with streamlit_script(script) as address, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield address, browser
        finally:
            browser.close()


@contextlib.contextmanager
def _serving(command: list[str], env: dict):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, *command, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands (rule, impact, first targets)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


# Charts away from the window are drawn when they come near it (observatoire/ui/figures.js): bring each shown chart
# into view in turn and wait until it is drawn (at most `timeout_ms` each), then come back to the top.
DRAW_EVERY_CHART = """async (timeout) => {
  for (const el of document.querySelectorAll('.obs-plot')) {
    if (!el.checkVisibility()) continue;
    el.scrollIntoView({block: 'center'});
    const end = performance.now() + timeout;
    while (performance.now() < end && (el.hasAttribute('data-pending') || !el.querySelector('.main-svg')))
      await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) main.scrollTo(0, 0);
}"""


def draw_every_chart(page, timeout_ms: int = 10000) -> None:
    """Scroll every chart of the page into view so that it is drawn, as a reader scrolling down would."""
    page.evaluate(DRAW_EVERY_CHART, timeout_ms)
    page.wait_for_timeout(300)


def download(page, menu: str, label: str, timeout_ms: int) -> str:
    """Open the « `menu` » menu (a figure's or a table's « Télécharger… ») and take its file `label`: its text."""
    from playwright.sync_api import expect

    opener = page.get_by_role("button", name=menu, exact=True).first
    item = page.get_by_role("button", name=label, exact=True).first
    for attempt in range(3):
        # A menu opened while the page still moves (a grid or a chart above it being drawn) may stay where the
        # button was, out of the window: closed and opened again once the button is back in view.
        opener.scroll_into_view_if_needed(timeout=timeout_ms)
        opener.click(timeout=timeout_ms)
        try:
            expect(item).to_be_in_viewport(timeout=5000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            page.wait_for_timeout(1000)
    with page.expect_download(timeout=timeout_ms) as taken:
        item.click(timeout=timeout_ms)
    page.keyboard.press("Escape")
    return Path(taken.value.path()).read_bytes().decode("utf-8-sig")
