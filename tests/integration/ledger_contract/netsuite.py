"""Oracle NetSuite under the ledger contract: the NetSuite sandbox (``sandbox/netsuite``), one account
per test, the connector on its US subsidiary, the control API for faults and the concurrency cap."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    AccountType,
    AppliedTo,
    Bill,
    BillPayment,
    CanonicalObject,
    Classifications,
    Customer,
    Department,
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
from ledgerbridge_common.connectors.netsuite import NETSUITE_LIMITS, NetSuiteConnector, TbaCredentials
from ledgerbridge_common.connectors.ports import LedgerConnector
from netsuite_sandbox.app import create_app
from netsuite_sandbox.settings import SandboxSettings
from tests.integration.ledger_contract.registry import LedgerUnderTest, Sandboxes
from tests.support.servers import serve_in_thread

T = ObjectType
RECORDS = {
    T.VENDOR: "vendor", T.CUSTOMER: "customer", T.ACCOUNT: "account", T.CLASS: "classification",
    T.DEPARTMENT: "department", T.LOCATION: "location", T.BILL: "vendorBill", T.VENDOR_CREDIT: "vendorCredit",
    T.BILL_PAYMENT: "vendorPayment", T.INVOICE: "invoice", T.RECEIVED_PAYMENT: "customerPayment",
    T.JOURNAL_ENTRY: "journalEntry",
}  # fmt: skip
MEMO = "edited by the contract"


def _sandbox() -> Any:
    return serve_in_thread(create_app(SandboxSettings()))


def _line(amount: str, account: str) -> TransactionLine:
    return TransactionLine(amount=Decimal(amount), classifications=Classifications(account_id=account))


class NetSuiteUnderTest:
    kind = "oracle_netsuite"
    object_types: Sequence[ObjectType] = tuple(RECORDS)
    feed_types: Sequence[ObjectType] = (T.VENDOR, T.BILL)

    def __init__(self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, account: dict[str, Any]) -> None:
        self.url = url
        self.control = control
        self.http = http
        self.account_id: str = account["account_id"]
        self.seeded: dict[str, dict[str, str]] = account["seeded"]
        tba = account["tba"]
        self.creds = TbaCredentials(
            self.account_id, tba["consumer_key"], tba["consumer_secret"], tba["token_id"], tba["token_secret"]
        )
        self.subsidiary = self.seeded["subsidiary"]["US Subsidiary"]
        self._held = 0.0

    def connector(
        self,
        *,
        timeout: float = 5.0,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets | None = None,
        page_size: int | None = None,
    ) -> LedgerConnector:
        return NetSuiteConnector(
            self.http,
            self.creds,
            subsidiary_id=self.subsidiary,
            base_url=self.url,
            limits=limits,
            budgets=budgets or MemoryLedgerBudgets(),
            timeout=timeout,
            **({"page_size": page_size} if page_size else {}),
        )

    async def sample(self, connector: LedgerConnector, object_type: ObjectType, name: str) -> CanonicalObject:
        acc, today = self.seeded["account"], dt.date.today()

        async def made(obj: CanonicalObject) -> str:
            return str((await connector.create(obj, request_id=uuid.uuid4().hex)).id)

        simple: dict[ObjectType, CanonicalObject] = {
            T.VENDOR: Vendor(name=name),
            T.CUSTOMER: Customer(name=name),
            T.ACCOUNT: Account(name=name, account_type=AccountType.EXPENSE),
            T.CLASS: AccountingClass(name=name),
            T.DEPARTMENT: Department(name=name),
            T.LOCATION: Location(name=name),
        }
        if object_type in simple:
            return simple[object_type]
        if object_type in (T.BILL, T.VENDOR_CREDIT, T.BILL_PAYMENT):
            vendor = await made(Vendor(name=f"{name} vendor"))
            if object_type is T.VENDOR_CREDIT:
                return VendorCredit(vendor_id=vendor, date=today, lines=(_line("3.00", acc["Office Supplies"]),))
            bill = Bill(vendor_id=vendor, date=today, lines=(_line("10.00", acc["Office Supplies"]),))
            if object_type is T.BILL:
                return bill
            return BillPayment(
                vendor_id=vendor,
                date=today,
                amount=Decimal("10.00"),
                applied_to=(AppliedTo(document_id=await made(bill), amount=Decimal("10.00")),),
                bank_account_id=acc["US Checking"],
            )
        if object_type in (T.INVOICE, T.RECEIVED_PAYMENT):
            customer = await made(Customer(name=f"{name} customer"))
            line = TransactionLine(
                amount=Decimal("20.00"), classifications=Classifications(item_id=self.seeded["item"]["Consulting"])
            )
            invoice = Invoice(customer_id=customer, date=today, lines=(line,))
            if object_type is T.INVOICE:
                return invoice
            return ReceivedPayment(
                customer_id=customer,
                date=today,
                amount=Decimal("20.00"),
                applied_to=(AppliedTo(document_id=await made(invoice), amount=Decimal("20.00")),),
                deposit_to_account_id=acc["US Checking"],
            )
        if object_type is T.JOURNAL_ENTRY:
            return JournalEntry(
                date=today,
                lines=(
                    JournalLine(posting_type="Debit", amount=Decimal("5"), account_id=acc["Office Supplies"]),
                    JournalLine(posting_type="Credit", amount=Decimal("5"), account_id=acc["US Checking"]),
                ),
            )
        raise AssertionError(f"no NetSuite sample for {object_type}")

    def edit(self, obj: CanonicalObject) -> CanonicalObject:
        if "memo" in type(obj).model_fields:
            return obj.model_copy(update={"memo": MEMO})
        return obj.model_copy(update={"name": f"{getattr(obj, 'name', '')} edited"})

    def edited(self, obj: CanonicalObject) -> bool:
        if "memo" in type(obj).model_fields:
            return getattr(obj, "memo", None) == MEMO
        return str(getattr(obj, "name", "")).endswith(" edited")

    def voided(self, obj: CanonicalObject) -> bool:
        return False  # NetSuite transactions are deleted (capabilities.voids is empty)

    async def count(self, object_type: ObjectType) -> int:
        path = f"/_sandbox/accounts/{self.account_id}/records/{RECORDS[object_type]}"
        return int((await self.control.get(path)).json()["count"])

    async def timeout_after_commit(self, seconds: float) -> None:
        self._held = seconds
        body = {"timeout_after_commit_next": 1, "timeout_mode": "sleep", "timeout_seconds": seconds}
        (await self.control.post(f"/_sandbox/accounts/{self.account_id}/faults", json=body)).raise_for_status()

    async def settle(self) -> None:
        await asyncio.sleep(self._held)

    def shrunk_limits(self, window_seconds: float) -> LedgerLimits:
        """NetSuite declares only a concurrency cap; the contract's burst is sized from ``per_minute``,
        so the test gives it a pace of 100 requests per (shrunk) minute as well."""
        return LedgerLimits(
            concurrent=NETSUITE_LIMITS.concurrent, per_minute=100, window_seconds=window_seconds, cooldown_seconds=1
        )

    async def enforce_limits(self, limits: LedgerLimits) -> None:
        body = {"enabled": True, "concurrency": limits.concurrent}
        (await self.control.put(f"/_sandbox/accounts/{self.account_id}/limits", json=body)).raise_for_status()
        await self.control.post(f"/_sandbox/accounts/{self.account_id}/counters/reset")

    async def over_limit_answers(self) -> int:
        counters = (await self.control.get(f"/_sandbox/accounts/{self.account_id}/counters")).json()
        return int(counters["throttled_429"])


@asynccontextmanager
async def netsuite_under_test(sandboxes: Sandboxes) -> AsyncIterator[LedgerUnderTest]:
    url = sandboxes.url("oracle_netsuite", _sandbox)
    async with httpx.AsyncClient(base_url=url, timeout=10) as control, httpx.AsyncClient() as http:
        account = (await control.post("/_sandbox/accounts", json={})).raise_for_status().json()
        yield NetSuiteUnderTest(url, control, http, account)
