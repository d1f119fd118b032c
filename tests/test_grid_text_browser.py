"""A grid given its frame as it is reads exactly as the same grid given French display text (Chromium, offline).

`tables.for_grid` leaves out the display text (a copy of every cell the server writes and the browser reads on each
rerun) when the grid's own text is already the French one: the two grids below, drawn side by side from the same
rows (the same height on the page, for the same anti-aliasing), must show the same pixels."""
from __future__ import annotations

import io

import numpy
import pytest
from PIL import Image

from tests.browser_support import CHROMIUM, chromium_on_script, offline_route

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="chromium absent")

SCRIPT = '''
import datetime as dt
import pandas as pd
import streamlit as st
from observatoire.present import tables
from observatoire.present.tables import Col
from observatoire.ui import column_config, show

columns = {"days": Col("Jours avant l'échéance", "days"), "due": Col("Échéance", "date"),
           "seats": Col("Sièges", "int"), "name": Col("Établissement")}
frame = pd.DataFrame({"days": [12.0, -3.0, None, 999.0], "due": [dt.date(2026, 1, 21), None, dt.date(2026, 12, 5),
                      dt.date(2027, 3, 1)], "seats": [0, 7, 42, 120], "name": ["CHU", "Clinique", "EHPAD", "CH"]})
plain = tables.for_grid(frame, columns, "–")
st.write("plain" if isinstance(plain, pd.DataFrame) else "styled")
for column, shown, key in zip(st.columns(2), (plain, tables.styled(frame, columns)), ("plain", "french")):
    with column.container(key=key):
        show(shown, column_config=column_config(columns), column_order=list(columns), placeholder="–")
'''


def test_a_grid_without_display_text_reads_as_the_french_one(tmp_path):
    blocked: list[str] = []
    with chromium_on_script(tmp_path, SCRIPT, "grids.py") as (address, browser):
        page = browser.new_page(viewport={"width": 1400, "height": 800})
        page.route("**/*", offline_route(blocked))
        page.goto(address)
        page.locator(".st-key-french [data-testid='stDataFrame']").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.get_by_text("plain", exact=True).count() == 1  # the frame went without display text
        shots = [page.locator(f".st-key-{key} [data-testid='stDataFrame']").screenshot(path=str(tmp_path / f"{key}.png"))
                 for key in ("plain", "french")]
    assert blocked == []
    first, second = (numpy.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=int) for shot in shots)
    assert first.shape == second.shape
    # The same text in the same places: at most a level or two of anti-aliasing apart (the two grids sit at
    # different horizontal offsets); another text (« 12.0 », « 2026-01-21 ») differs by far more.
    assert numpy.abs(first - second).max() <= 8
