"""``/services/rest/...`` for one account: authentication, the concurrency cap and injected faults
around the record service, async jobs and SuiteQL."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from netsuite_sandbox.account import Account
from netsuite_sandbox.auth import VerifyArgs, authenticate
from netsuite_sandbox.errors import NsError, invalid_login, too_many_requests
from netsuite_sandbox.handlers import Handlers, as_error
from netsuite_sandbox.oauth2 import OAuth2
from netsuite_sandbox.state import SandboxState


class DroppedResponse(Response):
    """Starts a response then breaks the connection: the client sees the socket drop after the commit."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": [(b"content-length", b"100")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise ConnectionAbortedError("sandbox fault: connection dropped after commit")


class Gateway:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.handlers = Handlers(state)
        self.oauth2 = OAuth2(state)

    async def dispatch(self, account: Account | None, rest_path: str, request: Request, base: str) -> Response:
        body = await request.body()
        if account is None:
            return as_error(invalid_login("0"))
        account.counters["requests"] += 1
        if rest_path.strip("/").lower() == "auth/oauth2/v1/token" and request.method == "POST":
            return self.oauth2.token(account, request, body, f"{base}/auth/oauth2/v1/token")
        try:
            authenticate(
                account,
                self.state.tokens,
                request.headers.get("authorization", ""),
                VerifyArgs(
                    method=request.method,
                    url=str(request.url.replace(query="")),
                    query=request.url.query,
                    content_type=request.headers.get("content-type", ""),
                    body=body,
                    tolerance_seconds=self.state.settings.timestamp_tolerance_seconds,
                ),
            )
        except NsError as error:
            account.counters["unauthorized_401"] += 1
            return as_error(error)
        if not self._admit(account):
            account.counters["throttled_429"] += 1
            return as_error(too_many_requests())
        account.in_flight += 1
        account.peak_in_flight = max(account.peak_in_flight, account.in_flight)
        try:
            if account.faults.error_5xx_next > 0:
                account.faults.error_5xx_next -= 1
                account.counters["injected_5xx"] += 1
                return as_error(NsError(account.faults.error_5xx_status, None, "An unexpected error occurred."))
            if account.limits.latency_ms > 0:
                await asyncio.sleep(account.limits.latency_ms / 1000)
            response, committed = self.handlers.handle(account, rest_path.strip("/"), request, body, base)
            account.counters[f"status_{response.status_code}"] += 1
            if committed and account.faults.timeout_after_commit_next > 0:
                account.faults.timeout_after_commit_next -= 1
                account.counters["injected_timeouts"] += 1
                if account.faults.timeout_mode == "drop":
                    return DroppedResponse()
                await asyncio.sleep(account.faults.timeout_seconds)
            return response
        finally:
            account.in_flight -= 1

    @staticmethod
    def _admit(account: Account) -> bool:
        if account.faults.throttle_next > 0:
            account.faults.throttle_next -= 1
            account.counters["injected_429"] += 1
            return False
        return not account.limits.enabled or account.in_flight < account.limits.concurrency


HOST = re.compile(r"^([a-z0-9-]+)\.(suitetalk\.api|app)\.netsuite\.com(:\d+)?$", re.IGNORECASE)


def account_from_host(state: SandboxState, host: str) -> Account | None:
    """``<slug>.suitetalk.api.netsuite.com`` (REST) or ``<slug>.app.netsuite.com`` (OAuth 2.0 consent)."""
    match = HOST.match(host)
    return state.by_slug(match.group(1)) if match else None
