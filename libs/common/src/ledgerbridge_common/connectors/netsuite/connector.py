"""``NetSuiteConnector``: the :class:`~ledgerbridge_common.connectors.ports.LedgerConnector` for Oracle
NetSuite (SuiteTalk REST + SuiteQL, reference ``shared/reference/netsuite-api.md``).

Usage::

    creds = TbaCredentials(account_id="123456_SB1", consumer_key=..., consumer_secret=..., token_id=...,
                           token_secret=...)
    netsuite = NetSuiteConnector(http, creds, subsidiary_id="2", base_url="https://{account}.suitetalk.api.netsuite.com")
    bill = await netsuite.create(bill, request_id=command_id, tag="LB:billcom:bill:00n1")

Writes are idempotent by external id: a create is ``PUT …/eid:<tag>`` (an upsert, §1.5), so a
create repeated after a timeout updates the record it made instead of making a second one. Every
sublist is written with ``?replace=`` (§1.4): a repeated write never appends lines twice. Reads of
changes are SuiteQL on ``lastmodifieddate`` with an overlapping window, plus ``DeletedRecord`` (§2).

Not covered: items and funds transfers (no mapping), voids (transactions are deleted), batch writes,
OAuth 2.0 (TBA only), the vendor rules of §8 (20-character ids, individual vendors). SuiteQL times are
read and written as UTC; whether NetSuite shows them in the account's time zone is not known, which the
two-minute overlap does not cover beyond two minutes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import Account, AccountType, CanonicalObject, CompanyInfo, ObjectType
from ledgerbridge_common.connectors.budget import DEFAULT_BUDGETS, LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.capabilities import (
    ChangeFeed,
    ChangeFeedKind,
    DeletionsSource,
    Idempotency,
    LedgerCapabilities,
)
from ledgerbridge_common.connectors.netsuite.client import (
    LEDGER_KIND,
    NETSUITE_LIMITS,
    SUITEQL_PAGE,
    VENDOR,
    NetSuiteClient,
    TbaCredentials,
)
from ledgerbridge_common.connectors.netsuite.lists import NetSuiteLists
from ledgerbridge_common.connectors.netsuite.mapping import MAPS, RecordMap, record_map
from ledgerbridge_common.connectors.netsuite.mapping_common import CANONICAL_TYPES, Setup
from ledgerbridge_common.connectors.ports import BatchItem, BatchResult, ChangePage, ChangeRef
from ledgerbridge_common.errors import ConnectorError, ValidationError

NETSUITE_CAPABILITIES = LedgerCapabilities(
    idempotency=Idempotency.EXTERNAL_ID_UPSERT,
    change_feed=ChangeFeed(ChangeFeedKind.MODIFIED_SINCE, DeletionsSource.DELETED_RECORDS, page_size=SUITEQL_PAGE),
    limits=NETSUITE_LIMITS,
    batch_size=None,
    voids=frozenset(),
    concurrency_token=False,
)
"""NetSuite: ``eid:`` upserts, SuiteQL ``lastmodifieddate`` + ``DeletedRecord``, no batch call, no
concurrency token (REST has no ETag: last write wins, §3), 5 concurrent requests per account (§4)."""

OVERLAP = dt.timedelta(minutes=2)
"""Changes are read from ``since - OVERLAP``: NetSuite stamps ``lastmodifieddate`` when a write
starts, so a long write can land behind a watermark already passed; duplicates are harmless."""
TS_FORMAT = "YYYY-MM-DD HH24:MI:SS"
IN_CHUNK = 500
ENTITY_RECORDS = ("vendor", "customer")
PY_TS_FORMAT = "%Y-%m-%d %H:%M:%S"


def external_id(tag: str | None, request_id: str) -> str:
    """Our source ref (or the command id) as an external id: ``[A-Za-z0-9_-]`` only (§1.5)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", tag or f"LB_{request_id}")


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def since_clause(column: str, since: dt.datetime) -> str:
    at = since.astimezone(dt.UTC).strftime(PY_TS_FORMAT)
    return f"{column} >= TO_DATE({quote(at)}, {quote(TS_FORMAT)})"


def parse_ts(value: Any) -> dt.datetime:
    return dt.datetime.strptime(str(value), PY_TS_FORMAT).replace(tzinfo=dt.UTC)


class NetSuiteConnector(NetSuiteLists):
    ledger_kind = LEDGER_KIND

    def __init__(
        self,
        http: httpx.AsyncClient,
        creds: TbaCredentials,
        *,
        subsidiary_id: str,
        base_url: str = "https://{account}.suitetalk.api.netsuite.com",
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets = DEFAULT_BUDGETS,
        timeout: float = 30.0,
        page_size: int = SUITEQL_PAGE,
    ) -> None:
        self.client = NetSuiteClient(
            http, creds, base_url=base_url, limits=limits, budgets=budgets, timeout=timeout, page_size=page_size
        )
        self.account_id = creds.account_id
        self.subsidiary_id = subsidiary_id
        self.capabilities = replace(NETSUITE_CAPABILITIES, limits=self.client.limits)
        self._setup: Setup | None = None
        self._setup_lock = asyncio.Lock()

    # --- company -------------------------------------------------------------------------------

    async def setup(self) -> Setup:
        """The account's currencies and the subsidiary's base currency, read once."""
        if self._setup is not None:
            return self._setup
        async with self._setup_lock:
            if self._setup is None:
                currencies = {
                    str(r["symbol"]): str(r["id"]) async for r in self.client.suiteql("SELECT id, symbol FROM currency")
                }
                sub = await self.client.get(f"/record/v1/subsidiary/{self.subsidiary_id}") or {}
                base = str((sub.get("currency") or {}).get("id", ""))
                home = next((code for code, cid in currencies.items() if cid == base), "USD")
                self._setup = Setup(self.subsidiary_id, home, currencies)
        return self._setup

    async def company_info(self) -> CompanyInfo:
        setup = await self.setup()
        sub = await self.client.get(f"/record/v1/subsidiary/{self.subsidiary_id}") or {}
        return CompanyInfo(
            company_id=f"{self.account_id}:{self.subsidiary_id}",
            name=str(sub.get("name", "")),
            home_currency=setup.home_currency,
            multi_currency=True,
        )

    # --- reads ---------------------------------------------------------------------------------

    async def _read(self, m: RecordMap, key: str) -> CanonicalObject | None:
        rec = await self.client.get(f"/record/v1/{m.record}/{key}", expandSubResources="true")
        return None if rec is None else m.from_ns(rec, await self.setup())

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        return await self._read(record_map(object_type), object_id)

    async def find_by_tag(self, object_type: ObjectType, tag: str) -> CanonicalObject | None:
        """The record written with this tag as its external id (every create is keyed on it)."""
        return await self._read(record_map(object_type), f"eid:{external_id(tag, '')}")

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        m = record_map(object_type)
        if m.name_field is None:
            raise ValueError(f"{object_type} is not a name list")
        scope = f" AND subsidiary = {quote(self.subsidiary_id)}" if m.record in ENTITY_RECORDS else ""
        q = f"SELECT id FROM {m.table} WHERE {m.name_field} = {quote(name)}{scope} ORDER BY id"  # noqa: S608
        async for row in self.client.suiteql(q):
            return await self.read(object_type, str(row["id"]))
        return None

    async def list_accounts(self) -> list[Account]:
        accounts = []
        async for row in self.client.suiteql("SELECT id, acctname, accttype, acctnumber, isinactive FROM account"):
            kind = str(row.get("accttype", ""))
            accounts.append(
                Account(
                    id=str(row["id"]),
                    name=str(row.get("acctname", "")),
                    number=row.get("acctnumber"),
                    account_type=CANONICAL_TYPES.get(kind, AccountType.NON_POSTING),
                    account_subtype=kind or None,
                    active=row.get("isinactive") != "T",
                )
            )
        return accounts

    # --- writes --------------------------------------------------------------------------------

    def _replace(self, m: RecordMap) -> dict[str, str] | None:
        return {"replace": ",".join(m.sublists)} if m.sublists else None

    async def create(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        m = record_map(obj.object_type)
        body = m.to_ns(obj, await self.setup())
        key = f"eid:{external_id(tag, request_id)}"
        await self.client.request("PUT", f"/record/v1/{m.record}/{key}", params=self._replace(m), json=body)
        made = await self._read(m, key)
        if made is None:
            raise ConnectorError(f"{m.record} {key} not found after its upsert", vendor=VENDOR, code="lost")
        return made

    async def update(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        if not obj.id:
            raise ValidationError("update needs the object's id", vendor=VENDOR, code="id")
        m = record_map(obj.object_type)
        body = m.to_ns(obj, await self.setup())
        await self.client.request("PATCH", f"/record/v1/{m.record}/{obj.id}", params=self._replace(m), json=body)
        return await self._read_back(m, obj.id)

    async def _read_back(self, m: RecordMap, object_id: str) -> CanonicalObject:
        got = await self._read(m, object_id)
        if got is None:
            raise ConnectorError(f"{m.record} {object_id} vanished after a write", vendor=VENDOR, code="lost")
        return got

    async def void(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        raise ValidationError(f"{object_type} is deleted, not voided, in NetSuite", vendor=VENDOR, code="void")

    async def delete(self, object_type: ObjectType, object_id: str, *, request_id: str) -> None:
        m = record_map(object_type)
        await self.client.request("DELETE", f"/record/v1/{m.record}/{object_id}")

    async def deactivate(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        m = record_map(object_type)
        await self.client.request("PATCH", f"/record/v1/{m.record}/{object_id}", json={"isInactive": True})
        return await self._read_back(m, object_id)

    async def batch(self, items: Sequence[BatchItem], *, request_id: str) -> list[BatchResult]:
        raise ValidationError(
            "NetSuite has no batch call (capabilities.batch_size is None)", vendor=VENDOR, code="batch"
        )

    # --- changes -------------------------------------------------------------------------------

    def _changed_query(self, m: RecordMap, since: dt.datetime | None) -> str:
        where = [f"type = {quote(m.txn_type)}"] if m.txn_type else []
        if m.record in ENTITY_RECORDS:  # a vendor or customer belongs to one subsidiary
            where.append(f"subsidiary = {quote(self.subsidiary_id)}")
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
        wanted = {MAPS[t].record.lower(): t for t in object_types if t in MAPS}
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
