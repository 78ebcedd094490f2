"""The part of BILL's v2 API that has no v3 equivalent: money movement (``/api/v2``).

Every v2 call is an HTTP POST, ``application/x-www-form-urlencoded``, with the fields ``devKey``,
``sessionId`` and ``data`` (a JSON string); answers are the envelope ``{response_status,
response_message, response_data}`` (0 = success, 1 = error with ``{error_code, error_message}``).
v2 has its own sessions (``/Login.json`` with ``userName``, ``password``, ``orgId``, ``devKey``),
idle for 35 minutes at most; its calls count against the devKey's hourly limit and the
(devKey, org) concurrency limit like v3 calls. Sources: developer.bill.com/v2/docs/*,
developersupport.bill.com/hc/en-us/articles/208196706-MoneyMovement (see the README's table)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from billcom_sandbox.core import (
    API_NOT_SUPPORTED,
    BAD_CREDENTIALS,
    BAD_DEVKEY,
    CONCURRENCY_LIMIT,
    HOURLY_LIMIT,
    SESSION_INVALID,
    BillError,
    parse_time,
)
from billcom_sandbox.store import Org, Session, Store

Doc = dict[str, Any]
FORM = "application/x-www-form-urlencoded"
BAD_REQUEST = ("BDC_1002", "Unknown error occurred.")
MAX_PAGE = 999
"""v2 lists answer at most 999 objects (Workato's BILL connector: "maximum value is 999")."""
V2_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
Handler = Callable[[Store, Org, Session, Doc], Awaitable[Any]]


def ok(data: Any) -> JSONResponse:
    return JSONResponse({"response_status": 0, "response_message": "Success", "response_data": data})


def error(store: Store, code: str, message: str) -> JSONResponse:
    """v2 errors answer HTTP 200 with ``response_status: 1`` (the status code is not documented;
    200 is the stricter reading: a client must read ``response_status``)."""
    store.counters.by_code[code] += 1
    data = {"error_code": code, "error_message": message}
    return JSONResponse({"response_status": 1, "response_message": "Error", "response_data": data})


def v2_time(value: str) -> str:
    """A stored v3 timestamp in the v2 form ``2016-12-10T23:20:01.000+0000``."""
    return parse_time(value).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + value[20:23] + "+0000"


def money_movement_view(doc: Doc) -> Doc:
    return {**doc, "createdTime": v2_time(doc["createdTime"]), "updatedTime": v2_time(doc["updatedTime"])}


async def _form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise BillError(200, *BAD_REQUEST)
    fields = urllib.parse.parse_qs((await request.body()).decode(), keep_blank_values=True)
    return {k: v[-1] for k, v in fields.items()}


def _data(form: dict[str, str]) -> Doc:
    try:
        data = json.loads(form.get("data") or "{}")
    except ValueError as exc:
        raise BillError(200, *BAD_REQUEST) from exc
    if not isinstance(data, dict):
        raise BillError(200, *BAD_REQUEST)
    return data


def _session(store: Store, form: dict[str, str]) -> Session:
    dev_key = form.get("devKey", "")
    if not store.known_dev_key(dev_key):
        raise BillError(200, *BAD_DEVKEY[:2])
    session = store.v2_sessions.get(form.get("sessionId", ""))
    now = store.clock.now()
    if session is not None and (now - session.last_used).total_seconds() > store.settings.session_idle_minutes * 60:
        del store.v2_sessions[session.id]
        session = None
    if session is None or session.dev_key != dev_key:
        raise BillError(200, *SESSION_INVALID[:2])
    session.last_used = now
    return session


async def login(store: Store, data: dict[str, str]) -> Doc:
    dev_key = data.get("devKey", "")
    if not store.known_dev_key(dev_key):
        raise BillError(200, *BAD_DEVKEY[:2])
    if not store.take_hourly(store.login_hourly, dev_key, store.settings.login_hourly_limit):
        raise BillError(200, HOURLY_LIMIT[0], HOURLY_LIMIT[1].format(limit=store.settings.login_hourly_limit))
    org = store.orgs.get(data.get("orgId", ""))
    if org is not None and not store.signs_in(dev_key, org):
        raise BillError(200, *BAD_DEVKEY[:2])
    if org is None or (data.get("userName"), data.get("password")) != (org.username, org.password):
        raise BillError(200, *BAD_CREDENTIALS[:2])
    session = Session(secrets.token_hex(24), org.id, dev_key, org.user_id, store.clock.now())
    store.v2_sessions[session.id] = session
    store.counters.logins += 1
    return {"sessionId": session.id, "orgId": org.id}


def _matches(doc: Doc, rule: Any) -> bool:
    if not isinstance(rule, dict) or rule.get("op") not in (*OPS, "in", "nin"):
        raise BillError(200, *BAD_REQUEST)
    field, op, value = str(rule.get("field")), rule["op"], rule.get("value")
    actual = doc.get(field)
    if op in ("in", "nin"):
        return (str(actual) in {v.strip() for v in str(value).split(",")}) == (op == "in")
    if field.endswith("Time"):
        if not isinstance(value, str) or len(value) != 28 or not value.endswith("+0000"):
            raise BillError(200, *BAD_REQUEST)  # v2 time filters: yyyy-MM-dd'T'HH:mm:ss.SSS+0000
        return actual is not None and OPS[op](parse_time(str(actual)), parse_time(value))
    return actual is not None and OPS[op](str(actual), str(value))


async def list_money_movements(store: Store, org: Org, session: Session, data: Doc) -> list[Doc]:
    start, size = data.get("start", 0), data.get("max", MAX_PAGE)
    if not isinstance(start, int) or not isinstance(size, int) or start < 0 or not 1 <= size <= MAX_PAGE:
        raise BillError(200, *BAD_REQUEST)
    docs = [money_movement_view(d) for d in org.objects["money_movement"].values()]
    rows = [d for d in docs if all(_matches(d, rule) for rule in data.get("filters") or [])]
    for rule in reversed(data.get("sort") or [{"field": "createdTime", "asc": "true"}]):
        field, descending = str(rule.get("field")), str(rule.get("asc", "true")).lower() == "false"
        rows.sort(key=lambda d, f=field: (str(d.get(f) or ""), d["id"]), reverse=descending)  # type: ignore[misc]
    return rows[start : start + size]


async def read_money_movement(store: Store, org: Org, session: Session, data: Doc) -> Doc:
    return money_movement_view(org.get("money_movement", str(data.get("id")), "MoneyMovement"))


OPERATIONS: dict[str, Handler] = {
    "List/MoneyMovement.json": list_money_movements,
    "Crud/Read/MoneyMovement.json": read_money_movement,
}


async def call(store: Store, request: Request, operation: str) -> JSONResponse:
    store.counters.total += 1
    store.counters.by_path[f"POST /api/v2/{operation}"] += 1
    try:
        form = await _form(request)
        if operation == "Login.json":
            return ok(await login(store, form))
        session = _session(store, form)
        if operation == "Logout.json":
            store.v2_sessions.pop(session.id, None)
            return ok({})
        handler = OPERATIONS.get(operation)
        if handler is None:
            raise BillError(200, *API_NOT_SUPPORTED[:2])
        return await _limited(store, session, handler, _data(form))
    except BillError as exc:
        return error(store, exc.code, exc.message)


async def _limited(store: Store, session: Session, handler: Handler, data: Doc) -> JSONResponse:
    limit = store.settings.hourly_limit
    if not store.take_hourly(store.hourly, session.dev_key, limit):
        return error(store, HOURLY_LIMIT[0], HOURLY_LIMIT[1].format(limit=limit))
    key = f"{session.dev_key}:{session.org_id}"
    if store.in_flight[key] >= store.settings.concurrency_limit:
        return error(store, *CONCURRENCY_LIMIT[:2])
    store.in_flight[key] += 1
    try:
        return ok(await handler(store, store.orgs[session.org_id], session, data))
    finally:
        store.in_flight[key] -= 1


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.post("/{operation:path}")
    async def v2_call(request: Request, operation: str) -> JSONResponse:
        return await call(store, request, operation)

    return api
