"""QuickBooks Online under the ledger contract: the QBO sandbox (``sandbox/qbo``), one realm per
test, its control API for faults and limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    AppliedTo,
    Bill,
    BillPayment,
    CanonicalObject,
    Classifications,
    Customer,
    Invoice,
    JournalEntry,
    JournalLine,
    Location,
    ObjectType,
    ReceivedPayment,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.budget import LedgerBudgets, LedgerLimits, MemoryLedgerBudgets
from ledgerbridge_common.connectors.ports import LedgerConnector
from ledgerbridge_common.connectors.qbo import InMemoryTokenStore, QboConnector, QboOAuthClient, QboTokenProvider
from ledgerbridge_common.connectors.qbo.limits import qbo_limits
from qbo_sandbox.app import create_app
from qbo_sandbox.settings import SandboxSettings
from tests.integration.ledger_contract.registry import LedgerUnderTest, Sandboxes
from tests.integration.qbo.conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, tokens_from
from tests.support.servers import serve_in_thread

T = ObjectType
ENTITIES = {
    T.VENDOR: "Vendor", T.CUSTOMER: "Customer", T.ACCOUNT: "Account", T.CLASS: "Class",
    T.LOCATION: "Department", T.BILL: "Bill", T.VENDOR_CREDIT: "VendorCredit",
    T.BILL_PAYMENT: "BillPayment", T.INVOICE: "Invoice", T.RECEIVED_PAYMENT: "Payment",
    T.JOURNAL_ENTRY: "JournalEntry",
}  # fmt: skip
MEMO = "edited by the contract"


def _sandbox() -> Any:
    app = create_app(SandboxSettings(webhook_tick_seconds=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
    return serve_in_thread(app)


def _line(amount: str, account: str) -> TransactionLine:
    return TransactionLine(amount=Decimal(amount), classifications=Classifications(account_id=account))


class QboUnderTest:
    kind = "quickbooks_online"
    object_types = tuple(ENTITIES)
    feed_types = (T.VENDOR, T.BILL)

    def __init__(self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, realm: dict[str, Any]) -> None:
        self.url = url
        self.control = control
        self.http = http
        self.realm_id: str = realm["realm_id"]
        self.accounts: dict[str, str] = realm["accounts"]
        self.items: dict[str, str] = realm["items"]
        self.store = InMemoryTokenStore()
        self._held: float = 0.0

    def connector(
        self,
        *,
        timeout: float = 5.0,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets | None = None,
        page_size: int | None = None,
    ) -> LedgerConnector:
        oauth = QboOAuthClient.for_base_url(
            self.http, self.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI
        )
        return QboConnector(
            self.http,
            self.realm_id,
            QboTokenProvider(self.store, oauth),
            base_url=self.url,
            limits=limits,
            budgets=budgets or MemoryLedgerBudgets(),
            timeout=timeout,
            **({"page_size": page_size} if page_size else {}),
        )

    async def sample(self, connector: LedgerConnector, object_type: ObjectType, name: str) -> CanonicalObject:
        acc, today = self.accounts, dt.date.today()

        async def made(obj: CanonicalObject) -> str:
            return str((await connector.create(obj, request_id=uuid.uuid4().hex)).id)

        if object_type is T.VENDOR:
            return Vendor(name=name)
        if object_type is T.CUSTOMER:
            return Customer(name=name)
        if object_type is T.ACCOUNT:
            return Account(name=name, account_type="Expense")
        if object_type is T.CLASS:
            return AccountingClass(name=name)
        if object_type is T.LOCATION:
            return Location(name=name)
        if object_type in (T.BILL, T.VENDOR_CREDIT, T.BILL_PAYMENT):
            vendor = await made(Vendor(name=f"{name} vendor"))
            if object_type is T.VENDOR_CREDIT:
                return VendorCredit(vendor_id=vendor, date=today, lines=(_line("3.00", acc["Utilities"]),))
            bill = Bill(vendor_id=vendor, date=today, lines=(_line("10.00", acc["Utilities"]),))
            if object_type is T.BILL:
                return bill
            bill_id = await made(bill)
            return BillPayment(
                vendor_id=vendor,
                date=today,
                amount=Decimal("10.00"),
                applied_to=(AppliedTo(document_id=bill_id, amount=Decimal("10.00")),),
                bank_account_id=acc["BILL Money Out Clearing"],
            )
        if object_type in (T.INVOICE, T.RECEIVED_PAYMENT):
            customer = await made(Customer(name=f"{name} customer"))
            line = TransactionLine(
                amount=Decimal("20.00"), classifications=Classifications(item_id=self.items["Services"])
            )
            invoice = Invoice(customer_id=customer, date=today, lines=(line,))
            if object_type is T.INVOICE:
                return invoice
            invoice_id = await made(invoice)
            return ReceivedPayment(
                customer_id=customer,
                date=today,
                amount=Decimal("20.00"),
                applied_to=(AppliedTo(document_id=invoice_id, amount=Decimal("20.00")),),
                deposit_to_account_id=acc["BILL Money In Clearing"],
            )
        if object_type is T.JOURNAL_ENTRY:
            return JournalEntry(
                date=today,
                lines=(
                    JournalLine(posting_type="Debit", amount=Decimal("5"), account_id=acc["BILL Money Out Clearing"]),
                    JournalLine(posting_type="Credit", amount=Decimal("5"), account_id=acc["Exchange Gain or Loss"]),
                ),
            )
        raise AssertionError(f"no QBO sample for {object_type}")

    def edit(self, obj: CanonicalObject) -> CanonicalObject:
        if "memo" in type(obj).model_fields:
            return obj.model_copy(update={"memo": MEMO})
        return obj.model_copy(update={"name": f"{obj.name} edited"})

    def edited(self, obj: CanonicalObject) -> bool:
        if "memo" in type(obj).model_fields:
            return obj.memo == MEMO
        return str(obj.name).endswith(" edited")

    def voided(self, obj: CanonicalObject) -> bool:
        """Payments and transfers carry ``voided``; a voided invoice keeps its lines at a total of 0."""
        return bool(getattr(obj, "voided", False)) or obj.side_status.get("total") == 0

    async def count(self, object_type: ObjectType) -> int:
        path = f"/_sandbox/realms/{self.realm_id}/objects/{ENTITIES[object_type]}"
        return int((await self.control.get(path)).json()["count"])

    async def timeout_after_commit(self, seconds: float) -> None:
        self._held = seconds
        body = {"timeout_after_commit_next": 1, "timeout_mode": "sleep", "timeout_seconds": seconds}
        (await self.control.post(f"/_sandbox/realms/{self.realm_id}/faults", json=body)).raise_for_status()

    async def settle(self) -> None:
        await asyncio.sleep(self._held)

    def shrunk_limits(self, window_seconds: float) -> LedgerLimits:
        return qbo_limits(window_seconds=window_seconds, cooldown_seconds=1)

    async def enforce_limits(self, limits: LedgerLimits) -> None:
        body = {
            "enabled": True,
            "per_minute": limits.per_minute,
            "window_seconds": limits.window_seconds,
            "concurrent": limits.concurrent,
            "batch_per_minute": limits.batch_per_minute,
        }
        (await self.control.put(f"/_sandbox/realms/{self.realm_id}/limits", json=body)).raise_for_status()
        await self.control.post(f"/_sandbox/realms/{self.realm_id}/counters/reset")

    async def over_limit_answers(self) -> int:
        counters = (await self.control.get(f"/_sandbox/realms/{self.realm_id}/counters")).json()
        return int(counters["throttled_429"])


@asynccontextmanager
async def qbo_under_test(sandboxes: Sandboxes) -> AsyncIterator[LedgerUnderTest]:
    url = sandboxes.url("quickbooks_online", _sandbox)
    async with httpx.AsyncClient(base_url=url, timeout=10) as control, httpx.AsyncClient() as http:
        realm = (await control.post("/_sandbox/realms", json={})).raise_for_status().json()
        minted = (await control.post(f"/_sandbox/realms/{realm['realm_id']}/tokens", json={})).json()
        under_test = QboUnderTest(url, control, http, realm)
        under_test.store.tokens = tokens_from(minted, realm["realm_id"])
        yield under_test
