"""Connections, the QBO connect flow and Sync Now."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Query, Request, Response

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import SyncRequested
from prefs_api.deps import Admin, Reader, ServicesDep, Writer, cookies_secure
from prefs_api.handlers import connections as handlers
from prefs_api.handlers import oauth, sync
from prefs_api.handlers.connect_webhooks import subscribe_on_save
from prefs_api.problems import ProblemError, problem_responses
from prefs_api.schemas import (
    Accepted,
    AuthorizeOut,
    ConnectionCreate,
    ConnectionOut,
    ConnectionUpdate,
    OAuthResult,
)

router = APIRouter(prefix="/v1", tags=["connections"], responses=problem_responses(401, 403, 404, 422))
REALM_ID = r"^[0-9]{1,32}$"
"""QBO realm (company) ids are decimal digits (``/v3/company/{realmId}/``, qbo-api.md)."""


@router.post("/connections", status_code=201, response_model=ConnectionOut, responses=problem_responses(409, 502))
async def create_connection(services: ServicesDep, principal: Admin, body: ConnectionCreate) -> ConnectionOut:
    """Create a connection (BILL organization ↔ ledger company) in the key's tenant. Credentials
    are stored encrypted and never returned. Sage Intacct and NetSuite credentials are checked
    against the ledger first: 422 naming the credentials block with what the ledger said when it
    refuses them, 502 when it cannot be reached; credentials of another ledger kind are a 409.
    With BILL credentials, BILL's webhook subscription is made too (``notes`` says when it could not be)."""
    created = await handlers.create_connection(services, principal, body)
    return await subscribe_on_save(services, principal, created.id, billcom_saved=body.billcom is not None)


@router.get("/connections", response_model=list[ConnectionOut])
async def list_connections(
    services: ServicesDep, principal: Reader, status: Literal["active", "disabled"] | None = None
) -> list[ConnectionOut]:
    """The connections this key may see."""
    async with services.sessions() as session:
        rows = await handlers.list_visible(session, principal, status)
    return [handlers.to_public(r, services.cipher) for r in rows]


@router.get("/connections/{connection_id}", response_model=ConnectionOut)
async def read_connection(services: ServicesDep, principal: Reader, connection_id: str) -> ConnectionOut:
    """One connection (without credentials)."""
    async with services.sessions() as session:
        row = await handlers.visible_connection(session, principal, connection_id)
    return handlers.to_public(row, services.cipher)


@router.patch("/connections/{connection_id}", response_model=ConnectionOut, responses=problem_responses(409, 502))
async def update_connection(
    services: ServicesDep, principal: Admin, connection_id: str, body: ConnectionUpdate
) -> ConnectionOut:
    """Rename, re-point or replace credentials (a credentials block replaces the stored one; QBO
    tokens are kept when omitted; Intacct and NetSuite credentials are checked against the ledger
    first, as on create). New BILL credentials for the same organization keep its webhook
    subscription; for another organization one is made, as on create."""
    await handlers.update_connection(services, principal, connection_id, body)
    return await subscribe_on_save(services, principal, connection_id, billcom_saved="billcom" in body.model_fields_set)


@router.post("/connections/{connection_id}/disable", response_model=ConnectionOut)
async def disable_connection(services: ServicesDep, principal: Admin, connection_id: str) -> ConnectionOut:
    """Stop syncing this connection (nothing is deleted)."""
    return await handlers.set_status(services, principal, connection_id, "disabled")


@router.post("/connections/{connection_id}/enable", response_model=ConnectionOut)
async def enable_connection(services: ServicesDep, principal: Admin, connection_id: str) -> ConnectionOut:
    """Resume syncing a disabled connection."""
    return await handlers.set_status(services, principal, connection_id, "active")


@router.get(
    "/connections/{connection_id}/qbo/authorize",
    response_model=AuthorizeOut,
    responses=problem_responses(409),
)
async def qbo_authorize(
    request: Request, response: Response, services: ServicesDep, principal: Admin, connection_id: str
) -> AuthorizeOut:
    """Start the QBO OAuth connect flow: send the user to ``authorize_url`` **from the browser
    that made this call**. The answer sets the ``lb_qbo_oauth`` cookie binding the flow to that
    browser; the callback refuses the state without it. The state is single-use."""
    out, nonce = await oauth.authorize(services, principal, connection_id)
    response.set_cookie(
        oauth.BROWSER_COOKIE,
        nonce,
        max_age=services.settings.oauth_state_seconds,
        path=oauth.COOKIE_PATH,
        httponly=True,
        samesite="lax",  # sent on Intuit's top-level redirect back to the callback
        secure=cookies_secure(services, request),
    )
    return out


@router.get(
    "/oauth/qbo/callback",
    response_model=OAuthResult,
    responses=problem_responses(400, 403, 409, 502),
    openapi_extra={"security": []},
)
async def qbo_callback(
    response: Response,
    services: ServicesDep,
    code: Annotated[str, Query(min_length=1, max_length=2000)],
    state: Annotated[str, Query(min_length=1, max_length=4000)],
    realm_id: Annotated[str, Query(alias="realmId", pattern=REALM_ID, description="The QBO company id (digits)")],
    browser: Annotated[str | None, Cookie(alias=oauth.BROWSER_COOKIE, max_length=100)] = None,
) -> OAuthResult:
    """Where Intuit redirects after consent: exchanges the code at the token endpoint and stores
    the tokens. Authenticated by the signed, time-limited, single-use ``state`` and the cookie
    set on the browser that called authorize (no API key); 403 without them."""
    result = await oauth.callback(services, code=code, state=state, realm_id=realm_id, browser_nonce=browser)
    response.delete_cookie(oauth.BROWSER_COOKIE, path=oauth.COOKIE_PATH)
    return result


@router.post(
    "/connections/{connection_id}/sync-now",
    status_code=202,
    response_model=Accepted,
    responses=problem_responses(409, 503),
)
async def sync_now(services: ServicesDep, principal: Writer, connection_id: str, full: bool = False) -> Accepted:
    """Ask the sweeper to sweep this connection now (does not move the automatic schedule)."""
    async with services.sessions() as session:
        row = await handlers.visible_connection(session, principal, connection_id)
    if row["status"] != "active":
        raise ProblemError(409, "Connection disabled", "Enable the connection before syncing it", kind="conflict")
    env = Envelope.wrap(SyncRequested(trigger="sync_now", full=full), connection_id=connection_id)
    await sync.publish(services, services.settings.kafka.topics.prefs, [env])  # 503 when Kafka fails
    return Accepted(event_id=env.event_id, detail="Sync requested; the sweeper picks it up within seconds")
