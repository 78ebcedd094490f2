"""The HTTP layer: URLs, ``minorversion``, ``requestid``, the realm limiter, one refresh-and-retry
after a 401, bounded retries of 5xx / network errors, and typed errors for everything else."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ledgerbridge_common.connectors.budget import DEFAULT_BUDGETS, LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.qbo.auth import AccessTokenSource
from ledgerbridge_common.connectors.qbo.faults import VENDOR, check
from ledgerbridge_common.connectors.qbo.limits import QBO_LIMITS
from ledgerbridge_common.errors import (
    AuthExpiredError,
    AuthRevokedError,
    ConnectorError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
    StaleObjectError,
)
from ledgerbridge_common.metrics import VENDOR_BUDGET_WAIT_SECONDS, VENDOR_REQUESTS, count_call, operation_of

log = logging.getLogger(__name__)

PRODUCTION_BASE_URL = "https://quickbooks.api.intuit.com"
SANDBOX_BASE_URL = "https://sandbox-quickbooks.api.intuit.com"
MINOR_VERSION = 75
REQUEST_ID_MAX = 50
BATCH_REQUEST_ID_MAX = 36
PAGE_MAX = 1000
LEDGER_KIND = "quickbooks_online"


def _count(kind: str, status: int) -> None:
    result = "ok" if status < 400 else "throttled" if status == 429 else "error"
    VENDOR_REQUESTS.labels(VENDOR, kind, result).inc()


class QboClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        realm_id: str,
        tokens: AccessTokenSource,
        *,
        base_url: str = PRODUCTION_BASE_URL,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets = DEFAULT_BUDGETS,
        minor_version: int = MINOR_VERSION,
        max_retries: int = 2,
        backoff: float = 0.2,
        timeout: float = 30.0,
        page_size: int = PAGE_MAX,
    ) -> None:
        self.page_size = page_size
        self.http = http
        self.realm_id = realm_id
        self.tokens = tokens
        self.base = f"{base_url.rstrip('/')}/v3/company/{realm_id}"
        self.limits = limits or QBO_LIMITS
        self.budgets = budgets
        self.minor_version = minor_version
        self.max_retries = max_retries
        self.backoff = backoff
        self.timeout = timeout

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        content: str | None = None,
        files: Any = None,
        request_id: str | None = None,
        write: bool = False,
    ) -> dict[str, Any]:
        is_batch = path == "batch"
        kind = "batch" if is_batch else "request"
        query = {**(params or {}), "minorversion": str(self.minor_version)}
        if request_id is not None:
            limit = BATCH_REQUEST_ID_MAX if is_batch else REQUEST_ID_MAX
            if len(request_id) > limit:
                raise ValueError(f"requestid longer than {limit} characters: {request_id!r}")
            query["requestid"] = request_id
        headers = {"Accept": "application/json"}
        if content is not None:
            headers["Content-Type"] = "application/text"
        budget = self.budgets.get(LEDGER_KIND, self.realm_id, self.limits)
        refreshed = False
        attempt = 0
        while True:
            token = await self.tokens.access_token()
            headers["Authorization"] = f"Bearer {token}"
            error: ConnectorError
            asked = time.monotonic()
            async with budget.slot(batch=is_batch):
                VENDOR_BUDGET_WAIT_SECONDS.labels(VENDOR, kind).observe(time.monotonic() - asked)
                try:
                    count_call(VENDOR, operation_of(method, path))
                    response = await self.http.request(
                        method,
                        f"{self.base}/{path}",
                        params=query,
                        json=json,
                        content=content,
                        files=files,
                        headers=headers,
                        timeout=self.timeout,
                    )
                except httpx.TimeoutException as exc:
                    if write:
                        raise OutcomeUnknownError(
                            f"{method} {path} timed out; it may have been applied", vendor=VENDOR
                        ) from exc
                    error = RetryableError(f"{method} {path} timed out", vendor=VENDOR)
                except httpx.TransportError as exc:
                    if write and not isinstance(exc, httpx.ConnectError):
                        raise OutcomeUnknownError(
                            f"{method} {path} lost its connection ({exc!r}); it may have been applied",
                            vendor=VENDOR,
                        ) from exc
                    error = RetryableError(f"{method} {path}: {exc!r}", vendor=VENDOR)
                else:
                    _count(kind, response.status_code)
                    try:
                        return check(response)
                    except AuthExpiredError as exc:
                        if refreshed and exc.code == "100":
                            raise AuthRevokedError(
                                "QuickBooks refuses this connection's token for company "
                                f"{self.realm_id} even after a refresh (AuthenticationFault 100): the token "
                                "belongs to another company or app; reconnect this company",
                                code="100",
                                vendor=VENDOR,
                                detail=exc.detail,
                            ) from exc
                        if refreshed:
                            raise
                        refreshed = True
                        await self.tokens.refresh(token)
                        continue
                    except RateLimitedError as exc:
                        log.warning(
                            "QuickBooks refused %s %s over its limits (company %s): this company's requests "
                            "pause %.0f s",
                            method,
                            path,
                            self.realm_id,
                            exc.retry_after or 0,
                        )
                        await budget.cool_down(exc.retry_after)
                        raise
                    except (StaleObjectError, OutcomeUnknownError):
                        raise
                    except RetryableError as exc:
                        error = exc
            attempt += 1
            if attempt > self.max_retries:
                raise error
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))

    # --- conveniences --------------------------------------------------------------------------

    async def get(self, entity: str, obj_id: str) -> dict[str, Any]:
        body = await self.request("GET", f"{entity.lower()}/{obj_id}")
        return dict(body[entity])

    async def post(
        self, entity: str, payload: dict[str, Any], *, request_id: str, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return await self.request(
            "POST", entity.lower(), params=params, json=payload, request_id=request_id, write=True
        )

    async def query(self, sql: str) -> dict[str, Any]:
        body = await self.request("POST", "query", content=sql)
        return dict(body.get("QueryResponse") or {})

    async def query_all(self, sql: str, entity: str, *, page_size: int | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every row of ``sql`` (which must not carry STARTPOSITION/MAXRESULTS), page by page
        (1-based STARTPOSITION) until a short page."""
        page_size = page_size or self.page_size
        start = 1
        while True:
            page = await self.query(f"{sql} STARTPOSITION {start} MAXRESULTS {page_size}")
            rows = page.get(entity) or []
            for row in rows:
                yield row
            if len(rows) < page_size:
                return
            start += len(rows)

    async def cdc(self, entities: list[str], changed_since: str) -> dict[str, Any]:
        return await self.request("GET", "cdc", params={"entities": ",".join(entities), "changedSince": changed_since})
