"""Charts drawn in place (observatoire/ui/figures.py): Plotly's library installed under a name per version, the
figure sent with the exports' template, a click read back before the chart is drawn again."""
from __future__ import annotations

import json
import os

import plotly.graph_objects as go

from observatoire.present import plotly_library
from observatoire.ui import figures


def test_the_library_is_installed_once_under_a_name_per_version(tmp_path):
    source = tmp_path / "plotly.min.js"
    source.write_text("/* plotly 1 */ window.Plotly = {};")
    static = tmp_path / "static"
    first = plotly_library.install_bundle(static, source)
    assert first.parent == static and first.name.startswith("plotly-") and first.name.endswith(".min.js")
    assert first.read_text() == source.read_text()
    os.utime(first, (1, 1))
    assert plotly_library.install_bundle(static, source) == first and first.stat().st_mtime == 1   # not copied again
    source.write_text("/* plotly 2 */ window.Plotly = {};")
    second = plotly_library.install_bundle(static, source)
    assert second != first and not first.exists()          # a new version replaces the old one
    assert sorted(p.name for p in static.iterdir()) == [second.name]


def test_the_shipped_library_is_the_python_packages_own():
    assert plotly_library.FULL_BUNDLE.exists() and plotly_library.FULL_BUNDLE.stat().st_size > 1_000_000
    assert plotly_library.bundle_name() == plotly_library.bundle_name(plotly_library.bundle_source())


def test_the_figure_is_sent_with_the_exports_template_not_streamlits_placeholders():
    import streamlit  # noqa: F401  (makes Streamlit's template plotly's default, as in the app)

    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    assert "#000001" in fig.to_json()                       # Streamlit's colour placeholders
    sent = figures.figure_json(fig)
    assert "#000001" not in sent
    spec = json.loads(sent)
    assert spec["data"][0]["y"] == [1, 2]
    assert spec["layout"]["template"]["layout"]["xaxis"] == {"automargin": True}


def test_the_library_address_follows_the_servers_base_path(monkeypatch):
    monkeypatch.setattr(figures, "_bundle", lambda: "plotly-abc.min.js")
    monkeypatch.setattr(figures.st, "get_option", lambda name: "/observatoire/")
    assert figures.bundle_url() == "/observatoire/app/static/plotly-abc.min.js"
    monkeypatch.setattr(figures.st, "get_option", lambda name: "")
    assert figures.bundle_url() == "/app/static/plotly-abc.min.js"


def test_a_click_is_read_back_before_the_chart_is_drawn_again(monkeypatch):
    clicked = {"points": [{"customdata": ["67", "Bas-Rhin"], "location": "67"}]}
    monkeypatch.setattr(figures.st, "session_state", {"carte": {"selection": clicked}, "autre": {"selection": None}})
    assert figures.selection("carte") == clicked
    assert figures.selection("autre") is None and figures.selection("absente") is None


def test_the_element_receives_the_figure_written_once_with_its_alternative_and_toolbar(monkeypatch):
    monkeypatch.setattr(figures, "bundle_url", lambda: "/app/static/plotly-abc.min.js")
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"height": 320})
    sent = figures.payload(fig, alt="Courbe « test »", config={"displayModeBar": False}, on_select=True)
    document = json.loads(sent)
    assert document["figure"]["data"][0]["y"] == [3, 4]                 # an object, not a JSON string inside JSON
    assert sent.count(b'"y":') == 1 and b'\\"' not in sent
    assert document["meta"] == {"config": {"displayModeBar": False}, "alt": "Courbe « test »",
                                "src": "/app/static/plotly-abc.min.js", "select": True, "height": 320}


def test_a_static_folder_that_cannot_be_written_never_breaks_a_page(monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(figures, "install_bundle", refused)
    figures._bundle.clear()
    try:
        assert figures._bundle() == plotly_library.bundle_name()
    finally:
        figures._bundle.clear()


def test_a_shared_figure_is_written_once_a_figure_of_the_page_at_each_call(monkeypatch):
    from observatoire.present.charts.theme import memoised

    @memoised
    def bars(values: tuple) -> go.Figure:
        return go.Figure(go.Bar(x=["Ardennes", "Aube"], y=list(values)))

    writes = []
    native = go.Figure.to_plotly_json
    monkeypatch.setattr(go.Figure, "to_plotly_json", lambda self: writes.append(1) or native(self))
    first = figures.figure_json(bars((3, 4)))
    again = figures.figure_json(bars((3, 4)))          # the same figure, from the builder's memo
    assert again == first and len(writes) == 1
    assert json.loads(first)["data"][0]["y"] == [3, 4]
    assert json.loads(figures.figure_json(bars((5, 6))))["data"][0]["y"] == [5, 6]   # other arguments, other text
    assert len(writes) == 2

    own = go.Figure(go.Bar(x=["Ardennes"], y=[1]))     # built by the page: may be changed between two calls
    assert json.loads(figures.figure_json(own))["data"][0]["y"] == [1]
    own.update_traces(y=[2])
    assert json.loads(figures.figure_json(own))["data"][0]["y"] == [2]


def test_the_outline_is_sent_apart_from_the_figure_so_moving_it_leaves_the_figure_unchanged(monkeypatch):
    """A map's outline (a layer named theme.OVERLAY) is sent after the figure, which is then the same text
    whichever territory is outlined (figures.js redraws nothing else); other layers stay in the figure."""
    from observatoire.present.charts.theme import OVERLAY

    monkeypatch.setattr(figures, "bundle_url", lambda: "/app/static/plotly-abc.min.js")

    def outlined(*ids):
        label = {"sourcetype": "image", "source": "data:image/png;base64,AA==", "type": "raster",
                 "coordinates": [[0, 1], [1, 1], [1, 0], [0, 0]]}
        outline = [{"sourcetype": "geojson", "type": "line", "color": "#111827", "line": {"width": 3},
                    "name": OVERLAY, "source": {"type": "FeatureCollection", "features": [
                        {"type": "Feature", "id": i, "geometry": {"type": "Point", "coordinates": [7.5, 48.5]}}
                        for i in ids]}}] if ids else []
        return go.Figure(go.Choroplethmap(locations=["67", "68"], z=[1, 2], geojson={"type": "FeatureCollection",
                                                                                    "features": []}),
                         layout={"map": {"style": "white-bg", "layers": [label, *outline]}})

    sent = {ids: figures.payload(outlined(*ids)).decode() for ids in [(), ("67",), ("68",)]}
    documents = {ids: json.loads(text) for ids, text in sent.items()}
    cut = {ids: text[:text.rindex(',"observatoire_overlay":')] for ids, text in sent.items()}
    assert cut[()] == cut[("67",)] == cut[("68",)]                     # the figure's text does not move
    assert [layer["type"] for layer in documents[("67",)]["figure"]["layout"]["map"]["layers"]] == ["raster"]
    assert documents[()]["observatoire_overlay"] == []
    assert [f["id"] for f in documents[("68",)]["observatoire_overlay"][0]["source"]["features"]] == ["68"]
    assert documents[("68",)]["observatoire_overlay"][0]["line"] == {"width": 3}

    bare = go.Figure(go.Choroplethmap(locations=["67"], z=[1], geojson={"type": "FeatureCollection", "features": []}),
                     layout={"map": {"style": "white-bg", "layers": outlined("67").layout.map.layers[1:]}})
    assert "layers" not in json.loads(figures.payload(bare))["figure"]["layout"]["map"]   # no empty list left
