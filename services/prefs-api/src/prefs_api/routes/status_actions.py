"""Status-page additions for the bookkeeper: Ignore and Link next to Replay (the same handlers as
``POST /v1/sync-log/{id}/ignore`` and ``/link``; CSRF, same origin and the 'write' scope are
checked as for every form of the page), Pick among an ambiguous match's candidates (as
``POST /v1/conflicts/{id}/pick``), the reconciliation report of a connection, and the
sync-log / sync-report exports (streamed, as ``/v1/.../export``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from prefs_api.deps import get_services
from prefs_api.handlers import conflict_pick, error_actions, reconcile
from prefs_api.handlers.connections import visible_connection
from prefs_api.log_schemas import IgnoreRequest, LinkRequest, PickRequest
from prefs_api.problems import ProblemError
from prefs_api.routes import reports
from prefs_api.routes import synclog as api
from prefs_api.routes.status import _acting, _form, page, redirect, visitor

router = APIRouter(prefix="/status", include_in_schema=False)


@router.post("/ignore/{entry_id}")
async def ignore(request: Request, entry_id: api.RowId) -> Response:
    who = await _acting(request)
    if isinstance(who, Response):
        return who
    try:
        done = await error_actions.ignore_entry(get_services(request), who.principal, entry_id, IgnoreRequest())
    except ProblemError as exc:
        return redirect(request, "/status#errors", ("error", f"Not ignored: {exc.detail or exc.title}."))
    text = f"{done.source_ref} is ignored: it will not sync until un-ignored (GET /v1/connections/…/ignored)."
    return redirect(request, "/status#errors", ("ok", text))


def _object_id(entered: str) -> str | None:
    """An object id typed into a form, or ``None`` when it cannot be one (empty, a path, a NUL, too long)."""
    value = entered.strip()
    if not value or "/" in value or "\x00" in value or len(value) > 100:
        return None
    return value


@router.post("/link/{entry_id}")
async def link(request: Request, entry_id: api.RowId) -> Response:
    who = await _acting(request)
    if isinstance(who, Response):
        return who
    other_id = _object_id((await _form(request)).get("other_id", ""))
    if other_id is None:
        return redirect(request, "/status#errors", ("error", "Not linked: enter the id of the existing object."))
    try:
        done = await error_actions.link_entry(
            get_services(request), who.principal, entry_id, LinkRequest(other_id=other_id)
        )
    except ProblemError as exc:
        return redirect(request, "/status#errors", ("error", f"Not linked: {exc.detail or exc.title}."))
    text = f"{done.source_ref} linked to {other_id}; the engine will update it instead of creating one."
    return redirect(request, "/status#errors", ("ok", text))


@router.post("/pick/{conflict_id}")
async def pick(request: Request, conflict_id: api.RowId) -> Response:
    who = await _acting(request)
    if isinstance(who, Response):
        return who
    candidate = _object_id((await _form(request)).get("candidate_id", ""))
    if candidate is None:
        return redirect(request, "/status/conflicts", ("error", "Not picked: choose one of the matches."))
    try:
        done = await conflict_pick.pick_candidate(
            get_services(request), who.principal, conflict_id, PickRequest(candidate_id=candidate)
        )
    except ProblemError as exc:
        return redirect(request, "/status/conflicts", ("error", f"Not picked: {exc.detail or exc.title}."))
    text = f"{done.source_ref} linked to {candidate}; the engine decides it again now."
    return redirect(request, "/status/conflicts", ("ok", text))


KINDS = {
    "open_payables": "Open payables",
    "open_receivables": "Open receivables",
    "clearing_balance": "Clearing account",
    "only_in_billcom": "Only in BILL",
    "only_in_ledger": "Only in the ledger",
}


@router.get("/reconciliation/{connection_id}")
async def reconciliation(request: Request, connection_id: str) -> Response:
    services = get_services(request)
    who = await visitor(request, services)
    if who is None:
        return redirect(request, "/status/login")
    try:
        async with services.sessions() as session:
            row = await visible_connection(session, who.principal, connection_id)
        rec = await reconcile.reconcile(services, who.principal, connection_id)
    except ProblemError as exc:
        return redirect(request, "/status", ("error", f"No reconciliation: {exc.detail or exc.title}."))
    return page(request, "status/reconciliation.html", {"who": who, "rec": rec, "name": row["name"], "kinds": KINDS})


@router.get("/export/{name}.{fmt}")
async def export(
    request: Request,
    name: Literal["sync-log", "sync-report"],
    fmt: Literal["csv", "json"],
    connection_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Response:
    services = get_services(request)
    who = await visitor(request, services)
    if who is None:
        return redirect(request, "/status/login")
    try:
        if name == "sync-log":
            response: StreamingResponse = await reports.export_sync_log(
                services, who.principal, fmt, connection_id, since, until, None
            )
        else:
            response = await reports.export_sync_report(services, who.principal, fmt, connection_id, since, until)
    except ProblemError as exc:
        return redirect(request, "/status", ("error", f"No export: {exc.detail or exc.title}."))
    return response
