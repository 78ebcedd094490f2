"""Sage Intacct under the ledger contract: the Intacct sandbox (``sandbox/intacct``), one company
per test, its control API for faults and limits.

Object types round-tripped: the lists, bills, vendor credits (negative bills) and journal entries.
Not in the round trip, because Intacct cannot update them once posted: AP payments (only a Draft
payment can be updated, reference §2.3), AR invoices (legacy ``create_invoice``) and AR payments."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx

from intacct_sandbox.app import create_app
from intacct_sandbox.settings import SandboxSettings
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.budget import LedgerBudgets, LedgerLimits, MemoryLedgerBudgets
from ledgerbridge_common.connectors.intacct import INTACCT_CAPABILITIES, IntacctConnector, IntacctLogin
from ledgerbridge_common.connectors.ports import LedgerConnector
from tests.integration.ledger_contract.registry import LedgerUnderTest, Sandboxes
from tests.integration.ledger_contract.sandboxed import SampleIds, SandboxedLedger
from tests.support.servers import serve_in_thread

T = ObjectType
OBJECTS = {
    T.VENDOR: "VENDOR", T.CUSTOMER: "CUSTOMER", T.ACCOUNT: "GLACCOUNT", T.CLASS: "CLASS",
    T.DEPARTMENT: "DEPARTMENT", T.LOCATION: "LOCATION", T.BILL: "APBILL", T.VENDOR_CREDIT: "APBILL",
    T.JOURNAL_ENTRY: "GLBATCH",
}  # fmt: skip
EXPENSE, CLEARING, BANK = "6000", "1010", "1000"


def _sandbox() -> Any:
    return serve_in_thread(create_app(SandboxSettings()))


class IntacctUnderTest(SandboxedLedger):
    kind = "sage_intacct"
    object_types: Sequence[ObjectType] = tuple(OBJECTS)

    def __init__(self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, company_id: str) -> None:
        ids = SampleIds(expense=EXPENSE, journal_debit=CLEARING, journal_credit=BANK)
        super().__init__(url, control, http, f"/_sandbox/companies/{company_id}", ids)
        self.company_id = company_id

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

    async def count(self, object_type: ObjectType) -> int:
        path = f"{self.company_path}/objects/{OBJECTS[object_type]}"
        rows = (await self.control.get(path)).json()[OBJECTS[object_type]]
        if object_type in (T.BILL, T.VENDOR_CREDIT):
            negative = object_type is T.VENDOR_CREDIT
            rows = [r for r in rows if (Decimal(r["TOTALENTERED"]) < 0) == negative]
        return len(rows)

    def shrunk_limits(self, window_seconds: float) -> LedgerLimits:
        """Intacct's concurrency cap, plus a per-window rate the sandbox enforces as an extension (the
        contract needs one to prove pacing; Intacct itself bills volume instead of refusing it)."""
        declared = INTACCT_CAPABILITIES.limits
        return LedgerLimits(
            concurrent=declared.concurrent, per_minute=60, window_seconds=window_seconds, cooldown_seconds=1
        )

    async def enforce_limits(self, limits: LedgerLimits) -> None:
        await self._limit(
            {"concurrent": limits.concurrent, "per_window": limits.per_minute, "window_seconds": limits.window_seconds}
        )


@asynccontextmanager
async def intacct_under_test(sandboxes: Sandboxes) -> AsyncIterator[LedgerUnderTest]:
    url = sandboxes.url("sage_intacct", _sandbox)
    async with httpx.AsyncClient(base_url=url, timeout=10) as control, httpx.AsyncClient() as http:
        company_id = f"lb-{uuid.uuid4().hex[:10]}"
        (await control.post("/_sandbox/companies", json={"company_id": company_id})).raise_for_status()
        yield IntacctUnderTest(url, control, http, company_id)
