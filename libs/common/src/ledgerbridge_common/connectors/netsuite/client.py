"""``NetSuiteClient``: SuiteTalk REST calls for one account, signed with Token-Based Authentication
(OAuth 1.0a HMAC-SHA256 through oauthlib, realm = the account id) or sent with an OAuth 2.0 bearer
token (refreshed once on a 401 when a refresh token is given), each inside the shared budget's
concurrency slot, vendor errors mapped by ``o:errorCode`` and status to :mod:`ledgerbridge_common.errors`
(reference ``shared/reference/netsuite-api.md`` §1.2, §3, §4)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

from ledgerbridge_common.connectors.budget import DEFAULT_BUDGETS, LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.netsuite.m2m import ClientCredentialsAuth, M2MCredentials
from ledgerbridge_common.errors import (
    AuthRevokedError,
    ConnectorError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
    ValidationError,
)
from ledgerbridge_common.metrics import count_call, operation_of

LEDGER_KIND = "oracle_netsuite"
VENDOR = "netsuite"
SUITEQL_PAGE = 1000
NETSUITE_LIMITS = LedgerLimits(concurrent=5)
"""A Standard-tier account without SuiteCloud Plus serves 5 requests at once, shared by every
integration (§4); there is no documented per-minute cap."""

NOT_FOUND_CODES = frozenset({"NONEXISTENT_ID"})
AUTH_CODES = frozenset({"INVALID_LOGIN"})


@dataclass(frozen=True)
class TbaCredentials:
    """An account's integration record (consumer) and access token (reference §1.2)."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


@dataclass(frozen=True)
class OAuth2Credentials:
    """An OAuth 2.0 access token for the account (reference §1.2); with ``refresh_token``,
    ``client_id`` and ``client_secret`` a 401 is answered by one refresh grant and a retry."""

    account_id: str
    access_token: str
    refresh_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @property
    def refreshable(self) -> bool:
        return bool(self.refresh_token and self.client_id and self.client_secret)


Credentials = TbaCredentials | OAuth2Credentials | M2MCredentials
OnRefresh = Callable[[OAuth2Credentials], Awaitable[None]]
"""Where a refreshed access token goes (the connection's stored credentials)."""


def account_host(account_id: str) -> str:
    """``123456_SB1`` -> ``123456-sb1`` (reference §1.1)."""
    return account_id.lower().replace("_", "-")


def rest_base(url: str, account_id: str) -> str:
    """The account's ``.../services/rest``: ``{account}`` in ``url`` is the host name form; a URL
    without it (the sandbox) takes the account as a path prefix."""
    host = account_host(account_id)
    root = url.replace("{account}", host) if "{account}" in url else f"{url.rstrip('/')}/{host}"
    return f"{root.rstrip('/')}/services/rest"


class TbaAuth(httpx.Auth):
    """Signs each request: every query parameter and ``oauth_*`` parameter in the base string."""

    def __init__(self, creds: TbaCredentials) -> None:
        self.creds = creds

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]  # httpx's generator protocol
        client = Client(
            self.creds.consumer_key,
            client_secret=self.creds.consumer_secret,
            resource_owner_key=self.creds.token_id,
            resource_owner_secret=self.creds.token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=self.creds.account_id,
        )
        _, headers, _ = client.sign(str(request.url), request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer``; on a 401, one ``refresh_token`` grant at the token endpoint
    (HTTP Basic client id and secret, O:section_160855594402) and one retry."""

    def __init__(
        self,
        creds: OAuth2Credentials,
        http: httpx.AsyncClient,
        token_url: str,
        *,
        timeout: float,
        on_refresh: OnRefresh | None,
    ) -> None:
        self.creds = creds
        self.http = http
        self.token_url = token_url
        self.timeout = timeout
        self.on_refresh = on_refresh
        self._lock = asyncio.Lock()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        sent = self.creds.access_token
        request.headers["Authorization"] = f"Bearer {sent}"
        response = yield request
        if response.status_code != 401 or not self.creds.refreshable:
            return
        await self._refresh(sent)
        request.headers["Authorization"] = f"Bearer {self.creds.access_token}"
        yield request

    async def _refresh(self, expired: str) -> None:
        async with self._lock:
            if self.creds.access_token != expired:  # another request refreshed it meanwhile
                return
            try:
                response = await self.http.post(
                    self.token_url,
                    data={"grant_type": "refresh_token", "refresh_token": self.creds.refresh_token or ""},
                    auth=(self.creds.client_id or "", self.creds.client_secret or ""),
                    timeout=self.timeout,
                )
            except httpx.HTTPError as exc:
                raise RetryableError(f"NetSuite token refresh failed: {exc}", vendor=VENDOR, code="refresh") from exc
            if response.status_code >= 500:
                raise RetryableError("NetSuite token refresh failed", vendor=VENDOR, code=str(response.status_code))
            if response.status_code != 200:
                error = str(response.json().get("error", response.status_code)) if response.content else "refused"
                raise AuthRevokedError(f"NetSuite refused the refresh token: {error}", vendor=VENDOR, code=error)
            self.creds = replace(self.creds, access_token=str(response.json()["access_token"]))
            if self.on_refresh is not None:
                await self.on_refresh(self.creds)


def error_from(response: httpx.Response) -> ConnectorError:
    """A NetSuite error answer as a typed error, by ``o:errorCode`` first, then by status."""
    try:
        details = response.json().get("o:errorDetails") or [{}]
    except ValueError:
        details = [{}]
    code = details[0].get("o:errorCode")
    detail = str(details[0].get("detail") or response.text[:300])
    status = response.status_code
    path = details[0].get("o:errorPath")
    # the detail is what a bookkeeper reads in the sync log (posting's reasons): NetSuite's text and where
    shown = f"{detail} (at {path})" if path else detail
    kw: dict[str, Any] = {"code": code or str(status), "vendor": VENDOR, "detail": shown}
    if status == 429:
        return RateLimitedError(detail or "concurrency limit", **kw)
    if code in AUTH_CODES or status == 401:
        return AuthRevokedError(detail, **kw)
    if code in NOT_FOUND_CODES or status == 404:
        return NotFoundError(detail, **kw)
    if status >= 500:
        return RetryableError(detail, **kw)
    return ValidationError(detail, **kw)


class NetSuiteClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        creds: Credentials,
        *,
        base_url: str,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets = DEFAULT_BUDGETS,
        timeout: float = 30.0,
        page_size: int = SUITEQL_PAGE,
        on_refresh: OnRefresh | None = None,
    ) -> None:
        self.http = http
        self.creds = creds
        self.base = rest_base(base_url, creds.account_id)
        self.limits = limits or NETSUITE_LIMITS
        self.budget = budgets.get(LEDGER_KIND, creds.account_id, self.limits)
        token_url = f"{self.base}/auth/oauth2/v1/token"
        self.auth: httpx.Auth
        if isinstance(creds, TbaCredentials):
            self.auth = TbaAuth(creds)
        elif isinstance(creds, M2MCredentials):
            self.auth = ClientCredentialsAuth(creds, http, token_url, timeout=timeout)
        else:
            self.auth = BearerAuth(creds, http, token_url, timeout=timeout, on_refresh=on_refresh)
        self.timeout = timeout
        self.page_size = page_size

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One call; a timeout on a write is :class:`OutcomeUnknownError` (it may have committed)."""
        async with self.budget.slot():
            count_call(VENDOR, operation_of(method, path))
            try:
                response = await self.http.request(
                    method,
                    f"{self.base}{path}",
                    params=params,
                    json=json,
                    auth=self.auth,
                    headers={"Content-Type": "application/json", **(headers or {})},
                    timeout=self.timeout,
                )
            except httpx.TimeoutException as exc:
                if method == "GET":
                    raise RetryableError(f"NetSuite GET {path} timed out", vendor=VENDOR, code="timeout") from exc
                raise OutcomeUnknownError(f"NetSuite {method} {path} timed out", vendor=VENDOR, code="timeout") from exc
            except httpx.TransportError as exc:
                error = RetryableError if method == "GET" else OutcomeUnknownError
                raise error(f"NetSuite {method} {path}: {exc}", vendor=VENDOR, code="transport") from exc
        if response.status_code == 429:
            await self.budget.cool_down(1.0)
        if response.status_code >= 400:
            raise error_from(response)
        return response

    async def get(self, path: str, **params: Any) -> dict[str, Any] | None:
        """A record, or ``None`` when it does not exist."""
        try:
            response = await self.request("GET", path, params=params or None)
        except NotFoundError:
            return None
        return dict(response.json())

    async def suiteql(self, q: str) -> AsyncIterator[dict[str, Any]]:
        """Every row of a query, paging with ``offset += count`` while ``hasMore`` (§2)."""
        offset = 0
        while True:
            response = await self.request(
                "POST",
                "/query/v1/suiteql",
                params={"limit": self.page_size, "offset": offset},
                json={"q": q},
                headers={"Prefer": "transient"},
            )
            page = response.json()
            for row in page.get("items") or []:
                yield row
            if not page.get("hasMore"):
                return
            offset += self.page_size
