"""BILL webhook subscriptions as LedgerBridge uses them: the one list of event types we subscribe
to (prefs-api's connect flow, ``ledgerbridge billcom-subscribe`` and the BILL request budget all
read it), the subscription's name and where BILL posts (webhook-ingest).

Event types: ``../shared/reference/billcom.md`` §2 (documented types; there is no vendor-credit,
received-payment, customer or chart-of-accounts event: the sweep polls those)."""

from __future__ import annotations

EVENT_TYPES: tuple[str, ...] = (
    "vendor.created", "vendor.updated", "vendor.archived", "vendor.restored",
    "bill.created", "bill.updated", "bill.archived", "bill.restored",
    "invoice.created", "invoice.updated", "invoice.archived", "invoice.restored",
    "payment.updated", "payment.failed",
)  # fmt: skip
"""What webhook-ingest turns into changes (vendor, bill, invoice, bill payment)."""


def subscription_name(connection_id: str) -> str:
    return f"LedgerBridge {connection_id}"


def notification_url(public_base: str, connection_id: str) -> str:
    """webhook-ingest's route for this connection's BILL deliveries."""
    return f"{public_base.rstrip('/')}/webhooks/billcom/{connection_id}"
