"""Session-managed, rate-limited HTTP access to BILL: v3 (``devKey`` + ``sessionId`` headers) and
the few v2 operations with no v3 equivalent (form-encoded ``devKey``, ``sessionId``, ``data``; own
``Login.json`` session). Both share the devKey's hourly budget and the (devKey, org) slots."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ledgerbridge_common.connectors.billcom.budget import (
    DEFAULT_BILL_BUDGETS,
    BillBudget,
    BillBudgets,
    BillLimits,
    spent_error,
    window_start,
)
from ledgerbridge_common.connectors.billcom.errors import VENDOR, error_for, error_for_v2
from ledgerbridge_common.errors import (
    AuthExpiredError,
    BudgetSpentError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
)
from ledgerbridge_common.metrics import VENDOR_CALLS, operation_of

PAGE_SIZE = 100


@dataclass(frozen=True)
class BillcomCredentials:
    username: str
    password: str
    organization_id: str
    dev_key: str = field(repr=False)
    remember_me_id: str | None = field(default=None, repr=False)
    """An MFA id trusted with ``rememberMe`` (30 days): logins with it and ``device`` are
    MFA-trusted, which creating payments needs. Without it the connector never creates payments."""
    device: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Automatic retries inside one call. Writes are retried only when BILL rejected them before
    doing anything (BDC_1322, BDC_1109); reads also on 5xx and timeouts."""

    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0

    def backoff(self, attempt: int) -> float:
        growth: float = 2.0**attempt
        return min(self.max_delay, self.base_delay * growth) * (0.5 + random.random() / 2)


class BillcomClient:
    """Low-level client: login (single-flight), re-login once on BDC_1109, the devKey's budget
    (``budgets``: shared through PostgreSQL in the services), typed errors. Each call sent is
    counted in ``ledgerbridge_vendor_calls_total`` by operation."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: BillcomCredentials,
        *,
        limits: BillLimits | None = None,
        retry: RetryPolicy | None = None,
        budgets: BillBudgets = DEFAULT_BILL_BUDGETS,
        v2_base_url: str | None = None,
    ) -> None:
        self.http = http
        self.v2_base_url = (v2_base_url or v2_base_for(str(http.base_url))).rstrip("/")
        self.credentials = credentials
        self.limits = limits or BillLimits()
        self.retry = retry or RetryPolicy()
        self.budgets = budgets
        self._session_id: str | None = None
        self._v2_session_id: str | None = None
        self._login_lock = asyncio.Lock()
        self.user_id: str | None = None
        self.trusted = False
        """Whether the current v3 session is MFA-trusted (BILL's login answer ``trusted``)."""
        self.logins = 0

    @property
    def budget(self) -> BillBudget:
        """This (devKey, organization)'s budget (looked up on use: it belongs to an event loop)."""
        return self.budgets.get(self.credentials.dev_key, self.credentials.organization_id, self.limits)

    # --- session ----------------------------------------------------------------------------

    async def _login(self) -> str:
        creds = self.credentials
        body = {
            "username": creds.username,
            "password": creds.password,
            "organizationId": creds.organization_id,
            "devKey": creds.dev_key,
        }
        if creds.remember_me_id and creds.device:
            body |= {"rememberMeId": creds.remember_me_id, "device": creds.device}
        data = await self._send("POST", "/v3/login", json=body, session_id=None, login=True)
        self._session_id = str(data["sessionId"])
        self.user_id = data.get("userId")
        self.trusted = data.get("trusted") is True
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
        if self._v2_session_id is not None:
            await self.v2("Logout.json", {})
            self._v2_session_id = None

    async def _v2_login(self) -> str:
        creds = self.credentials
        form = {
            "userName": creds.username,
            "password": creds.password,
            "orgId": creds.organization_id,
            "devKey": creds.dev_key,
        }
        data = await self._send_v2("Login.json", form, login=True)
        self._v2_session_id = str(data["sessionId"])
        self.logins += 1
        return self._v2_session_id

    async def v2_session(self) -> str:
        if self._v2_session_id is not None:
            return self._v2_session_id
        async with self._login_lock:
            return self._v2_session_id or await self._v2_login()

    async def _v2_relogin(self, stale: str) -> None:
        async with self._login_lock:
            if self._v2_session_id == stale or self._v2_session_id is None:
                await self._v2_login()

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
        login: bool = False,
    ) -> Any:
        write = method != "GET"
        all_headers = {"devKey": self.credentials.dev_key, "accept": "application/json", **(headers or {})}
        if session_id is not None:
            all_headers["sessionId"] = session_id
        async with self.budget.slot(login=login):
            VENDOR_CALLS.labels(VENDOR, operation_of(method, url)).inc()
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

    async def _send_v2(self, operation: str, form: dict[str, str], *, login: bool = False) -> Any:
        """One v2 call: a form-encoded POST; success is ``response_status`` 0, not the HTTP status."""
        url = f"{self.v2_base_url}/{operation}"
        async with self.budget.slot(login=login):
            VENDOR_CALLS.labels(VENDOR, f"v2 {operation}").inc()
            try:
                response = await self.http.post(url, data=form, headers={"accept": "application/json"})
            except httpx.TransportError as exc:
                raise RetryableError(f"BILL v2 {operation} failed: {exc!r}", vendor=VENDOR, code="transport") from exc
        if response.status_code >= 400:
            raise error_for(response)
        body = response.json()
        if not isinstance(body, dict) or body.get("response_status") not in (0, "0"):
            raise error_for_v2(body if isinstance(body, dict) else {}, response.text)
        return body.get("response_data")

    async def v2(self, operation: str, data: dict[str, Any]) -> Any:
        """A v2 read (``List/...``, ``Crud/Read/...``) with its own session and the same retries."""

        async def send(session_id: str) -> Any:
            form = {"devKey": self.credentials.dev_key, "sessionId": session_id, "data": json.dumps(data)}
            return await self._send_v2(operation, form)

        return await self._retrying(send, self.v2_session, self._v2_relogin, write=False)

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

        async def send(session_id: str) -> Any:
            return await self._send(method, url, json=json, params=params, session_id=session_id, headers=headers)

        return await self._retrying(send, self.session, self._relogin, write=method != "GET")

    async def _retrying(
        self,
        send: Callable[[str], Awaitable[Any]],
        session: Callable[[], Awaitable[str]],
        relogin: Callable[[str], Awaitable[None]],
        *,
        write: bool,
    ) -> Any:
        relogged = False
        attempt = 0
        while True:
            session_id = await session()
            try:
                return await send(session_id)
            except AuthExpiredError:
                if relogged:
                    raise
                relogged = True
                await relogin(session_id)
                continue
            except BudgetSpentError:
                raise
            except RateLimitedError as exc:
                if exc.code == "BDC_1144":  # BILL's count says the hour is spent: every call waits for the next
                    await self.budget.spent()
                    raise spent_error_after_bill(exc) from exc
                if attempt + 1 >= self.retry.attempts:
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


def spent_error_after_bill(exc: RateLimitedError) -> BudgetSpentError:
    """``BDC_1144`` as a wait until the top of the next clock hour (BILL resets then)."""
    now = time.time()
    error = spent_error(window_start(now, 3600.0) + 3600.0, code=exc.code or "BDC_1144")
    error.detail = exc.detail
    return error


V2_HOSTS = {"gateway.stage.bill.com": "https://api-stage.bill.com", "gateway.prod.bill.com": "https://api.bill.com"}
"""v3 gateway host -> v2 API host (billcom.md 1.1)."""


def v2_base_for(v3_base: str) -> str:
    """The v2 base URL next to a v3 ``/connect`` base: BILL's own hosts, else the same host."""
    url = httpx.URL(v3_base)
    host = V2_HOSTS.get(url.host)
    if host is not None:
        return host + "/api/v2"
    return str(url.copy_with(path=url.path.rstrip("/").removesuffix("/connect") + "/api/v2"))
