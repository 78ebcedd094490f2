"""BILL webhook helpers for webhook-ingest: signature check and payload parsing.

A delivery is a JSON body ``{"metadata": {eventId, subscriptionId, organizationId, eventType,
version}, "<entity>": {...the object...}}`` signed with header ``x-bill-sha-signature`` =
base64(HMAC-SHA256(securityKey, raw body)). Verify on the raw bytes, before parsing."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.billcom.mapping import parse_time
from ledgerbridge_common.connectors.billcom.mapping_txn import VOID_STATUSES
from ledgerbridge_common.connectors.ports import Operation
from ledgerbridge_common.errors import ValidationError

SIGNATURE_HEADER = "x-bill-sha-signature"

ENTITY_TYPES: dict[str, ObjectType] = {
    "vendor": ObjectType.VENDOR,
    "bill": ObjectType.BILL,
    "invoice": ObjectType.INVOICE,
    "payment": ObjectType.BILL_PAYMENT,
}
"""Entities BILL sends events for that LedgerBridge syncs. Bank/card accounts, autopay, spend and
risk events parse with ``object_type=None``. There are no events for vendor credits, received
payments, customers or the chart of accounts: those are polled (``list_changed``)."""

PAYLOAD_KEYS = {"bank-account": "bankAccount", "card-account": "cardAccount", "mass-payment": "massPayment"}
OPERATIONS: dict[str, Operation] = {
    "created": "created",
    "updated": "updated",
    "archived": "archived",
    "restored": "restored",
    "deleted": "deleted",
}


def sign_billcom_payload(raw_body: bytes, security_key: str) -> str:
    return base64.b64encode(hmac.new(security_key.encode(), raw_body, hashlib.sha256).digest()).decode()


def verify_billcom_signature(raw_body: bytes, header: str | None, security_key: str) -> bool:
    """True when ``header`` is base64(HMAC-SHA256(security_key, raw_body)); constant-time compare."""
    if not header or not security_key:
        return False
    try:
        given = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(security_key.encode(), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


@dataclass(frozen=True)
class BillcomWebhookEvent:
    event_id: str
    event_type: str
    """``entity.action`` as BILL names it, e.g. ``bill.created``, ``payment.updated``."""
    object_type: ObjectType | None
    object_id: str | None
    operation: Operation
    occurred_at: dt.datetime
    """The object's ``updatedTime`` (BILL's metadata carries no timestamp); else the parse time."""
    organization_id: str | None = None
    subscription_id: str | None = None
    version: str = "1"
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _event(item: Any, received_at: dt.datetime) -> BillcomWebhookEvent:
    if not isinstance(item, dict) or not isinstance(item.get("metadata"), dict):
        raise ValidationError("BILL webhook without metadata", vendor="billcom")
    meta = item["metadata"]
    event_type = str(meta.get("eventType") or "")
    event_id = meta.get("eventId")
    if not event_id or "." not in event_type:
        raise ValidationError("BILL webhook without eventId or eventType", vendor="billcom")
    entity, _, action = event_type.rpartition(".")
    obj = item.get(PAYLOAD_KEYS.get(entity, entity)) or {}
    operation: Operation = OPERATIONS.get(action, "updated")
    if entity == "payment" and str(obj.get("status") or "") in VOID_STATUSES:
        operation = "voided"
    return BillcomWebhookEvent(
        event_id=str(event_id),
        event_type=event_type,
        object_type=ENTITY_TYPES.get(entity),
        object_id=obj.get("id"),
        operation=operation,
        occurred_at=parse_time(obj.get("updatedTime")) or received_at,
        organization_id=meta.get("organizationId"),
        subscription_id=meta.get("subscriptionId"),
        version=str(meta.get("version") or "1"),
        data=obj,
    )


def parse_billcom_webhook(body: bytes) -> list[BillcomWebhookEvent]:
    """Parse one delivery (a single event object, or a list of them); raises ``ValidationError``."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ValidationError("BILL webhook body is not JSON", vendor="billcom") from exc
    items = payload if isinstance(payload, list) else [payload]
    received_at = dt.datetime.now(dt.UTC)
    return [_event(item, received_at) for item in items]
