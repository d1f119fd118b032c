"""`python -m benchmarks [--scales national stress] [--only build queries browser s3]`: pipeline build time and peak
memory per scale, indicator and series timings with their plain-pandas baselines, every page in headless
Chromium against a bare Streamlit app, and the store read from object storage against local Parquet, all measured
in the same run. The load test is its own command: `python -m benchmarks.loadtest` (`make loadtest`)."""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from observatoire.base.settings import ROOT

WORK = ROOT / ".bench"
PARTS = ("build", "queries", "browser", "s3")
ENQUETES = ROOT / "data" / "raw" / "enquetes"


def prepare_raw(scale: str) -> Path:
    raw = WORK / f"raw-{scale}"
    stamp = raw / ".done"
    if not stamp.exists():
        shutil.rmtree(raw, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pipelines", "demo", "--scale", scale, "--out", str(raw)], check=True,
                       stdout=subprocess.DEVNULL)
        shutil.copytree(ENQUETES, raw / "enquetes", dirs_exist_ok=True)
        stamp.touch()
    return raw


def timed_build(raw: Path, out: Path) -> tuple[float, float]:
    """Build in a child process: wall time and the child's peak resident memory (MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipelines", "build", "--raw", str(raw), "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def line(row: dict) -> str:
    text = f"  {row['name']:<70} {row['seconds'] * 1000:>9.0f} ms"
    if row.get("baseline_seconds"):
        # ratio = baseline time / our time: above 1 means faster than the plain pandas baseline.
        text += (f"   référence pandas {row['baseline_seconds'] * 1000:>8.0f} ms"
                 f"   ×{row['baseline_seconds'] / row['seconds']:.1f} plus rapide")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--scales", nargs="+", default=["national", "stress"])
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS),
                        help="parts to run (the browser benchmark runs on the national store)")
    parser.add_argument("--repeat", type=int, default=3, help="browser measurements per page and kind")
    args = parser.parse_args(argv)
    WORK.mkdir(exist_ok=True)
    targets = {"national": 20, "stress": 180, "region": 10}
    for scale in args.scales:
        raw = prepare_raw(scale)
        out = WORK / f"store-{scale}"
        if "build" in args.only or not (out / "manifest.json").exists():
            seconds, peak = timed_build(raw, out)
            verdict = "OK" if seconds < targets[scale] else "AU-DESSUS DE LA CIBLE"
            print(f"[{scale}] construction de l'entrepôt : {seconds:.1f} s (cible < {targets[scale]} s, {verdict}), "
                  f"mémoire maximale {peak:.0f} Mio")
        if scale != "national":
            continue
        if "browser" in args.only:
            from benchmarks import bench_browser
            print(f"[{scale}] pages dans Chromium sans réseau (ms, médianes ; du changement de widget à la page "
                  "au repos) :")
            for text in bench_browser.report(bench_browser.run(out, args.repeat)):
                print("  " + text)
        if "s3" in args.only:
            from benchmarks import bench_s3
            for row in bench_s3.run(out):
                print(line(row))
        if "queries" not in args.only:
            continue
        from benchmarks import bench_catalogue
        for row in bench_catalogue.run(out):
            print(line(row))
        from benchmarks import bench_exports
        for row in bench_exports.run(out):
            print(line(row))
        try:
            from benchmarks import bench_series
        except ImportError:
            continue
        for row in bench_series.run(out):
            print(line(row))
        for row in cli_timings(out):
            print(line(row))
    return 0


def cli_timings(store: Path, repeat: int = 3) -> list[dict]:
    """`python -m observatoire indicators|series` as a process, start to exit (median of `repeat`)."""
    commands = {
        "indicators": ["indicators", "--level", "region", "--territory", "44", "--as-of", "2026-06-15"],
        "series": ["series", "--id", "taux_vacance", "--level", "region", "--territory", "44", "--from",
                   "2016-01-01", "--to", "2026-12-01"],
    }
    rows = []
    floors = {"python seul": ["-c", "pass"], "python -c 'import pandas' (plancher d'une commande qui calcule avec pandas)":
              ["-c", "import pandas"]}
    for name, arguments in floors.items():
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, *arguments], check=True)
            times.append(time.perf_counter() - start)
        rows.append({"name": name, "seconds": sorted(times)[len(times) // 2], "baseline_seconds": None, "ratio": None})
    for name, arguments in commands.items():
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "observatoire", *arguments, "--data", str(store)], check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        rows.append({"name": f"ligne de commande « {name} » (processus entier, cible < 500 ms)",
                     "seconds": sorted(times)[len(times) // 2], "baseline_seconds": None, "ratio": None})
    return rows


if __name__ == "__main__":
    sys.exit(main())
