"""The status page's first sync for one connection: the start date, the What Syncs matrix, the
preview per object type with examples, and the button that starts the first sync (the same
handlers as ``GET .../first-sync/preview`` and ``POST .../first-sync``)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from prefs_api.deps import get_services
from prefs_api.domain.access import Scope
from prefs_api.handlers import first_sync
from prefs_api.problems import ProblemError
from prefs_api.routes.status import _acting, _form, page, redirect, visitor

router = APIRouter(prefix="/status", include_in_schema=False)
VERDICTS = {"create": "will create", "link": "will link", "skip": "will skip", "conflict": "you choose"}
DIRECTIONS = {
    "off": "off",
    "billcom_to_ledger": "BILL → ledger",
    "ledger_to_billcom": "ledger → BILL",
    "both": "both ways",
}


@router.get("/connections/{connection_id}/first-sync", response_class=HTMLResponse)
async def first_sync_page(request: Request, connection_id: str) -> Response:
    services = get_services(request)
    who = await visitor(request, services)
    if who is None:
        return redirect(request, "/status/login")
    try:
        matrix = await first_sync.what_syncs(services, who.principal, connection_id)
        preview = await first_sync.preview(services, who.principal, connection_id)
        error = None
    except ProblemError as exc:
        if exc.status == 404:
            return page(request, "status/error.html", {"title": "No such connection", "who": who}, 404)
        matrix, preview, error = None, None, exc.detail or exc.title
    context = {
        "who": who,
        "connection_id": connection_id,
        "matrix": matrix,
        "preview": preview,
        "error": error,
        "verdicts": VERDICTS,
        "directions": DIRECTIONS,
        "can_write": who.principal.has(Scope.WRITE),
    }
    return page(request, "status/first_sync.html", context)


@router.post("/connections/{connection_id}/first-sync")
async def start_first_sync(request: Request, connection_id: str) -> Response:
    who = await _acting(request)
    if isinstance(who, Response):
        return who
    back = f"/status/connections/{connection_id}/first-sync"
    raw = (await _form(request)).get("start_date", "").strip()
    try:
        start = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return redirect(request, back, ("error", f"Not started: '{raw}' is not a date (YYYY-MM-DD)."))
    try:
        done = await first_sync.start(get_services(request), who.principal, connection_id, start)
    except ProblemError as exc:
        return redirect(request, back, ("error", f"Not started: {exc.detail or exc.title}."))
    return redirect(request, back, ("ok", f"First sync started from {done.start_date}: {done.detail}."))
