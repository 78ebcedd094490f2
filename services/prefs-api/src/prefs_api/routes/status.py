"""The operator/bookkeeper status page: plain server-rendered HTML, forms without JavaScript.

Sign-in: the login form posts an API key; the answer sets an HttpOnly, SameSite=Strict cookie
holding the key sealed (Fernet, key derived from ``LB_PREFS_CREDENTIALS_KEY``) with a CSRF nonce,
re-checked on every request (a revoked key is out at once). ``X-API-Key`` / ``Authorization:
Bearer`` work too. A key sees only its tenant's connections, as in the API; buttons call the same
handlers as ``POST /v1/sync-log/{id}/replay`` and ``/v1/conflicts/{id}/override|dismiss``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from cryptography.fernet import Fernet, InvalidToken
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from prefs_api.adapters import spent
from prefs_api.adapters.lag_view import LagView
from prefs_api.deps import Services, authenticate, authenticate_throttled, cookies_secure, get_services
from prefs_api.domain.access import Principal, Scope
from prefs_api.handlers import sync
from prefs_api.handlers.bill_budget import bill_budget_view
from prefs_api.handlers.ledger_view import ledger_views
from prefs_api.problems import ProblemError
from prefs_api.routes import synclog as api

router = APIRouter(prefix="/status", include_in_schema=False)
COOKIE, FLASH = "lb_status", "lb_status_flash"
SIGNED_OUT = "status-session"
SESSION_SECONDS = 8 * 3600
FRESH_SECONDS = 15 * 60
SIDES = {"billcom": "BILL", "ledger": "Ledger"}
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@functools.cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


# ----------------------------------------------------------------------------- session, CSRF
def _derive(services: Services, purpose: bytes) -> bytes:
    key = services.settings.prefs_credentials_key
    secret = key.get_secret_value().encode() if key else b""
    return hmac.new(secret, b"ledgerbridge/prefs-api/status/" + purpose, hashlib.sha256).digest()


def _fernet(services: Services) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(services, b"session")))


def _csrf(services: Services, nonce: str) -> str:
    """The form token tied to this session's nonce (which only the sealed cookie carries)."""
    return hmac.new(_derive(services, b"csrf"), nonce.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Visitor:
    principal: Principal
    csrf: str | None
    """None when the key came in a header (not an ambient credential: no CSRF check)."""
    session: str | None = None
    """The sign-in's nonce (cookie sessions only): signing out spends it server-side."""


async def visitor(request: Request, services: Services) -> Visitor | None:
    header = request.headers.get("x-api-key")
    auth = request.headers.get("authorization", "")
    if not header and auth.lower().startswith("bearer "):
        header = auth[7:].strip()
    if header:
        principal = await authenticate_throttled(services, request, header)
        return Visitor(principal, None) if principal else None
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        data = json.loads(_fernet(services).decrypt(token.encode(), ttl=SESSION_SECONDS))
    except (InvalidToken, ValueError):
        return None
    nonce = str(data.get("n", ""))
    if not nonce:
        return None
    async with services.sessions() as session:
        if await spent.is_spent(session, SIGNED_OUT, nonce):
            return None
    principal = await authenticate(services, str(data.get("k", "")))
    return Visitor(principal, _csrf(services, nonce), nonce) if principal else None


def _same_origin(request: Request) -> bool:
    """A form posted from another site is refused (``null``: the browser would not say)."""
    origin = request.headers.get("origin")
    return origin in (None, "null") or urlsplit(origin).netloc == request.headers.get("host")


async def _form(request: Request) -> dict[str, str]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    parsed = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=20)
    return {k: v[0] for k, v in parsed.items()}


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    flash = request.cookies.get(FLASH)
    message = None
    if flash:
        with contextlib.suppress(InvalidToken, ValueError):
            message = json.loads(_fernet(get_services(request)).decrypt(flash.encode(), ttl=300))
    response = templates().TemplateResponse(
        request, name, {"flash": message, **context}, status_code=status, headers=HEADERS
    )
    if flash:
        response.delete_cookie(FLASH, path="/status")
    return response


def redirect(request: Request, to: str, flash: tuple[str, str] | None = None) -> Response:
    response = RedirectResponse(to, status_code=303, headers={"Cache-Control": "no-store"})
    if flash:
        token = _fernet(get_services(request)).encrypt(json.dumps({"kind": flash[0], "text": flash[1]}).encode())
        secure = cookies_secure(get_services(request), request)
        response.set_cookie(
            FLASH, token.decode(), max_age=300, path="/status", httponly=True, samesite="strict", secure=secure
        )
    return response


async def _posting(request: Request) -> Visitor | Response:
    """Who posts a form, or the page refusing it (not signed in, forged)."""
    who = await visitor(request, get_services(request))
    if who is None:
        return redirect(request, "/status/login")
    token = (await _form(request)).get("csrf", "")
    if not _same_origin(request) or (who.csrf is not None and not hmac.compare_digest(token, who.csrf)):
        return page(request, "status/error.html", {"title": "Form expired", "who": who}, 403)
    return who


async def _acting(request: Request) -> Visitor | Response:
    """Who posts a changing form, or the page refusing it (also: a read-only key)."""
    who = await _posting(request)
    if isinstance(who, Response):
        return who
    if not who.principal.has(Scope.WRITE):
        return redirect(request, "/status", ("error", "This API key may only read (no 'write' scope)."))
    return who


# ----------------------------------------------------------------------------- routes
@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    return page(request, "status/login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Failed keys count towards the client's back-off (see ``throttle``), as on the API."""
    services = get_services(request)
    key = (await _form(request)).get("key", "").strip()
    try:
        principal = await authenticate_throttled(services, request, key) if key and _same_origin(request) else None
    except ProblemError as exc:  # 429: waiting out the back-off
        wait = (exc.headers or {}).get("Retry-After", "a few")
        error = f"Too many invalid keys from here; try again in {wait} s."
        response = page(request, "status/login.html", {"error": error}, 429)
        response.headers.update(exc.headers or {})
        return response
    if principal is None:
        return page(request, "status/login.html", {"error": "That API key is not valid."}, 401)
    payload = json.dumps({"k": key, "n": secrets.token_urlsafe(16)}).encode()
    response = redirect(request, "/status")
    response.set_cookie(
        COOKIE,
        _fernet(services).encrypt(payload).decode(),
        max_age=SESSION_SECONDS,
        path="/status",
        httponly=True,
        samesite="strict",
        secure=cookies_secure(services, request),
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Needs the form's CSRF token; the session is spent server-side, so a copy of the cookie
    stops working too."""
    who = await _posting(request)
    if isinstance(who, Response):
        return who
    if who.session is not None:
        until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=SESSION_SECONDS)
        async with get_services(request).sessions.begin() as session:
            await spent.spend(session, SIGNED_OUT, who.session, until)
    response = redirect(request, "/status/login", ("ok", "Signed out."))
    response.delete_cookie(COOKIE, path="/status")
    return response


@router.get("", response_class=HTMLResponse)
async def overview(request: Request) -> Response:
    services = get_services(request)
    who = await visitor(request, services)
    if who is None:
        return redirect(request, "/status/login")
    report = await api.read_sync_report(services, who.principal, None, None)
    lag: LagView = request.app.state.status_lag
    open_errors: dict[str, int] = {}
    for e in report.errors:
        open_errors[e.connection_id] = open_errors.get(e.connection_id, 0) + 1
    connections = [
        {**c.model_dump(), "age": _age(c.freshness_seconds), "fresh": _freshness(c.freshness_seconds)}
        for c in report.connections
    ]
    context = {
        "who": who,
        "report": report,
        "connections": connections,
        "ledgers": await ledger_views(services, who.principal),
        "open_errors": open_errors,
        "lag": await lag.look(),
        "fresh_minutes": FRESH_SECONDS // 60,
        "can_write": who.principal.has(Scope.WRITE),
        "bill_budget": await bill_budget_view(services, request.app.state.bill_budgets, who.principal),
    }
    return page(request, "status/overview.html", context)


@router.get("/conflicts", response_class=HTMLResponse)
async def conflicts(request: Request, state: str = "open") -> Response:
    services = get_services(request)
    who = await visitor(request, services)
    if who is None:
        return redirect(request, "/status/login")
    state = state if state in ("open", "picked", "overridden", "dismissed") else "open"
    found = await api.list_conflicts(services, who.principal, None, state, None, 50)
    items = [
        {**c.model_dump(), "fields": _side_by_side(c.winning_version, c.losing_version, c.changed_fields)}
        for c in found.items
    ]
    context = {"who": who, "items": items, "state": state, "sides": SIDES, "can_write": who.principal.has(Scope.WRITE)}
    return page(request, "status/conflicts.html", context)


@router.post("/replay/{entry_id}")
async def replay(request: Request, entry_id: api.RowId) -> Response:
    who = await _acting(request)
    if isinstance(who, Response):
        return who
    try:
        done = await sync.replay_entry(get_services(request), who.principal, entry_id)
    except ProblemError as exc:
        return redirect(request, "/status#errors", ("error", f"Not replayed: {exc.detail or exc.title}."))
    refs = ", ".join(done.source_refs)
    return redirect(request, "/status#errors", ("ok", f"Replay queued for {refs}; the engine will re-read it."))


@router.post("/conflicts/{conflict_id}/{action}")
async def resolve(request: Request, conflict_id: api.RowId, action: Literal["override", "dismiss"]) -> Response:
    who = await _acting(request)
    if isinstance(who, Response):
        return who
    try:
        c = await sync.resolve(get_services(request), who.principal, conflict_id, override=action == "override")
    except ProblemError as exc:
        return redirect(request, "/status/conflicts", ("error", f"Not done: {exc.detail or exc.title}."))
    loser = SIDES.get({"billcom": "ledger", "ledger": "billcom"}.get(c.winner or "", ""), "losing")
    text = (
        f"Conflict {c.id} overridden: the {loser} version will be posted again."
        if action == "override"
        else f"Conflict {c.id} dismissed: the decision stands."
    )
    return redirect(request, "/status/conflicts", ("ok", text))


# ----------------------------------------------------------------------------- view helpers
def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds)} s ago"


def _freshness(seconds: float | None) -> str:
    if seconds is None:
        return "never synced"
    return "fresh" if seconds <= FRESH_SECONDS else "stale"


def _show(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _side_by_side(winning: dict[str, Any] | None, losing: dict[str, Any], changed: list[str]) -> list[dict[str, Any]]:
    winning = winning or {}
    names = sorted(set(winning) | set(losing), key=lambda n: (n not in changed, n))
    return [
        {
            "name": n,
            "winning": _show(winning.get(n)),
            "losing": _show(losing.get(n)),
            "differs": winning.get(n) != losing.get(n),
            "changed": n in changed,
        }
        for n in names
    ]
