"""Sage Intacct under the ledger contract: the Intacct sandbox (``sandbox/intacct``), one company
per test, its control API for faults and limits.

Object types round-tripped: the lists, bills, vendor credits (negative bills) and journal entries.
Not in the round trip, because Intacct cannot update them once posted: AP payments (only a Draft
payment can be updated, reference §2.3), AR invoices (legacy ``create_invoice``) and AR payments."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx

from intacct_sandbox.app import create_app
from intacct_sandbox.settings import SandboxSettings
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    Bill,
    CanonicalObject,
    Classifications,
    Customer,
    Department,
    JournalEntry,
    JournalLine,
    Location,
    ObjectType,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.budget import LedgerBudgets, LedgerLimits, MemoryLedgerBudgets
from ledgerbridge_common.connectors.intacct import INTACCT_CAPABILITIES, IntacctConnector, IntacctLogin
from ledgerbridge_common.connectors.ports import LedgerConnector
from tests.integration.ledger_contract.registry import LedgerUnderTest, Sandboxes
from tests.support.servers import serve_in_thread

T = ObjectType
OBJECTS = {
    T.VENDOR: "VENDOR", T.CUSTOMER: "CUSTOMER", T.ACCOUNT: "GLACCOUNT", T.CLASS: "CLASS",
    T.DEPARTMENT: "DEPARTMENT", T.LOCATION: "LOCATION", T.BILL: "APBILL", T.VENDOR_CREDIT: "APBILL",
    T.JOURNAL_ENTRY: "GLBATCH",
}  # fmt: skip
MEMO = "edited by the contract"
EXPENSE, CLEARING, BANK = "6000", "1010", "1000"


def _sandbox() -> Any:
    return serve_in_thread(create_app(SandboxSettings()))


def _line(amount: str) -> TransactionLine:
    return TransactionLine(amount=Decimal(amount), classifications=Classifications(account_id=EXPENSE))


class IntacctUnderTest:
    kind = "sage_intacct"
    object_types = tuple(OBJECTS)
    feed_types = (T.VENDOR, T.BILL)

    def __init__(self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, company_id: str) -> None:
        self.url = url
        self.control = control
        self.http = http
        self.company_id = company_id
        self._held = 0.0

    def connector(
        self,
        *,
        timeout: float = 5.0,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets | None = None,
        page_size: int | None = None,
    ) -> LedgerConnector:
        login = IntacctLogin(DEMO_SENDER[0], DEMO_SENDER[1], DEMO_USER[0], DEMO_USER[1], self.company_id)
        return IntacctConnector(
            self.http,
            login,
            endpoint=f"{self.url}/ia/xml/xmlgw.phtml",
            limits=limits,
            budgets=budgets or MemoryLedgerBudgets(),
            timeout=timeout,
            **({"page_size": page_size} if page_size else {}),
        )

    async def sample(self, connector: LedgerConnector, object_type: ObjectType, name: str) -> CanonicalObject:
        today = dt.date.today()
        simple: dict[ObjectType, CanonicalObject] = {
            T.VENDOR: Vendor(name=name),
            T.CUSTOMER: Customer(name=name),
            T.ACCOUNT: Account(name=name, account_type="Expense"),
            T.CLASS: AccountingClass(name=name),
            T.DEPARTMENT: Department(name=name),
            T.LOCATION: Location(name=name),
            T.JOURNAL_ENTRY: JournalEntry(
                date=today,
                lines=(
                    JournalLine(posting_type="Debit", amount=Decimal("5"), account_id=CLEARING),
                    JournalLine(posting_type="Credit", amount=Decimal("5"), account_id=BANK),
                ),
            ),
        }
        if object_type in simple:
            return simple[object_type]
        vendor = await connector.create(Vendor(name=f"{name} vendor"), request_id=uuid.uuid4().hex)
        assert vendor.id
        if object_type is T.VENDOR_CREDIT:
            return VendorCredit(vendor_id=vendor.id, date=today, lines=(_line("3.00"),))
        if object_type is T.BILL:
            return Bill(vendor_id=vendor.id, date=today, lines=(_line("10.00"),))
        raise AssertionError(f"no Intacct sample for {object_type}")

    def edit(self, obj: CanonicalObject) -> CanonicalObject:
        if "memo" in type(obj).model_fields:
            return obj.model_copy(update={"memo": MEMO})
        return obj.model_copy(update={"name": f"{obj.name} edited"})

    def edited(self, obj: CanonicalObject) -> bool:
        if "memo" in type(obj).model_fields:
            return obj.memo == MEMO
        return str(obj.name).endswith(" edited")

    def voided(self, obj: CanonicalObject) -> bool:
        return False  # Intacct deletes transactions (capabilities.voids is empty)

    async def count(self, object_type: ObjectType) -> int:
        path = f"/_sandbox/companies/{self.company_id}/objects/{OBJECTS[object_type]}"
        rows = (await self.control.get(path)).json()[OBJECTS[object_type]]
        if object_type in (T.BILL, T.VENDOR_CREDIT):
            negative = object_type is T.VENDOR_CREDIT
            rows = [r for r in rows if (Decimal(r["TOTALENTERED"]) < 0) == negative]
        return len(rows)

    async def timeout_after_commit(self, seconds: float) -> None:
        self._held = seconds
        body = {"timeout_after_commit_next": 1, "timeout_mode": "sleep", "timeout_seconds": seconds}
        (await self.control.post(f"/_sandbox/companies/{self.company_id}/faults", json=body)).raise_for_status()

    async def settle(self) -> None:
        await asyncio.sleep(self._held)

    def shrunk_limits(self, window_seconds: float) -> LedgerLimits:
        """Intacct's concurrency cap, plus a per-window rate the sandbox enforces as an extension (the
        contract needs one to prove pacing; Intacct itself bills volume instead of refusing it)."""
        declared = INTACCT_CAPABILITIES.limits
        return LedgerLimits(
            concurrent=declared.concurrent, per_minute=60, window_seconds=window_seconds, cooldown_seconds=1
        )

    async def enforce_limits(self, limits: LedgerLimits) -> None:
        body = {
            "enabled": True,
            "concurrent": limits.concurrent,
            "per_window": limits.per_minute,
            "window_seconds": limits.window_seconds,
        }
        (await self.control.put(f"/_sandbox/companies/{self.company_id}/limits", json=body)).raise_for_status()
        await self.control.post(f"/_sandbox/companies/{self.company_id}/counters/reset")

    async def over_limit_answers(self) -> int:
        counters = (await self.control.get(f"/_sandbox/companies/{self.company_id}/counters")).json()
        return int(counters["throttled_429"])


@asynccontextmanager
async def intacct_under_test(sandboxes: Sandboxes) -> AsyncIterator[LedgerUnderTest]:
    url = sandboxes.url("sage_intacct", _sandbox)
    async with httpx.AsyncClient(base_url=url, timeout=10) as control, httpx.AsyncClient() as http:
        company_id = f"lb-{uuid.uuid4().hex[:10]}"
        (await control.post("/_sandbox/companies", json={"company_id": company_id})).raise_for_status()
        yield IntacctUnderTest(url, control, http, company_id)
