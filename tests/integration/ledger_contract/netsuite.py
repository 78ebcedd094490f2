"""Oracle NetSuite under the ledger contract: the NetSuite sandbox (``sandbox/netsuite``), one account
per test, the connector on its US subsidiary, the control API for faults and the concurrency cap."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.budget import LedgerBudgets, LedgerLimits, MemoryLedgerBudgets
from ledgerbridge_common.connectors.netsuite import NETSUITE_LIMITS, NetSuiteConnector, TbaCredentials
from ledgerbridge_common.connectors.ports import LedgerConnector
from netsuite_sandbox.app import create_app
from netsuite_sandbox.settings import SandboxSettings
from tests.integration.ledger_contract.registry import LedgerUnderTest, Sandboxes
from tests.integration.ledger_contract.sandboxed import SampleIds, SandboxedLedger
from tests.support.servers import serve_in_thread

T = ObjectType
RECORDS = {
    T.VENDOR: "vendor", T.CUSTOMER: "customer", T.ACCOUNT: "account", T.CLASS: "classification",
    T.DEPARTMENT: "department", T.LOCATION: "location", T.BILL: "vendorBill", T.VENDOR_CREDIT: "vendorCredit",
    T.BILL_PAYMENT: "vendorPayment", T.INVOICE: "invoice", T.RECEIVED_PAYMENT: "customerPayment",
    T.JOURNAL_ENTRY: "journalEntry",
}  # fmt: skip


def _sandbox() -> Any:
    return serve_in_thread(create_app(SandboxSettings()))


class NetSuiteUnderTest(SandboxedLedger):
    kind = "oracle_netsuite"
    object_types: Sequence[ObjectType] = tuple(RECORDS)

    def __init__(self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, account: dict[str, Any]) -> None:
        seeded: dict[str, dict[str, str]] = account["seeded"]
        accounts = seeded["account"]
        ids = SampleIds(
            expense=accounts["Office Supplies"],
            journal_debit=accounts["Office Supplies"],
            journal_credit=accounts["US Checking"],
            paid_from=accounts["US Checking"],
            deposited_to=accounts["US Checking"],
            item=seeded["item"]["Consulting"],
        )
        super().__init__(url, control, http, f"/_sandbox/accounts/{account['account_id']}", ids)
        self.account_id: str = account["account_id"]
        self.seeded = seeded
        tba = account["tba"]
        self.creds = TbaCredentials(
            self.account_id, tba["consumer_key"], tba["consumer_secret"], tba["token_id"], tba["token_secret"]
        )
        self.subsidiary = seeded["subsidiary"]["US Subsidiary"]

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

    async def count(self, object_type: ObjectType) -> int:
        path = f"{self.company_path}/records/{RECORDS[object_type]}"
        return int((await self.control.get(path)).json()["count"])

    def shrunk_limits(self, window_seconds: float) -> LedgerLimits:
        """NetSuite declares only a concurrency cap; the contract's burst is sized from ``per_minute``,
        so the test gives it a pace of 100 requests per (shrunk) minute as well."""
        return LedgerLimits(
            concurrent=NETSUITE_LIMITS.concurrent, per_minute=100, window_seconds=window_seconds, cooldown_seconds=1
        )

    async def enforce_limits(self, limits: LedgerLimits) -> None:
        await self._limit({"concurrency": limits.concurrent})


@asynccontextmanager
async def netsuite_under_test(sandboxes: Sandboxes) -> AsyncIterator[LedgerUnderTest]:
    url = sandboxes.url("oracle_netsuite", _sandbox)
    async with httpx.AsyncClient(base_url=url, timeout=10) as control, httpx.AsyncClient() as http:
        account = (await control.post("/_sandbox/accounts", json={})).raise_for_status().json()
        yield NetSuiteUnderTest(url, control, http, account)
