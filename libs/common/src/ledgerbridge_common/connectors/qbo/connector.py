"""``QboConnector``: the :class:`~ledgerbridge_common.connectors.ports.LedgerConnector` for
QuickBooks Online.

Usage::

    async with httpx.AsyncClient() as http:
        oauth = QboOAuthClient(http, client_id=..., client_secret=..., redirect_uri=...)
        qbo = QboConnector(http, realm_id, QboTokenProvider(store, oauth))
        bill = await qbo.create(bill, request_id=command_id, tag="LB:billcom:bill:00n1")

Every write carries a ``requestid``; every error is one of :mod:`ledgerbridge_common.errors`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import Account, CanonicalObject, CompanyInfo, ObjectType
from ledgerbridge_common.connectors.budget import DEFAULT_BUDGETS, LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.capabilities import (
    ChangeFeed,
    ChangeFeedKind,
    ClearingSetup,
    DeletionsSource,
    Idempotency,
    LedgerCapabilities,
)
from ledgerbridge_common.connectors.ports import BatchItem, BatchResult, ChangePage, ChangeRef
from ledgerbridge_common.connectors.qbo.attachments import QboAttachments
from ledgerbridge_common.connectors.qbo.auth import AccessTokenSource, utcnow
from ledgerbridge_common.connectors.qbo.cdc import CDC_CAP, WINDOW, changes_since
from ledgerbridge_common.connectors.qbo.client import LEDGER_KIND, PAGE_MAX, PRODUCTION_BASE_URL, QboClient
from ledgerbridge_common.connectors.qbo.faults import error_from_fault
from ledgerbridge_common.connectors.qbo.flows import QBO_FLOWS, QBO_OPTIONAL_TWO_WAY
from ledgerbridge_common.connectors.qbo.items import IncomeItems
from ledgerbridge_common.connectors.qbo.limits import QBO_LIMITS
from ledgerbridge_common.connectors.qbo.mapping import MAPS, EntityMap
from ledgerbridge_common.connectors.qbo.mapping_common import CompanySetup, tag_marker
from ledgerbridge_common.errors import NotFoundError, ValidationError

BATCH_MAX = 30

QBO_CAPABILITIES = LedgerCapabilities(
    idempotency=Idempotency.REQUEST_ID,
    change_feed=ChangeFeed(
        ChangeFeedKind.CDC, DeletionsSource.IN_FEED, max_lookback=WINDOW, page_size=CDC_CAP, pushed=True
    ),
    limits=QBO_LIMITS,
    batch_size=BATCH_MAX,
    voids=frozenset(t for t, m in MAPS.items() if m.void is not None),
    concurrency_token=True,
    display_name="QuickBooks Online",
    clearing=ClearingSetup(created_on_connect=True),
    flows=QBO_FLOWS,
    optional_two_way=QBO_OPTIONAL_TWO_WAY,
)
"""QBO: ``requestid`` on every write, CDC (30 days, 1,000 objects, deletions included), /batch of 30,
``SyncToken`` as the concurrency token, the realm limits of :data:`QBO_LIMITS`; the clearing
accounts are created as Bank accounts on connect."""


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _select(entity: str, where: str | None = None, order_by: str | None = None) -> str:
    """A QBO query; every literal in ``where`` went through ``_quote``."""
    sql = f"SELECT * FROM {entity}"  # noqa: S608 - QBO's query language, values quoted by _quote
    if where:
        sql += f" WHERE {where}"
    if order_by:
        sql += f" ORDERBY {order_by}"
    return sql


class QboConnector(QboAttachments):
    ledger_kind = LEDGER_KIND

    def __init__(
        self,
        http: httpx.AsyncClient,
        realm_id: str,
        tokens: AccessTokenSource,
        *,
        base_url: str = PRODUCTION_BASE_URL,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets = DEFAULT_BUDGETS,
        max_retries: int = 2,
        timeout: float = 30.0,
        clock: Callable[[], dt.datetime] = utcnow,
        tag_lookback: dt.timedelta = dt.timedelta(days=3),
        page_size: int = PAGE_MAX,
    ) -> None:
        self.client = QboClient(
            http,
            realm_id,
            tokens,
            base_url=base_url,
            limits=limits,
            budgets=budgets,
            max_retries=max_retries,
            timeout=timeout,
            page_size=page_size,
        )
        self.realm_id = realm_id
        self.capabilities = replace(QBO_CAPABILITIES, limits=self.client.limits)
        self.clock = clock
        self.tag_lookback = tag_lookback
        self._setup: CompanySetup | None = None
        self._setup_lock = asyncio.Lock()
        self.items = IncomeItems(self.client)

    # --- company -------------------------------------------------------------------------------

    async def setup(self) -> CompanySetup:
        """Multi-currency and home currency, read once from Preferences."""
        if self._setup is not None:
            return self._setup
        async with self._setup_lock:
            if self._setup is not None:
                return self._setup
            prefs = (await self.client.request("GET", "preferences"))["Preferences"]
            cur = prefs.get("CurrencyPrefs") or {}
            self._setup = CompanySetup(
                home_currency=(cur.get("HomeCurrency") or {}).get("value", "USD"),
                multi_currency=bool(cur.get("MultiCurrencyEnabled", False)),
            )
        return self._setup

    async def company_info(self) -> CompanyInfo:
        setup = await self.setup()
        info = (await self.client.request("GET", f"companyinfo/{self.realm_id}"))["CompanyInfo"]
        return CompanyInfo(
            company_id=self.realm_id,
            name=info.get("CompanyName", ""),
            home_currency=setup.home_currency,
            multi_currency=setup.multi_currency,
        )

    async def books_closed_through(self) -> dt.date | None:
        """``Preferences.AccountingInfoPrefs.BookCloseDate``, read each time (the bookkeeper moves it)."""
        prefs = (await self.client.request("GET", "preferences"))["Preferences"]
        closed = (prefs.get("AccountingInfoPrefs") or {}).get("BookCloseDate")
        return dt.date.fromisoformat(str(closed)[:10]) if closed else None

    # --- reads ---------------------------------------------------------------------------------

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        m = MAPS[object_type]
        try:
            data = await self.client.get(m.entity, object_id)
        except NotFoundError:
            return None
        return m.from_qbo(data, await self.setup())

    async def read_raw(self, object_type: ObjectType, object_id: str) -> dict[str, Any]:
        return await self.client.get(MAPS[object_type].entity, object_id)

    async def query(self, sql: str) -> dict[str, Any]:
        """One page of a QBO query (``QueryResponse``)."""
        return await self.client.query(sql)

    async def query_all(
        self, object_type: ObjectType, where: str | None = None, order_by: str | None = None
    ) -> list[CanonicalObject]:
        m = MAPS[object_type]
        sql = _select(m.entity, where, order_by)
        setup = await self.setup()
        return [m.from_qbo(row, setup) async for row in self.client.query_all(sql, m.entity)]

    async def list_accounts(self) -> list[Account]:
        rows = await self.query_all(ObjectType.ACCOUNT, "Active IN (true, false)")
        return [r for r in rows if isinstance(r, Account)]

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        m = MAPS[object_type]
        if m.name_field is None:
            raise ValueError(f"{object_type} is not a name list")
        page = await self.client.query(
            _select(m.entity, f"{m.name_field} = {_quote(name)} AND Active IN (true, false)")
        )
        rows = page.get(m.entity) or []
        exact = [r for r in rows if str(r.get(m.name_field, "")) == name] or rows
        return m.from_qbo(exact[0], await self.setup()) if exact else None

    async def find_documents(self, object_type: ObjectType, party_id: str, number: str) -> list[CanonicalObject]:
        """``DocumentLookup``: QBO filters ``DocNumber`` (queryable on Bill, VendorCredit, Invoice);
        the party is compared client-side."""
        rows = await self.query_all(object_type, f"DocNumber = {_quote(number)}")
        return [r for r in rows if (getattr(r, "vendor_id", None) or getattr(r, "customer_id", None)) == party_id]

    async def find_by_tag(
        self,
        object_type: ObjectType,
        tag: str,
        *,
        doc_number: str | None = None,
        since: dt.datetime | None = None,
    ) -> CanonicalObject | None:
        """Find the object whose note carries ``tag``. QBO cannot filter on PrivateNote (4001), so
        this queries the candidates (same DocNumber when known, else everything updated since
        ``since`` / the last ``tag_lookback``), newest first, and matches the marker client-side."""
        m = MAPS[object_type]
        if m.note_field is None:
            return None
        marker = tag_marker(tag)
        if doc_number:
            where = f"DocNumber = {_quote(doc_number)}"
        else:
            start = since or (self.clock() - self.tag_lookback)
            where = f"MetaData.LastUpdatedTime >= {_quote(start.isoformat())}"
        if m.name_list:
            where += " AND Active IN (true, false)"
        sql = _select(m.entity, where, "MetaData.LastUpdatedTime DESC")
        async for row in self.client.query_all(sql, m.entity):
            if marker in str(row.get(m.note_field) or ""):
                return m.from_qbo(row, await self.setup())
        return None

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        return await changes_since(self.client, object_types, since, self.clock())

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        """Full resync by query (``Metadata.LastUpdatedTime >= since``), for gaps past CDC's
        30 days; deletions are not listed (inactive name-list objects come as ``archived``)."""
        where = None
        if since is not None:
            stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
            where = f"Metadata.LastUpdatedTime >= {_quote(stamp)}"
        objects = await self.query_all(object_type, where=where)
        fallback = since or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        changes = [
            ChangeRef(
                object_type=object_type,
                object_id=str(obj.id),
                operation="updated" if obj.active else "archived",
                source_time=obj.updated_at or fallback,
            )
            for obj in objects
            if obj.id
        ]
        mark = max((c.source_time for c in changes), default=fallback)
        return ChangePage(changes=changes, next_watermark=mark)

    # --- writes --------------------------------------------------------------------------------

    def _params(self, m: EntityMap) -> dict[str, str] | None:
        # BILL references are not unique check numbers: never let QBO reject a payment for them.
        return {"include": "allowduplicatedocnum"} if m.entity == "BillPayment" else None

    async def _write(
        self,
        object_type: ObjectType,
        payload: dict[str, Any],
        request_id: str,
        params: dict[str, str] | None = None,
    ) -> CanonicalObject:
        m = MAPS[object_type]
        body = await self.client.post(m.entity, payload, request_id=request_id, params=params)
        return m.from_qbo(body[m.entity], await self.setup())

    async def create(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        m = MAPS[obj.object_type]
        obj = await self.items.itemize(obj)
        payload = m.to_qbo(obj.model_copy(update={"id": None, "concurrency_token": None}), await self.setup(), tag)
        return await self._write(obj.object_type, payload, request_id, self._params(m))

    async def update(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        """Full update: QBO clears every writable field the payload leaves out."""
        if not obj.id or obj.concurrency_token is None:
            raise ValueError("update needs obj.id and obj.concurrency_token")
        m = MAPS[obj.object_type]
        obj = await self.items.itemize(obj)
        payload = {**m.to_qbo(obj, await self.setup(), tag), "sparse": False}
        return await self._write(obj.object_type, payload, request_id, self._params(m))

    async def void(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        m = MAPS[object_type]
        if m.void is None:
            raise ValidationError(f"QBO has no void for {m.entity}; delete it instead", vendor="qbo", code="void")
        current = await self.client.get(m.entity, object_id)
        ident = {"Id": object_id, "SyncToken": current["SyncToken"]}
        if m.void == "include":
            params = {"operation": "update", "include": "void"}
            payload: dict[str, Any] = {**ident, "sparse": True}
        else:
            params, payload = {"operation": "void"}, ident
        return await self._write(object_type, payload, request_id, params)

    async def deactivate(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        m = MAPS[object_type]
        if not m.name_list:
            raise ValidationError(f"{m.entity} is not a name list; void or delete it", vendor="qbo", code="deactivate")
        current = await self.client.get(m.entity, object_id)
        payload = {"Id": object_id, "SyncToken": current["SyncToken"], "sparse": True, "Active": False}
        return await self._write(object_type, payload, request_id)

    async def delete(self, object_type: ObjectType, object_id: str, *, request_id: str) -> None:
        """Hard delete of a transaction (name lists cannot be deleted: deactivate them)."""
        m = MAPS[object_type]
        current = await self.client.get(m.entity, object_id)
        await self.client.post(
            m.entity,
            {"Id": object_id, "SyncToken": current["SyncToken"]},
            request_id=request_id,
            params={"operation": "delete"},
        )

    async def batch(self, items: Sequence[BatchItem], *, request_id: str) -> list[BatchResult]:
        """Independent writes, 30 per /batch call (request ids ``<id>`` or ``<id>-<n>``, ≤ 36 chars)."""
        setup = await self.setup()
        results: list[BatchResult] = []
        chunks = [items[i : i + BATCH_MAX] for i in range(0, len(items), BATCH_MAX)]
        for n, chunk in enumerate(chunks):
            rid = request_id if len(chunks) == 1 else f"{request_id}-{n}"
            requests = []
            for i, item in enumerate(chunk):
                m = MAPS[item.obj.object_type]
                payload = m.to_qbo(await self.items.itemize(item.obj), setup, item.tag)
                requests.append({"bId": f"b{i}", "operation": "update" if item.obj.id else "create", m.entity: payload})
            body = await self.client.request(
                "POST", "batch", json={"BatchItemRequest": requests}, request_id=rid, write=True
            )
            answers = {str(a.get("bId")): a for a in body.get("BatchItemResponse") or []}
            for i, item in enumerate(chunk):
                results.append(self._batch_result(item, answers.get(f"b{i}"), setup))
        return results

    def _batch_result(self, item: BatchItem, answer: dict[str, Any] | None, setup: CompanySetup) -> BatchResult:
        m = MAPS[item.obj.object_type]
        if answer is None:
            return BatchResult(item.item_id, error=ValidationError("no answer for batch item", vendor="qbo"))
        if "Fault" in answer:
            return BatchResult(item.item_id, error=error_from_fault(answer["Fault"], 400))
        return BatchResult(item.item_id, obj=m.from_qbo(answer[m.entity], setup))
