"""OAuth 2.0 for QBO: tokens, the token-store port, the token endpoint client and a single-flight
refresher that always saves the rotated refresh token.

Usage::

    oauth = QboOAuthClient(http, client_id=..., client_secret=..., redirect_uri=...)
    url = oauth.authorize_url(state="csrf-123")                # send the user there
    tokens = await oauth.exchange_code(code, realm_id)          # on the redirect
    await store.save(tokens)
    provider = QboTokenProvider(store, oauth)                   # hand this to QboConnector
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import urlencode

import httpx

from ledgerbridge_common.errors import AuthRevokedError, RetryableError

AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2"
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class QboTokens:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    refresh_expires_at: dt.datetime | None = None
    realm_id: str | None = None

    def expired(self, now: dt.datetime, skew: dt.timedelta = dt.timedelta(seconds=60)) -> bool:
        return now + skew >= self.expires_at


class QboTokenStore(Protocol):
    """Where a connection's tokens live (encrypted in prefs-api's database in production)."""

    async def load(self) -> QboTokens | None: ...

    async def save(self, tokens: QboTokens) -> None: ...


class InMemoryTokenStore:
    def __init__(self, tokens: QboTokens | None = None) -> None:
        self.tokens = tokens
        self.saves = 0

    async def load(self) -> QboTokens | None:
        return self.tokens

    async def save(self, tokens: QboTokens) -> None:
        self.tokens = tokens
        self.saves += 1


class AccessTokenSource(Protocol):
    """What the connector needs: a current access token, and a refresh after a 401."""

    async def access_token(self) -> str: ...

    async def refresh(self, stale_access_token: str | None = None) -> str: ...


class QboOAuthClient:
    """The Intuit token endpoint (client_secret_basic)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        token_url: str = TOKEN_URL,
        authorize_endpoint: str = AUTHORIZE_URL,
        clock: Clock = utcnow,
        revoke_url: str = REVOKE_URL,
    ) -> None:
        self.http = http
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.token_url = token_url
        self.authorize_endpoint = authorize_endpoint
        self.clock = clock
        self.revoke_url = revoke_url

    @classmethod
    def for_base_url(
        cls, http: httpx.AsyncClient, base_url: str, *, client_id: str, client_secret: str, redirect_uri: str
    ) -> QboOAuthClient:
        """A client whose endpoints live under one base URL (the sandbox)."""
        base = base_url.rstrip("/")
        return cls(
            http,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            token_url=f"{base}/oauth2/v1/tokens/bearer",
            authorize_endpoint=f"{base}/connect/oauth2",
        )

    def authorize_url(self, state: str, scopes: Sequence[str] = (ACCOUNTING_SCOPE,)) -> str:
        query = urlencode(
            {
                "client_id": self.client_id,
                "response_type": "code",
                "scope": " ".join(scopes),
                "redirect_uri": self.redirect_uri,
                "state": state,
            }
        )
        return f"{self.authorize_endpoint}?{query}"

    async def exchange_code(self, code: str, realm_id: str) -> QboTokens:
        tokens = await self._grant(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        )
        return replace(tokens, realm_id=realm_id)

    async def refresh(self, refresh_token: str, realm_id: str | None = None) -> QboTokens:
        tokens = await self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token})
        return replace(tokens, realm_id=realm_id)

    async def revoke(self, token: str) -> None:
        """Revoke a refresh (or access) token: the company is disconnected from the app.
        ``POST {revoke_url}`` with JSON ``{"token": ...}`` and client_secret_basic, as Intuit's
        ``intuit-oauth`` ``AuthClient.revoke`` sends it (qbo-api.md §6.1-6.2); 200 = revoked."""
        try:
            response = await self.http.post(
                self.revoke_url,
                json={"token": token},
                auth=(self.client_id, self.client_secret),
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"revoke endpoint unreachable: {exc}", vendor="qbo") from exc
        if response.status_code >= 500:
            raise RetryableError(f"revoke endpoint answered {response.status_code}", vendor="qbo")
        if response.status_code != 200:
            raise AuthRevokedError(
                f"QBO refused the revocation ({response.status_code})", code=str(response.status_code), vendor="qbo"
            )

    async def _grant(self, form: dict[str, str]) -> QboTokens:
        try:
            response = await self.http.post(
                self.token_url,
                data=form,
                auth=(self.client_id, self.client_secret),
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"token endpoint unreachable: {exc}", vendor="qbo") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500:
            raise RetryableError(f"token endpoint answered {response.status_code}", vendor="qbo")
        if response.status_code != 200 or "access_token" not in body:
            error = str(body.get("error") or response.status_code)
            raise AuthRevokedError(f"QBO refused the grant: {error}", code=error, vendor="qbo")
        now = self.clock()
        refresh_in = body.get("x_refresh_token_expires_in")
        return QboTokens(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=now + dt.timedelta(seconds=int(body.get("expires_in", 3600))),
            refresh_expires_at=now + dt.timedelta(seconds=int(refresh_in)) if refresh_in else None,
        )


class QboTokenProvider:
    """Single-flight refresh: concurrent 401s cause one refresh; the rotated refresh token is
    saved before anyone uses the new access token."""

    def __init__(self, store: QboTokenStore, oauth: QboOAuthClient, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.oauth = oauth
        self.clock = clock
        self._lock = asyncio.Lock()
        self._current: QboTokens | None = None

    async def access_token(self) -> str:
        tokens = self._current or await self.store.load()
        if tokens is None:
            raise AuthRevokedError("no QBO tokens stored for this connection", vendor="qbo")
        self._current = tokens
        if tokens.expired(self.clock()):
            return await self.refresh(tokens.access_token)
        return tokens.access_token

    async def refresh(self, stale_access_token: str | None = None) -> str:
        async with self._lock:
            current = await self.store.load()
            if current is None:
                raise AuthRevokedError("no QBO tokens stored for this connection", vendor="qbo")
            if (
                stale_access_token is not None
                and current.access_token != stale_access_token
                and not current.expired(self.clock())
            ):
                self._current = current  # someone else refreshed while we waited
                return current.access_token
            fresh = await self.oauth.refresh(current.refresh_token, current.realm_id)
            await self.store.save(fresh)
            self._current = fresh
            return fresh.access_token


class StaticTokenSource:
    """A fixed access token (tests, scripts); a 401 cannot be recovered from."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def access_token(self) -> str:
        return self.token

    async def refresh(self, stale_access_token: str | None = None) -> str:
        raise AuthRevokedError("static QBO token expired", vendor="qbo")
