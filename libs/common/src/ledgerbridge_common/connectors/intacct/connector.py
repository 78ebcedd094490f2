"""``IntacctConnector``: the :class:`~ledgerbridge_common.connectors.ports.LedgerConnector` for Sage
Intacct's XML Web Services.

Idempotency is Intacct's own: every write carries the command's request id as its function
``controlid`` with ``uniqueid=true``, so a retried write is refused rather than applied twice, and
the connector then finds the first one by tag (list entries: by the ID derived from the tag).
Changes are found with ``query`` on ``WHENMODIFIED`` (zone-less local time: the window is moved into
the company's offset and overlapped) and deletions in ``AUDITHISTORY``. Intacct deletes
transactions rather than voiding them, and has no concurrency token (the last write wins)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import Account, CanonicalObject, CompanyInfo, ObjectType
from ledgerbridge_common.connectors.budget import DEFAULT_BUDGETS, LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.capabilities import (
    BANK_MOVEMENT_TYPES,
    ChangeFeed,
    ChangeFeedKind,
    ClearingSetup,
    DeletionsSource,
    Flow,
    Idempotency,
    LedgerCapabilities,
    PaymentCurrency,
)
from ledgerbridge_common.connectors.intacct.accounts import BankAccounts
from ledgerbridge_common.connectors.intacct.changes import changes_since, query_changed
from ledgerbridge_common.connectors.intacct.client import (
    INTACCT_LIMITS,
    LEDGER_KIND,
    PRODUCTION_ENDPOINT,
    QUERY_PAGE_MAX,
    IntacctClient,
    IntacctLogin,
)
from ledgerbridge_common.connectors.intacct.faults import VENDOR, ReplayRefusedError
from ledgerbridge_common.connectors.intacct.lists import IntacctLists
from ledgerbridge_common.connectors.intacct.lookup import IntacctDocumentLookup
from ledgerbridge_common.connectors.intacct.mapping_common import (
    CompanySetup,
    ObjectMap,
    derived_id,
    tag_marker,
)
from ledgerbridge_common.connectors.intacct.mapping_lists import ID_PREFIX, LIST_MAPS
from ledgerbridge_common.connectors.intacct.mapping_transfers import TRANSFER_MAP
from ledgerbridge_common.connectors.intacct.mapping_txns import TXN_MAPS
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, element, text
from ledgerbridge_common.connectors.ports import BatchItem, BatchResult, ChangePage
from ledgerbridge_common.errors import NotFoundError, ValidationError
from ledgerbridge_common.events.models import Side

MAPS: dict[ObjectType, ObjectMap] = {**LIST_MAPS, **TXN_MAPS, ObjectType.FUNDS_TRANSFER: TRANSFER_MAP}

T = ObjectType
INTACCT_FLOWS: dict[ObjectType, Flow] = {
    **dict.fromkeys((T.VENDOR, T.CUSTOMER, T.ACCOUNT, T.CLASS, T.DEPARTMENT, T.LOCATION), Flow.TWO_WAY),
    T.PROJECT: Flow.FROM_LEDGER,
    T.BILL: Flow.TWO_WAY_WHILE_UNPAID,
    T.VENDOR_CREDIT: Flow.TWO_WAY_WHILE_UNPAID,
    T.INVOICE: Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER,
    **dict.fromkeys((T.BILL_PAYMENT, T.RECEIVED_PAYMENT, T.FUNDS_TRANSFER, T.JOURNAL_ENTRY), Flow.FROM_BILLCOM),
}
"""BILL's Intacct sync matrix (billcom.md §3.1; reference §7): two-way lists; unpaid bills and
unapplied vendor credits (negative bills) both ways while unpaid; unpaid invoices in; projects
from Intacct only (BILL's jobs); payments, funds transfers and journals from BILL only. Items are
not synced by this connector."""

PAYMENT_FIELDS = frozenset({"date", "amount", "currency", "applied_to", "reference", "memo"})
INTACCT_KEPT_FIELDS: dict[ObjectType, frozenset[str]] = {
    T.BILL_PAYMENT: PAYMENT_FIELDS | {"vendor_id", "vendor_credits", "bank_account_id"},
    T.RECEIVED_PAYMENT: PAYMENT_FIELDS | {"customer_id", "deposit_to_account_id"},
}
"""What an ``APPYMT`` / ``ARPYMT`` keeps of a payment (``mapping_txns.payment_from``,
``mapping_ar.received_from``): no BILL run id, funding account or paid-outside flag. Intacct updates
a payment only in Draft (reference §2.3, ap-payments), and the connector writes them posted, so a
change to one of these fields cannot be written (``updatable_fields``: none); a change to any other
changes nothing Intacct keeps."""

INTACCT_CAPABILITIES = LedgerCapabilities(
    idempotency=Idempotency.CONTROL_ID,
    change_feed=ChangeFeed(ChangeFeedKind.MODIFIED_SINCE, DeletionsSource.AUDIT_TRAIL, page_size=QUERY_PAGE_MAX),
    limits=INTACCT_LIMITS,
    batch_size=None,
    voids=frozenset(),
    concurrency_token=False,
    display_name="Sage Intacct",
    swept_types=frozenset(MAPS) - {ObjectType.FUNDS_TRANSFER},
    bank_movement_types=tuple(t for t in BANK_MOVEMENT_TYPES if t is not ObjectType.FUNDS_TRANSFER),
    clearing=ClearingSetup(
        created_on_connect=False,
        account_kind="checking account",
        instructions=(
            "In Sage Intacct, create a checking account named 'Bill.com Money Out Clearing' and one named "
            "'Bill.com Money In Clearing', at the top level (not in an entity), one pair per BILL entity.",
            "Give each its own new balance-sheet GL account: normal balance Debit, non-closing, no dimension settings.",
            "Single-entity companies: tick 'Disable inter-entity transfers' on both.",
            "Then choose them here for Money Out Clearing and Money In Clearing.",
        ),
    ),
    payment_currency=PaymentCurrency(required="USD"),
    flows=INTACCT_FLOWS,
    kept_fields=INTACCT_KEPT_FIELDS,
    updatable_fields=dict.fromkeys(INTACCT_KEPT_FIELDS, frozenset()),
)
"""Intacct: function ``controlid`` + ``uniqueid`` (§1.6), ``WHENMODIFIED`` queries of at most 2,000
rows a page with deletions from ``AUDITHISTORY`` (§2.2, §3), no batch call, transactions deleted (a
void in BILL deletes the Intacct record, §7), no concurrency token. As BILL syncs it (reference §7):
clearing accounts are checking accounts the bookkeeper creates (BILL help SB210222023), payments sync
only with Transaction and Base Currency USD (VB360007054792)."""


def _map(object_type: ObjectType) -> ObjectMap:
    m = MAPS.get(object_type)
    if m is None:
        raise ValidationError(f"Intacct does not sync {object_type}", vendor=VENDOR, code="unsupported_type")
    return m


class IntacctConnector(IntacctLists, IntacctDocumentLookup):
    ledger_kind = LEDGER_KIND

    def __init__(
        self,
        http: httpx.AsyncClient,
        login: IntacctLogin,
        *,
        endpoint: str = PRODUCTION_ENDPOINT,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets = DEFAULT_BUDGETS,
        timeout: float = 30.0,
        page_size: int = QUERY_PAGE_MAX,
        journal_symbol: str = "GJ",
        journal_location: str = "",
    ) -> None:
        self.client = IntacctClient(http, login, endpoint=endpoint, limits=limits, budgets=budgets, timeout=timeout)
        self.login = login
        # entity login: lists are shared from the top level and need Master = Intacct (reference §7)
        lists_master = Side.LEDGER if login.entity_id else None
        self.capabilities = replace(INTACCT_CAPABILITIES, limits=self.client.limits, lists_master=lists_master)
        self.page_size = page_size
        self.journal_symbol = journal_symbol
        self.journal_location = journal_location
        self.banks = BankAccounts(self.client, page_size)

    async def setup(self) -> CompanySetup:
        if self.client.utc_offset is None:
            await self.client.call(element("query", _query_body("LOCATIONENTITY", ["RECORDNO"], page_size=1)))
        return CompanySetup(
            utc_offset=self.client.utc_offset or dt.timedelta(0),
            entity_id=self.login.entity_id,
            journal_symbol=self.journal_symbol,
            journal_location=self.journal_location,
        )

    async def company_info(self) -> CompanyInfo:
        answer = await self.client.call(element("query", _query_body("LOCATIONENTITY", ["RECORDNO"], page_size=1)))
        entities = int(answer.attr("totalcount", "0") or 0)
        return CompanyInfo(
            company_id=self.login.company_id,
            name=self.login.company_id,
            home_currency="USD",
            multi_currency=entities > 0,
        )

    # --- reads ---------------------------------------------------------------------------------

    async def _read_record(self, m: ObjectMap, object_id: str) -> Record | None:
        function = "readByName" if m.name_list else "read"
        if not m.name_list and not object_id.isdigit():
            return None
        answer = await self.client.call(element(function, {"object": m.obj, "keys": object_id, "fields": "*"}))
        rows = answer.rows()
        return rows[0] if rows else None

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        m = _map(object_type)
        record = await self._read_record(m, object_id)
        if record is None:
            return None
        return await self.banks.for_read(m.from_intacct(record, await self.setup()))

    async def _find(self, m: ObjectMap, flt: Any) -> CanonicalObject | None:
        answer = await self.client.call(element("query", _query_body(m.obj, [m.id_field], flt, page_size=1)))
        rows = answer.rows()
        return await self.read(m.object_type, text(rows[0], m.id_field)) if rows else None

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        m = _map(object_type)
        if m.name_field is None:
            raise ValueError(f"{object_type} is not a name list")
        return await self._find(m, {"equalto": {"field": m.name_field, "value": name}})

    async def find_by_tag(self, object_type: ObjectType, tag: str) -> CanonicalObject | None:
        """List entries LedgerBridge creates carry an ID derived from the tag; transactions carry the
        tag marker in their note field (DESCRIPTION, BATCH_TITLE)."""
        m = _map(object_type)
        if m.name_list:
            return await self.read(object_type, self._new_id(object_type, tag))
        if m.note_field is None:
            return None
        return await self._find(m, {"like": {"field": m.note_field, "value": f"%{tag_marker(tag)}%"}})

    async def list_accounts(self) -> list[Account]:
        setup = await self.setup()
        rows = self.client.query_all(
            "GLACCOUNT",
            ["RECORDNO", "ACCOUNTNO", "TITLE", "ACCOUNTTYPE", "NORMALBALANCE", "STATUS", "WHENMODIFIED"],
            page_size=self.page_size,
        )
        return [a async for r in rows if isinstance(a := LIST_MAPS[ObjectType.ACCOUNT].from_intacct(r, setup), Account)]

    # --- writes --------------------------------------------------------------------------------

    def _new_id(self, object_type: ObjectType, seed: str) -> str:
        if object_type is ObjectType.ACCOUNT:
            return str(90_000_000 + int(derived_id("", seed, 12), 16) % 10_000_000)
        return derived_id(ID_PREFIX[object_type], seed)

    async def create(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        m = _map(obj.object_type)
        setup = await self.setup()
        # The id an object arrives with is another side's: a list entry gets an ID derived from its
        # tag (or request id), an account its number; a transaction gets its RECORDNO from Intacct.
        number = getattr(obj, "number", None) if obj.object_type is ObjectType.ACCOUNT else None
        if number and (held := await self.read(ObjectType.ACCOUNT, number)) is not None:
            return held  # ACCOUNTNO is a GL account's key: the company already has this account
        new_id = number or (self._new_id(obj.object_type, tag or request_id) if m.name_list else None)
        obj = await self.banks.for_write(obj.model_copy(update={"id": new_id, "concurrency_token": None}))
        record = m.to_intacct(obj, replace(setup, bank_ids=await self.banks.bank_ids()), tag)
        record.pop("RECORDNO", None)
        body = element(m.create_function, record) if m.create_function else element("create", {m.obj: record})
        try:
            answer = await self.client.call(body, write=True, controlid=request_id)
        except ReplayRefusedError:
            found = await (self.find_by_tag(obj.object_type, tag) if tag else self.read(obj.object_type, str(obj.id)))
            if found is None:
                raise
            return found
        made_id = answer.key or (text(answer.rows()[0], m.id_field) if answer.rows() else "")
        made = await self.read(obj.object_type, made_id)
        if made is None:
            raise NotFoundError(f"created {m.obj} {made_id} cannot be read back", vendor=VENDOR)
        return made

    async def update(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        m = _map(obj.object_type)
        if obj.id is None:
            raise ValidationError("update needs an id", vendor=VENDOR)
        if not m.updatable:
            raise ValidationError(f"Intacct cannot update a posted {m.obj}", vendor=VENDOR, code="not_updatable")
        setup = replace(await self.setup(), bank_ids=await self.banks.bank_ids())
        record = m.to_intacct(await self.banks.for_write(obj), setup, tag)
        if m.name_list:
            record.pop("COMMENTS", None)  # keep the creation tag
        with contextlib.suppress(ReplayRefusedError):  # the same update already succeeded
            await self.client.call(element("update", {m.obj: record}), write=True, controlid=request_id)
        updated = await self.read(obj.object_type, obj.id)
        if updated is None:
            raise NotFoundError(f"{m.obj} {obj.id} is gone", vendor=VENDOR)
        return updated

    async def void(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        raise ValidationError("Intacct transactions are deleted, not voided", vendor=VENDOR, code="no_void")

    async def delete(self, object_type: ObjectType, object_id: str, *, request_id: str) -> None:
        m = _map(object_type)
        if m.name_list:
            raise ValidationError(f"{object_type} entries are made inactive, not deleted", vendor=VENDOR)
        try:
            await self.client.call(
                element("delete", {"object": m.obj, "keys": object_id}), write=True, controlid=request_id
            )
        except (NotFoundError, ReplayRefusedError):
            return  # already deleted

    async def deactivate(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        m = _map(object_type)
        if not m.name_list:
            raise ValidationError(f"{object_type} is not a list", vendor=VENDOR)
        with contextlib.suppress(ReplayRefusedError):
            await self.client.call(
                element("update", {m.obj: {m.id_field: object_id, "STATUS": "inactive"}}),
                write=True,
                controlid=request_id,
            )
        found = await self.read(object_type, object_id)
        if found is None:
            raise NotFoundError(f"{m.obj} {object_id} is gone", vendor=VENDOR)
        return found

    async def batch(self, items: Sequence[BatchItem], *, request_id: str) -> list[BatchResult]:
        raise ValidationError("Intacct has no batch call (capabilities.batch_size is None)", vendor=VENDOR)

    # --- changes -------------------------------------------------------------------------------

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        return await changes_since(
            self.client, [_map(t) for t in object_types], since, await self.setup(), self.page_size
        )

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        return await query_changed(self.client, _map(object_type), since, await self.setup(), self.page_size)


def _query_body(obj: str, fields: list[str], flt: Any = None, *, page_size: int = QUERY_PAGE_MAX) -> dict[str, Any]:
    return {"object": obj, "select": {"field": fields}, "filter": flt, "pagesize": str(page_size)}
