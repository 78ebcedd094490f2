"""QBO webhook payloads: legacy ``eventNotifications`` and CloudEvents arrays (qbo-api.md §1)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.ports import Operation
from webhook_ingest.parsing.common import ParsedDelivery, UnparseableDeliveryError, VendorChange, parse_time

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
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnparseableDeliveryError(f"body is not JSON: {exc}") from exc
    if isinstance(body, list):
        return _cloudevents(body, received_at)
    if isinstance(body, dict) and isinstance(body.get("eventNotifications"), list):
        return _legacy(body["eventNotifications"], received_at)
    if isinstance(body, dict) and "specversion" in body:
        return _cloudevents([body], received_at)
    raise UnparseableDeliveryError("neither a CloudEvents array nor an eventNotifications object")


def _get_ci(obj: dict[str, Any], key: str) -> Any:
    """Case-insensitive key lookup (``deletedId`` / ``deletedID`` / ``deletedid``)."""
    lowered = key.lower()
    return next((v for k, v in obj.items() if k.lower() == lowered), None)


def _classify(entity: str, verb: str, result: ParsedDelivery) -> tuple[ObjectType, Operation] | None:
    object_type = ENTITIES.get(entity.lower())
    operation = OPERATIONS.get(verb.lower())
    if object_type is None or operation is None:
        result.ignored += 1
        return None
    return object_type, operation


def _legacy(notifications: list[Any], received_at: dt.datetime) -> ParsedDelivery:
    result = ParsedDelivery()
    for n, notification in enumerate(notifications):
        if not isinstance(notification, dict) or not notification.get("realmId"):
            result.rejects.append(f"eventNotifications[{n}]: no realmId")
            continue
        realm = str(notification["realmId"])
        entities = (notification.get("dataChangeEvent") or {}).get("entities")
        if not isinstance(entities, list):
            result.rejects.append(f"eventNotifications[{n}]: no dataChangeEvent.entities")
            continue
        for e, entity in enumerate(entities):
            where = f"eventNotifications[{n}].entities[{e}]"
            try:
                name, object_id, verb = (str(entity[k]) for k in ("name", "id", "operation"))
                classified = _classify(name, verb, result)
                if classified is None:
                    continue
                last_updated = entity.get("lastUpdated")
                source_time = parse_time(last_updated, received_at)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                result.rejects.append(f"{where}: {exc!r}")
                continue
            object_type, operation = classified
            merged_away = _get_ci(entity, "deletedId")
            result.changes.append(
                VendorChange(
                    company_id=realm,
                    object_type=object_type,
                    # Merge: ``id`` survives, ``deletedId`` was merged into it.
                    object_id=str(merged_away) if operation == "merged" and merged_away else object_id,
                    operation=operation,
                    source_time=source_time,
                    dedupe_key=f"qbo:legacy:{realm}:{name}:{object_id}:{verb}:{last_updated}",
                    merged_into=object_id if operation == "merged" and merged_away else None,
                )
            )
    return result


def _cloudevents(events: list[Any], received_at: dt.datetime) -> ParsedDelivery:
    result = ParsedDelivery()
    for n, event in enumerate(events):
        try:
            event_id, event_type = str(event["id"]), str(event["type"])
            realm, object_id = str(event["intuitaccountid"]), str(event["intuitentityid"])
            parts = event_type.split(".")
            if len(parts) < 3 or parts[0] != "qbo":
                raise ValueError(f"unexpected type {event_type!r}")
            classified = _classify(parts[1], parts[2], result)
            if classified is None:
                continue
            source_time = parse_time(event.get("time"), received_at)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            result.rejects.append(f"[{n}]: {exc!r}")
            continue
        object_type, operation = classified
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        merged_away = _get_ci(data, "deletedId") if operation == "merged" else None
        result.changes.append(
            VendorChange(
                company_id=realm,
                object_type=object_type,
                object_id=str(merged_away) if merged_away else object_id,
                operation=operation,
                source_time=source_time,
                dedupe_key=f"qbo:ce:{event_id}",
                merged_into=object_id if merged_away else None,
            )
        )
    return result
