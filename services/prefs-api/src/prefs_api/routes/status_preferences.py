"""The status page's Preferences page for one connection, what a bookkeeper finds under BILL's
Settings → Sync → Preferences: every preference the ledger offers with the account types it
accepts, the readiness checklist and the What Syncs matrix; an edit shows a preview of what
changes (``POST .../preferences/preview``) before it is saved with the version it was read at
(If-Match, as ``PATCH .../preferences``): a change saved meanwhile is refused, not overwritten."""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from prefs_api.deps import get_services
from prefs_api.domain.access import Scope
from prefs_api.domain.catalog import SPECS
from prefs_api.handlers import first_sync
from prefs_api.handlers import preferences as prefs
from prefs_api.prefs_schemas import PreferencesPatch
from prefs_api.problems import ProblemError
from prefs_api.routes.preferences import chart_of_accounts
from prefs_api.routes.status import Visitor, _same_origin, page, redirect, visitor
from prefs_api.routes.status_first_sync import DIRECTIONS

router = APIRouter(prefix="/status", include_in_schema=False)
READ_ONLY = frozenset({"master", "field_masters", "bank_gl_accounts", "what_syncs"})
"""Maps edited elsewhere on the page (What Syncs) or through the API."""
BOOLEANS = frozenset({"sync_automatically", "sync_only_approved"})
CHOICES = {"sync_mode": ("automatic", "manual")}
MAX_FIELDS = 100


def _url(connection_id: str) -> str:
    return f"/status/connections/{connection_id}/preferences"


async def _fields(request: Request) -> dict[str, str]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    parsed = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
    return {k: v[0] for k, v in parsed.items()}


async def _editor(request: Request, fields: dict[str, str]) -> Visitor | Response:
    """Who posts the (long) preferences form: signed in, same origin, CSRF, the 'write' scope."""
    who = await visitor(request, get_services(request))
    if who is None:
        return redirect(request, "/status/login")
    forged = who.csrf is not None and not hmac.compare_digest(fields.get("csrf", ""), who.csrf)
    if not _same_origin(request) or forged:
        return page(request, "status/error.html", {"title": "Form expired", "who": who}, 403)
    if not who.principal.has(Scope.WRITE):
        return redirect(request, "/status", ("error", "This API key may only read (no 'write' scope)."))
    return who


def _shown(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: names.get(v, v) for k, v in value.items()}
    return names.get(value, value)


def _rows(view: Any, chart: list[Any]) -> list[dict[str, Any]]:
    values = view.values.model_dump(mode="json")
    rows = []
    for name in view.offered:
        spec = SPECS.get(name)
        if spec is None or name in ("what_syncs",):
            continue
        options = [a for a in chart if a.account_type in spec.account_types and a.active] if spec.is_account else []
        names = {a.id: a.name for a in chart}
        value = values.get(name)
        kind = "account" if spec.is_account else "bool" if name in BOOLEANS else "choice" if name in CHOICES else "text"
        rows.append({
            "name": name, "label": spec.label, "accepted": spec.accepted(), "required": spec.required,
            "value": value, "shown": _shown(value, names) if spec.is_account else value, "kind": kind,
            "options": options, "choices": CHOICES.get(name, ()), "read_only": name in READ_ONLY,
        })  # fmt: skip
    return rows


@router.get("/connections/{connection_id}/preferences", response_class=HTMLResponse)
async def preferences_page(request: Request, connection_id: str) -> Response:
    services = get_services(request)
    who = await visitor(request, services)
    if who is None:
        return redirect(request, "/status/login")
    try:
        view = await prefs.get_view(services, who.principal, connection_id)
        matrix = await first_sync.what_syncs(services, who.principal, connection_id)
    except ProblemError as exc:
        if exc.status == 404:
            return page(request, "status/error.html", {"title": "No such connection", "who": who}, 404)
        raise
    chart_error = None
    try:
        info_chart = await _chart(request, connection_id, who)
    except ProblemError as exc:  # the ledger unreachable: the page still shows, without account choices
        info_chart, chart_error = [], exc.detail or exc.title
    context = {
        "who": who, "connection_id": connection_id, "view": view, "rows": _rows(view, info_chart),
        "matrix": matrix, "directions": DIRECTIONS, "chart_error": chart_error,
        "can_write": who.principal.has(Scope.WRITE),
    }  # fmt: skip
    return page(request, "status/preferences.html", context)


async def _chart(request: Request, connection_id: str, who: Visitor) -> list[Any]:
    return list(await chart_of_accounts(get_services(request), who.principal, connection_id))


def _patch_from(fields: dict[str, str], view: Any) -> dict[str, Any]:
    """Only what the form changed, as a PreferencesPatch body."""
    current = view.values.model_dump(mode="json")
    patch: dict[str, Any] = {}
    for name in view.offered:
        key = f"pref-{name}"
        if name in READ_ONLY or key not in fields:
            continue
        raw = fields[key].strip()
        value: Any = (raw == "yes") if name in BOOLEANS else (raw or None)
        if name in BOOLEANS and raw not in ("yes", "no"):
            continue
        if value != current.get(name) and not (value is None and current.get(name) in (None, "")):
            patch[name] = value
    chosen = {k.removeprefix("what-"): v for k, v in fields.items() if k.startswith("what-")}
    current_what = current.get("what_syncs") or {}
    what = {t: d for t, d in chosen.items() if d and d != current_what.get(t, fields.get(f"default-{t}"))}
    if what:
        patch["what_syncs"] = what
    return patch


@router.post("/connections/{connection_id}/preferences/preview", response_class=HTMLResponse)
async def preview_change(request: Request, connection_id: str) -> Response:
    fields = await _fields(request)
    who = await _editor(request, fields)
    if isinstance(who, Response):
        return who
    services = get_services(request)
    view = await prefs.get_view(services, who.principal, connection_id)
    raw = _patch_from(fields, view)
    if not raw:
        return redirect(request, _url(connection_id), ("ok", "Nothing changed: every preference is as it was."))
    try:
        body = PreferencesPatch.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return redirect(request, _url(connection_id), ("error", f"Not previewed: {problems}."))
    try:
        preview = await prefs.preview(services, who.principal, connection_id, body)
    except ProblemError as exc:
        return redirect(request, _url(connection_id), ("error", f"Not previewed: {exc.detail or exc.title}."))
    context = {
        "who": who, "connection_id": connection_id, "preview": preview, "version": view.version,
        "patch": json.dumps(body.changes(), sort_keys=True), "labels": {k: s.label for k, s in SPECS.items()},
    }  # fmt: skip
    return page(request, "status/preferences_preview.html", context)


@router.post("/connections/{connection_id}/preferences")
async def save_change(request: Request, connection_id: str) -> Response:
    fields = await _fields(request)
    who = await _editor(request, fields)
    if isinstance(who, Response):
        return who
    try:
        body = PreferencesPatch.model_validate_json(fields.get("patch", "{}"))
        version = int(fields.get("version", ""))
    except (ValidationError, ValueError):
        return redirect(request, _url(connection_id), ("error", "Not saved: the change could not be read; edit again."))
    try:
        services, if_match = get_services(request), prefs.etag(version)
        saved = await prefs.patch_preferences(services, who.principal, connection_id, body, if_match)
    except ProblemError as exc:
        return redirect(request, _url(connection_id), ("error", f"Not saved: {exc.detail or exc.title}."))
    return redirect(request, _url(connection_id), ("ok", f"Saved as version {saved.version}."))
