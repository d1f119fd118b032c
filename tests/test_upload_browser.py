"""« Déposer des fichiers » in headless Chromium (issue 25): a nominations file with two planted errors is checked and
its errors shown at their lines; a clean file is published and Accueil shows its mandates; a rollback brings the
old figures back. Every non-local request is blocked."""
import re
from pathlib import Path

import pytest

from pipelines.build import build
from tests.browser_support import CHROMIUM, FLAGS, offline_route, streamlit_app
from tests.conftest import write_fixture_raw
from tests.test_publish import NOMINATIONS_WITH_ERRORS
from tests.test_versions import EXTRA_NOMINATIONS

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")]

WHERE = "?territoire=departement:67&date=2026-03-01"
TIMEOUT = 90_000


@pytest.fixture
def server(tmp_path):
    raw = write_fixture_raw(tmp_path)
    build(raw, tmp_path / "parquet", published_by="local")
    with streamlit_app(tmp_path / "parquet", env={"OBSERVATOIRE_RAW": str(raw)}) as url:
        yield url, raw


def _wait_idle(page):
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]') || "
                           "!/Running|Stop/i.test(document.querySelector('[data-testid=stStatusWidget]').innerText)",
                           timeout=TIMEOUT)
    page.wait_for_timeout(500)


def _accueil(page, url):
    page.goto(url + "/" + WHERE, timeout=60_000)
    page.get_by_text("Fraîcheur des données").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Sièges vacants pourvus par arrêté").first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def _upload(page, name, text):
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}])
    page.get_by_text(f"Source de « {name} »").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)


def test_check_publish_and_roll_back_in_chromium(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, raw = server
    blocked = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.route("**/*", offline_route(blocked))
            assert _accueil(page, url) == "3"

            # 1. A file with two planted errors: seen at their lines, nothing written.
            page.goto(url + "/deposer" + WHERE, timeout=60_000)
            page.get_by_text("Fichiers à déposer").first.wait_for(timeout=TIMEOUT)
            _upload(page, "arretes_erreurs.csv", NOMINATIONS_WITH_ERRORS)
            source = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').first
            assert source.input_value() == "Nominations (arrêtés)"          # detected from the headers
            page.get_by_role("button", name="Vérifier").click()
            page.get_by_text("Lignes rejetées et avertissements").first.wait_for(timeout=TIMEOUT)
            _wait_idle(page)
            text = page.inner_text("body")
            assert "arretes_erreurs.csv, ligne 2, colonne date_debut : « 31/02/2026 » n'est pas une date valide" in text
            assert "arretes_erreurs.csv, ligne 3, colonne finess : Aucune instance CDU déclarée pour 670000099" in text
            page.screenshot(path=str(tmp_path / "verification.png"), full_page=True)
            assert not (raw / "nominations" / "arretes_erreurs.csv").exists()

            # 2. The clean file: checked, published; Accueil shows its mandates without a restart.
            page.get_by_role("button", name="Remove arretes_erreurs.csv").click()
            _wait_idle(page)
            _upload(page, "arretes_complement.csv", EXTRA_NOMINATIONS)
            page.get_by_role("button", name="Vérifier").click()
            page.get_by_text("Aucune ligne rejetée, aucun avertissement.").first.wait_for(timeout=TIMEOUT)
            _wait_idle(page)
            assert "3 → 1" in page.inner_text("body") or "Ce qui changerait" in page.inner_text("body")
            page.get_by_role("button", name="Publier").click()
            page.get_by_text("Publié : nominations/arretes_complement.csv").first.wait_for(timeout=TIMEOUT)
            page.screenshot(path=str(tmp_path / "publication.png"), full_page=True)
            assert (raw / "nominations" / "arretes_complement.csv").read_text(encoding="utf-8") == EXTRA_NOMINATIONS
            assert _accueil(page, url) == "1"

            # 3. Back to the version before: the old figures again.
            page.goto(url + "/deposer" + WHERE, timeout=60_000)
            page.get_by_role("tab", name="Versions").click()
            page.get_by_text("Version à remettre en service").first.wait_for(timeout=TIMEOUT)
            _wait_idle(page)
            page.get_by_role("combobox", name="Version à remettre en service").click()
            page.get_by_role("option").first.click()
            _wait_idle(page)
            page.get_by_role("button", name=re.compile("Revenir à cette version")).click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_text("arretes_complement.csv").first.wait_for(timeout=TIMEOUT)
            page.screenshot(path=str(tmp_path / "confirmation.png"))
            dialog.get_by_role("button", name="Confirmer le retour").click()
            page.get_by_text("est remise en service").first.wait_for(timeout=TIMEOUT)
            assert not (raw / "nominations" / "arretes_complement.csv").exists()
            assert _accueil(page, url) == "3"
            exceptions = page.locator('[data-testid="stException"]').count()
        finally:
            browser.close()
    assert exceptions == 0 and blocked == []
