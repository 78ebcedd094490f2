"""Status-page forms for errors the bookkeeper can clear: Ignore and Link next to Replay. They
call the same handlers as ``POST /v1/sync-log/{id}/ignore`` and ``/link`` (CSRF, same origin and
the 'write' scope are checked as for every form of the page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from prefs_api.deps import get_services
from prefs_api.handlers import error_actions
from prefs_api.log_schemas import IgnoreRequest, LinkRequest
from prefs_api.problems import ProblemError
from prefs_api.routes import synclog as api
from prefs_api.routes.status import _acting, _form, redirect

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


@router.post("/link/{entry_id}")
async def link(request: Request, entry_id: api.RowId) -> Response:
    who = await _acting(request)
    if isinstance(who, Response):
        return who
    other_id = (await _form(request)).get("other_id", "").strip()
    if not other_id or "/" in other_id or "\x00" in other_id or len(other_id) > 100:
        return redirect(request, "/status#errors", ("error", "Not linked: enter the id of the existing object."))
    try:
        done = await error_actions.link_entry(
            get_services(request), who.principal, entry_id, LinkRequest(other_id=other_id)
        )
    except ProblemError as exc:
        return redirect(request, "/status#errors", ("error", f"Not linked: {exc.detail or exc.title}."))
    text = f"{done.source_ref} linked to {other_id}; the engine will update it instead of creating one."
    return redirect(request, "/status#errors", ("ok", text))
