"""Everything BILL checks before a handler runs: session, devKey, hourly and concurrency limits,
plus the faults a test injected. Rate-limit errors come back as HTTP 400 with the BDC code in the
body and no ``Retry-After`` (the reference is UNCERTAIN; this is the stricter reading: a client
must detect throttling from the body, not from a 429)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from billcom_sandbox.core import (
    BAD_DEVKEY,
    CONCURRENCY_LIMIT,
    HOURLY_LIMIT,
    SESSION_INVALID,
    SYSTEM_ERROR,
    BillError,
)
from billcom_sandbox.store import Session, Store

API_PREFIXES = ("/connect/", "/connect-events/")
LOGIN_PATH = "/connect/v3/login"
THROTTLE_STATUS = 400

Next = Callable[[Request], Awaitable[Response]]


def _error(store: Store, status: int, code: str, message: str, category: str) -> JSONResponse:
    store.counters.by_code[code] += 1
    return BillError(status, code, message, category).response(store.clock.now())


def _session(store: Store, request: Request) -> Session | JSONResponse:
    dev_key = request.headers.get("devKey")
    session_id = request.headers.get("sessionId")
    if not dev_key or not store.known_dev_key(dev_key):
        return _error(store, 401, *BAD_DEVKEY)
    session = store.sessions.get(session_id or "")
    now = store.clock.now()
    if session is not None and (now - session.last_used).total_seconds() > (store.settings.session_idle_minutes * 60):
        del store.sessions[session.id]
        session = None
    if session is None or session.dev_key != dev_key:
        return _error(store, 401, *SESSION_INVALID)
    session.last_used = now
    return session


def hourly_limit_error(store: Store, limit: int) -> JSONResponse:
    code, message, category = HOURLY_LIMIT
    return _error(store, THROTTLE_STATUS, code, message.format(limit=limit), category)


async def gate(store: Store, request: Request, call_next: Next) -> Response:
    path = request.url.path
    if not path.startswith(API_PREFIXES):
        return await call_next(request)
    store.counters.total += 1
    store.counters.by_path[f"{request.method} {path}"] += 1
    if path == LOGIN_PATH and request.method == "POST":
        return await call_next(request)
    checked = _session(store, request)
    if isinstance(checked, JSONResponse):
        return checked
    session = checked
    request.state.session = session
    request.state.org = store.orgs[session.org_id]
    limit = store.settings.hourly_limit
    if not store.take_hourly(store.hourly, session.dev_key, limit):
        return hourly_limit_error(store, limit)
    fault = store.take_fault(store.faults, request.method, path)
    if fault and fault.kind == "rate_limit":
        return hourly_limit_error(store, limit)
    key = f"{session.dev_key}:{session.org_id}"
    concurrency = store.settings.concurrency_limit
    if (fault and fault.kind == "concurrency") or store.in_flight[key] >= concurrency:
        return _error(store, THROTTLE_STATUS, *CONCURRENCY_LIMIT)
    if fault and fault.kind == "server_error":
        return _error(store, 500, *SYSTEM_ERROR)
    store.in_flight[key] += 1
    store.counters.max_in_flight[key] = max(store.counters.max_in_flight.get(key, 0), store.in_flight[key])
    try:
        if store.settings.latency_seconds:
            await asyncio.sleep(store.settings.latency_seconds)
        response = await call_next(request)
        if fault and fault.kind == "timeout_after_commit":
            await asyncio.sleep(store.settings.hang_seconds)
        return response
    finally:
        store.in_flight[key] -= 1
