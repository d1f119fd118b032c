"""The charts' Plotly library built with only the chart types the app draws (deploy/plotly_bundle.py,
deploy/plotly/): every type a chart uses is in it, its plotly.js is the one the Python package writes figures for,
and when it cannot be built the app serves the full library and says why."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import plotly.graph_objects as go

from deploy import plotly_bundle
from observatoire.present import plotly_library
from observatoire.base.settings import ROOT

CHARTS = ROOT / "observatoire" / "present" / "charts"


def test_every_chart_type_the_app_draws_is_in_the_library():
    used = set()
    for path in CHARTS.glob("*.py"):
        for name in re.findall(r"\bgo\.([A-Z][A-Za-z]+)\(", path.read_text(encoding="utf-8")):
            trace = getattr(go, name)
            if isinstance(trace, type) and issubclass(trace, go.Figure):
                continue
            used.add(trace().type)
    registered = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)",
                                (plotly_bundle.SOURCES / "entry.js").read_text(encoding="utf-8")))
    assert "choroplethmap" in used and "bar" in used                 # the scan sees the charts
    assert used - {"scatter"} <= registered, f"missing from deploy/plotly/entry.js: {used - {'scatter'} - registered}"


def test_the_pinned_plotly_js_is_the_one_python_writes_for():
    assert plotly_bundle.pinned_version() == plotly_library.python_plotlyjs_version()
    lock = json.loads((plotly_bundle.SOURCES / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/plotly.js"]["version"] == plotly_bundle.pinned_version()


def _sources(tmp_path: Path, version: str | None = None) -> Path:
    sources = tmp_path / "sources"
    shutil.copytree(plotly_bundle.SOURCES, sources)
    if version:
        package = json.loads((sources / "package.json").read_text())
        package["dependencies"]["plotly.js"] = version
        (sources / "package.json").write_text(json.dumps(package))
    return sources


def test_another_plotly_js_version_is_not_built_and_the_full_library_is_served(tmp_path):
    out = tmp_path / "out"
    path, message = plotly_bundle.build(out, _sources(tmp_path, "3.0.0"))
    assert path is None and "plotly.js 3.0.0" in message and "complète" in message
    assert plotly_library.bundle_source(out) == plotly_library.FULL_BUNDLE


def test_without_node_nothing_is_built_and_the_reason_is_given(tmp_path):
    out = tmp_path / "out"
    path, message = plotly_bundle.build(out, _sources(tmp_path), npm=str(tmp_path / "no-npm"),
                                        node=str(tmp_path / "no-node"))
    assert path is None and "complète" in message
    assert plotly_library.bundle_source(out) == plotly_library.FULL_BUNDLE


def test_a_built_library_is_served_only_when_complete_and_for_this_version(tmp_path):
    built = tmp_path / "built"
    built.mkdir()
    bundle = built / plotly_library.BUILT_NAME
    bundle.write_text("window.Plotly = {};" * 10)
    facts = {"plotly.js": plotly_library.python_plotlyjs_version(), "sources": "x", "bytes": bundle.stat().st_size}
    (built / "manifest.json").write_text(json.dumps(facts))
    assert plotly_library.bundle_source(built) == bundle
    (built / "manifest.json").write_text(json.dumps({**facts, "bytes": 3}))            # truncated copy
    assert plotly_library.bundle_source(built) == plotly_library.FULL_BUNDLE
    (built / "manifest.json").write_text(json.dumps({**facts, "plotly.js": "0.1.0"}))  # built for another version
    assert plotly_library.bundle_source(built) == plotly_library.FULL_BUNDLE
    (built / "manifest.json").write_text("{")                                          # damaged manifest
    assert plotly_library.bundle_source(built) == plotly_library.FULL_BUNDLE
