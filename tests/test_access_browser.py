"""Sign-in in headless Chromium against two local OpenID Connect providers, as in production: ProConnect for
ARS agents (tests/proconnect_provider.py, which behaves like it: e-mail and SIRET in the ID token only when the
`claims` parameter asks, client_secret_post only, select_account refused, signed userinfo, logout through its
end-session endpoint) configured with the [auth.proconnect] section shipped in .streamlit/secrets.example.toml,
and France Assos Santé's generic provider (oidc-provider-mock, groups in the ID token).

The app reads a test access file and tests/conftest.py's two-région store (Bas-Rhin 67 and Corse-du-Sud 2A). A
Corse-du-Sud agent never reaches the Bas-Rhin establishments: not by URL, sidebar or CSV export; a Haut-Rhin (68)
agent not by the map's drill-down.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from observatoire.present import accessibility
from tests.browser_support import CHROMIUM, FLAGS, ROOT, download, offline_route, serious_violations
from tests.proconnect_provider import Client, Provider
from tests.test_proconnect_provider import proconnect_section

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium absent (make test installs it)")]
pytest.importorskip("oidc_provider_mock")
pytest.importorskip("authlib")

SIRET_ARS_GE = "13000000000044"  # a test SIRET standing for the ARS Grand Est
ACCESS_FILE = f"""
[[acces]]
adresse = "agent.67@ars.sante.fr"
territoire = "departement:67"
role = "charge_de_mission"

[[acces]]
adresse = "agent.68@ars.sante.fr"
territoire = "departement:68"
role = "charge_de_mission"

[[acces]]
adresse = "agent.2a@ars.sante.fr"
territoire = "departement:2A"
role = "charge_de_mission"

[[acces]]
siret = "{SIRET_ARS_GE}"
territoire = "region:44"
role = "lecture"

[[acces]]
groupe = "fas-grand-est"
territoire = "region:44"
role = "lecture"
"""
AGENTS = {  # ProConnect's directory: e-mail -> what the agent's identity provider knows
    email: {"given_name": "Camille", "usual_name": "Martin", "uid": "1", "siret": siret, "idp_id": "fia1"}
    for email, siret in [("agent.67@ars.sante.fr", "13000000000067"), ("agent.68@ars.sante.fr", "13000000000068"),
                         ("agent.2a@ars.sante.fr", "13000000000094"), ("agent.ge@ars.sante.fr", SIRET_ARS_GE),
                         ("inconnu@example.org", "11000000000000")]}
FAS_USERS = {"benevole@france-assos-sante.org": ["fas-grand-est"]}
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


def _toml(value) -> str:
    """A TOML value for the strings and inline tables of an [auth.*] section (JSON string escapes are TOML's)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"
    return json.dumps(value)


def secrets_file(path: Path, app: str, proconnect: Provider, fas: str) -> Path:
    """[auth] with the shipped [auth.proconnect] section pointed at the local provider, and a generic [auth.fas]."""
    section = {**proconnect_section(), "client_id": "observatoire", "client_secret": "un-secret-de-test",
               "server_metadata_url": proconnect.discovery_url}
    lines = ["[auth]", f'redirect_uri = "{app}/oauth2callback"',
             'cookie_secret = "a-test-cookie-secret-of-some-length"',
             "[auth.proconnect]", *(f"{key} = {_toml(value)}" for key, value in section.items()),
             "[auth.fas]", 'client_id = "observatoire"', 'client_secret = "test"',
             f'server_metadata_url = "{fas}/.well-known/openid-configuration"',
             'client_kwargs = { scope = "openid email profile groups" }']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def signed_app(two_region_store_dir, tmp_path_factory):
    """(app URL, ProConnect-like provider): the app with both identity providers configured."""
    tmp = tmp_path_factory.mktemp("signin")
    fas_port, app_port = _free_port(), _free_port()
    app_url, fas = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{fas_port}"
    callback = f"{app_url}/oauth2callback"  # registered for the sign-in and the sign-out
    proconnect = Provider(clients={"observatoire": Client("observatoire", "un-secret-de-test", [callback], [callback])},
                          users=AGENTS).start()
    oidc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(fas_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    secrets = secrets_file(tmp / "secrets.toml", app_url, proconnect, fas)
    (tmp / "acces.toml").write_text(ACCESS_FILE, encoding="utf-8")
    env = {**os.environ, "OBSERVATOIRE_DATA": str(two_region_store_dir),
           "OBSERVATOIRE_ACCESS_FILE": str(tmp / "acces.toml")}
    app = subprocess.Popen(
        [sys.executable, "-m", "observatoire.ui.serve", "--server.port", str(app_port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--secrets.files", str(secrets)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"{fas}/.well-known/openid-configuration")
        for email, groups in FAS_USERS.items():
            request = urllib.request.Request(f"{fas}/users/{quote(email)}", method="PUT",
                                             data=json.dumps({"email": email, "groups": groups}).encode(),
                                             headers={"Content-Type": "application/json"})
            assert urllib.request.urlopen(request, timeout=10).status == 204
        _wait(f"{app_url}/_stcore/health")
        yield app_url, proconnect
    finally:
        for process in (app, oidc):
            process.terminate()
            process.wait(timeout=20)
        proconnect.stop()


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
    """Through ProConnect: its button, the professional e-mail, back to the app."""
    page.goto(app + path, timeout=WAIT)
    page.get_by_role("button", name="Se connecter avec ProConnect").click(timeout=WAIT)
    page.wait_for_url("**/api/v2/authorize**", timeout=30000)
    page.get_by_label("Email professionnel").fill(email)
    page.get_by_role("button", name="Continuer").click()
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
    assert page.get_by_role("dialog").count() == 0       # no « Page not found » over the screen
    assert blocked == []
    page.context.close()


def test_the_sign_in_screen_is_accessible_and_links_to_the_declaration(signed_app, browser):
    app, _ = signed_app
    page = _page(browser, [])
    page.goto(app + "/", timeout=WAIT)
    page.get_by_role("button", name="Se connecter avec ProConnect").wait_for(timeout=WAIT)
    page.wait_for_timeout(1500)
    assert page.evaluate("document.documentElement.lang") == "fr" and page.title().startswith("Connexion")
    assert serious_violations(page) == []
    page.get_by_role("link", name=accessibility.mention()).click()
    page.get_by_text("Voies de recours").wait_for(timeout=WAIT)   # readable before signing in
    assert "/accessibilite" in page.url and serious_violations(page) == []
    page.context.close()


def test_unknown_user_is_refused(signed_app, browser):
    app, _ = signed_app
    page = _page(browser, [])
    _sign_in(page, app, "inconnu@example.org")
    page.get_by_text("ne figure pas dans le fichier d'accès").first.wait_for(timeout=WAIT)
    text = page.inner_text("body").replace("\u2060", "")  # md_escape's word joiner keeps e-mails unlinked
    assert "inconnu@example.org" in text and "Territoire" not in text and "Fraîcheur" not in text
    page.context.close()


def _open_ahead(page) -> None:
    """Open the Vacance page's « Sièges qui vont se libérer » section (built when opened) and wait for its list."""
    page.get_by_role("tab", name="Sièges qui vont se libérer").click(timeout=WAIT)
    page.get_by_role("button", name="Télécharger la liste").wait_for(timeout=WAIT)


def test_a_departement_user_sees_its_own_establishments(signed_app, browser):
    app, _ = signed_app
    page = _page(browser, [])
    _sign_in(page, app, "agent.67@ars.sante.fr")
    page.goto(app + "/vacance?territoire=departement:67&date=2026-03-01", timeout=WAIT)
    _open_ahead(page)
    csv = download(page, "Télécharger la liste", "Télécharger la liste (CSV)", WAIT)
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
    _open_ahead(page)
    csv = download(page, "Télécharger la liste", "Télécharger la liste (CSV)", WAIT)
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


def test_an_agent_signs_in_with_the_claims_asked_for_in_the_id_token(signed_app, browser):
    app, proconnect = signed_app
    page = _page(browser, [])
    start = len(proconnect.events)
    _sign_in(page, app, "agent.67@ars.sante.fr")
    page.get_by_text("67 – Bas-Rhin").first.wait_for(timeout=WAIT)
    events = proconnect.events[start:]
    authorize = next(details["params"] for name, details in events if name == "authorize")
    assert authorize["prompt"] == "login" and "email" in json.loads(authorize["claims"])["id_token"]
    assert [details["client_auth"] for name, details in events if name == "token"] == ["client_secret_post"]
    id_token = next(details for name, details in events if name == "id_token")
    assert id_token["alg"] == "ES256" and id_token["claims"]["email"] == "agent.67@ars.sante.fr"
    assert not any(name == "userinfo" for name, _ in events)  # everything the app needs is in the ID token
    page.context.close()


def test_an_ars_agent_is_given_its_region_by_the_siret_of_its_agency(signed_app, browser):
    app, proconnect = signed_app
    page = _page(browser, [])
    proconnect.clients["observatoire"].alg = "RS256"  # ProConnect signs with the algorithm the client registered
    try:
        _sign_in(page, app, "agent.ge@ars.sante.fr")
        page.goto(app + "/vacance?date=2026-03-01", timeout=WAIT)
        page.get_by_text("Sièges qui vont se libérer").first.wait_for(timeout=WAIT)
    finally:
        proconnect.clients["observatoire"].alg = "ES256"
    assert "Grand Est" in page.inner_text('[data-testid="stSidebar"]')
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    options = page.locator('[role="option"]').all_inner_texts()
    page.keyboard.press("Escape")
    assert options[0] == "Grand Est (région)" and "67 – Bas-Rhin" in options and "2A – Corse-du-Sud" not in options
    page.context.close()


def test_signing_out_goes_through_proconnect_with_the_id_token(signed_app, browser):
    app, proconnect = signed_app
    page = _page(browser, [])
    _sign_in(page, app, "agent.2a@ars.sante.fr")
    start = len(proconnect.events)
    page.get_by_role("button", name="Se déconnecter").click(timeout=WAIT)
    page.get_by_role("button", name="Se connecter avec ProConnect").wait_for(timeout=WAIT)
    events = dict(proconnect.events[start:])
    assert events["end_session"]["params"]["id_token_hint"].count(".") == 2
    assert events["logout"]["post_logout_redirect_uri"] == f"{app}/oauth2callback"
    page.context.close()


def test_france_assos_sante_accounts_sign_in_beside_proconnect(signed_app, browser):
    app, _ = signed_app
    page = _page(browser, [])
    page.goto(app + "/", timeout=WAIT)
    page.get_by_role("button", name="Se connecter avec France Assos Santé").click(timeout=WAIT)
    page.wait_for_url("**/oauth2/authorize**", timeout=30000)
    page.get_by_placeholder("sub").fill("benevole@france-assos-sante.org")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app + "/**", timeout=30000)
    page.get_by_text("Connecté").first.wait_for(timeout=WAIT)
    sidebar = page.inner_text('[data-testid="stSidebar"]').replace("\u2060", "")
    assert "benevole@france-assos-sante.org" in sidebar and "Lecture" in sidebar and "Grand Est" in sidebar
    page.context.close()


def test_a_copied_cookie_no_longer_signs_in_after_sign_out(signed_app, browser):
    """Sign in, copy the session cookie, sign out: the copy, in another browser, meets the login screen."""
    app, _ = signed_app
    page = _page(browser, [])
    _sign_in(page, app, "agent.2a@ars.sante.fr")
    page.get_by_text("Connecté").first.wait_for(timeout=WAIT)
    copied = page.context.cookies()
    page.get_by_role("button", name="Se déconnecter").click(timeout=WAIT)
    page.get_by_role("button", name="Se connecter avec ProConnect").wait_for(timeout=WAIT)
    page.context.close()
    other = browser.new_context(viewport={"width": 1600, "height": 1000})
    other.add_cookies(copied)
    intruder = other.new_page()
    intruder.goto(app + "/", timeout=WAIT)
    # Whichever comes first: the signed-in sidebar (the copy still works) or the login screen.
    intruder.wait_for_function("() => document.body.innerText.includes('Connecté')"
                               " || document.body.innerText.includes('Se connecter avec ProConnect')", timeout=WAIT)
    intruder.wait_for_timeout(3000)  # let a signed-in page finish drawing if it is one
    body = intruder.inner_text("body")
    assert "Connecté" not in body and "Se connecter avec ProConnect" in body
    other.close()


def test_no_metrics_endpoint_when_sign_in_is_configured(signed_app):
    app, _ = signed_app
    try:
        body = urllib.request.urlopen(f"{app}/_stcore/metrics", timeout=10).read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        assert error.code in (403, 404)
        return
    assert "cache_memory_bytes" not in body and "session_state" not in body
