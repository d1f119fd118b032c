"""A data grid far below the window is drawn when scrolled to, and then shows what a fresh page shows (Chromium,
offline).

The pages' style (`context.PAGE_CSS`) lets the browser skip laying out and drawing a grid nobody sees: after a
territory change, a grid below the fold is resized and redrawn only once the reader scrolls near it. What the
reader then sees must be exactly the grid of a page opened on that territory: the new rows, at the new height,
the grid's toolbar (download, search, full screen) on hover."""
from __future__ import annotations

import io

import numpy
import pytest
from PIL import Image

from tests.browser_support import CHROMIUM, chromium_on_script, offline_route

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="chromium absent")

SCRIPT = '''
import pandas as pd
import streamlit as st
from observatoire.ui.context import page_style

page_style()
territories = {"Grand Est": ["Ardennes", "Aube", "Marne", "Haute-Marne", "Meurthe-et-Moselle", "Meuse", "Moselle",
                             "Bas-Rhin", "Haut-Rhin", "Vosges"], "Bas-Rhin": ["Bas-Rhin"]}
chosen = st.sidebar.selectbox("Territoire", list(territories), key="territoire")
with st.container(height=2400, border=False):
    st.write("Haut de page")
rows = territories[chosen]
with st.container(key="grille"):
    st.dataframe(pd.DataFrame({"Département": rows, "Sièges": [10 + 3 * i for i in range(len(rows))]}),
                 hide_index=True, width="stretch", height=(len(rows) + 1) * 35 + 3)
st.write("Bas de page")
'''


def _pixels(shot: bytes):
    return numpy.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=int)


def _change_and_look(browser, address: str, blocked: list[str], *, out_of_sight: bool) -> bytes:
    """Open the page on ten rows, look at the grid, then choose « Bas-Rhin » in the sidebar while the grid is out
    of sight (page scrolled back to the top), or in sight and drawn as Streamlit draws it without the pages' rule;
    return the grid as then seen (scrolled to if needed)."""
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.route("**/*", offline_route(blocked))
    page.goto(address)
    grid = page.locator(".st-key-grille [data-testid='stDataFrameResizable']")
    grid.wait_for(state="attached", timeout=60_000)
    assert grid.evaluate("e => getComputedStyle(e).contentVisibility") == "auto"
    if not out_of_sight:
        page.add_style_tag(content="[data-testid='stDataFrameResizable'] { content-visibility: visible !important; }")
        assert grid.evaluate("e => getComputedStyle(e).contentVisibility") == "visible"
    page.wait_for_timeout(1000)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    if out_of_sight:
        page.mouse.move(700, 400)
        page.mouse.wheel(0, -10_000)
        page.wait_for_timeout(500)
        assert grid.evaluate("e => e.getBoundingClientRect().top") > 1500
    page.get_by_label("Territoire").click()
    page.get_by_role("option", name="Bas-Rhin").click()
    page.get_by_text("Bas de page").wait_for(state="attached")
    page.wait_for_timeout(1500)
    # The frame has its new height at once, in sight or not: nothing below it moves when it is drawn.
    assert grid.evaluate("e => e.getBoundingClientRect().height") == pytest.approx(2 * 35 + 3, abs=2)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    seen = grid.screenshot()
    grid.hover()
    toolbar = page.locator(".st-key-grille [data-testid='stElementToolbar']")
    toolbar.wait_for(state="visible", timeout=10_000)
    assert toolbar.bounding_box()["height"] > 10    # download, search, full screen: there on hover
    page.close()
    return seen


def test_a_grid_changed_out_of_sight_reads_as_one_always_drawn(tmp_path):
    blocked: list[str] = []
    with chromium_on_script(tmp_path, SCRIPT, "offscreen.py") as (address, browser):
        hidden = _change_and_look(browser, address, blocked, out_of_sight=True)
        shown = _change_and_look(browser, address, blocked, out_of_sight=False)
    assert blocked == []
    first, second = _pixels(hidden), _pixels(shown)
    assert first.shape == second.shape            # one row, at one row's height
    # « Bas-Rhin », « 10 », the header and the column widths: the same text in the same places. The frame's last
    # five lines of pixels are left out: with the rule, the frame's own rounded border (its corners, its last line)
    # shows under the grid's last row (the grid no longer paints over it).
    assert numpy.abs(first[:-5] - second[:-5]).max() <= 8
