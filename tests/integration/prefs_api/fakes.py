"""Fake vendors for prefs-api tests: a ledger chart of accounts and a BILL organization."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge_common.canonical.models import Account, BankAccount, CompanyInfo, ObjectType
from ledgerbridge_common.connectors.capabilities import LedgerCapabilities
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef
from ledgerbridge_common.connectors.qbo.connector import QBO_CAPABILITIES


def qbo_chart() -> dict[str, Account]:
    rows = [
        ("33", "Accounts Payable (A/P)", "Accounts Payable", True),
        ("84", "Accounts Receivable (A/R)", "Accounts Receivable", True),
        ("7", "Office Expenses", "Expense", True),
        ("81", "Exchange Gain or Loss", "Other Expense", True),
        ("79", "Sales of Product Income", "Income", True),
        ("91", "BILL Money Out Clearing", "Bank", True),
        ("92", "BILL Money In Clearing", "Bank", True),
        ("35", "Checking", "Bank", True),
        ("36", "Savings", "Bank", True),
        ("4", "Undeposited Funds", "Other Current Asset", True),
        ("50", "Old Bank", "Bank", False),
    ]
    return {i: Account(id=i, name=n, account_type=t, active=a) for i, n, t, a in rows}


@dataclass
class FakeLedger:
    accounts: dict[str, Account] = field(default_factory=qbo_chart)
    ledger_kind: str = "quickbooks_online"
    capabilities: LedgerCapabilities = QBO_CAPABILITIES
    calls: int = 0

    objects: dict[tuple[str, str], Any] = field(default_factory=dict)
    """Other ledger objects by (object type, id), for links from the sync log."""

    async def list_accounts(self) -> list[Account]:
        self.calls += 1
        return list(self.accounts.values())

    async def read(self, object_type: ObjectType, object_id: str) -> Any:
        return self.objects.get((object_type.value, object_id))

    async def create(self, obj: Any, *, request_id: str, tag: str | None = None) -> Any:
        created = obj.model_copy(update={"id": f"9{len(self.accounts) + len(self.objects)}"})
        if isinstance(created, Account):
            self.accounts[str(created.id)] = created
        else:
            self.objects[(created.object_type.value, str(created.id))] = created
        return created

    async def query_changed(self, object_type: ObjectType, since: Any) -> ChangePage:
        return _page(self.objects, object_type)

    async def company_info(self) -> CompanyInfo:
        """Accepts any credentials (the sandbox tests check refusals)."""
        return CompanyInfo(company_id="fake-company", name="Fake company")


@dataclass
class FakeBillcom:
    """BILL's own chart of accounts has other ids than the ledger's."""

    accounts: dict[str, Account] = field(
        default_factory=lambda: {
            "0ca01CHECKING000000": Account(id="0ca01CHECKING000000", name="Checking", account_type="Bank"),
            "0ca01SAVINGS0000000": Account(id="0ca01SAVINGS0000000", name="Savings", account_type="Bank"),
        }
    )
    updates: list[tuple[str, str | None]] = field(default_factory=list)

    async def find_by_name(self, object_type: ObjectType, name: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.name == name), None)

    objects: dict[tuple[str, str], Any] = field(default_factory=dict)
    """Documents and parties by (object type, id), for the reconciliation report."""

    async def read(self, object_type: ObjectType, object_id: str) -> Any:
        return self.objects.get((object_type.value, object_id)) or self.accounts.get(object_id)

    async def list_changed(self, object_type: ObjectType, since: Any) -> ChangePage:
        return _page(self.objects, object_type)

    async def list_objects(self, object_type: ObjectType, filters: str | None = None) -> list[Any]:
        """An organization with no bills, vendors or customers yet (what the first-sync preview reads)."""
        return []

    async def update_bank_account_gl(self, bank_account_id: str, chart_of_account_id: str | None) -> BankAccount:
        self.updates.append((bank_account_id, chart_of_account_id))
        return BankAccount(id=bank_account_id, name="x", last4="0000", chart_of_account_id=chart_of_account_id)


def _page(objects: dict[tuple[str, str], Any], object_type: ObjectType) -> ChangePage:
    now = dt.datetime.now(dt.UTC)
    refs = [ChangeRef(object_type, oid, "updated", now) for (t, oid) in objects if t == object_type.value]
    return ChangePage(changes=refs, next_watermark=now)


def factory(fake: Any) -> Any:
    return lambda connection: fake
