"""BILL webhook payloads, read with the connector's ``parse_billcom_webhook`` (billcom.md §2):
``{"metadata": {eventId, organizationId, eventType, ...}, "<entity>": {...}}``."""

from __future__ import annotations

import datetime as dt

from ledgerbridge_common.connectors.billcom.webhooks import parse_billcom_webhook
from ledgerbridge_common.errors import ValidationError
from webhook_ingest.parsing.common import ParsedDelivery, UnparseableDeliveryError, VendorChange


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_billcom_delivery(raw: bytes, *, received_at: dt.datetime) -> ParsedDelivery:
    """Bank/card account, autopay, mass-payment, risk and spend events are not object changes:
    they are counted as ignored (bank accounts are picked up by the sweep and reported)."""
    del received_at  # the connector's parser stamps events without updatedTime itself
    try:
        events = parse_billcom_webhook(raw)
    except (ValidationError, ValueError) as exc:  # ValueError: unreadable time
        raise UnparseableDeliveryError(str(exc)) from exc
    result = ParsedDelivery()
    for n, event in enumerate(events):
        if event.object_type is None:
            result.ignored += 1
            continue
        if not event.object_id:
            result.rejects.append(f"[{n}] {event.event_type} {event.event_id}: no object id")
            continue
        result.changes.append(
            VendorChange(
                company_id=event.organization_id or "",
                object_type=event.object_type,
                object_id=str(event.object_id),
                operation=event.operation,
                source_time=_aware(event.occurred_at),
                dedupe_key=f"billcom:{event.event_id}",
            )
        )
    return result
