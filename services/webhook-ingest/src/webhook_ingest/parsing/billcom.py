"""BILL webhook payloads, read with the connector's ``parse_billcom_webhook`` (billcom.md §2):
``{"metadata": {eventId, organizationId, eventType, ...}, "<entity>": {...}}``.

The body is split into its events first and each is read on its own, so one unreadable event is
dead-lettered with its reason while the others are produced."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.billcom.webhooks import BillcomWebhookEvent, parse_billcom_webhook
from ledgerbridge_common.errors import ValidationError
from webhook_ingest.parsing.common import (
    READ_ERRORS,
    ParsedDelivery,
    UnparseableDeliveryError,
    VendorChange,
    scalar_id,
)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _items(raw: bytes) -> list[Any]:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise UnparseableDeliveryError(f"BILL webhook body is not JSON: {exc!r}"[:500]) from exc
    return payload if isinstance(payload, list) else [payload]


def _event(item: Any) -> BillcomWebhookEvent:
    events = parse_billcom_webhook(json.dumps(item).encode())
    if len(events) != 1:
        raise ValueError(f"an event that is itself {len(events)} events")
    return events[0]


def _change(event: BillcomWebhookEvent, object_type: ObjectType) -> VendorChange:
    organization = event.organization_id
    return VendorChange(
        company_id=scalar_id(organization, "organizationId") if organization else "",
        object_type=object_type,
        object_id=scalar_id(event.object_id, "object id"),
        operation=event.operation,
        source_time=_aware(event.occurred_at),
        dedupe_key=f"billcom:{scalar_id(event.event_id, 'eventId')}",
        payload=event.data or None,
    )


def parse_billcom_delivery(raw: bytes, *, received_at: dt.datetime) -> ParsedDelivery:
    """Bank/card account, autopay, mass-payment, risk and spend events are not object changes:
    they are counted as ignored (bank accounts are picked up by the sweep and reported)."""
    del received_at  # the connector's parser stamps events without updatedTime itself
    result = ParsedDelivery()
    for n, item in enumerate(_items(raw)):
        try:
            event = _event(item)
            if event.object_type is None:
                result.ignored += 1
                continue
            if not event.object_id:
                raise ValueError("no object id")
            result.changes.append(_change(event, event.object_type))
        except (ValidationError, *READ_ERRORS) as exc:
            result.rejects.append(f"[{n}]: {exc!r}"[:500])
    return result
