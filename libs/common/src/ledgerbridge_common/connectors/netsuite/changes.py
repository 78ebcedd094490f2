"""NetSuite's change feed (reference §2, §5): SuiteQL on ``lastmodifieddate`` from ``since`` less an
overlap, scoped to the connection's subsidiary, plus deletions from the ``DeletedRecord`` table.
Times are read and written as UTC; whether NetSuite shows them in the account's time zone is not
known, which the two-minute overlap does not cover beyond two minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.netsuite.client import NetSuiteClient
from ledgerbridge_common.connectors.netsuite.income_items import ITEM_RECORD, PREFIX
from ledgerbridge_common.connectors.netsuite.mapping import MAPS, RecordMap, record_map
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef

OVERLAP = dt.timedelta(minutes=2)
"""Changes are read from ``since - OVERLAP``: NetSuite stamps ``lastmodifieddate`` when a write
starts, so a long write can land behind a watermark already passed; duplicates are harmless."""
TS_FORMAT = "YYYY-MM-DD HH24:MI:SS"
IN_CHUNK = 500
ENTITY_RECORDS = ("vendor", "customer")
SUBSIDIARY_RECORDS = (*ENTITY_RECORDS, "job")
"""Records of one subsidiary (``subsidiary`` a single reference): swept in the connection's only."""
PY_TS_FORMAT = "%Y-%m-%d %H:%M:%S"


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def since_clause(column: str, since: dt.datetime) -> str:
    at = since.astimezone(dt.UTC).strftime(PY_TS_FORMAT)
    return f"{column} >= TO_DATE({quote(at)}, {quote(TS_FORMAT)})"


def parse_ts(value: Any) -> dt.datetime:
    return dt.datetime.strptime(str(value), PY_TS_FORMAT).replace(tzinfo=dt.UTC)


class ChangeFeedReader:
    """The change feed of one connection: its account's client and its subsidiary."""

    def __init__(self, client: NetSuiteClient, subsidiary_id: str) -> None:
        self.client = client
        self.subsidiary_id = subsidiary_id

    def _changed_query(self, m: RecordMap, since: dt.datetime | None) -> str:
        where = [f"type = {quote(m.txn_type)}"] if m.txn_type else []
        if m.record in SUBSIDIARY_RECORDS:  # a vendor, customer or project belongs to one subsidiary
            where.append(f"subsidiary = {quote(self.subsidiary_id)}")
        if m.record == ITEM_RECORD:  # the items that carry an income account's invoice lines are ours
            where.append(f"(externalid IS NULL OR externalid NOT LIKE {quote(PREFIX + '%')})")
        if since is not None:
            where.append(since_clause("lastmodifieddate", since))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return (
            f"SELECT id, TO_CHAR(lastmodifieddate, {quote(TS_FORMAT)}) AS modified "  # noqa: S608 - quoted
            f"FROM {m.table}{clause} ORDER BY id"
        )

    async def _changed(self, object_type: ObjectType, since: dt.datetime | None) -> list[ChangeRef]:
        m = record_map(object_type)
        changes = [
            ChangeRef(object_type, str(row["id"]), "updated", parse_ts(row["modified"]))
            async for row in self.client.suiteql(self._changed_query(m, since))
        ]
        if m.txn_type is None or not changes:
            return changes
        ours = await self._in_subsidiary([c.object_id for c in changes])
        return [c for c in changes if c.object_id in ours]

    async def _in_subsidiary(self, ids: list[str]) -> set[str]:
        """Which of these transactions belong to the connection's subsidiary (the subsidiary of a
        transaction is on its main line in SuiteQL, ``transactionline.mainline = 'T'``)."""
        ours: set[str] = set()
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ", ".join(quote(i) for i in ids[start : start + IN_CHUNK])
            q = (
                "SELECT transaction FROM transactionline WHERE mainline = 'T' "  # noqa: S608 - quoted
                f"AND subsidiary = {quote(self.subsidiary_id)} AND transaction IN ({chunk})"
            )
            ours |= {str(row["transaction"]) async for row in self.client.suiteql(q)}
        return ours

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        start = since - OVERLAP
        changes: list[ChangeRef] = []
        for object_type in object_types:
            changes += await self._changed(object_type, start)
        wanted: dict[str, ObjectType] = {}
        for t in object_types:  # a deleted journal entry is a journal entry, not a funds transfer
            if t in MAPS and t is not ObjectType.FUNDS_TRANSFER:
                wanted.setdefault(MAPS[t].record.lower(), t)
        q = (
            f"SELECT recordid, recordtypeid, TO_CHAR(deleteddate, {quote(TS_FORMAT)}) AS deleted "  # noqa: S608
            f"FROM deletedrecord WHERE {since_clause('deleteddate', start)} ORDER BY recordid"
        )
        async for row in self.client.suiteql(q):
            deleted_type = wanted.get(str(row.get("recordtypeid", "")).lower())
            if deleted_type is not None:
                changes.append(ChangeRef(deleted_type, str(row["recordid"]), "deleted", parse_ts(row["deleted"])))
        watermark = max((c.source_time for c in changes), default=since)
        return ChangePage(changes=changes, next_watermark=max(watermark, since), complete=True)

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        changes = await self._changed(object_type, None if since is None else since - OVERLAP)
        watermark = max((c.source_time for c in changes), default=since or dt.datetime.now(dt.UTC))
        return ChangePage(changes=changes, next_watermark=watermark, complete=True)
