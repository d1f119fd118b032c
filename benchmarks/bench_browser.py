"""What a person feels: every page of app.py driven in headless Chromium (offline) against a bare Streamlit app
(one selectbox, one st.write) measured in the same run.

For each page: first load (new browser session), warm rerun (territory already seen), cold rerun (a territory or
a date never asked before in this server), and on the map the click on a département until its drill-down is
drawn. Each time runs from the widget change until the page is idle:

- start: the moment the browser sends the rerun request on the websocket (so Playwright's own clicking and typing
  is not counted); for a first load, the navigation start;
- idle: the server has answered on the websocket since the start, Streamlit's script-run state (the
  `data-test-script-state` attribute behind the running indicator) is "notRunning", and no websocket message nor
  visible change has happened for QUIET_MS; the time recorded is the last such message or change, not the end of
  the quiet wait. A visible change is a DOM mutation (React commits, Plotly drawing its SVG) or a draw call on a
  canvas (the data grid's cells, the map's WebGL); mutations inside a canvas's fallback content are not painted and
  do not count (the data grid updates its hidden screen-reader table there on a timer, up to 300 ms after its
  cells are drawn).

Every non-local request is aborted; a page that shows a Streamlit exception or tries the network fails the run.
"""
from __future__ import annotations

import ast
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

from observatoire.base import referential
from observatoire.base.settings import ROOT

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
QUIET_MS = 500
TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1600, "height": 1000}
BASE = ("region:44", "departement:67")     # the two territories toggled for warm reruns
BASE_DATE = "2026-06-15"
# Départements of Grand Est clicked on the map (lon, lat inside each), never chosen elsewhere in the run.
CLICKS = {"57": (6.65, 49.0), "51": (4.2, 48.95), "88": (6.4, 48.2)}

# Installed before any page script: timestamps of websocket traffic, DOM mutations and script-run state changes.
PROBE = """
window.__perf = {lastMsg: 0, lastMutation: 0, lastRunning: -1, sends: []};
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => { window.__perf.lastMsg = performance.now(); });
  }
  send(data) { window.__perf.sends.push(performance.now()); return super.send(data); }
};
// A visible change: a DOM mutation outside what is never painted, or a draw call on a 2D or WebGL canvas (the
// grid's cells, the map). Never painted: a canvas's fallback content (the data grid keeps its screen-reader table
// there and updates it on a timer) and a live region hidden off screen (1 px, clipped), whose announcements for
// screen readers (« 120 options available. ») the list box removes 7 s after each opening, whatever the page does.
const seen = () => { window.__perf.lastMutation = performance.now(); };
const unpainted = (node) => {
  if (node.closest('canvas')) return true;
  const live = node.closest('[aria-live]');
  if (!live) return false;
  const box = live.getBoundingClientRect();
  return box.width <= 1 || box.height <= 1;
};
new MutationObserver((records) => {
  const now = performance.now();
  for (const r of records) {
    // Any change of the run state (React may batch rerunRequested -> running -> notRunning into one commit).
    if (r.attributeName === 'data-test-script-state') window.__perf.lastRunning = now;
    const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    if (!(node && node.closest && unpainted(node))) window.__perf.lastMutation = now;
  }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeOldValue: true,
                      characterData: true});
for (const [proto, names] of [[CanvasRenderingContext2D.prototype, ['fillText', 'fillRect', 'drawImage', 'stroke']],
                              [WebGLRenderingContext.prototype, ['drawArrays', 'drawElements']],
                              [WebGL2RenderingContext.prototype, ['drawArrays', 'drawElements']]]) {
  for (const name of names) {
    const native = proto[name];
    proto[name] = function (...args) { seen(); return native.apply(this, args); };
  }
}
"""

# Resolves with the idle time (ms, page clock) once the page has been idle for `quiet` ms after `start`.
WAIT_IDLE = """([start, quiet, timeout]) => new Promise((resolve, reject) => {
  const began = performance.now();
  const tick = () => {
    const p = window.__perf, now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : null;
    const last = Math.max(p.lastMsg, p.lastMutation);
    // The server has answered since the start. (The run state attribute is not required to move: React may
    // batch a fast run's rerunRequested -> running -> notRunning into no change at all.)
    const ran = p.lastMsg > start;
    if (ran && state === 'notRunning' && now - last >= quiet) return resolve(last);
    if (now - began > timeout) return reject(new Error('not idle: state ' + state));
    setTimeout(tick, 20);
  };
  tick();
})"""


@dataclass(frozen=True)
class PageRef:
    title: str
    path: str       # URL path ("" for the default page)


@dataclass
class Timings:
    first_load: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    cold_territory: list[float] = field(default_factory=list)
    cold_date: list[float] = field(default_factory=list)
    click: list[float] = field(default_factory=list)
    failures: int = 0

    def add(self, kind: str, value: float | None) -> None:
        if value is None:
            self.failures += 1
        else:
            getattr(self, kind).append(value)


def discover_pages(app: Path = ROOT / "app.py") -> list[PageRef]:
    """The pages app.py gives st.navigation, in order: st.Page("pages/x.py", title=..., default=...)."""
    pages = []
    for node in ast.walk(ast.parse(app.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page" and node.args:
            keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            source = Path(ast.literal_eval(node.args[0]))
            pages.append(PageRef(keywords.get("title", source.stem),
                                 "" if keywords.get("default") else keywords.get("url_path", source.stem)))
    return pages


def option_labels() -> dict[str, str]:
    """Sidebar option key -> the label shown (as observatoire.ui builds it)."""
    labels = {"national:FR": referential.NATIONAL_NAME}
    labels |= {f"region:{c}": f"{n} (région)" for c, n in referential.names("region").items()}
    labels |= {f"departement:{c}": f"{c} – {n}" for c, n in referential.names("departement").items()}
    return labels


def cold_pool() -> list[str]:
    """Territories for cold reruns: never the base ones nor the départements clicked on the map; régions and
    départements interleaved (one région for two départements)."""
    labels = option_labels()
    used = {*BASE, *(f"departement:{c}" for c in CLICKS)}
    regions = [k for k in labels if k.startswith("region:") and k not in used]
    departments = [k for k in labels if k.startswith("departement:") and k not in used]
    pool = []
    while regions or departments:
        pool += departments[:1] + regions[:1] + departments[1:2]
        regions, departments = regions[1:], departments[2:]
    return pool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(script: Path, port: int, store: Path | None, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if store is not None:
        env["OBSERVATOIRE_DATA"] = str(store)
    process = subprocess.Popen(
        [sys.executable, "-m", *(("observatoire.ui.serve",) if script.name == "app.py" else ("streamlit", "run", str(script))),
         "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited ({process.returncode}), see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise TimeoutError(f"streamlit did not answer on port {port}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class Driver:
    """One Chromium; every page opened through it is offline and carries the probe."""

    def __init__(self, playwright):
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        self.non_local: list[str] = []
        self.context = None

    def close(self):
        self.browser.close()

    def _route(self, route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or (urlparse(url).hostname or "") in LOCAL_HOSTS:
            return route.continue_()
        self.non_local.append(url)
        return route.abort()

    def first_load(self, url: str):
        """A new browser session (no HTTP cache, new Streamlit session) opening `url`: (page, ms)."""
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(viewport=VIEWPORT)
        self.context.route("**/*", self._route)
        self.context.add_init_script(PROBE)
        page = self.context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        return page, self.wait_idle(page, 0.0)

    @staticmethod
    def wait_idle(page, start: float) -> float:
        end = page.evaluate(WAIT_IDLE, [start, QUIET_MS, TIMEOUT_MS])
        if page.locator('[data-testid="stException"]').count():
            raise RuntimeError(f"exception on {page.url}: {page.locator('[data-testid=stException]').first.inner_text()[:300]}")
        return end - start

    @staticmethod
    def _sends(page) -> int:
        return page.evaluate("() => window.__perf.sends.length")

    def timed(self, page, action) -> float | None:
        """Run `action` (a widget change) and time from the rerun request it sends until the page is idle;
        None (counted as a failure in the report) when the browser could not do it in time."""
        from playwright.sync_api import Error as PlaywrightError

        before = self._sends(page)
        try:
            action()
            page.wait_for_function("n => window.__perf.sends.length > n", arg=before, timeout=TIMEOUT_MS)
            start = page.evaluate("n => window.__perf.sends[n]", before)
            return self.wait_idle(page, start)
        except PlaywrightError as error:
            print(f"    échec ({page.url}) : {str(error).splitlines()[0][:160]}", flush=True)
            page.keyboard.press("Escape")
            page.wait_for_timeout(2000)
            return None


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label` (a React Aria combobox); typing opens the list."""
    box = page.get_by_role("combobox", name=label, exact=True).first
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()


def set_day(page, day: int) -> None:
    """Type a new day in the sidebar's date field; it commits on blur."""
    page.get_by_role("spinbutton", name="day, Situation au").first.click()
    page.keyboard.type(f"{day:02d}")
    page.locator("h1").first.click()


def click_map(page, lon: float, lat: float) -> None:
    x, y = page.evaluate("""([lon, lat]) => {
        const map = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
        const point = map.project([lon, lat]);
        const rect = map.getCanvas().getBoundingClientRect();
        return [rect.left + point.x, rect.top + point.y];
    }""", [lon, lat])
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)


def url(server: str, page: PageRef, territory: str, date: str = BASE_DATE) -> str:
    return f"{server}/{page.path}?territoire={quote(territory)}&date={date}"


def measure_bare(driver: Driver, server: str, repeat: int, query: str = "") -> Timings:
    timings = Timings()
    page = None
    for _ in range(repeat):
        page, ms = driver.first_load(server + "/" + query)
        timings.first_load.append(ms)
    for i in range(2 * repeat):
        timings.add("warm", driver.timed(page, lambda: choose(page, "Territoire", f"Territoire {i % 2 + 1}")))
    return timings


def measure_page(driver: Driver, server: str, ref: PageRef, pool: list[str], days: list[int], repeat: int,
                 labels: dict[str, str]) -> Timings:
    timings = Timings()
    a, b = BASE
    page = None
    for _ in range(repeat):
        page, ms = driver.first_load(url(server, ref, a))
        timings.first_load.append(ms)
    page.wait_for_timeout(300)
    driver.timed(page, lambda: choose(page, "Territoire", labels[b]))      # first visit of b: not counted
    for i in range(2 * repeat):
        target = a if i % 2 == 0 else b
        timings.add("warm", driver.timed(page, lambda: choose(page, "Territoire", labels[target])))
    for _ in range(repeat):
        target = pool.pop(0)
        timings.add("cold_territory", driver.timed(page, lambda: choose(page, "Territoire", labels[target])))
    driver.timed(page, lambda: choose(page, "Territoire", labels[a]))
    for _ in range(max(2, repeat - 1)):
        if not days:  # more pages than days of the month: later pages reuse days other pages asked (said in RESULTS)
            days.extend(d for d in range(1, 29) if d != int(BASE_DATE[-2:]))
        day = days.pop(0)
        timings.add("cold_date", driver.timed(page, lambda: set_day(page, day)))
    if ref.path == "carte":
        page.locator(".maplibregl-canvas").first.wait_for(state="visible")
        page.wait_for_timeout(1500)   # MapLibre loads its style and paints after the element appears
        for lon, lat in CLICKS.values():
            timings.add("click", driver.timed(page, lambda: click_map(page, lon, lat)))
            page.mouse.move(5, 5)
    return timings


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def run(store: Path, repeat: int = 3, app_port: int | None = None, bare_port: int | None = None,
        log_dir: Path | None = None, only: list[str] | None = None) -> dict:
    """Measure every page of app.py and the bare app; returns {"bare": Timings, "pages": {title: Timings},
    "load": (before, after)}."""
    from playwright.sync_api import sync_playwright

    log_dir = log_dir or ROOT / ".bench"
    log_dir.mkdir(exist_ok=True)
    app_port, bare_port = app_port or free_port(), bare_port or free_port()
    labels = option_labels()
    pool = cold_pool()
    days = [d for d in range(1, 29) if d != int(BASE_DATE[-2:])]
    load_before = load_average()
    app = start_server(ROOT / "app.py", app_port, store, log_dir / "bench-app.log")
    bare = start_server(ROOT / "benchmarks" / "bare_app.py", bare_port, None, log_dir / "bench-bare.log")
    results = {"pages": {}}
    try:
        with sync_playwright() as playwright:
            driver = Driver(playwright)
            try:
                bare_server, app_server = f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{app_port}"
                # Both floors at the start and again at the end of the run: this machine's speed drifts within
                # a run, and the pages are measured in between.
                floor = measure_bare(driver, bare_server, repeat)
                plotly_floor = measure_bare(driver, bare_server, repeat, "?plotly=1")
                for ref in [r for r in discover_pages() if not only or r.title in only]:
                    results["pages"][ref.title] = measure_page(driver, app_server, ref, pool, days, repeat, labels)
                    print(f"  {ref.title} : {results['pages'][ref.title]}", flush=True)
                for start, end in ((floor, measure_bare(driver, bare_server, repeat)),
                                   (plotly_floor, measure_bare(driver, bare_server, repeat, "?plotly=1"))):
                    start.first_load += end.first_load
                    start.warm += end.warm
                results["bare"], results["bare_plotly"] = floor, plotly_floor
            finally:
                driver.close()
        if driver.non_local:
            raise RuntimeError(f"requests left the machine: {driver.non_local[:5]}")
    finally:
        stop_server(app)
        stop_server(bare)
    results["load"] = (load_before, load_average())
    return results


def _ms(values: list[float]) -> str:
    if not values:
        return "–"
    median = statistics.median(values)
    return f"{median:,.0f}".replace(",", " ") + (f" (max {max(values):,.0f})".replace(",", " ")
                                                  if len(values) > 1 else "")


def report(results: dict) -> list[str]:
    """Markdown table: medians (max in brackets), warm ratio to the Plotly floor's rerun, a verdict per goal of
    issue 27 against the floors measured in the same run."""
    bare = statistics.median(results["bare"].warm)
    plotly = results.get("bare_plotly") or results["bare"]
    floor_rerun, floor_first = statistics.median(plotly.warm), statistics.median(plotly.first_load)
    lines = [f"Application nue : relance {bare:.0f} ms (médiane de {len(results['bare'].warm)}), premier "
             f"chargement {_ms(results['bare'].first_load)} ms ; charge machine {results['load'][0]} → "
             f"{results['load'][1]}",
             f"Plancher (application nue avec un graphique Plotly) : relance {floor_rerun:.0f} ms, premier "
             f"chargement {_ms(plotly.first_load)} ms",
             "",
             "| Page | relance à chaud | × plancher | relance à froid (territoire) | à froid (date) | premier chargement "
             f"| clic → détail | objectifs (chaud ≤ 3× plancher · froid ≤ 1 s · 1er ≤ plancher + 0,8 s "
             f"= {_ms([floor_first + FIRST_LOAD_MARGIN_MS])} ms · clic ≤ 1 s) |",
             "|---|---|---|---|---|---|---|---|"]
    for title, t in results["pages"].items():
        ratio = statistics.median(t.warm) / floor_rerun if t.warm else float("nan")
        lines.append(f"| {title} | {_ms(t.warm)} | {ratio:.1f}× | {_ms(t.cold_territory)} | {_ms(t.cold_date)} | "
                     f"{_ms(t.first_load)} | {_ms(t.click)} | {verdicts(t, floor_rerun, floor_first)} |"
                     + (f" ({t.failures} échec(s))" if t.failures else ""))
    return lines


FIRST_LOAD_MARGIN_MS = 800


def verdicts(t: Timings, floor_rerun: float, floor_first: float) -> str:
    """✔ or ✗ per goal of issue 27, on the medians: warm rerun ≤ 3× the Plotly floor's rerun, cold reruns (territory
    and date) ≤ 1 s, first load ≤ the Plotly floor's first load + 0,8 s, map click ≤ 1 s (– when not measured)."""
    def mark(values, limit):
        return "–" if not values else ("✔" if statistics.median(values) <= limit else "✗")
    cold = [mark(t.cold_territory, 1000), mark(t.cold_date, 1000)]
    return " · ".join([mark(t.warm, 3 * floor_rerun), "✔" if cold == ["✔", "✔"] else "✗",
                       mark(t.first_load, floor_first + FIRST_LOAD_MARGIN_MS), mark(t.click, 1000)])


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_browser")
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--app-port", type=int)
    parser.add_argument("--bare-port", type=int)
    parser.add_argument("--pages", nargs="+", help="titles of the pages to measure (all by default)")
    args = parser.parse_args(argv)
    for line in report(run(args.store, args.repeat, args.app_port, args.bare_port, only=args.pages)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
