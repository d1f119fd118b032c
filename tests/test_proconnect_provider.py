"""The local ProConnect-like provider (tests/proconnect_provider.py) behaves like ProConnect on every point the
sign-in depends on, and the shipped [auth.proconnect] section asks it the way it must be asked."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.proconnect_provider import Client, Provider

ROOT = Path(__file__).resolve().parent.parent
REDIRECT = "http://127.0.0.1:9/oauth2callback"
EMAIL, SIRET = "agent@ars.sante.fr", "13000804800016"
SCOPE = "openid given_name usual_name email uid siret idp_id"


@pytest.fixture(scope="module")
def provider():
    provider = Provider(
        clients={"es": Client("es", "secret", [REDIRECT], [REDIRECT]),
                 "rs": Client("rs", "secret", [REDIRECT], [REDIRECT], alg="RS256")},
        users={EMAIL: {"given_name": "Camille", "usual_name": "Martin", "uid": "42", "siret": SIRET,
                       "idp_id": "fia1"}}).start()
    yield provider
    provider.stop()


def _authorize(provider, client_id="es", **params) -> httpx.Response:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": SCOPE,
             "state": "s" * 32, "nonce": "n" * 32, **params}
    return httpx.get(f"{provider.issuer}/authorize?{urlencode(query)}")


def _code(provider, client_id="es", **params) -> str:
    page = _authorize(provider, client_id, **params)
    assert page.status_code == 200 and "Email professionnel" in page.text
    action = page.text.split("action='", 1)[1].split("'", 1)[0]
    answer = httpx.post(provider.base + action, data={"email": EMAIL})
    assert answer.status_code == 303
    return parse_qs(urlparse(answer.headers["location"]).query)["code"][0]


def _tokens(provider, code, client_id="es") -> dict:
    answer = httpx.post(f"{provider.issuer}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": client_id,
        "client_secret": "secret"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _verify(provider, token: str, alg: str) -> tuple[dict, dict]:
    keys = KeySet.import_key_set(httpx.get(provider.metadata()["jwks_uri"]).json())
    decoded = jwt.decode(token, keys, algorithms=[alg])
    return decoded.header, decoded.claims


def test_discovery_is_under_api_v2_and_names_client_secret_post(provider):
    metadata = httpx.get(provider.base + "/api/v2/.well-known/openid-configuration").json()
    assert metadata["issuer"] == provider.base + "/api/v2"
    assert metadata["token_endpoint_auth_methods_supported"] == ["client_secret_post", "private_key_jwt"]
    assert metadata["end_session_endpoint"].endswith("/api/v2/session/end")
    assert metadata["claims_parameter_supported"] is True


def test_select_account_is_refused_login_is_not(provider):
    refused = _authorize(provider, prompt="select_account")
    assert refused.status_code == 303
    query = parse_qs(urlparse(refused.headers["location"]).query)
    assert query["error"] == ["invalid_request"] and "prompt" in query["error_description"][0]
    assert _authorize(provider, prompt="login").status_code == 200
    assert _authorize(provider, prompt="consent").status_code == 200


def test_a_parameter_proconnect_does_not_know_is_a_bad_request(provider):
    answer = _authorize(provider, ui_locales="fr")
    assert answer.status_code == 400 and "Y000400" in answer.text


def test_the_token_endpoint_refuses_http_basic(provider):
    answer = httpx.post(f"{provider.issuer}/token", auth=("es", "secret"), data={
        "grant_type": "authorization_code", "code": _code(provider), "redirect_uri": REDIRECT})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_the_id_token_has_no_email_unless_claims_ask_for_it(provider):
    header, claims = _verify(provider, _tokens(provider, _code(provider))["id_token"], "ES256")
    assert header["alg"] == "ES256"
    assert set(claims) == {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "at_hash"}
    asked = json.dumps({"id_token": {"email": {"essential": True}, "siret": None}})
    _, claims = _verify(provider, _tokens(provider, _code(provider, claims=asked))["id_token"], "ES256")
    assert claims["email"] == EMAIL and claims["siret"] == SIRET and "given_name" not in claims
    # Claims outside the scopes asked for are not released.
    _, claims = _verify(provider, _tokens(provider, _code(provider, claims=asked, scope="openid email"))["id_token"],
                        "ES256")
    assert claims["email"] == EMAIL and "siret" not in claims


def test_userinfo_is_a_signed_jwt_while_the_access_token_lives(provider):
    tokens = _tokens(provider, _code(provider, "rs"), "rs")
    assert tokens["expires_in"] == 60
    answer = httpx.get(f"{provider.issuer}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert answer.headers["content-type"].startswith("application/jwt")
    header, claims = _verify(provider, answer.text, "RS256")
    assert header["alg"] == "RS256" and claims["email"] == EMAIL and claims["siret"] == SIRET
    provider.tokens[tokens["access_token"]]["expires"] = 0   # 60 s later
    answer = httpx.get(f"{provider.issuer}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert answer.status_code == 401


def test_logout_needs_the_id_token_and_a_registered_address(provider):
    id_token = _tokens(provider, _code(provider))["id_token"]
    end = f"{provider.issuer}/session/end"
    assert httpx.get(end, params={"post_logout_redirect_uri": REDIRECT}).status_code == 400
    assert httpx.get(end, params={"id_token_hint": id_token,
                                  "post_logout_redirect_uri": "http://127.0.0.1:9/"}).status_code == 400
    answer = httpx.get(end, params={"id_token_hint": id_token, "post_logout_redirect_uri": REDIRECT})
    assert answer.status_code == 303 and answer.headers["location"].startswith(REDIRECT)


def proconnect_section() -> dict:
    """[auth.proconnect] of the shipped .streamlit/secrets.example.toml."""
    secrets = tomllib.loads((ROOT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8"))
    return secrets["auth"]["proconnect"]


def test_the_example_section_asks_proconnect_the_way_it_must_be_asked():
    section = proconnect_section()
    kwargs, params = section["client_kwargs"], section["authorize_params"]
    assert kwargs["token_endpoint_auth_method"] == "client_secret_post"
    assert kwargs["prompt"] in {"login", "consent"}            # never Streamlit's default select_account
    assert kwargs["scope"].split() == ["openid", "given_name", "usual_name", "email", "uid", "siret", "idp_id"]
    claims = json.loads(params["claims"])
    assert {"email", "siret"} <= set(claims["id_token"])
    assert urlparse(section["server_metadata_url"]).path == "/api/v2/.well-known/openid-configuration"
