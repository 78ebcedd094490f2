"""A connection's lifecycle: BILL's webhooks (subscribe, rotate the key), disconnect, reconnect
(``handlers/lifecycle.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from prefs_api.deps import ServicesDep, Writer
from prefs_api.handlers import clearing, lifecycle
from prefs_api.problems import problem_responses
from prefs_api.schemas import ClearingConfirm, ClearingOut, LifecycleOut

router = APIRouter(
    prefix="/v1/connections/{connection_id}",
    tags=["connections"],
    responses=problem_responses(401, 403, 404, 422, 409, 502, 503),
)


@router.post("/billcom/webhook", response_model=LifecycleOut)
async def subscribe_billcom_webhook(services: ServicesDep, principal: Writer, connection_id: str) -> LifecycleOut:
    """Connect BILL's webhooks: create the subscription (every event type LedgerBridge uses) to
    ``{LB_WEBHOOK_PUBLIC_URL}/webhooks/billcom/{connection_id}``; its security key is stored
    sealed and never shown. A connection that has a subscription keeps it."""
    return await lifecycle.subscribe_billcom(services, principal, connection_id)


@router.post("/billcom/webhook/rotate-key", response_model=LifecycleOut)
async def rotate_billcom_webhook_key(services: ServicesDep, principal: Writer, connection_id: str) -> LifecycleOut:
    """Have BILL issue a new webhook security key; it replaces the stored one."""
    return await lifecycle.rotate_billcom_key(services, principal, connection_id)


@router.post("/disconnect", response_model=LifecycleOut)
async def disconnect_connection(services: ServicesDep, principal: Writer, connection_id: str) -> LifecycleOut:
    """Disconnect: nothing more is posted (queued commands are parked with the reason
    "connection disconnected"), BILL's webhook subscription is removed and the QuickBooks refresh
    token revoked. ``notes`` says what could not be done."""
    return await lifecycle.disconnect(services, principal, connection_id)


@router.post("/reconnect", response_model=LifecycleOut)
async def reconnect_connection(services: ServicesDep, principal: Writer, connection_id: str) -> LifecycleOut:
    """Reconnect (after connecting QuickBooks again): active again, BILL's webhooks again, the
    parked work released and a catch-up sweep from the watermarks."""
    return await lifecycle.reconnect(services, principal, connection_id)


@router.post("/clearing-accounts", response_model=ClearingOut)
async def create_clearing_accounts(
    services: ServicesDep, principal: Writer, connection_id: str, body: ClearingConfirm
) -> ClearingOut:
    """After the bookkeeper confirms: create "BILL Money Out Clearing" and "BILL Money In
    Clearing" as bank accounts in the ledger (an existing bank account of that name is reused,
    never a second one) and choose them in the preferences. A ledger where LedgerBridge does not
    create them (Sage Intacct) answers 409 with what to create by hand."""
    return await clearing.create_clearing_accounts(services, principal, connection_id)
