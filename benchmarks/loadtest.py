"""`python -m benchmarks.loadtest` (`make loadtest`): many people at once on one deployment, without a browser each.

Each simulated user belongs to a région (a chargé de mission, an ARS agent, a delegation): it opens a page of the
app for its région at today's date, then every THINK seconds on average (exponential think time, closed loop: the
next action starts once the previous answer is in and the user has thought) does what people do in a review:
another territory (its région, its départements, France, now and then elsewhere), another date (a month start, a
quarter end, today), a tab or an expander of the page, another page. Every user speaks Streamlit's websocket protocol
(benchmarks/streamlit_client.py); an action is timed from the rerun request to the end of the script run, every
element received: the server's share of a click, not the browser's drawing (see `make bench` for that).

Without --url the tool starts the deployment itself, fresh for every measurement (same cold caches each time), on
the store given (`make serve`'s processes behind nginx for several workers), and reports each process's memory and
CPU. With --url it measures a deployment already running (processes from --pids, or the run file `make serve`
writes). Goals of issue 27 (never in the tests): forty users, clicks p95 < 2 s and no error; a hundred users, no
error and no timeout. The floor measured in the same run: the same scenario played by one user alone (thinking
half a second, for more actions: alone, how long they think does not change how fast they are served).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from benchmarks.streamlit_client import Run, ServerError, StreamlitSession
from observatoire.base import referential
from observatoire.base.settings import ROOT

KINDS = {"open": "ouverture d'une page (nouvel onglet)", "page": "autre page", "territory": "autre territoire",
         "date": "autre date", "tab": "onglet ou volet"}
CLICKS = ("page", "territory", "date", "tab")
# Pages people open, and how often (the review's pages first): url path -> weight.
PAGES = {"": 3, "convention": 3, "carte": 2, "vacance": 2, "participation": 1, "formation": 2, "enquetes": 1,
         "projets": 1, "donnees": 1}
ACTIONS = {"territory": 0.40, "date": 0.25, "tab": 0.15, "page": 0.20}
TERRITORY, DATE = "Territoire", "Situation au"
GOAL_P95_S = 2.0
FLOOR_THINK = 0.5


@dataclass
class Scenario:
    think: float = 3.0          # mean seconds between an answer and the next action
    timeout: float = 30.0       # an action not answered by then is a timeout (the person gives up)
    seed: int = 27
    today: dt.date = field(default_factory=dt.date.today)

    def dates(self) -> list[dt.date]:
        """Dates people look at: today, the first of each of the last twelve months, the last four quarter ends."""
        first = self.today.year * 12 + self.today.month - 1
        months = [dt.date((first - i) // 12, (first - i) % 12 + 1, 1) for i in range(12)]
        quarter_ends = []
        day = self.today.replace(day=1)
        while len(quarter_ends) < 4:
            day = day - dt.timedelta(days=1)
            if day.month in (3, 6, 9, 12):
                quarter_ends.append(day)
            day = day.replace(day=1)
        return [self.today, *months, *quarter_ends]


def territory_labels() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Sidebar labels by key ('region:44' -> 'Grand Est (région)'), and each région's own labels (itself and its
    départements), as observatoire.ui.context builds them."""
    labels = {"national:FR": referential.NATIONAL_NAME}
    labels |= {f"region:{c}": f"{n} (région)" for c, n in referential.names("region").items()}
    labels |= {f"departement:{c}": f"{c} – {n}" for c, n in referential.names("departement").items()}
    own: dict[str, list[str]] = defaultdict(list)
    for code, region in referential.region_of_department().items():
        own[region].append(labels[f"departement:{code}"])
    return labels, {r: [labels[f"region:{r}"], *own[r]] for r in referential.names("region")}


class Results:
    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.timeouts: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []        # a few error messages, to say what went wrong

    def add(self, kind: str, run: Run) -> None:
        self.times[kind].append(run.seconds)
        if run.exceptions or run.errors:
            self.error(kind, f"{run.exceptions} exception(s) ; " + " | ".join(run.errors)[:200])

    def error(self, kind: str, text: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < 5:
            self.samples.append(f"{kind} : {text}")

    def timeout(self, kind: str) -> None:
        self.timeouts[kind] += 1

    def clicks(self) -> list[float]:
        return [t for kind in CLICKS for t in self.times.get(kind, [])]

    @property
    def failures(self) -> int:
        return sum(self.errors.values()) + sum(self.timeouts.values())


async def simulated_user(index: int, url: str, scenario: Scenario, results: Results, deadline: float,
                         ramp: float) -> None:
    rng = random.Random(scenario.seed * 10_007 + index)
    labels, own = territory_labels()
    region = rng.choice(sorted(own))
    choices = own[region] + [labels["national:FR"]]
    everywhere = list(labels.values())
    dates = scenario.dates()
    await asyncio.sleep(rng.uniform(0, ramp))
    while time.monotonic() < deadline:
        session = StreamlitSession(url, scenario.timeout)
        kind = "open"
        try:
            page = rng.choices(list(PAGES), weights=list(PAGES.values()))[0]
            query = f"territoire={quote(f'region:{region}')}&date={scenario.today.isoformat()}"
            results.add(kind, await asyncio.wait_for(session.open(page, query), scenario.timeout))
            while True:
                await asyncio.sleep(rng.expovariate(1 / scenario.think))
                if time.monotonic() >= deadline:
                    return
                kind, changes, page = next_action(rng, session, choices, everywhere, dates)
                results.add(kind, await session.rerun(changes, page))
        except TimeoutError:
            results.timeout(kind)    # the person gives up and opens the app again
        except (ServerError, OSError) as exc:
            results.error(kind, str(exc)[:200])
            await asyncio.sleep(1)
        finally:
            with contextlib.suppress(Exception):
                await session.close()


def next_action(rng: random.Random, session: StreamlitSession, territories: list[str], everywhere: list[str],
                dates: list[dt.date]) -> tuple[str, dict, str | None]:
    """(kind, widget changes, page) of the next action on what the page shows now."""
    kind = rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
    folds = [w for w in session.widgets.values() if w.kind in ("tabs", "expander")]
    if kind == "tab" and folds:
        fold = rng.choice(folds)
        if fold.kind == "expander":
            return "tab", {fold.id: not fold.value}, None
        current = session.states[fold.id].string_value if fold.id in session.states else fold.options[0]
        others = [label for label in fold.options if label != current]
        if others:
            return "tab", {fold.id: rng.choice(others)}, None
    if kind == "page":
        pages = [p for p in PAGES if p != session.current_page and p in session.pages]
        return "page", {}, rng.choices(pages, weights=[PAGES[p] for p in pages])[0]
    box, day = session.widget(TERRITORY), session.widget(DATE)
    if kind == "date" and day is not None:
        return "date", {day.id: [rng.choice(dates).isoformat()]}, None
    if box is not None:
        pool = everywhere if rng.random() < 0.2 else territories
        return "territory", {box.id: rng.choice(pool)}, None
    pages = [p for p in PAGES if p != session.current_page and p in session.pages]
    return "page", {}, rng.choice(pages)


async def play(url: str, users: int, duration: float, scenario: Scenario, ramp: float) -> Results:
    results = Results()
    deadline = time.monotonic() + duration
    await asyncio.gather(*(simulated_user(i, url, scenario, results, deadline, ramp) for i in range(users)))
    return results


# --- processes: memory and CPU read from /proc ------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_mib(pid: int) -> tuple[float, float]:
    """Resident memory now and its peak (VmRSS, VmHWM), MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, amount = line.split(":")
            values[name] = int(amount.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


class ProcessWatch:
    """CPU used by each process during the measurement, as a share of one core, and its memory at the end."""

    def __init__(self, processes: dict[str, int]):
        self.processes = processes
        self.start = time.monotonic()
        self.cpu = {name: self._cpu(pid) for name, pid in processes.items()}
        self.own = resource.getrusage(resource.RUSAGE_SELF)

    @staticmethod
    def _cpu(pid: int) -> float | None:
        try:
            return cpu_seconds(pid)
        except OSError:
            return None

    def report(self, actions: int = 0, users: int = 0, think: float = 0.0) -> list[str]:
        """Memory and CPU share of each process; with the actions served, the app's CPU per action and the cores
        the scenario asks of a machine where nothing else runs (the load of this machine aside)."""
        wall = time.monotonic() - self.start
        lines, app_cpu = [], 0.0
        for name, pid in self.processes.items():
            used = self._cpu(pid)
            try:
                rss, peak = memory_mib(pid)
            except OSError:
                lines.append(f"  {name} (pid {pid}) : arrêté pendant la mesure")
                continue
            spent = used - self.cpu[name] if used is not None and self.cpu[name] is not None else None
            if spent is not None and not name.startswith("nginx"):
                app_cpu += spent
            share = f"{spent / wall:.2f}" if spent is not None else "?"
            lines.append(f"  {name} (pid {pid}) : mémoire {rss:.0f} Mio (pic {peak:.0f} Mio), CPU {share} cœur")
        own = resource.getrusage(resource.RUSAGE_SELF)
        spent = own.ru_utime + own.ru_stime - self.own.ru_utime - self.own.ru_stime
        lines.append(f"  outil de charge (ce processus) : CPU {spent / wall:.2f} cœur")
        if actions and app_cpu:
            per_action = app_cpu / actions
            lines.append(f"  CPU de l'application : {per_action * 1000:.0f} ms par action ({app_cpu:.1f} s pour "
                         f"{actions} actions)" + (f" ; {users} utilisateurs réfléchissant {think:g} s demandent "
                                                  f"≈ {users * per_action / think:.1f} cœur(s) libres"
                                                  if users > 1 and think else ""))
        return lines


# --- report ---------------------------------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}".replace(",", " ")


def table(results: Results, duration: float) -> list[str]:
    lines = ["| action | n | p50 (ms) | p95 (ms) | max (ms) | erreurs | délais dépassés |", "|---|---|---|---|---|---|---|"]
    rows = [(KINDS[k], results.times.get(k, []), results.errors.get(k, 0), results.timeouts.get(k, 0)) for k in KINDS]
    rows.append(("**tous les clics**", results.clicks(), sum(results.errors.get(k, 0) for k in CLICKS),
                 sum(results.timeouts.get(k, 0) for k in CLICKS)))
    for name, times, errors, timeouts in rows:
        if not times and not errors and not timeouts:
            continue
        cells = [_ms(statistics.median(times)), _ms(percentile(times, 0.95)), _ms(max(times))] if times else ["–"] * 3
        lines.append(f"| {name} | {len(times)} | {' | '.join(cells)} | {errors} | {timeouts} |")
    done = sum(len(v) for v in results.times.values())
    lines.append(f"{done} actions en {duration:.0f} s ({done / duration:.1f} par seconde)")
    lines += [f"  erreur : {sample}" for sample in results.samples]
    return lines


def verdicts(users: int, results: Results, floor: Results | None) -> list[str]:
    """The goals of issue 27 that apply to this number of users, with ✔ or ✗."""
    clicks = results.clicks()
    p95 = percentile(clicks, 0.95) if clicks else float("inf")
    errors, timeouts = sum(results.errors.values()), sum(results.timeouts.values())
    lines = []
    if floor is not None and floor.clicks():
        alone = percentile(floor.clicks(), 0.95)
        lines.append(f"  plancher (le même scénario, un seul utilisateur) : p95 des clics {_ms(alone)} ms ; "
                     f"ici ×{p95 / alone:.1f}")
    if users <= 40:
        ok = p95 < GOAL_P95_S and not errors and not timeouts
        lines.append(f"  {'✔' if ok else '✗'} {users} utilisateurs (objectif à 40) : p95 des clics {_ms(p95)} ms "
                     f"(< {GOAL_P95_S * 1000:.0f}), {errors} erreur(s), {timeouts} délai(s) dépassé(s)")
    else:
        ok = not errors and not timeouts
        lines.append(f"  {'✔' if ok else '✗'} {users} utilisateurs (objectif à 100) : {errors} erreur(s), "
                     f"{timeouts} délai(s) dépassé(s) (plus lent accepté : p95 des clics {_ms(p95)} ms)")
    return lines


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


# --- deployments ----------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def deployment(store: Path, workers: int, log_dir: Path):
    """Fresh app processes on the store: (url, {name: pid}). They are `make serve`'s processes behind nginx; without
    nginx, one process alone (`make run`)."""
    from benchmarks.bench_browser import free_port, start_server, stop_server
    from deploy import serve

    try:
        serve.nginx_binary()
    except serve.NginxMissing:
        if workers != 1:
            raise
        port = free_port()
        process = start_server(ROOT / "app.py", port, store, log_dir / "loadtest-app.log")
        try:
            yield f"http://127.0.0.1:{port}", {"application (sans nginx)": process.pid}
        finally:
            stop_server(process)
        return
    with serve.running(workers, store=store, run_dir=log_dir / "serve") as running:
        yield running.url, running.processes()


def running_processes(url: str) -> dict[str, int]:
    """The processes of the deployment `make serve` started at `url` (its run file), if it is that one."""
    from deploy import serve

    with contextlib.suppress(OSError, ValueError):
        run = json.loads((serve.RUN_DIR / "processes.json").read_text(encoding="utf-8"))
        if run["url"].rstrip("/") == url.rstrip("/"):
            return run["processes"]
    return {}


def measure(url: str, processes: dict[str, int], users: int, duration: float, scenario: Scenario,
            ramp: float) -> Results:
    watch = ProcessWatch(processes)
    load = load_average()
    results = asyncio.run(play(url, users, duration, scenario, ramp))
    print(f"  charge machine {load} → {load_average()}")
    served = sum(len(v) for v in results.times.values())
    for line in watch.report(served, users, scenario.think):
        print(line)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[40, 100], help="numbers of simulated users (N)")
    parser.add_argument("--think", type=float, default=3.0, help="mean think time between actions, s")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per measurement")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="app processes (without --url)")
    parser.add_argument("--store", type=Path, default=ROOT / "data" / "parquet", help="store the app serves")
    parser.add_argument("--url", help="a deployment already running (no process started)")
    parser.add_argument("--pids", type=int, nargs="*", default=[],
                        help="its processes, for memory and CPU (default: those of `make serve` at that address)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before an action counts as timed out")
    parser.add_argument("--floor", type=float, default=30.0, help="seconds of the one-user floor (0: none)")
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args(argv)
    scenario = Scenario(think=args.think, timeout=args.timeout, seed=args.seed)
    if args.url is None and not (args.store / "manifest.json").exists():
        print(f"Aucun entrepôt dans {args.store} : lancez « make data ».", file=sys.stderr)
        return 2
    log_dir = ROOT / ".bench"
    log_dir.mkdir(exist_ok=True)
    print(f"Scénario : réflexion {args.think:g} s en moyenne, {args.duration:g} s par mesure, délai dépassé à "
          f"{args.timeout:g} s ; charge machine {load_average()} ({os.cpu_count()} cœurs)")
    failed = False
    for workers in ([None] if args.url else args.workers):
        floor = None
        for users in ([1] if args.floor else []) + args.users:
            is_floor = users == 1 and floor is None and bool(args.floor)
            seconds = args.floor if is_floor else args.duration
            played = Scenario(think=FLOOR_THINK, timeout=args.timeout, seed=args.seed) if is_floor else scenario
            ramp = 0.0 if is_floor else min(10.0, seconds / 4)
            title = f"{users} utilisateur(s)" + (f", {workers} processus" if workers else f", {args.url}")
            print(f"\n## {title}" + (" — plancher" if is_floor else ""), flush=True)
            if args.url:
                processes = {f"pid {p}": p for p in args.pids} or running_processes(args.url)
                results = measure(args.url, processes, users, seconds, played, ramp)
            else:
                with deployment(args.store, workers, log_dir) as (url, processes):
                    results = measure(url, processes, users, seconds, played, ramp)
            for line in table(results, seconds):
                print(line)
            if is_floor:
                floor = results
                continue
            verdict = verdicts(users, results, floor)
            failed |= any(line.lstrip().startswith("✗") for line in verdict)
            for line in verdict:
                print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
