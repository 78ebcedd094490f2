"""Saving BILL credentials connects BILL's webhooks (``billcom_webhooks.ensure_subscription``):
after a connection is created, or its BILL credentials replaced, its subscription is made unless it
has one or an operator made it (credentials saved with their own security key). The connection is
saved whatever BILL answers; what could not be done is in the answer's ``notes``, and
``POST /v1/connections/{id}/billcom/webhook`` tries again."""

from __future__ import annotations

from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.domain.billcom_webhook import subscribed_by_hand
from prefs_api.handlers import lifecycle
from prefs_api.handlers.connections import to_public, visible_connection
from prefs_api.problems import ProblemError
from prefs_api.schemas import ConnectionOut


async def subscribe_on_save(
    services: Services, principal: Principal, connection_id: str, *, billcom_saved: bool = True
) -> ConnectionOut:
    """The connection as saved, after subscribing when ``billcom_saved`` (a disconnected connection
    is subscribed again by reconnecting)."""
    async with services.sessions() as session:
        row = await visible_connection(session, principal, connection_id)
    billcom, _ = services.cipher.open_ledger(row["credentials"])
    notes: list[str] = []
    wanted = billcom_saved and row["status"] != lifecycle.DISCONNECTED
    if wanted and billcom is not None and not billcom.webhook_subscription_id and not subscribed_by_hand(billcom):
        retry = f"POST /v1/connections/{connection_id}/billcom/webhook"
        if not services.settings.webhook_public_url:
            notes.append(f"BILL webhooks not subscribed: LB_WEBHOOK_PUBLIC_URL is not set; then {retry}")
        else:
            try:
                await lifecycle.subscribe_billcom(services, principal, connection_id)
            except ProblemError as exc:
                notes.append(f"BILL webhooks not subscribed: {exc}; {retry} to try again")
            async with services.sessions() as session:
                row = await visible_connection(session, principal, connection_id)
    return to_public(row, services.cipher).model_copy(update={"notes": notes})
