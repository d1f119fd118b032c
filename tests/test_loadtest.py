"""The load tool's simulated users (benchmarks/loadtest.py): they speak Streamlit's protocol well enough that the app
really changes territory, date, tab and page, and they count what goes wrong. No timing is checked here: the goals
live in `make loadtest`."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks import loadtest
from benchmarks.streamlit_client import StreamlitSession, Widget
from tests.browser_support import streamlit_app

# A script that fails on demand: the tool must count its exception box and its French error message.
FAILING_APP = """
import streamlit as st
choice = st.selectbox("Cas", ["calme", "exception", "message"])
if choice == "exception":
    raise RuntimeError("boom")
if choice == "message":
    st.error("Cette page n'a pas pu s'afficher.")
st.write("ok")
"""


@pytest.fixture(scope="module")
def app(fixture_store_dir):
    with streamlit_app(fixture_store_dir) as url:
        yield url


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_simulated_user_changes_territory_date_tab_and_page_as_the_browser_does(app):
    async def scenario():
        session = StreamlitSession(app)
        try:
            opened = await session.open("formation", "territoire=region%3A44&date=2026-06-15")
            territory, day = session.widget("Territoire"), session.widget("Situation au")
            assert opened.status == 0 and opened.exceptions == 0 and not opened.errors
            assert session.current_page == "formation"
            assert "67 – Bas-Rhin" in territory.options and day.kind == "date_input"
            await session.rerun({territory.id: "67 – Bas-Rhin"})
            assert "territoire=departement%3A67" in session.query_string
            await session.rerun({day.id: ["2026-03-01"]})
            assert "date=2026-03-01" in session.query_string
            assert "territoire=departement%3A67" in session.query_string     # the territory set before stays
            # the page's sections, then the sessions' tabs inside the « Sessions » one
            sections = next(w for w in session.widgets.values() if w.kind == "tabs" and "Sessions" in w.options)
            assert sections.options == ["Cohortes par trimestre", "Par territoire", "RU à former", "Sessions"]
            opened_section = await session.rerun({sections.id: "Sessions"})
            assert opened_section.exceptions == 0
            tabs = next(w for w in session.widgets.values()
                        if w.kind == "tabs" and "Calendrier des sessions" in w.options)
            assert tabs.options == ["Calendrier des sessions", "Participations par module"]
            changed = await session.rerun({tabs.id: "Participations par module"})
            assert changed.exceptions == 0
            moved = await session.rerun(page="convention")
            assert session.current_page == "convention" and moved.exceptions == 0 and not moved.errors
            assert session.widget("Convention") is not None
            assert "date=2026-03-01" in session.query_string
        finally:
            await session.close()

    run(scenario())


def test_users_play_the_scenario_without_error(app):
    scenario = loadtest.Scenario(think=0.3, timeout=60, today=dt.date(2026, 6, 15))
    results = run(loadtest.play(app, users=2, duration=6, scenario=scenario, ramp=1))
    assert results.times["open"], results.samples
    assert sum(len(results.times[k]) for k in loadtest.CLICKS) >= 4
    assert results.failures == 0, results.samples


@contextlib.contextmanager
def bare_streamlit(script: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                                "--server.address", "127.0.0.1", "--server.headless", "true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_exception_boxes_and_error_messages_are_counted_as_errors(tmp_path):
    script = tmp_path / "failing.py"
    script.write_text(FAILING_APP, encoding="utf-8")

    async def scenario(url):
        session = StreamlitSession(url)
        results = loadtest.Results()
        try:
            results.add("open", await session.open("", ""))
            box = session.widget("Cas")
            results.add("territory", await session.rerun({box.id: "exception"}))
            results.add("territory", await session.rerun({box.id: "message"}))
            results.add("territory", await session.rerun({box.id: "calme"}))
        finally:
            await session.close()
        return results

    with bare_streamlit(script) as url:
        results = run(scenario(url))
    assert results.errors == {"territory": 2}
    assert len(results.times["territory"]) == 3
    assert any("1 exception" in s for s in results.samples)
    assert any("Cette page n'a pas pu s'afficher." in s for s in results.samples)


def test_a_refused_connection_is_an_error_not_a_crash():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]     # nothing listens there once the socket is closed
    results = loadtest.Results()
    scenario = loadtest.Scenario(timeout=5)
    run(loadtest.simulated_user(0, f"http://127.0.0.1:{port}", scenario, results, time.monotonic() + 0.5, ramp=0))
    assert results.errors["open"] >= 1 and not results.times


class FakeSession:
    def __init__(self, widgets, page="", pages=("", "carte", "convention")):
        self.widgets = {w.label or w.id: w for w in widgets}
        self.states = {}
        self.current_page = page
        self.pages = {p: f"hash-{p}" for p in pages}

    def widget(self, label):
        return self.widgets.get(label)


TERRITORY = Widget("selectbox", "id-territoire", "Territoire", ["France entière", "67 – Bas-Rhin"])
DATE = Widget("date_input", "id-date", "Situation au")
TABS = Widget("tabs", "id-onglets", "", ["Carte", "Écarts"])
EXPANDER = Widget("expander", "id-volet", "Autres", value=False)


@pytest.mark.parametrize(("widgets", "kind", "expected"), [
    ([TERRITORY, DATE], "territory", ("territory", "id-territoire")),
    ([TERRITORY, DATE], "date", ("date", "id-date")),
    ([TERRITORY, DATE, TABS], "tab", ("tab", "id-onglets")),
    ([TERRITORY, DATE, EXPANDER], "tab", ("tab", "id-volet")),
    ([TERRITORY, DATE], "tab", ("territory", "id-territoire")),      # nothing to open: another territory
    ([TERRITORY, DATE], "page", ("page", None)),
])
def test_next_action_acts_on_what_the_page_shows(monkeypatch, widgets, kind, expected):
    monkeypatch.setattr(loadtest, "ACTIONS", {kind: 1.0})
    rng = random.Random(1)
    action, changes, page = loadtest.next_action(rng, FakeSession(widgets), ["67 – Bas-Rhin"], ["67 – Bas-Rhin"],
                                                 [dt.date(2026, 6, 1)])
    assert (action, next(iter(changes), None)) == expected
    if expected[1] == "id-onglets":
        assert changes["id-onglets"] == "Écarts"          # another tab than the one shown
    if expected[1] == "id-volet":
        assert changes["id-volet"] is True                 # the closed expander opens
    if action == "page":
        assert page in ("carte", "convention")
    if action == "date":
        assert changes["id-date"] == ["2026-06-01"]


def test_dates_people_look_at():
    dates = loadtest.Scenario(today=dt.date(2026, 6, 15)).dates()
    assert dates[0] == dt.date(2026, 6, 15)
    assert dt.date(2026, 6, 1) in dates and dt.date(2025, 7, 1) in dates
    assert [d for d in dates if d.day != 1 and d != dates[0]] == [dt.date(2026, 3, 31), dt.date(2025, 12, 31),
                                                                   dt.date(2025, 9, 30), dt.date(2025, 6, 30)]


@pytest.mark.parametrize(("values", "share", "expected"), [
    ([1.0], 0.95, 1.0),
    ([float(i) for i in range(1, 21)], 0.95, 19.0),
    ([float(i) for i in range(1, 101)], 0.5, 50.0),
    ([3.0, 1.0, 2.0], 0.5, 2.0),
])
def test_percentile_is_the_nearest_rank(values, share, expected):
    assert loadtest.percentile(values, share) == expected
