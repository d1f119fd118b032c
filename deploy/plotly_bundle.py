"""`python -m deploy.plotly_bundle` (part of `make run`, `make test`, `make serve`): Plotly's library with only the
chart types the observatoire draws, built once from npm's packages (deploy/plotly/: versions pinned in
package-lock.json, the types in entry.js).

The full library shipped with the Python `plotly` package is 4,7 MB and costs the browser about 0,9 s of reading on
a two-core machine at each first visit; this one (bars, funnel, table, scatter, MapLibre maps) is about 3 MB and
read in about 0,25 s. Its plotly.js version must be the one the Python package writes figures for; when it is not,
or when Node.js is absent, nothing is built and the app serves the full library (said here, never fatal).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from observatoire.present.plotly_library import BUILT, BUILT_NAME, bundle_source, python_plotlyjs_version

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "deploy" / "plotly"
FILES = ("package.json", "package-lock.json", "entry.js", "build.js")
OUT = BUILT
BUNDLE = OUT / BUILT_NAME
MANIFEST = OUT / "manifest.json"
MINIMUM_BYTES = 500_000


def pinned_version(sources: Path = SOURCES) -> str:
    return json.loads((sources / "package.json").read_text(encoding="utf-8"))["dependencies"]["plotly.js"]


def sources_key(sources: Path = SOURCES) -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + (sources / name).read_bytes())
    return digest.hexdigest()[:16]


def current(out: Path = OUT, sources: Path = SOURCES) -> Path | None:
    """The built library when the app would serve it (plotly_library.bundle_source: complete, for the plotly.js
    version the Python package writes) and it was built from these sources; else None."""
    bundle = out / BUNDLE.name
    if bundle_source(out) != bundle:
        return None
    try:
        built_from = json.loads((out / MANIFEST.name).read_text(encoding="utf-8")).get("sources")
    except (OSError, ValueError):
        return None
    return bundle if built_from == sources_key(sources) else None


def build(out: Path = OUT, sources: Path = SOURCES, npm: str | None = None, node: str | None = None) -> tuple[Path | None, str]:
    """Build the library into `out`; (path, message) — path None with the reason when it cannot be built."""
    wanted, pinned = python_plotlyjs_version(), pinned_version(sources)
    if pinned != wanted:
        return None, (f"plotly.js {pinned} dans deploy/plotly/package.json, mais le paquet Python plotly écrit pour "
                      f"plotly.js {wanted} : mettez la version à jour (npm install --package-lock-only). La "
                      "bibliothèque complète du paquet Python est servie en attendant.")
    npm, node = npm or shutil.which("npm"), node or shutil.which("node")
    if not npm or not node:
        return None, ("Node.js (node, npm) absent : la bibliothèque Plotly complète (4,7 Mo) est servie ; premier "
                      "affichage des graphiques plus lent d'environ 0,6 s (sudo apt-get install nodejs npm).")
    work = out / "src"
    work.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(sources / name, work / name)
    temporary = out / f".{BUNDLE.name}.tmp"
    try:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=work, check=True,
                       timeout=900, stdout=subprocess.DEVNULL)
        subprocess.run([node, "build.js", "entry.js", str(temporary)], cwd=work, check=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        temporary.unlink(missing_ok=True)
        return None, f"Construction de la bibliothèque Plotly impossible ({exc}) : la bibliothèque complète est servie."
    size = temporary.stat().st_size if temporary.exists() else 0
    if size < MINIMUM_BYTES:
        temporary.unlink(missing_ok=True)
        return None, f"Bibliothèque Plotly construite incomplète ({size} octets) : la bibliothèque complète est servie."
    temporary.replace(out / BUNDLE.name)
    (out / MANIFEST.name).write_text(json.dumps({"plotly.js": wanted, "sources": sources_key(sources),
                                                 "bytes": size}, indent=2), encoding="utf-8")
    return out / BUNDLE.name, f"Bibliothèque Plotly allégée construite : {size / 1e6:.1f} Mo (plotly.js {wanted})."


def main() -> int:
    if current():
        return 0
    _, message = build()
    print(message, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
