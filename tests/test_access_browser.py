"""Sign-in against a real local OpenID Connect provider (oidc-provider-mock), in headless Chromium.

Users and claims are registered in the provider; the app reads a test access file and tests/conftest.py's
two-région store (Bas-Rhin 67 and Corse-du-Sud 2A). A Corse-du-Sud agent never reaches the Bas-Rhin
establishments: not by URL, sidebar or CSV export; a Haut-Rhin (68) agent not by the map's drill-down.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser_support import CHROMIUM, FLAGS, ROOT, offline_route

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")]
pytest.importorskip("oidc_provider_mock")
pytest.importorskip("authlib")

ACCESS_FILE = """
[[acces]]
groupe = "ars-ge-dd67"
territoire = "departement:67"
role = "charge_de_mission"

[[acces]]
groupe = "ars-ge-dd68"
territoire = "departement:68"
role = "charge_de_mission"

[[acces]]
adresse = "agent.2a@ars.sante.fr"
territoire = "departement:2A"
role = "charge_de_mission"
"""
USERS = {
    "agent.67@ars.sante.fr": ["ars-ge-dd67"],
    "agent.68@ars.sante.fr": ["ars-ge-dd68"],
    "agent.2a@ars.sante.fr": [],
    "inconnu@example.org": [],
}
WAIT = 180000  # ms: the machine may be busy; Streamlit pages render in seconds when it is not
BAS_RHIN_WORDS = ("strasbourg", "haguenau", "sainte-odile", "tilleuls", "670000")


def _mentions_bas_rhin(text: str) -> bool:
    """Any of the fixture's Bas-Rhin establishments (names, body labels or FINESS numbers)."""
    return any(word in text.lower() for word in BAS_RHIN_WORDS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


@pytest.fixture(scope="module")
def signed_app(two_region_store_dir, tmp_path_factory):
    """(app URL, provider URL): the app with [auth] pointing at a local provider that knows USERS."""
    tmp = tmp_path_factory.mktemp("signin")
    oidc_port, app_port = _free_port(), _free_port()
    provider = f"http://127.0.0.1:{oidc_port}"
    oidc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(oidc_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    secrets = tmp / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-of-some-length"
[auth.proconnect]
client_id = "observatoire"
client_secret = "test"
server_metadata_url = "{provider}/.well-known/openid-configuration"
""", encoding="utf-8")
    (tmp / "acces.toml").write_text(ACCESS_FILE, encoding="utf-8")
    env = {**os.environ, "OBSERVATOIRE_DATA": str(two_region_store_dir),
           "OBSERVATOIRE_ACCESS_FILE": str(tmp / "acces.toml")}
    app = subprocess.Popen(
        [sys.executable, "-m", "observatoire.ui.serve", "--server.port", str(app_port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--secrets.files", str(secrets)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"{provider}/.well-known/openid-configuration")
        for email, groups in USERS.items():
            request = urllib.request.Request(f"{provider}/users/{quote(email)}", method="PUT",
                                             data=json.dumps({"email": email, "groups": groups}).encode(),
                                             headers={"Content-Type": "application/json"})
            assert urllib.request.urlopen(request, timeout=10).status == 204
        _wait(f"http://127.0.0.1:{app_port}/_stcore/health")
        yield f"http://127.0.0.1:{app_port}", provider
    finally:
        for process in (app, oidc):
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _page(browser, blocked: list):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()

    page.route("**/*", offline_route(blocked))
    return page


def _sign_in(page, app: str, email: str, path: str = "/") -> None:
    page.goto(app + path, timeout=WAIT)
    page.get_by_role("button", name="Se connecter avec ProConnect").click(timeout=WAIT)
    page.wait_for_url("**/oauth2/authorize**", timeout=30000)
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app + "/**", timeout=30000)


def test_nothing_is_shown_before_signing_in(signed_app, browser, tmp_path):
    app, _ = signed_app
    blocked: list = []
    page = _page(browser, blocked)
    page.goto(app + "/carte?territoire=departement:67&date=2026-03-01", timeout=WAIT)
    page.get_by_role("button", name="Se connecter avec ProConnect").wait_for(timeout=WAIT)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(tmp_path / "login.png"))
    text = page.inner_text("body")
    assert "Connectez-vous" in text
    assert "Carte" not in text and "Territoire" not in text and "Accueil" not in text  # no page list, no sidebar
    assert blocked == []
    page.context.close()


def test_unknown_user_is_refused(signed_app, browser):
    app, _ = signed_app
    page = _page(browser, [])
    _sign_in(page, app, "inconnu@example.org")
    page.get_by_text("ne figure pas dans le fichier d'accès").first.wait_for(timeout=WAIT)
    text = page.inner_text("body").replace("\u2060", "")  # md_escape's word joiner keeps e-mails unlinked
    assert "inconnu@example.org" in text and "Territoire" not in text and "Fraîcheur" not in text
    page.context.close()


def test_a_departement_user_sees_its_own_establishments(signed_app, browser):
    app, _ = signed_app
    page = _page(browser, [])
    _sign_in(page, app, "agent.67@ars.sante.fr")
    page.goto(app + "/vacance?territoire=departement:67&date=2026-03-01", timeout=WAIT)
    page.get_by_text("Sièges qui vont se libérer").first.wait_for(timeout=WAIT)
    page.get_by_text("Télécharger la liste (CSV)").first.wait_for(timeout=WAIT)
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_text("Télécharger la liste (CSV)").first.click()
    csv = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert _mentions_bas_rhin(csv)                      # the positive control of the next tests
    assert "agent.67@ars.sante.fr" in page.inner_text("body").replace("\u2060", "")
    page.context.close()


def test_a_departement_user_cannot_reach_another_departement(signed_app, browser, tmp_path):
    app, _ = signed_app
    blocked: list = []
    page = _page(browser, blocked)
    _sign_in(page, app, "agent.2a@ars.sante.fr")
    blocked.clear()  # the test provider's own form loads a CDN stylesheet (blocked); only the app is checked

    # By URL: ?territoire=departement:67 is refused and clamped to 2A, with a notice.
    page.goto(app + "/vacance?territoire=departement:67&date=2026-03-01", timeout=WAIT)
    page.get_by_text("hors de vos droits").first.wait_for(timeout=WAIT)
    page.get_by_text("Sièges qui vont se libérer").first.wait_for(timeout=WAIT)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(tmp_path / "vacance-2a.png"))
    assert "territoire=departement%3A2A" in page.url or "territoire=departement:2A" in page.url
    text = page.inner_text("body")
    assert "2A – Corse-du-Sud" in text and not _mentions_bas_rhin(text)

    # By CSV export: the seats about to be freed are Ajaccio's (positive control), nothing of Bas-Rhin.
    page.get_by_text("Télécharger la liste (CSV)").first.wait_for(timeout=WAIT)
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_text("Télécharger la liste (CSV)").first.click()
    csv = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert "Ajaccio" in csv and not _mentions_bas_rhin(csv)

    # By the sidebar: the only territory offered is Corse-du-Sud.
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    options = page.locator('[role="option"]').all_inner_texts()
    page.keyboard.press("Escape")
    assert options == ["2A – Corse-du-Sud"]
    assert blocked == []
    page.context.close()


def test_the_map_drill_down_shows_no_other_departement(signed_app, browser, tmp_path):
    app, _ = signed_app
    page = _page(browser, [])
    _sign_in(page, app, "agent.68@ars.sante.fr")
    page.goto(app + "/carte?territoire=departement:68&date=2026-03-01", timeout=WAIT)
    page.get_by_text("Établissements d'un département").first.wait_for(timeout=WAIT)
    page.get_by_role("combobox", name="Département à détailler").click()
    page.get_by_role("option", name="68 – Haut-Rhin").wait_for(timeout=WAIT)   # its own département only
    assert page.get_by_role("option", name="67 – Bas-Rhin").count() == 0
    page.keyboard.press("Escape")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(tmp_path / "carte-68.png"))
    text = page.inner_text("body")
    assert not _mentions_bas_rhin(text)
    assert "Exporter le tableau (CSV)" not in text
    page.context.close()
