"""A séance closed in a browser is replayed with its recorded values after the store is rebuilt."""
import shutil
from pathlib import Path

import pytest

from pipelines.build import build
from tests.browser_support import CHROMIUM, FLAGS, offline_route, streamlit_app
from tests.conftest import write_fixture_raw

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")]


def test_a_closed_seance_survives_a_rebuild(tmp_path):
    from playwright.sync_api import sync_playwright

    raw = write_fixture_raw(tmp_path)
    store = tmp_path / "parquet"
    assert build(raw, store).ok
    records_dir = tmp_path / "records"
    url = "/convention?territoire=departement:67&date=2026-03-01"
    blocked = []
    with streamlit_app(store, OBSERVATOIRE_RECORDS=str(records_dir)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.route("**/*", offline_route(blocked))
            page.goto(server + url, timeout=60000)
            page.get_by_role("tab", name="Relevé de la séance").click(timeout=90000)
            page.get_by_text("Aucun relevé pour cette date").wait_for(timeout=90000)
            page.get_by_text("Clore la séance (relevé").click()
            page.get_by_label("Organisations présentes (une par ligne)").fill("ARS Grand Est\nFrance Assos Santé")
            page.get_by_role("button", name="Clore la séance").click()
            page.get_by_text("Séance du 01/03/2026 close le").wait_for(timeout=60000)
            page.locator('[data-testid="stTable"]').first.wait_for(timeout=60000)
            assert "Valeur enregistrée" in page.evaluate("document.body.textContent")
        finally:
            browser.close()
    saved = (records_dir / "seances_GE-TEST.jsonl").read_text(encoding="utf-8")
    assert "ARS Grand Est" in saved and '"value": 25.0' in saved       # Bas-Rhin 25,0 % on 01/03/2026
    # The store is rebuilt (a late decree fills a Bas-Rhin seat before 01/03/2026): the record is untouched.
    (raw / "nominations" / "tardif.csv").write_text(
        "finess;code_territoire;type_instance;role;nom;prenom;date_naissance;association;date_debut;date_fin;"
        "date_fin_anticipee;motif_fin;reference_arrete;date_arrete\n"
        "670000033;;CDU;suppleant;Lang;Rita;;AIDES;01/02/2026;31/01/2029;;;ARS-T;20/06/2026\n", encoding="utf-8")
    shutil.rmtree(store)
    assert build(raw, store).ok
    with streamlit_app(store, OBSERVATOIRE_RECORDS=str(records_dir)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.route("**/*", offline_route(blocked))
            page.goto(server + url, timeout=60000)
            page.get_by_role("tab", name="Relevé de la séance").click(timeout=90000)
            page.get_by_text("Séance du 01/03/2026 close le").wait_for(timeout=90000)
            page.locator('[data-testid="stTable"]').first.wait_for(timeout=60000)
            body = page.evaluate("document.body.textContent")
            # Recorded 25,0 % (3 of 12 vacant); today, for the same date, 16,7 % (the late decree): −8,3 points.
            i = body.find("Valeur enregistr")
            assert "25,0\u202f%" in body and "16,7\u202f%" in body and "ARS Grand Est" in body, body[i - 200:i + 800]
        finally:
            browser.close()
    assert blocked == []
