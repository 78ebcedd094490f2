"""A connection's BILL webhook subscription, made when its BILL credentials are saved (create or
replace, ``connect_webhooks``) and by ``POST /v1/connections/{id}/billcom/webhook``.

One subscription per connection, whatever fails in between: callers for one connection take turns
(a PostgreSQL advisory lock, waited for at most :data:`LOCK_WAIT`) and re-read the connection under
it, so the second finds what the first stored; a connection that holds a subscription id keeps it;
a subscription BILL already has under the connection's name and notification URL (a create whose
answer was lost to a timeout) is adopted with a new security key, since BILL shows a key only once
(billcom.md §2); otherwise one is created. The id and key are sealed into the connection's BILL
credentials under a row lock, only while those are still for the same organization."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.connectors.billcom.subscriptions import EVENT_TYPES, notification_url, subscription_name
from ledgerbridge_common.errors import ConnectorError
from ledgerbridge_common.prefs_client import BillcomCredentials, ConnectionInfo
from prefs_api.adapters import repository as repo
from prefs_api.adapters.vendors import vendor_unavailable
from prefs_api.deps import Services
from prefs_api.handlers.connections import to_info
from prefs_api.problems import ProblemError, not_found

LOCK_WAIT = "30s"


@runtime_checkable
class WebhookSubscriptions(Protocol):
    """What BILL's connector offers for webhook subscriptions (``BillcomHttpConnector``)."""

    async def list_subscriptions(self) -> list[dict[str, Any]]: ...

    async def create_subscription(
        self, name: str, notification_url: str, event_types: Any, *, idempotency_key: str | None = None
    ) -> dict[str, Any]: ...

    async def delete_subscription(self, subscription_id: str) -> None: ...

    async def rotate_security_key(self, subscription_id: str) -> str: ...


def _lock_id(connection_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"billcom-webhook:{connection_id}".encode()).digest()[:8], "big", signed=True)


async def _take_turn(session: AsyncSession, connection_id: str) -> None:
    await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(connection_id)})


def subscriptions_of(services: Services, info: ConnectionInfo) -> WebhookSubscriptions:
    connector = services.billcom_factory(info)
    if not isinstance(connector, WebhookSubscriptions):
        raise ProblemError(
            503, "BILL webhooks unavailable", "This BILL connector has no subscriptions API", kind="vendor-unavailable"
        )
    return connector


async def ensure_subscription(services: Services, connection_id: str) -> tuple[ConnectionInfo, str, bool]:
    """The connection, its subscription id, and whether this call made (or adopted) it."""
    async with services.sessions.begin() as turn:
        await _take_turn(turn, connection_id)
        row = await repo.get_connection(turn, connection_id)
        if row is None:
            raise not_found()
        info = to_info(row, services.cipher)
        sub_id, made = await _subscribe(services, info)
    return info, sub_id, made


async def _subscribe(services: Services, info: ConnectionInfo) -> tuple[str, bool]:
    creds = info.billcom
    if creds is None:
        raise ProblemError(
            409, "BILL credentials missing", "Set the BILL credentials of this connection first", kind="conflict"
        )
    if creds.webhook_subscription_id:
        return creds.webhook_subscription_id, False
    base = services.settings.webhook_public_url
    if not base:
        raise ProblemError(
            409, "No webhook URL", "Set LB_WEBHOOK_PUBLIC_URL (webhook-ingest's public base URL)", kind="conflict"
        )
    bill = subscriptions_of(services, info)
    name, url = subscription_name(info.connection_id), notification_url(base, info.connection_id)
    try:
        listed = await bill.list_subscriptions()
        ours = next((s for s in listed if s.get("name") == name and s.get("notificationUrl") == url), None)
        if ours is not None:
            sub_id = str(ours["id"])
            key = await bill.rotate_security_key(sub_id)
        else:
            created = await bill.create_subscription(name, url, EVENT_TYPES, idempotency_key=str(uuid.uuid4()))
            sub_id = str(created["id"])
            key = str(created.get("securityKey") or "") or await bill.rotate_security_key(sub_id)  # a replay
    except ConnectorError as exc:
        raise vendor_unavailable("BILL", exc) from exc
    if not key:
        raise ProblemError(
            502, "BILL gave no security key", "The subscription answer had no securityKey", kind="vendor-unavailable"
        )
    await _store(services, info.connection_id, creds.organization_id, sub_id, key)
    return sub_id, True


async def _store(services: Services, connection_id: str, organization_id: str, sub_id: str, key: str) -> None:
    async with services.sessions.begin() as session:
        row = await repo.get_connection(session, connection_id, lock=True)
        billcom, ledger = services.cipher.open_ledger(row["credentials"] if row else None)
        if billcom is None or billcom.organization_id != organization_id:
            raise ProblemError(
                409, "BILL credentials changed", "They changed while subscribing; try again", kind="conflict"
            )
        current = billcom.model_dump(mode="json") | {"webhook_subscription_id": sub_id, "webhook_security_key": key}
        sealed = services.cipher.seal(BillcomCredentials.model_validate(current), ledger)
        await repo.update_connection(session, connection_id, credentials=sealed)
