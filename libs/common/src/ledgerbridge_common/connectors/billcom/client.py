"""Session-managed, rate-limited HTTP access to BILL v3 (``devKey`` + ``sessionId`` headers)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from ledgerbridge_common.connectors.billcom.errors import VENDOR, error_for
from ledgerbridge_common.connectors.billcom.limits import BILL_HOURLY_LIMIT, REGISTRY, OrgLimiter
from ledgerbridge_common.errors import (
    AuthExpiredError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
)

PAGE_SIZE = 100


@dataclass(frozen=True)
class BillcomCredentials:
    username: str
    password: str
    organization_id: str
    dev_key: str = field(repr=False)


@dataclass(frozen=True)
class RetryPolicy:
    """Automatic retries inside one call. Writes are retried only when BILL rejected them before
    doing anything (BDC_1322, BDC_1109); reads also on 5xx and timeouts."""

    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0
    block_after_hourly_limit: float = 60.0
    """Seconds during which no call is sent after BILL answered BDC_1144."""

    def backoff(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * 2**attempt) * (0.5 + random.random() / 2)


class BillcomClient:
    """Low-level client: login (single-flight), re-login once on BDC_1109, limits, typed errors."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: BillcomCredentials,
        *,
        hourly_limit: int = BILL_HOURLY_LIMIT,
        retry: RetryPolicy | None = None,
        limiter: OrgLimiter | None = None,
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.hourly_limit = hourly_limit
        self.retry = retry or RetryPolicy()
        self._limiter = limiter
        self._session_id: str | None = None
        self._login_lock = asyncio.Lock()
        self.user_id: str | None = None
        self.logins = 0

    @property
    def limiter(self) -> OrgLimiter:
        if self._limiter is None:
            creds = self.credentials
            self._limiter = REGISTRY.get(creds.dev_key, creds.organization_id, hourly_limit=self.hourly_limit)
        return self._limiter

    # --- session ----------------------------------------------------------------------------

    async def _login(self) -> str:
        creds = self.credentials
        body = {
            "username": creds.username,
            "password": creds.password,
            "organizationId": creds.organization_id,
            "devKey": creds.dev_key,
        }
        data = await self._send("POST", "/v3/login", json=body, session_id=None)
        self._session_id = str(data["sessionId"])
        self.user_id = data.get("userId")
        self.logins += 1
        return self._session_id

    async def session(self) -> str:
        if self._session_id is not None:
            return self._session_id
        async with self._login_lock:
            return self._session_id or await self._login()

    async def _relogin(self, stale: str) -> None:
        async with self._login_lock:
            if self._session_id == stale or self._session_id is None:
                await self._login()

    async def logout(self) -> None:
        if self._session_id is not None:
            await self.request("POST", "/v3/logout", json={})
            self._session_id = None

    # --- requests ---------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        session_id: str | None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        write = method != "GET"
        all_headers = {"devKey": self.credentials.dev_key, "accept": "application/json", **(headers or {})}
        if session_id is not None:
            all_headers["sessionId"] = session_id
        async with self.limiter.slot():
            try:
                response = await self.http.request(method, url, json=json, params=params, headers=all_headers)
            except httpx.TimeoutException as exc:
                if write:
                    raise OutcomeUnknownError(f"{method} {url} timed out", vendor=VENDOR, code="timeout") from exc
                raise RetryableError(f"{method} {url} timed out", vendor=VENDOR, code="timeout") from exc
            except httpx.ConnectError as exc:
                raise RetryableError(f"cannot connect to BILL: {exc}", vendor=VENDOR, code="connect") from exc
            except httpx.TransportError as exc:
                error = OutcomeUnknownError if write else RetryableError
                raise error(f"{method} {url} failed: {exc!r}", vendor=VENDOR, code="transport") from exc
        if response.status_code >= 400:
            raise error_for(response)
        if not response.content:
            return {}
        return response.json()

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One API call with session handling and the bounded retries of ``RetryPolicy``."""
        write = method != "GET"
        relogged = False
        attempt = 0
        while True:
            session_id = await self.session()
            try:
                return await self._send(method, url, json=json, params=params, session_id=session_id, headers=headers)
            except AuthExpiredError:
                if relogged:
                    raise
                relogged = True
                await self._relogin(session_id)
                continue
            except RateLimitedError as exc:
                if exc.code == "BDC_1144":
                    self.limiter.budget.block(self.retry.block_after_hourly_limit)
                    raise
                if exc.code == "budget_exhausted" or attempt + 1 >= self.retry.attempts:
                    raise
            except OutcomeUnknownError:
                raise
            except RetryableError:
                if write or attempt + 1 >= self.retry.attempts:
                    raise
            await asyncio.sleep(self.retry.backoff(attempt))
            attempt += 1

    async def get(self, url: str, **params: Any) -> Any:
        return await self.request("GET", url, params=params or None)

    async def iterate(self, url: str, params: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every result of a v3 list, following ``nextPage`` with ``page`` (``max=100``)."""
        query = {**(params or {}), "max": PAGE_SIZE}
        while True:
            data = await self.request("GET", url, params=query)
            for row in data.get("results", []):
                yield row
            token = data.get("nextPage")
            if not token:
                return
            query = {**query, "page": token}
