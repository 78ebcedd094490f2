"""``changes_since`` over QBO CDC: 30-day window, 1,000 objects per answer shared by all entities.

A capped answer is split: first per entity, then, for an entity that alone fills the cap, the page
is marked incomplete and the watermark stops at the last change returned (CDC lists each entity
oldest first), so the caller's next call continues from there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef, Operation
from ledgerbridge_common.connectors.qbo.client import QboClient
from ledgerbridge_common.connectors.qbo.mapping import MAPS, types_of
from ledgerbridge_common.connectors.qbo.mapping_common import parse_dt, split_note

CDC_CAP = 1000
WINDOW = dt.timedelta(days=30)
SAFETY = dt.timedelta(minutes=5)  # stay clear of the 30-day edge
OVERLAP = dt.timedelta(seconds=2)  # re-read a little: LastUpdatedTime ties at the boundary


def _operation(obj: dict[str, Any], name_list: bool) -> Operation:
    if obj.get("status") == "Deleted":
        return "deleted"
    if name_list and obj.get("Active") is False:
        return "archived"
    _, _, voided = split_note(obj.get("PrivateNote"))
    if voided:
        return "voided"
    meta = obj.get("MetaData") or {}
    return "created" if meta.get("CreateTime") == meta.get("LastUpdatedTime") else "updated"


async def _call(
    client: QboClient, entities: list[str], since: dt.datetime
) -> tuple[dict[str, list[dict[str, Any]]], dt.datetime | None]:
    body = await client.cdc(entities, since.isoformat())
    found: dict[str, list[dict[str, Any]]] = {e: [] for e in entities}
    for block in body.get("CDCResponse") or []:
        for response in block.get("QueryResponse") or []:
            for entity in entities:
                found[entity].extend(response.get(entity) or [])
    return found, parse_dt(body.get("time"))


async def changes_since(
    client: QboClient, object_types: Sequence[ObjectType], since: dt.datetime, now: dt.datetime
) -> ChangePage:
    extra: dict[str, str] = {}
    floor = now - WINDOW + SAFETY
    if since < floor:
        extra["window_clamped_from"] = since.isoformat()  # older changes need a full resync
        since = floor
    entities = sorted({MAPS[t].entity for t in object_types})
    found, server_time = await _call(client, entities, since)
    complete = True
    watermark = server_time or now
    if sum(len(rows) for rows in found.values()) >= CDC_CAP:
        found = {}
        for entity in entities:
            split, stamp = await _call(client, [entity], since)
            found.update(split)
            if len(split[entity]) >= CDC_CAP:
                complete = False
                extra.setdefault("truncated", entity)
                last = max(
                    (parse_dt((r.get("MetaData") or {}).get("LastUpdatedTime")) for r in split[entity]),
                    default=None,
                    key=lambda d: d or since,
                )
                watermark = min(watermark, last or since)
            else:
                watermark = min(watermark, stamp or now)
    wanted = set(object_types)
    changes: list[ChangeRef] = []
    for entity, rows in found.items():
        targets = [t for t in types_of(entity) if t in wanted]
        name_list = MAPS[targets[0]].name_list if targets else False
        for row in rows:
            when = parse_dt((row.get("MetaData") or {}).get("LastUpdatedTime")) or watermark
            for object_type in targets:
                changes.append(
                    ChangeRef(
                        object_type=object_type,
                        object_id=str(row["Id"]),
                        operation=_operation(row, name_list),
                        source_time=when,
                    )
                )
    # A capped page resumes exactly at its last change (CDC's changedSince is inclusive, so ties are
    # re-read); a complete page resumes a little before the server's time, for clock skew.
    next_watermark = watermark if not complete else watermark - OVERLAP
    return ChangePage(changes=changes, next_watermark=next_watermark, complete=complete, extra=extra)
