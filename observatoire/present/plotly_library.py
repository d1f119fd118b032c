"""Which Plotly library the browser gets, and its copy in the app's `static/` folder (no Streamlit here: the
reverse proxy's set-up and `make` use it too).

`make` builds one with only the chart types the app draws (deploy/plotly_bundle.py, about 3 MB, read by the
browser in a quarter of the time of the full one); it is served when complete and made for the plotly.js version
the Python `plotly` package writes figures for. Otherwise the Python package's own full library is served.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import plotly

from observatoire.base.settings import ROOT

STATIC = ROOT / "static"
FULL_BUNDLE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
BUILT = ROOT / "build" / "plotly"           # deploy/plotly_bundle.py: only the chart types the app draws
BUILT_NAME = "plotly-observatoire.min.js"


def python_plotlyjs_version() -> str:
    """The plotly.js version the installed Python plotly writes figures for (and ships)."""
    from plotly.offline._plotlyjs_version import __plotlyjs_version__

    return __plotlyjs_version__


def bundle_source(built: Path = BUILT) -> Path:
    """The library served: the one built with only the app's chart types (`make`, deploy/plotly_bundle.py: 3 MB,
    read by the browser in a quarter of the time) when it is complete and made for the plotly.js version the
    Python package writes figures for; else the Python package's full library."""
    bundle = built / BUILT_NAME
    try:
        facts = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return FULL_BUNDLE
    if (facts.get("plotly.js") == python_plotlyjs_version() and bundle.exists()
            and bundle.stat().st_size == facts.get("bytes")):
        return bundle
    return FULL_BUNDLE


def bundle_name(source: Path | None = None) -> str:
    """`plotly-<hash>.min.js`: one name per version of the library, so a browser never runs a stale copy."""
    digest = hashlib.sha256((source or bundle_source()).read_bytes()).hexdigest()[:12]
    return f"plotly-{digest}.min.js"


def install_bundle(static: Path = STATIC, source: Path | None = None) -> Path:
    """Copy Plotly's library into `static` (atomically; older versions removed) and return its path. Called before
    the server starts (Streamlit serves `static/` only if it exists then) and again, cheaply, by the pages."""
    source = source or bundle_source()
    target = static / bundle_name(source)
    if not target.exists():
        static.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(source, temporary)
        temporary.replace(target)
        for old in static.glob("plotly-*.min.js"):
            if old != target:
                old.unlink(missing_ok=True)
    return target
