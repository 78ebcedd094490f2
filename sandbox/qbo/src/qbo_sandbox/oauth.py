"""OAuth 2.0 as Intuit serves it: authorize (auto-consent), token endpoint with rotating refresh
tokens, revoke, and the discovery documents ``intuit-oauth`` reads its endpoints from."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

if TYPE_CHECKING:
    from qbo_sandbox.state import SandboxState

ACCESS_SECONDS = 3600
REFRESH_SECONDS = 8_726_400
CODE_SECONDS = 600


@dataclass
class AccessGrant:
    realm_id: str
    client_id: str
    expires_at: dt.datetime


@dataclass
class RefreshGrant:
    realm_id: str
    client_id: str
    expires_at: dt.datetime
    active: bool = True


@dataclass
class CodeGrant:
    realm_id: str
    client_id: str
    redirect_uri: str
    expires_at: dt.datetime
    used: bool = False


class InvalidGrant(Exception):
    pass


class TokenAuthority:
    def __init__(self) -> None:
        self.access: dict[str, AccessGrant] = {}
        self.refresh: dict[str, RefreshGrant] = {}
        self.codes: dict[str, CodeGrant] = {}

    def issue(
        self, realm_id: str, client_id: str, now: dt.datetime, access_seconds: int = ACCESS_SECONDS
    ) -> dict[str, object]:
        access = secrets.token_urlsafe(32)
        refresh = "AB11" + secrets.token_urlsafe(30)
        self.access[access] = AccessGrant(realm_id, client_id, now + dt.timedelta(seconds=access_seconds))
        self.refresh[refresh] = RefreshGrant(realm_id, client_id, now + dt.timedelta(seconds=REFRESH_SECONDS))
        return {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": access_seconds,
            "x_refresh_token_expires_in": REFRESH_SECONDS,
            "realmId": realm_id,
        }

    def new_code(self, realm_id: str, client_id: str, redirect_uri: str, now: dt.datetime) -> str:
        code = "AB11" + secrets.token_urlsafe(24)
        self.codes[code] = CodeGrant(realm_id, client_id, redirect_uri, now + dt.timedelta(seconds=CODE_SECONDS))
        return code

    def redeem_code(self, code: str, client_id: str, redirect_uri: str | None, now: dt.datetime) -> dict[str, object]:
        grant = self.codes.get(code)
        if grant is None or grant.used or grant.expires_at < now or grant.client_id != client_id:
            raise InvalidGrant
        if redirect_uri is not None and redirect_uri != grant.redirect_uri:
            raise InvalidGrant
        grant.used = True
        return self.issue(grant.realm_id, client_id, now)

    def rotate(self, refresh_token: str, client_id: str, now: dt.datetime) -> dict[str, object]:
        """Every refresh rotates the refresh token: the old value stops working at once."""
        grant = self.refresh.get(refresh_token)
        if grant is None or not grant.active or grant.expires_at < now or grant.client_id != client_id:
            raise InvalidGrant
        grant.active = False
        return self.issue(grant.realm_id, client_id, now)

    def revoke(self, token: str) -> None:
        grant = self.refresh.get(token)
        if grant is not None:
            grant.active = False
            for access, acc in list(self.access.items()):
                if acc.realm_id == grant.realm_id and acc.client_id == grant.client_id:
                    del self.access[access]
        self.access.pop(token, None)

    def check(self, token: str, now: dt.datetime) -> AccessGrant | str:
        grant = self.access.get(token)
        if grant is None:
            return "Malformed bearer token or unknown token"
        if grant.expires_at <= now:
            return f"Token expired: {token[:8]}..."
        return grant


def _client(request: Request, form: dict[str, str], state: SandboxState) -> str | None:
    header = request.headers.get("authorization", "")
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
    app = state.apps.get(client_id or "")
    if app is None or not secrets.compare_digest(app.client_secret, secret or ""):
        return None
    return app.client_id


def oauth_router(state: SandboxState) -> APIRouter:
    router = APIRouter()

    @router.get("/connect/oauth2")
    async def authorize(request: Request, client_id: str, redirect_uri: str, realm_id: str | None = None) -> Response:
        """Authorize with auto-consent: redirect to ``redirect_uri`` with code, state and realmId.
        ``realm_id`` (sandbox extension) picks the company; else the first one, else a new one."""
        if client_id not in state.apps:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        realm = state.realms.get(realm_id or "") if realm_id else next(iter(state.realms.values()), None)
        if realm is None:
            realm = state.create_realm(realm_id=realm_id)
        state.hub.connect(realm.realm_id, client_id)
        code = state.tokens.new_code(realm.realm_id, client_id, redirect_uri, state.clock.now())
        params = {"code": code, "state": request.query_params.get("state", ""), "realmId": realm.realm_id}
        sep = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{sep}{urlencode(params)}", status_code=302)

    @router.post("/oauth2/v1/tokens/bearer")
    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        client_id = _client(request, form, state)
        if client_id is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        now = state.clock.now()
        try:
            if form.get("grant_type") == "authorization_code":
                body = state.tokens.redeem_code(form.get("code", ""), client_id, form.get("redirect_uri"), now)
            elif form.get("grant_type") == "refresh_token":
                body = state.tokens.rotate(form.get("refresh_token", ""), client_id, now)
            else:
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        except InvalidGrant:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        body.pop("realmId", None)
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    @router.post("/v2/oauth2/tokens/revoke")
    async def revoke(request: Request) -> Response:
        """JSON ``{"token"}`` with client_secret_basic, as intuit-oauth's ``AuthClient.revoke``
        sends it; an unknown client is refused like at the token endpoint."""
        if _client(request, {}, state) is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        state.tokens.revoke(token)
        return Response(status_code=200)

    def discovery(request: Request) -> dict[str, str]:
        base = str(request.base_url).rstrip("/")
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/connect/oauth2",
            "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
            "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
            "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
            "jwks_uri": f"{base}/oauth2/v1/keys",
            "response_types_supported": "code",
            "token_endpoint_auth_methods_supported": "client_secret_basic,client_secret_post",
        }

    for path in ("/.well-known/openid_sandbox_configuration", "/.well-known/openid_configuration"):
        router.add_api_route(path, discovery, methods=["GET"])
        router.add_api_route(path + "/", discovery, methods=["GET"], include_in_schema=False)
    return router
