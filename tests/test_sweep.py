"""Every page registered in app.py, in headless Chromium, for five situations (France, a région, a département,
an overseas département, a date before the convention): no exception box or French error message, no request
leaving the machine,
no « NaN », « None » or `1e+05` in the visible text, every chart drawn.

Pages are read from app.py, so a page added later is swept too. Runs on the fixture store (tests/conftest.py).
"""
from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import browser_support
from tests.browser_support import FLAGS, ROOT, draw_every_chart, offline_route

CHROMIUM = Path(browser_support.CHROMIUM)
SITUATIONS = [  # (sidebar territory, as-of date)
    ("national:FR", "2026-06-15"),
    ("region:44", "2026-06-15"),
    ("departement:67", "2026-06-15"),
    ("departement:971", "2026-06-15"),
    ("region:44", "2021-01-01"),   # before the convention was signed
]
FORBIDDEN = [(re.compile(r"\bNaN\b|\bnan\b"), "NaN"), (re.compile(r"\bNone\b"), "None"),
             (re.compile(r"\de\+\d"), "e+ notation")]
# app.py turns a page's exception into a French message (no exception box): those count as failures too.
ERROR_TEXTS = ["Cette page n'a pas pu s'afficher", "L'entrepôt est endommagé", "Aucun entrepôt de données"]
SETTLE_S = 60

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium absent: install Debian's chromium (make browser) to run it")]


def registered_pages(app_file: Path = ROOT / "app.py") -> list[tuple[str, str]]:
    """(url path, title) of every st.Page(...) of the router, the default page at "" (read, not imported)."""
    pages = []
    for node in ast.walk(ast.parse(app_file.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page" and node.args):
            continue
        source = ast.literal_eval(node.args[0])
        keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords
                    if isinstance(k.value, ast.Constant)}
        # The mode séance is its own router branch (?seance=1): its page keeps its url_path, never "".
        url = keywords.get("url_path") or ("" if keywords.get("default") else Path(source).stem)
        pages.append((url, keywords.get("title", Path(source).stem)))
    return pages


def test_pages_are_read_from_the_router():
    pages = dict(registered_pages())
    assert pages[""] == "Accueil"
    assert {"convention", "carte", "vacance", "participation", "donnees", "seance"} <= set(pages)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(fixture_store_dir, tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "OBSERVATOIRE_DATA": str(fixture_store_dir)}
    log = (tmp_path_factory.mktemp("sweep") / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "observatoire.ui.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {process.returncode}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _settle(page) -> None:
    """Wait until the script run is over: title drawn, no running indicator, no skeleton, no stale element."""
    page.locator("h1").first.wait_for(timeout=SETTLE_S * 1000)
    deadline = time.monotonic() + SETTLE_S
    quiet = 0
    while time.monotonic() < deadline and quiet < 3:
        busy = page.evaluate("""() => !!document.querySelector(
            '[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-stale="true"]')""")
        quiet = 0 if busy else quiet + 1
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)  # plotly draws after the element is mounted


# Charts of a tab not shown (Écarts, Sièges vacants) have no size until their tab is opened: not checked.
CHARTS_DRAWN = """() => [...document.querySelectorAll('.obs-plot')]
  .filter(el => !el.closest('[role="tabpanel"][hidden], [role="tabpanel"][aria-hidden="true"]')
                && el.checkVisibility())
  .map(el => {
    const plot = el.classList.contains('js-plotly-plot') ? el : null;
    const box = el.getBoundingClientRect();
    return {drawn: !!(plot && plot._fullLayout && plot.querySelector('.main-svg')),
            height: box.height, maps: plot ? plot.querySelectorAll('.maplibregl-canvas').length : 0};
})"""


def test_every_page_in_every_situation(server, tmp_path):
    from playwright.sync_api import sync_playwright

    pages = registered_pages()
    non_local: list[str] = []
    problems: list[str] = []
    timings: list[tuple[float, str]] = []

    route = offline_route(non_local)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.set_default_timeout(SETTLE_S * 1000)
            page.route("**/*", route)
            page.goto(server + "/")  # app.py registers the pages once before any deep link
            _settle(page)
            for territory, as_of in SITUATIONS:
                for url, title in pages:
                    where = f"{title} ({territory}, {as_of})"
                    started = time.monotonic()
                    # The mode séance is reached as the Convention page links to it: /?seance=1.
                    path, extra = ("", "&seance=1") if url == "seance" else (url, "")
                    page.goto(f"{server}/{path}?territoire={territory}&date={as_of}{extra}")
                    _settle(page)
                    if page.locator('[data-testid="stException"]').count():
                        problems.append(f"{where}: exception box")
                    text = page.inner_text("body")
                    problems += [f"{where}: « {message} »" for message in ERROR_TEXTS if message in text]
                    for pattern, name in FORBIDDEN:
                        for match in pattern.finditer(text):
                            context = text[max(0, match.start() - 40):match.end() + 40].replace("\n", " ")
                            problems.append(f"{where}: {name} in « {context} »")
                    draw_every_chart(page)  # charts below the fold are drawn when scrolled to
                    for i, chart in enumerate(page.evaluate(CHARTS_DRAWN)):
                        if not chart["drawn"] or chart["height"] < 50:
                            problems.append(f"{where}: chart {i + 1} not drawn ({chart})")
                    timings.append((time.monotonic() - started, where))
                    if problems and problems[-1].startswith(where):
                        page.screenshot(path=str(tmp_path / f"{url or 'accueil'}_{territory}_{as_of}.png"),
                                        full_page=True)
        finally:
            browser.close()
    print("slowest visits:", ", ".join(f"{where} {seconds:.1f} s" for seconds, where in sorted(timings)[-3:]))
    assert non_local == [], f"requests left the machine: {sorted(set(non_local))}"
    assert problems == [], "\n".join(problems)
