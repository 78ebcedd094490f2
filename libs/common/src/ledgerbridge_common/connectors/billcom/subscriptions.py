"""BILL webhook subscriptions as LedgerBridge uses them: the one list of event types we subscribe
to (prefs-api's connect flow, ``ledgerbridge billcom-subscribe`` and the BILL request budget all
read it), the subscription's name and where BILL posts (webhook-ingest).

Event types: ``../shared/reference/billcom.md`` §2 (documented types; there is no vendor-credit,
received-payment, customer or chart-of-accounts event: the sweep polls those)."""

from __future__ import annotations

from ledgerbridge_common.connectors.billcom.events import WEBHOOK_EVENT_TYPES

EVENT_TYPES: tuple[str, ...] = WEBHOOK_EVENT_TYPES
"""Every event type of an organization subscription (``events.py``); webhook-ingest turns vendor,
bill, invoice and payment events into changes and acknowledges the rest."""


def subscription_name(connection_id: str) -> str:
    return f"LedgerBridge {connection_id}"


def notification_url(public_base: str, connection_id: str) -> str:
    """webhook-ingest's route for this connection's BILL deliveries."""
    return f"{public_base.rstrip('/')}/webhooks/billcom/{connection_id}"
