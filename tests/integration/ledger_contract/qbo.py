"""QuickBooks Online under the ledger contract: the QBO sandbox (``sandbox/qbo``), one realm per
test, its control API for faults and limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.budget import LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.ports import LedgerConnector
from ledgerbridge_common.connectors.qbo import InMemoryTokenStore
from ledgerbridge_common.connectors.qbo.limits import qbo_limits
from qbo_sandbox.app import create_app
from qbo_sandbox.settings import SandboxSettings
from tests.integration.ledger_contract.registry import LedgerUnderTest, Sandboxes
from tests.integration.ledger_contract.sandboxed import SampleIds, SandboxedLedger
from tests.integration.qbo.conftest import CLIENT_ID, CLIENT_SECRET, Harness, tokens_from
from tests.support.servers import serve_in_thread

T = ObjectType
ENTITIES = {
    T.VENDOR: "Vendor", T.CUSTOMER: "Customer", T.ACCOUNT: "Account", T.CLASS: "Class",
    T.LOCATION: "Department", T.BILL: "Bill", T.VENDOR_CREDIT: "VendorCredit",
    T.BILL_PAYMENT: "BillPayment", T.INVOICE: "Invoice", T.RECEIVED_PAYMENT: "Payment",
    T.JOURNAL_ENTRY: "JournalEntry",
}  # fmt: skip


def _sandbox() -> Any:
    app = create_app(SandboxSettings(webhook_tick_seconds=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
    return serve_in_thread(app)


class QboUnderTest(SandboxedLedger):
    kind = "quickbooks_online"
    object_types: Sequence[ObjectType] = tuple(ENTITIES)

    def __init__(self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, realm: dict[str, Any]) -> None:
        accounts: dict[str, str] = realm["accounts"]
        ids = SampleIds(
            expense=accounts["Utilities"],
            journal_debit=accounts["BILL Money Out Clearing"],
            journal_credit=accounts["Exchange Gain or Loss"],
            paid_from=accounts["BILL Money Out Clearing"],
            deposited_to=accounts["BILL Money In Clearing"],
            item=realm["items"]["Services"],
        )
        super().__init__(url, control, http, f"/_sandbox/realms/{realm['realm_id']}", ids)
        self.realm_id: str = realm["realm_id"]
        self.store = InMemoryTokenStore()
        self.harness = Harness(url, control, realm, http, self.store)

    def connector(
        self,
        *,
        timeout: float = 5.0,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets | None = None,
        page_size: int | None = None,
    ) -> LedgerConnector:
        return self.harness.connector(limits=limits, timeout=timeout, budgets=budgets, page_size=page_size)

    def voided(self, obj: CanonicalObject) -> bool:
        """Payments and transfers carry ``voided``; a voided invoice keeps its lines at a total of 0."""
        return bool(getattr(obj, "voided", False)) or obj.side_status.get("total") == 0

    async def count(self, object_type: ObjectType) -> int:
        path = f"{self.company_path}/objects/{ENTITIES[object_type]}"
        return int((await self.control.get(path)).json()["count"])

    def shrunk_limits(self, window_seconds: float) -> LedgerLimits:
        return qbo_limits(window_seconds=window_seconds, cooldown_seconds=1)

    async def enforce_limits(self, limits: LedgerLimits) -> None:
        await self._limit(
            {
                "per_minute": limits.per_minute,
                "window_seconds": limits.window_seconds,
                "concurrent": limits.concurrent,
                "batch_per_minute": limits.batch_per_minute,
            }
        )


@asynccontextmanager
async def qbo_under_test(sandboxes: Sandboxes) -> AsyncIterator[LedgerUnderTest]:
    url = sandboxes.url("quickbooks_online", _sandbox)
    async with httpx.AsyncClient(base_url=url, timeout=10) as control, httpx.AsyncClient() as http:
        realm = (await control.post("/_sandbox/realms", json={})).raise_for_status().json()
        minted = (await control.post(f"/_sandbox/realms/{realm['realm_id']}/tokens", json={})).json()
        under_test = QboUnderTest(url, control, http, realm)
        under_test.store.tokens = tokens_from(minted, realm["realm_id"])
        yield under_test
