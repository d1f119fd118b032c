"""The desk in headless Chromium with signed-in département users (a local OpenID Connect provider, as in
tests/test_access_browser.py) on tests/conftest.py's two-région store: a Corse-du-Sud agent never reaches a Bas-Rhin
establishment (deep link, search, « À traiter » and its CSV); a Bas-Rhin agent opens an establishment from a line
of « À traiter » and reads its seats one by one."""
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

from tests.browser_support import CHROMIUM, FLAGS, ROOT, download, offline_route
from tests.conftest import FIXTURE_NAMES

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
adresse = "agent.2a@ars.sante.fr"
territoire = "departement:2A"
role = "charge_de_mission"
"""
USERS = {"agent.67@ars.sante.fr": ["ars-ge-dd67"], "agent.2a@ars.sante.fr": []}
WAIT = 180000
BAS_RHIN_WORDS = ("strasbourg", "haguenau", "sainte-odile", "tilleuls", "670000")


def _mentions_bas_rhin(text: str) -> bool:
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
    """The app with [auth] pointing at a local provider that knows USERS."""
    tmp = tmp_path_factory.mktemp("desk_signin")
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
        yield f"http://127.0.0.1:{app_port}"
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


def _signed_in(browser, app: str, email: str, blocked: list):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.route("**/*", offline_route(blocked))
    page.goto(app + "/", timeout=WAIT)
    page.get_by_role("button", name="Se connecter avec ProConnect").click(timeout=WAIT)
    page.wait_for_url("**/oauth2/authorize**", timeout=30000)
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app + "/**", timeout=30000)
    blocked.clear()  # the test provider's own form loads a CDN stylesheet (blocked); only the app is checked
    return context, page


def _download(page, label: str) -> str:
    return download(page, label.rsplit(" (", 1)[0], label, WAIT)


def test_a_departement_user_never_reaches_another_departements_establishment(signed_app, browser, tmp_path):
    blocked: list = []
    context, page = _signed_in(browser, signed_app, "agent.2a@ars.sante.fr", blocked)

    # By deep link: the page says « hors de vos droits » and shows nothing of it.
    page.goto(signed_app + "/etablissement?finess=670000025&date=2026-03-01", timeout=WAIT)
    page.get_by_text("hors de vos droits").first.wait_for(timeout=WAIT)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(tmp_path / "etablissement-2a.png"))
    assert not _mentions_bas_rhin(page.inner_text("body").replace("670000025", ""))

    # By search: Strasbourg is not found, Ajaccio is.
    box = page.get_by_label("Rechercher un établissement", exact=False)
    box.fill("strasbourg")
    box.press("Enter")
    page.get_by_text("Aucun établissement de votre territoire").first.wait_for(timeout=WAIT)
    box.fill("ajaccio")
    box.press("Enter")
    page.get_by_text("1 établissement(s) trouvé(s)").first.wait_for(timeout=WAIT)

    # By « À traiter » (a link to another département is brought back to its own) and its CSV.
    page.goto(signed_app + "/a_traiter?territoire=departement:67&date=2026-03-01", timeout=WAIT)
    page.get_by_text("ligne(s)").first.wait_for(timeout=WAIT)
    csv = _download(page, "Télécharger la liste (CSV)")
    assert "AJACCIO" in csv and not _mentions_bas_rhin(csv)
    assert not _mentions_bas_rhin(page.inner_text("body"))
    assert blocked == []
    context.close()


def test_a_line_of_a_traiter_opens_the_establishment_with_its_seats(signed_app, browser, tmp_path):
    blocked: list = []
    context, page = _signed_in(browser, signed_app, "agent.67@ars.sante.fr", blocked)
    page.goto(signed_app + "/a_traiter?territoire=departement:67&date=2026-03-01", timeout=WAIT)
    page.get_by_text("ligne(s)").first.wait_for(timeout=WAIT)
    csv = _download(page, "Télécharger la liste (CSV)")
    assert "Sièges à renouveler sous 3 mois" in csv and "etablissement?finess=670000025" in csv
    assert not any(name in csv for name in FIXTURE_NAMES)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(tmp_path / "a-traiter-67.png"))
    # The first line's « Ouvrir la fiche » (columns: échéance 90 px, catégorie 190, établissement 230, fiche).
    grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    x, y = grid["x"] + 90 + 190 + 230 + 40, grid["y"] + 35 + 17
    with context.expect_page(timeout=WAIT) as opened:
        page.mouse.click(x, y)
        page.wait_for_timeout(500)
        page.mouse.click(x, y)
    fiche = opened.value
    fiche.route("**/*", offline_route(blocked))
    assert "/etablissement?finess=670000025" in fiche.url
    fiche.get_by_text("Les sièges un par un").first.wait_for(timeout=WAIT)
    fiche.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=WAIT)   # the seats, one by one
    fiche.wait_for_timeout(1500)
    fiche.screenshot(path=str(tmp_path / "etablissement-67.png"))
    text = fiche.inner_text("body")
    assert "Instances et sièges" in text and not any(name in text for name in FIXTURE_NAMES)
    assert blocked == []
    context.close()
