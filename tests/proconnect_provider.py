"""A local OpenID Connect provider that behaves like ProConnect where a client can tell (tests only).

Built on joserfc (JWK, JWS, JWT) and the standard library's HTTP server; what it copies from ProConnect's
federation (an oidc-provider configuration: claimsParameter and jwtUserinfo on, client_secret_post, ES256 by default,
access tokens of 60 s, prompts login / consent / none):
- discovery at `<base>/api/v2/.well-known/openid-configuration`, the issuer being `<base>/api/v2`;
- the ID token carries `sub`, `acr`, `amr`, `auth_time`, `nonce`, `iss`, `aud`, `exp`, `iat`, `at_hash` and
  nothing else, unless the `claims` authorization parameter asks for more in `id_token` (within the scopes);
- the userinfo endpoint answers a signed JWT (`application/jwt`) while the access token lives (60 s);
- the token endpoint accepts `client_secret_post` only: HTTP Basic (Authlib's default) is `invalid_client`;
- `prompt=select_account` (Streamlit's default) is refused with `invalid_request`; so is any parameter
  ProConnect does not know (« Y000400 »);
- keys are ES256 or RS256 (both published; each client says which signs its tokens);
- logout goes through `end_session_endpoint` with `id_token_hint` and a registered `post_logout_redirect_uri`.

The sign-in page asks for a professional e-mail, like ProConnect's first screen; the user directory stands for
the identity providers behind it. Every request is recorded in `provider.events` for the tests to read.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

PREFIX = "/api/v2"
SCOPE_CLAIMS = {  # scope -> claims it releases (ProConnect's oidc-provider `claims` configuration)
    "openid": ["sub"], "given_name": ["given_name"], "usual_name": ["usual_name"], "email": ["email"],
    "uid": ["uid"], "siret": ["siret"], "siren": ["siren"], "idp_id": ["idp_id"], "idp_acr": ["idp_acr"],
    "organizational_unit": ["organizational_unit"], "phone": ["phone_number"], "belonging_population":
    ["belonging_population"], "amr": ["amr"],
}
AUTHORIZE_PARAMS = {"client_id", "response_type", "redirect_uri", "scope", "state", "nonce", "claims", "prompt",
                    "acr_values", "login_hint", "idp_hint", "code_challenge", "code_challenge_method",
                    "response_mode"}
ALLOWED_PROMPTS = {"login", "consent", "none"}
ACCESS_TOKEN_TTL = 60
CODE_TTL = 30


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    alg: str = "ES256"   # id_token_signed_response_alg and userinfo_signed_response_alg


@dataclass
class Provider:
    clients: dict[str, Client] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)   # e-mail -> claims (given_name, usual_name, siret...)
    events: list[tuple[str, dict]] = field(default_factory=list)

    def __post_init__(self):
        self.keys = {"ES256": ECKey.generate_key("P-256", parameters={"kid": "es256", "use": "sig", "alg": "ES256"}),
                     "RS256": RSAKey.generate_key(2048, parameters={"kid": "rs256", "use": "sig", "alg": "RS256"})}
        self.pending: dict[str, dict] = {}   # interaction id -> authorization request
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.server: ThreadingHTTPServer | None = None

    # --- life -------------------------------------------------------------------------------------------------
    def start(self, port: int = 0) -> "Provider":
        provider = self

        class Handler(_Handler):
            owner = provider

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return self.base + PREFIX

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "userinfo_endpoint": self.issuer + "/userinfo",
            "jwks_uri": self.issuer + "/jwks",
            "end_session_endpoint": self.issuer + "/session/end",
            "scopes_supported": sorted(SCOPE_CLAIMS),
            "claims_supported": sorted({c for claims in SCOPE_CLAIMS.values() for c in claims} | {
                "acr", "amr", "auth_time", "iss", "aud", "exp", "iat", "nonce"}),
            "claims_parameter_supported": True,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "acr_values_supported": ["eidas1"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "id_token_signing_alg_values_supported": ["ES256", "RS256", "HS256"],
            "userinfo_signing_alg_values_supported": ["ES256", "RS256", "HS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def record(self, name: str, **details) -> None:
        self.events.append((name, details))

    def sign(self, claims: dict, alg: str) -> str:
        key = self.keys[alg]
        return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key)

    def subject(self, email: str) -> str:
        return hashlib.sha256(("proconnect-like:" + email).encode()).hexdigest()

    def released(self, email: str, scopes: set[str], requested: dict | None) -> dict:
        """The user's claims a request may see: those of its scopes, and of those only the ones `requested`
        names (None: all of the scopes' claims, as userinfo answers)."""
        allowed = {claim for scope in scopes for claim in SCOPE_CLAIMS.get(scope, [])}
        user = {"email": email, **self.users[email]}
        return {name: value for name, value in user.items()
                if name in allowed and (requested is None or name in requested)}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Handler(BaseHTTPRequestHandler):
    owner: Provider

    def log_message(self, *args) -> None:  # quiet
        pass

    # --- plumbing ---------------------------------------------------------------------------------------------
    def _send(self, status: int, body: str | bytes, content_type: str, headers: dict | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        self._send(status, json.dumps(payload), "application/json; charset=utf-8", headers)

    def _page(self, status: int, title: str, body: str) -> None:
        self._send(status, f"<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>{html.escape(title)}"
                           f"</title></head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>",
                   "text/html; charset=utf-8")

    def _redirect(self, url: str, params: dict) -> None:
        target = url + ("&" if "?" in url else "?") + urlencode({k: v for k, v in params.items() if v is not None})
        self.send_response(303)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        route = {PREFIX + "/.well-known/openid-configuration": self._discovery, PREFIX + "/jwks": self._jwks,
                 PREFIX + "/authorize": self._authorize, PREFIX + "/userinfo": self._userinfo,
                 PREFIX + "/session/end": self._end_session}.get(url.path)
        if route is None:
            return self._page(404, "Page introuvable", "")
        route(query)

    def do_POST(self) -> None:
        url = urlparse(self.path)
        if url.path == PREFIX + "/token":
            return self._token(self._form())
        if url.path == PREFIX + "/userinfo":
            return self._userinfo({})
        if url.path.startswith(PREFIX + "/interaction/"):
            return self._login(url.path.split("/")[-2], self._form())
        self._page(404, "Page introuvable", "")

    # --- endpoints --------------------------------------------------------------------------------------------
    def _discovery(self, _query) -> None:
        self._json(200, self.owner.metadata())

    def _jwks(self, _query) -> None:
        self._json(200, KeySet(list(self.owner.keys.values())).as_dict(private=False))

    def _authorize(self, query: dict) -> None:
        owner = self.owner
        owner.record("authorize", params=dict(query))
        unknown = sorted(set(query) - AUTHORIZE_PARAMS)
        if unknown:
            return self._page(400, "Y000400 : Bad Request Exception", f"<p>Paramètre inconnu : "
                                                                      f"{html.escape(', '.join(unknown))}</p>")
        client = owner.clients.get(query.get("client_id", ""))
        if client is None:
            return self._page(400, "Client inconnu", "<p>invalid_client</p>")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return self._page(400, "redirect_uri non enregistrée", f"<p>{html.escape(redirect_uri)}</p>")
        state = query.get("state")

        def refuse(error: str, description: str) -> None:
            owner.record("authorize refused", error=error, description=description)
            self._redirect(redirect_uri, {"error": error, "error_description": description, "state": state,
                                          "iss": owner.issuer})

        scopes = set(query.get("scope", "").split())
        if query.get("response_type") != "code":
            return refuse("unsupported_response_type", "unsupported response_type requested")
        if "openid" not in scopes:
            return refuse("invalid_request", "openid scope must be requested")
        if not state or not query.get("nonce"):
            return refuse("invalid_request", "state and nonce are required")
        prompts = set(query.get("prompt", "").split())
        if prompts - ALLOWED_PROMPTS:
            return refuse("invalid_request", "unsupported prompt value requested")
        if "none" in prompts:
            return refuse("login_required", "End-User authentication is required")
        try:
            claims = json.loads(query["claims"]) if query.get("claims") else {}
            if not isinstance(claims, dict):
                raise ValueError
        except ValueError:
            return refuse("invalid_request", "could not parse the claims parameter JSON")
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            return refuse("invalid_request", "plain code_challenge_method fallback disabled")
        interaction = secrets.token_urlsafe(16)
        owner.pending[interaction] = {"client": client, "redirect_uri": redirect_uri, "state": state,
                                      "nonce": query["nonce"], "scopes": scopes, "claims": claims,
                                      "code_challenge": query.get("code_challenge")}
        self._page(200, "Connexion avec ProConnect", (
            f"<form method='post' action='{PREFIX}/interaction/{interaction}/login'>"
            "<label for='email'>Email professionnel</label> "
            "<input id='email' name='email' type='email' autocomplete='email' required> "
            "<button type='submit'>Continuer</button></form>"))

    def _login(self, interaction: str, form: dict) -> None:
        owner = self.owner
        request = owner.pending.pop(interaction, None)
        if request is None:
            return self._page(400, "Session expirée", "<p>Recommencez la connexion.</p>")
        email = form.get("email", "").strip().lower()
        if email not in owner.users:
            owner.pending[interaction] = request
            return self._page(200, "Aucun compte", f"<p>Aucun fournisseur d'identité pour {html.escape(email)}.</p>")
        code = secrets.token_urlsafe(32)
        owner.codes[code] = {**request, "email": email, "auth_time": int(time.time()),
                             "expires": time.time() + CODE_TTL}
        owner.record("login", email=email)
        self._redirect(request["redirect_uri"], {"code": code, "state": request["state"], "iss": owner.issuer})

    def _token(self, form: dict) -> None:
        owner = self.owner
        basic = (self.headers.get("Authorization") or "").lower().startswith("basic ")
        owner.record("token", client_auth="client_secret_basic" if basic else (
            "client_secret_post" if "client_secret" in form else "none"), form=sorted(form))
        if basic:
            return self._json(401, {"error": "invalid_client", "error_description":
                                    "client authentication failed (client_secret_basic is not allowed)"})
        client = owner.clients.get(form.get("client_id", ""))
        if client is None or not secrets.compare_digest(form.get("client_secret", ""), client.client_secret):
            return self._json(401, {"error": "invalid_client", "error_description": "client authentication failed"})
        if form.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "unsupported_grant_type"})
        grant = owner.codes.pop(form.get("code", ""), None)
        if (grant is None or grant["expires"] < time.time() or grant["client"] is not client
                or grant["redirect_uri"] != form.get("redirect_uri")):
            return self._json(400, {"error": "invalid_grant", "error_description": "grant request is invalid"})
        if grant["code_challenge"]:
            verifier = form.get("code_verifier", "")
            if _b64(hashlib.sha256(verifier.encode()).digest()) != grant["code_challenge"]:
                return self._json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        owner.tokens[access_token] = {**grant, "expires": now + ACCESS_TOKEN_TTL}
        digest = hashlib.sha256(access_token.encode()).digest()
        requested = grant["claims"].get("id_token")
        requested = requested if isinstance(requested, dict) else {}
        claims = {"iss": owner.issuer, "sub": owner.subject(grant["email"]), "aud": client.client_id,
                  "exp": now + 60, "iat": now, "auth_time": grant["auth_time"], "nonce": grant["nonce"],
                  "acr": "eidas1", "amr": ["pwd"], "at_hash": _b64(digest[:16]),
                  **owner.released(grant["email"], grant["scopes"], requested)}
        id_token = owner.sign(claims, client.alg)
        owner.record("id_token", claims=claims, alg=client.alg)
        self._json(200, {"access_token": access_token, "token_type": "Bearer", "expires_in": ACCESS_TOKEN_TTL,
                         "id_token": id_token, "scope": " ".join(sorted(grant["scopes"]))})

    def _userinfo(self, _query) -> None:
        owner = self.owner
        header = self.headers.get("Authorization") or ""
        token = owner.tokens.get(header[7:] if header.lower().startswith("bearer ") else "")
        if token is None or token["expires"] < time.time():
            owner.record("userinfo refused")
            return self._json(401, {"error": "invalid_token", "error_description": "invalid token provided"},
                              {"WWW-Authenticate": 'Bearer realm="proconnect", error="invalid_token"'})
        client = token["client"]
        claims = {"sub": owner.subject(token["email"]), "iss": owner.issuer, "aud": client.client_id,
                  "iat": int(time.time()), **owner.released(token["email"], token["scopes"], None)}
        owner.record("userinfo", claims=claims)
        self._send(200, owner.sign(claims, client.alg), "application/jwt; charset=utf-8")

    def _end_session(self, query: dict) -> None:
        owner = self.owner
        owner.record("end_session", params=dict(query))
        hint, target = query.get("id_token_hint"), query.get("post_logout_redirect_uri")
        if not hint:
            return self._page(400, "Déconnexion impossible", "<p>id_token_hint manquant.</p>")
        try:
            # An expired ID token still names the session it ended (oidc-provider ignores its expiry here).
            claims = jwt.decode(hint, KeySet(list(owner.keys.values())), algorithms=["ES256", "RS256"]).claims
        except (JoseError, ValueError):
            return self._page(400, "Déconnexion impossible", "<p>id_token_hint invalide.</p>")
        client = owner.clients.get(claims.get("aud"))
        if client is None or target not in client.post_logout_redirect_uris:
            return self._page(400, "Déconnexion impossible", "<p>post_logout_redirect_uri non enregistrée.</p>")
        owner.record("logout", sub=claims.get("sub"), post_logout_redirect_uri=target)
        self._redirect(target, {"state": query.get("state")})
