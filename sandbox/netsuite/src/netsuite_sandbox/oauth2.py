"""OAuth 2.0 (reference §1.2): the authorization code grant with PKCE (auto-consent), refresh, and the
client credentials (M2M) grant with a JWT assertion, at ``.../services/rest/auth/oauth2/v1/token``.
Token-endpoint errors use the RFC 6749 §5.2 shape (``{"error": ...}``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from netsuite_sandbox.account import Account, OAuthClient
from netsuite_sandbox.jwt_assertion import AssertionRejected, verify_assertion
from netsuite_sandbox.state import SandboxState

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CODE_SECONDS = 600


@dataclass
class PendingCode:
    client_id: str
    redirect_uri: str
    challenge: str
    expires_at: float


def oauth_error(status: int, error: str) -> Response:
    return JSONResponse({"error": error}, status_code=status)


class OAuth2:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.codes: dict[str, tuple[str, PendingCode]] = {}

    def authorize(self, account: Account, request: Request) -> Response:
        """``GET .../app/login/oauth2/authorize.nl``: consent is given at once; redirect with ``code`` and ``state``."""
        q = request.query_params
        client = account.oauth2_clients.get(q.get("client_id", ""))
        redirect_uri = q.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            return oauth_error(400, "invalid_request")  # never redirect to an unregistered URI
        problem = None
        if q.get("response_type") != "code":
            problem = "unsupported_response_type"
        elif "rest_webservices" not in q.get("scope", "").replace(",", " ").split():
            problem = "invalid_scope"
        elif not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
            problem = "invalid_request"
        params: dict[str, str] = {"state": q.get("state", "")}
        if problem is None:
            code = secrets.token_urlsafe(24)
            pending = PendingCode(client.client_id, redirect_uri, q["code_challenge"], time.time() + CODE_SECONDS)
            self.codes[code] = (account.account_id, pending)
            params["code"] = code
        else:
            params["error"] = problem
        return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", status_code=302)

    def token(self, account: Account, request: Request, body: bytes, token_url: str) -> Response:
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return self._client_credentials(account, form, token_url)
        client = self._basic_client(account, request)
        if client is None:
            return oauth_error(401, "invalid_client")
        if grant == "authorization_code":
            return self._authorization_code(account, client, form)
        if grant == "refresh_token":
            found = self.state.tokens.refresh.get(form.get("refresh_token", ""))
            if found is None or found.account_id != account.account_id or found.client_id != client.client_id:
                return oauth_error(400, "invalid_grant")
            issued = self.state.tokens.issue(account.account_id, client.client_id)
            self.state.tokens.refresh.pop(str(issued["refresh_token"]), None)  # the old refresh token stays valid
            return JSONResponse({k: issued[k] for k in ("access_token", "expires_in", "token_type")})
        return oauth_error(400, "unsupported_grant_type")

    @staticmethod
    def _basic_client(account: Account, request: Request) -> OAuthClient | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        client = account.oauth2_clients.get(client_id)
        if client is None or not hmac.compare_digest(client.client_secret, secret):
            return None
        return client

    def _authorization_code(self, account: Account, client: OAuthClient, form: dict[str, str]) -> Response:
        entry = self.codes.pop(form.get("code", ""), None)
        if entry is None:
            return oauth_error(400, "invalid_grant")
        account_id, pending = entry
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            account_id != account.account_id
            or pending.client_id != client.client_id
            or pending.redirect_uri != form.get("redirect_uri")
            or pending.expires_at < time.time()
            or not hmac.compare_digest(digest, pending.challenge)
        ):
            return oauth_error(400, "invalid_grant")
        return JSONResponse(self.state.tokens.issue(account.account_id, client.client_id))

    def _client_credentials(self, account: Account, form: dict[str, str], token_url: str) -> Response:
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            return oauth_error(400, "invalid_request")
        for client in account.oauth2_clients.values():
            try:
                verify_assertion(
                    form["client_assertion"],
                    client_id=client.client_id,
                    certificates=client.certificates,
                    token_url=token_url,
                )
            except AssertionRejected:
                continue
            issued = self.state.tokens.issue(account.account_id, client.client_id)
            self.state.tokens.refresh.pop(str(issued["refresh_token"]), None)  # M2M has no refresh token
            return JSONResponse({k: issued[k] for k in ("access_token", "expires_in", "token_type")})
        return oauth_error(400, "invalid_grant")
