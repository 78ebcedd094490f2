"""What the ledger sandboxes have in common under the contract: a company created per test through
the sandbox's control API (``/_sandbox/<companies>/<id>``: faults, limits, counters), the same
sample objects built on that company's own account ids, and the same edits."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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
from ledgerbridge_common.connectors.ports import LedgerConnector

T = ObjectType
MEMO = "edited by the contract"
NAMED = {
    T.VENDOR: Vendor,
    T.CUSTOMER: Customer,
    T.CLASS: AccountingClass,
    T.DEPARTMENT: Department,
    T.LOCATION: Location,
}


@dataclass(frozen=True)
class SampleIds:
    """The company's own ids the samples are written on."""

    expense: str
    journal_debit: str
    journal_credit: str
    paid_from: str = ""
    deposited_to: str = ""
    item: str = ""


class SandboxedLedger:
    """The shared half of a sandboxed :class:`~tests.integration.ledger_contract.registry.LedgerUnderTest`;
    each ledger adds its connector, ``count`` and its limits."""

    kind: str
    object_types: Sequence[ObjectType]
    feed_types: Sequence[ObjectType] = (T.VENDOR, T.BILL)

    def __init__(
        self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, company_path: str, ids: SampleIds
    ) -> None:
        self.url = url
        self.control = control
        self.http = http
        self.company_path = company_path
        self.ids = ids
        self._held = 0.0

    async def sample(self, connector: LedgerConnector, object_type: ObjectType, name: str) -> CanonicalObject:
        ids, today = self.ids, dt.date.today()

        async def made(obj: CanonicalObject) -> str:
            return str((await connector.create(obj, request_id=uuid.uuid4().hex)).id)

        if object_type in NAMED:
            return NAMED[object_type](name=name)
        if object_type is T.ACCOUNT:
            return Account(name=name, account_type=AccountType.EXPENSE)
        if object_type is T.JOURNAL_ENTRY:
            return JournalEntry(
                date=today,
                lines=(
                    JournalLine(posting_type="Debit", amount=Decimal("5"), account_id=ids.journal_debit),
                    JournalLine(posting_type="Credit", amount=Decimal("5"), account_id=ids.journal_credit),
                ),
            )
        if object_type in (T.BILL, T.VENDOR_CREDIT, T.BILL_PAYMENT):
            vendor = await made(Vendor(name=f"{name} vendor"))
            if object_type is T.VENDOR_CREDIT:
                return VendorCredit(vendor_id=vendor, date=today, lines=(self._line("3.00"),))
            bill = Bill(vendor_id=vendor, date=today, lines=(self._line("10.00"),))
            if object_type is T.BILL:
                return bill
            return BillPayment(
                vendor_id=vendor,
                date=today,
                amount=Decimal("10.00"),
                applied_to=(AppliedTo(document_id=await made(bill), amount=Decimal("10.00")),),
                bank_account_id=ids.paid_from,
            )
        if object_type in (T.INVOICE, T.RECEIVED_PAYMENT):
            customer = await made(Customer(name=f"{name} customer"))
            line = TransactionLine(amount=Decimal("20.00"), classifications=Classifications(item_id=ids.item))
            invoice = Invoice(customer_id=customer, date=today, lines=(line,))
            if object_type is T.INVOICE:
                return invoice
            return ReceivedPayment(
                customer_id=customer,
                date=today,
                amount=Decimal("20.00"),
                applied_to=(AppliedTo(document_id=await made(invoice), amount=Decimal("20.00")),),
                deposit_to_account_id=ids.deposited_to,
            )
        raise AssertionError(f"no {self.kind} sample for {object_type}")

    def _line(self, amount: str) -> TransactionLine:
        return TransactionLine(amount=Decimal(amount), classifications=Classifications(account_id=self.ids.expense))

    def edit(self, obj: CanonicalObject) -> CanonicalObject:
        if "memo" in type(obj).model_fields:
            return obj.model_copy(update={"memo": MEMO})
        return obj.model_copy(update={"name": f"{getattr(obj, 'name', '')} edited"})

    def edited(self, obj: CanonicalObject) -> bool:
        if "memo" in type(obj).model_fields:
            return getattr(obj, "memo", None) == MEMO
        return str(getattr(obj, "name", "")).endswith(" edited")

    def voided(self, obj: CanonicalObject) -> bool:
        return False  # transactions are deleted where capabilities.voids is empty

    async def timeout_after_commit(self, seconds: float) -> None:
        self._held = seconds
        body = {"timeout_after_commit_next": 1, "timeout_mode": "sleep", "timeout_seconds": seconds}
        (await self.control.post(f"{self.company_path}/faults", json=body)).raise_for_status()

    async def settle(self) -> None:
        await asyncio.sleep(self._held)

    async def _limit(self, body: dict[str, Any]) -> None:
        """Turn the sandbox's limits on for this company and zero its counters."""
        (await self.control.put(f"{self.company_path}/limits", json={"enabled": True, **body})).raise_for_status()
        await self.control.post(f"{self.company_path}/counters/reset")

    async def over_limit_answers(self) -> int:
        counters = (await self.control.get(f"{self.company_path}/counters")).json()
        return int(counters["throttled_429"])
