"""Change detection without webhooks: ``query`` on ``WHENMODIFIED`` per object, deletions from
``AUDITHISTORY`` (reference §3). Intacct stamps are zone-less local time, so each window is moved
into the company's offset (learnt from the session) and starts :data:`OVERLAP` early; callers dedupe
by id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ledgerbridge_common.connectors.intacct.client import IntacctClient
from ledgerbridge_common.connectors.intacct.mapping_common import CompanySetup, ObjectMap, local_stamp, parse_stamp
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, text
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef, Operation

OVERLAP = dt.timedelta(minutes=2)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def all_of(conditions: list[Record]) -> Any:
    """One ``<filter>`` node: the condition itself, or ``<and>`` over several."""
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    merged: dict[str, list[Record]] = {}
    for condition in conditions:
        for op, body in condition.items():
            merged.setdefault(op, []).append(body)
    return {"and": merged}


async def modified(
    client: IntacctClient, m: ObjectMap, since: dt.datetime | None, setup: CompanySetup, page_size: int
) -> list[ChangeRef]:
    """Every object of ``m`` modified at or after ``since`` (minus the overlap); inactive list
    entries come as ``archived``."""
    conditions: list[Record] = []
    if since is not None:
        stamp = local_stamp(since - OVERLAP, setup)
        conditions.append({"greaterthanorequalto": {"field": "WHENMODIFIED", "value": stamp}})
    if m.sign_filter:
        conditions.append({m.sign_filter: {"field": "TOTALENTERED", "value": "0"}})
    fields = list(dict.fromkeys([m.id_field, "WHENMODIFIED", *(["STATUS"] if m.name_list else [])]))
    fallback = since or EPOCH
    changes: list[ChangeRef] = []
    seen: set[str] = set()
    async for row in client.query_all(m.obj, fields, all_of(conditions), page_size=page_size):
        object_id = text(row, m.id_field)
        if not object_id or object_id in seen:
            continue
        seen.add(object_id)
        operation: Operation = "archived" if m.name_list and text(row, "STATUS") == "inactive" else "updated"
        changes.append(ChangeRef(m.object_type, object_id, operation, parse_stamp(row, setup) or fallback))
    return changes


async def deleted(
    client: IntacctClient, maps: Sequence[ObjectMap], since: dt.datetime, setup: CompanySetup, page_size: int
) -> list[ChangeRef]:
    """Deletions of transactions (``ACCESSMODE`` D) since ``since``; list entries are never deleted."""
    by_object: dict[str, list[ObjectMap]] = {}
    for m in maps:
        if not m.name_list:
            by_object.setdefault(m.obj.lower(), []).append(m)
    if not by_object:
        return []
    flt = all_of(
        [
            {"equalto": {"field": "ACCESSMODE", "value": "D"}},
            {"in": {"field": "OBJECTTYPE", "value": sorted(by_object)}},
            {"greaterthanorequalto": {"field": "ACCESSTIME", "value": local_stamp(since - OVERLAP, setup)}},
        ]
    )
    changes = []
    rows = client.query_all("AUDITHISTORY", ["OBJECTTYPE", "OBJECTKEY", "ACCESSTIME"], flt, page_size=page_size)
    async for row in rows:
        when = parse_stamp(row, setup, "ACCESSTIME") or since
        for m in by_object.get(text(row, "OBJECTTYPE"), []):
            changes.append(ChangeRef(m.object_type, text(row, "OBJECTKEY"), "deleted", when))
    return changes


async def changes_since(
    client: IntacctClient, maps: Sequence[ObjectMap], since: dt.datetime, setup: CompanySetup, page_size: int
) -> ChangePage:
    changes: list[ChangeRef] = []
    for m in maps:
        changes += await modified(client, m, since, setup, page_size)
    changes += await deleted(client, maps, since, setup, page_size)
    mark = max((c.source_time for c in changes), default=since)
    return ChangePage(changes=changes, next_watermark=max(mark, since))


async def query_changed(
    client: IntacctClient, m: ObjectMap, since: dt.datetime | None, setup: CompanySetup, page_size: int
) -> ChangePage:
    changes = await modified(client, m, since, setup, page_size)
    return ChangePage(changes=changes, next_watermark=max((c.source_time for c in changes), default=since or EPOCH))
