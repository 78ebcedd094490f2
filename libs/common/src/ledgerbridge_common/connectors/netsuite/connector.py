"""``NetSuiteConnector``: the :class:`~ledgerbridge_common.connectors.ports.LedgerConnector` for Oracle
NetSuite (SuiteTalk REST + SuiteQL, reference ``shared/reference/netsuite-api.md``).

Usage::

    creds = TbaCredentials(account_id="123456_SB1", consumer_key=..., consumer_secret=..., token_id=...,
                           token_secret=...)   # or OAuth2Credentials(...), M2MCredentials(...)
    netsuite = NetSuiteConnector(http, creds, subsidiary_id="2", base_url="https://{account}.suitetalk.api.netsuite.com")
    bill = await netsuite.create(bill, request_id=command_id, tag="LB:billcom:bill:00n1")

Writes are idempotent by external id: a create is ``PUT …/eid:<tag>`` (an upsert, §1.5), so a
create repeated after a timeout updates the record it made instead of making a second one. Every
sublist is written with ``?replace=`` (§1.4): a repeated write never appends lines twice. Reads of
changes are SuiteQL on ``lastmodifieddate`` with an overlapping window, plus ``DeletedRecord`` (§2,
``changes.py``).

The direction matrix BILL applies to NetSuite (§8) is ``capabilities.flows`` (``rules.py``). A bill
payment NetSuite refuses because the bill was already paid there is explained as BILL explains it,
and so is a write into a closed period, with NetSuite's books-closed date (``periods``). Invoice
lines coded to an income account ride on that account's item (``income_items``).

Not covered: voids (transactions are deleted), batch writes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import (
    Bill,
    BillPayment,
    CanonicalObject,
    CompanyInfo,
    Invoice,
    ObjectType,
)
from ledgerbridge_common.connectors.budget import DEFAULT_BUDGETS, LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.capabilities import (
    BANK_MOVEMENT_TYPES,
    ChangeFeed,
    ChangeFeedKind,
    DeletionsSource,
    Idempotency,
    LedgerCapabilities,
)
from ledgerbridge_common.connectors.netsuite.changes import ENTITY_RECORDS, ChangeFeedReader, quote
from ledgerbridge_common.connectors.netsuite.client import (
    LEDGER_KIND,
    NETSUITE_LIMITS,
    SUITEQL_PAGE,
    VENDOR,
    Credentials,
    NetSuiteClient,
    OnRefresh,
)
from ledgerbridge_common.connectors.netsuite.income_items import IncomeItems
from ledgerbridge_common.connectors.netsuite.lists import NetSuiteLists
from ledgerbridge_common.connectors.netsuite.lookup import NetSuiteDocumentLookup
from ledgerbridge_common.connectors.netsuite.mapping import MAPS, RecordMap, record_map
from ledgerbridge_common.connectors.netsuite.mapping_common import Setup
from ledgerbridge_common.connectors.netsuite.periods import CLOSED_PERIOD, books_closed_through, closed_reason
from ledgerbridge_common.connectors.netsuite.rules import (
    NETSUITE_FLOWS,
    paid_first_reason,
    subsidiary_reason,
)
from ledgerbridge_common.connectors.ports import BatchItem, BatchResult, ChangePage
from ledgerbridge_common.errors import ConnectorError, ValidationError

NETSUITE_CAPABILITIES = LedgerCapabilities(
    idempotency=Idempotency.EXTERNAL_ID_UPSERT,
    change_feed=ChangeFeed(ChangeFeedKind.MODIFIED_SINCE, DeletionsSource.DELETED_RECORDS, page_size=SUITEQL_PAGE),
    limits=NETSUITE_LIMITS,
    batch_size=None,
    voids=frozenset(),
    concurrency_token=False,
    display_name="Oracle NetSuite",
    swept_types=frozenset(t for t in MAPS if t is not ObjectType.FUNDS_TRANSFER),
    bank_movement_types=tuple(t for t in BANK_MOVEMENT_TYPES if t is not ObjectType.FUNDS_TRANSFER),
    unpaid_deletes_from_ledger=frozenset({ObjectType.BILL}),
    flows=NETSUITE_FLOWS,
)
"""NetSuite: ``eid:`` upserts, SuiteQL ``lastmodifieddate`` + ``DeletedRecord``, no batch call, no
concurrency token (REST has no ETag: last write wins, §3), 5 concurrent requests per account (§4),
BILL's direction matrix for NetSuite (§8). Funds transfers are journal entries in NetSuite, so a
sweep reads them as journal entries (``swept_types`` leaves them out)."""


def external_id(tag: str | None, request_id: str) -> str:
    """Our source ref (or the command id) as an external id: ``[A-Za-z0-9_-]`` only (§1.5)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", tag or f"LB_{request_id}")


class NetSuiteConnector(NetSuiteLists, NetSuiteDocumentLookup):
    ledger_kind = LEDGER_KIND

    def __init__(
        self,
        http: httpx.AsyncClient,
        creds: Credentials,
        *,
        subsidiary_id: str,
        base_url: str = "https://{account}.suitetalk.api.netsuite.com",
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets = DEFAULT_BUDGETS,
        timeout: float = 30.0,
        page_size: int = SUITEQL_PAGE,
        on_refresh: OnRefresh | None = None,
    ) -> None:
        self.client = NetSuiteClient(
            http,
            creds,
            base_url=base_url,
            limits=limits,
            budgets=budgets,
            timeout=timeout,
            page_size=page_size,
            on_refresh=on_refresh,
        )
        self.account_id = creds.account_id
        self.subsidiary_id = subsidiary_id
        self.capabilities = replace(NETSUITE_CAPABILITIES, limits=self.client.limits)
        self.feed = ChangeFeedReader(self.client, subsidiary_id)
        self.income_items = IncomeItems(self.client, subsidiary_id)
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
                self._setup = Setup(self.subsidiary_id, home, currencies, str(sub.get("name") or self.subsidiary_id))
        return self._setup

    async def company_info(self) -> CompanyInfo:
        setup = await self.setup()
        sub = await self.client.get(f"/record/v1/subsidiary/{self.subsidiary_id}") or {}
        return CompanyInfo(
            company_id=f"{self.account_id}:{self.subsidiary_id}",
            name=str(sub.get("name", "")),
            home_currency=setup.home_currency,
            multi_currency=True,
            books_closed_through=await self.books_closed_through(),
        )

    async def books_closed_through(self) -> dt.date | None:
        """NetSuite's books-closed date (``periods``): BILL syncs nothing dated on or before it."""
        return await books_closed_through(self.client)

    # --- reads ---------------------------------------------------------------------------------

    async def _read(self, m: RecordMap, key: str) -> CanonicalObject | None:
        rec = await self.client.get(f"/record/v1/{m.record}/{key}", expandSubResources="true")
        if rec is None:
            return None
        obj = m.from_ns(rec, await self.setup())
        return await self.income_items.from_items(obj) if isinstance(obj, Invoice) else obj

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        return await self._read(record_map(object_type), object_id)

    async def find_by_tag(self, object_type: ObjectType, tag: str) -> CanonicalObject | None:
        """The record written with this tag as its external id (every create is keyed on it)."""
        return await self._read(record_map(object_type), f"eid:{external_id(tag, '')}")

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        m = record_map(object_type)
        if m.name_field is None:
            raise ValueError(f"{object_type} is not a name list")
        named = f"{m.name_field} = {quote(name)}"
        scope = ""
        if m.record in ENTITY_RECORDS:  # an individual has no company name: NetSuite names it by entityId
            named = f"({named} OR (isperson = 'T' AND entityid = {quote(name)}))"
            scope = f" AND subsidiary = {quote(self.subsidiary_id)}"
        q = f"SELECT id FROM {m.table} WHERE {named}{scope} ORDER BY id"  # noqa: S608
        async for row in self.client.suiteql(q):
            return await self.read(object_type, str(row["id"]))
        return None

    # --- writes --------------------------------------------------------------------------------

    def _replace(self, m: RecordMap) -> dict[str, str] | None:
        return {"replace": ",".join(m.sublists)} if m.sublists else None

    async def create(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        m = record_map(obj.object_type)
        body = m.to_ns(await self._on_items(obj), await self.setup())
        key = f"eid:{external_id(tag, request_id)}"
        await self._write(obj, "PUT", f"/record/v1/{m.record}/{key}", params=self._replace(m), json=body)
        made = await self._read(m, key)
        if made is None:
            raise ConnectorError(f"{m.record} {key} not found after its upsert", vendor=VENDOR, code="lost")
        return made

    async def update(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        if not obj.id:
            raise ValidationError("update needs the object's id", vendor=VENDOR, code="id")
        m = record_map(obj.object_type)
        body = m.to_ns(await self._on_items(obj), await self.setup())
        await self._write(obj, "PATCH", f"/record/v1/{m.record}/{obj.id}", params=self._replace(m), json=body)
        return await self._read_back(m, obj.id)

    async def _on_items(self, obj: CanonicalObject) -> CanonicalObject:
        """An invoice's account-only lines on their income account's item (``income_items``)."""
        return await self.income_items.to_items(obj) if isinstance(obj, Invoice) else obj

    async def _write(self, obj: CanonicalObject, method: str, path: str, **kw: Any) -> None:
        """One write; a refusal BILL explains in its own words (§8) is raised with that reason."""
        try:
            await self.client.request(method, path, **kw)
        except ValidationError as exc:
            if CLOSED_PERIOD.search(exc.message):
                raise closed_reason(await self.books_closed_through(), getattr(obj, "date", None), exc.message) from exc
            reason = subsidiary_reason(exc.message, (await self.setup()).subsidiary_name)
            if reason is not None:
                raise ValidationError(reason, vendor=VENDOR, code="wrong_subsidiary", detail=reason) from exc
            if isinstance(obj, BillPayment):
                await self._explain_paid_first(obj, exc)
            raise

    async def _explain_paid_first(self, payment: BillPayment, exc: ValidationError) -> None:
        """A refused bill payment whose bill NetSuite already shows paid: BILL's reason instead."""
        bills: dict[str, Bill | None] = {}
        for applied in payment.applied_to:
            found = await self.read(ObjectType.BILL, applied.document_id)
            bills[applied.document_id] = found if isinstance(found, Bill) else None
        reason = paid_first_reason(payment, bills)
        if reason is not None:
            raise ValidationError(reason, vendor=VENDOR, code="paid_in_netsuite_first", detail=reason) from exc

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

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        return await self.feed.changes_since(object_types, since)

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        return await self.feed.query_changed(object_type, since)
