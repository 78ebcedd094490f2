"""QBO webhook payloads: legacy ``eventNotifications`` and CloudEvents arrays (qbo-api.md §1)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.ports import Operation
from webhook_ingest.parsing.common import (
    READ_ERRORS,
    ParsedDelivery,
    UnparseableDeliveryError,
    VendorChange,
    parse_time,
    scalar_id,
)

ENTITIES: dict[str, ObjectType] = {
    "vendor": ObjectType.VENDOR,
    "customer": ObjectType.CUSTOMER,
    "account": ObjectType.ACCOUNT,
    "class": ObjectType.CLASS,
    "department": ObjectType.LOCATION,  # QBO's "Department" is BILL's location (canonical Location)
    "item": ObjectType.ITEM,
    "bill": ObjectType.BILL,
    "vendorcredit": ObjectType.VENDOR_CREDIT,
    "billpayment": ObjectType.BILL_PAYMENT,
    "invoice": ObjectType.INVOICE,
    "payment": ObjectType.RECEIVED_PAYMENT,
    "transfer": ObjectType.FUNDS_TRANSFER,
    "journalentry": ObjectType.JOURNAL_ENTRY,
}

OPERATIONS: dict[str, Operation | None] = {
    "create": "created",
    "created": "created",
    "update": "updated",
    "updated": "updated",
    "delete": "deleted",
    "deleted": "deleted",
    "merge": "merged",
    "merged": "merged",
    "void": "voided",
    "voided": "voided",
    "emailed": None,
}


def parse_qbo_delivery(raw: bytes, *, received_at: dt.datetime) -> ParsedDelivery:
    """Every entity change of the delivery; parts that cannot be read become ``rejects`` (with the
    reason) and never an exception. Raises ``UnparseableDeliveryError`` only for a body that is
    not a delivery at all."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise UnparseableDeliveryError(f"body is not JSON: {exc!r}"[:500]) from exc
    if isinstance(body, list):
        return _cloudevents(body, received_at)
    if isinstance(body, dict) and isinstance(body.get("eventNotifications"), list):
        return _legacy(body["eventNotifications"], received_at)
    if isinstance(body, dict) and "specversion" in body:
        return _cloudevents([body], received_at)
    raise UnparseableDeliveryError("neither a CloudEvents array nor an eventNotifications object")


def _get_ci(obj: Any, key: str) -> Any:
    """Case-insensitive key lookup (``deletedId`` / ``deletedID`` / ``deletedid``)."""
    if not isinstance(obj, dict):
        return None
    lowered = key.lower()
    return next((v for k, v in obj.items() if isinstance(k, str) and k.lower() == lowered), None)


def _classify(entity: str, verb: str, result: ParsedDelivery) -> tuple[ObjectType, Operation] | None:
    object_type = ENTITIES.get(entity.lower())
    operation = OPERATIONS.get(verb.lower())
    if object_type is None or operation is None:
        result.ignored += 1
        return None
    return object_type, operation


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not a string")
    return value


def legacy_dedupe_key(
    realm: str, name: str, object_id: str, verb: str, last_updated: Any, received_at: dt.datetime
) -> str:
    """QBO re-sends a legacy delivery unchanged, so ``lastUpdated`` tells a retry from a new change.
    Without it a retry cannot be told apart from a later change of the same entity: the key is then
    this receipt's time, so a later change is never dropped as a duplicate (a retry is produced
    again, and the engine's fingerprint check makes the repeated change a no-op)."""
    base = f"qbo:legacy:{realm}:{name}:{object_id}:{verb}"
    if last_updated is None or last_updated == "":
        return f"{base}:received:{received_at.isoformat()}"
    return f"{base}:{last_updated}"


def _legacy_entity(realm: str, entity: Any, received_at: dt.datetime, result: ParsedDelivery) -> None:
    if not isinstance(entity, dict):
        raise TypeError(f"entity is a {type(entity).__name__}, not an object")
    name, verb = _text(entity, "name"), _text(entity, "operation")
    object_id = scalar_id(entity["id"], "id")
    classified = _classify(name, verb, result)
    if classified is None:
        return
    object_type, operation = classified
    last_updated = entity.get("lastUpdated")
    source_time = parse_time(last_updated, received_at)
    merged_away = _get_ci(entity, "deletedId") if operation == "merged" else None
    merged_away = scalar_id(merged_away, "deletedId") if merged_away else None
    result.changes.append(
        VendorChange(
            company_id=realm,
            object_type=object_type,
            # Merge: ``id`` survives, ``deletedId`` was merged into it.
            object_id=merged_away or object_id,
            operation=operation,
            source_time=source_time,
            dedupe_key=legacy_dedupe_key(realm, name, object_id, verb, last_updated, received_at),
            merged_into=object_id if merged_away else None,
        )
    )


def _legacy(notifications: list[Any], received_at: dt.datetime) -> ParsedDelivery:
    result = ParsedDelivery()
    for n, notification in enumerate(notifications):
        try:
            if not isinstance(notification, dict) or not notification.get("realmId"):
                raise ValueError("no realmId")
            realm = scalar_id(notification["realmId"], "realmId")
            change_event = notification.get("dataChangeEvent")
            entities = change_event.get("entities") if isinstance(change_event, dict) else None
            if not isinstance(entities, list):
                raise ValueError("no dataChangeEvent.entities")
        except READ_ERRORS as exc:
            result.rejects.append(f"eventNotifications[{n}]: {exc!r}"[:500])
            continue
        for e, entity in enumerate(entities):
            try:
                _legacy_entity(realm, entity, received_at, result)
            except READ_ERRORS as exc:
                result.rejects.append(f"eventNotifications[{n}].entities[{e}]: {exc!r}"[:500])
    return result


def _cloudevent(event: Any, received_at: dt.datetime, result: ParsedDelivery) -> None:
    if not isinstance(event, dict):
        raise TypeError(f"event is a {type(event).__name__}, not an object")
    event_id, event_type = scalar_id(event["id"], "id"), _text(event, "type")
    realm = scalar_id(event["intuitaccountid"], "intuitaccountid")
    object_id = scalar_id(event["intuitentityid"], "intuitentityid")
    parts = event_type.split(".")
    if len(parts) < 3 or parts[0] != "qbo":
        raise ValueError(f"unexpected type {event_type[:80]!r}")
    classified = _classify(parts[1], parts[2], result)
    if classified is None:
        return
    object_type, operation = classified
    source_time = parse_time(event.get("time"), received_at)
    merged_away = _get_ci(event.get("data"), "deletedId") if operation == "merged" else None
    merged_away = scalar_id(merged_away, "deletedId") if merged_away else None
    result.changes.append(
        VendorChange(
            company_id=realm,
            object_type=object_type,
            object_id=merged_away or object_id,
            operation=operation,
            source_time=source_time,
            dedupe_key=f"qbo:ce:{event_id}",
            merged_into=object_id if merged_away else None,
        )
    )


def _cloudevents(events: list[Any], received_at: dt.datetime) -> ParsedDelivery:
    result = ParsedDelivery()
    for n, event in enumerate(events):
        try:
            _cloudevent(event, received_at, result)
        except READ_ERRORS as exc:
            result.rejects.append(f"[{n}]: {exc!r}"[:500])
    return result
