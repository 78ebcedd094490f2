"""The clearing balances of the reconciliation report through the ledger port: the balance the
ledger reports is used as it is; where the chart reports none, the balance is computed from the
transaction types the connector declares (a funds transfer the ledger keeps as a journal is not
counted twice), and a figure read from fewer transactions than exist says it is partial."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from ledgerbridge_common.canonical.models import (
    Account,
    AppliedTo,
    BillPayment,
    FundsTransfer,
    JournalEntry,
    JournalLine,
    ObjectType,
)
from prefs_api.handlers.reconcile_clearing import clearing_balances
from tests.support.fake_ledger import FakeLedger

DAY = dt.date(2026, 12, 1)
VALUES = {"money_out_clearing_account": "1010", "money_in_clearing_account": "1020", "ap_account": "2000"}
JOURNALS_ONLY = (ObjectType.BILL_PAYMENT, ObjectType.RECEIVED_PAYMENT, ObjectType.JOURNAL_ENTRY)


def chart(**balances: str) -> list[Account]:
    rows = [("1010", "BILL Money Out Clearing"), ("1020", "BILL Money In Clearing"), ("1000", "Checking")]
    return [
        Account(id=i, name=n, account_type="Bank", side_status={"current_balance": balances.get(f"a{i}")})
        for i, n in rows
    ]


def payment(pid: str, amount: str) -> BillPayment:
    return BillPayment(
        id=pid, vendor_id="v1", date=DAY, amount=Decimal(amount), bank_account_id="1010",
        applied_to=(AppliedTo(document_id="b1", amount=Decimal(amount)),),
    )  # fmt: skip


def run(jid: str, amount: str) -> JournalEntry:
    lines = (
        JournalLine(posting_type="Debit", amount=Decimal(amount), account_id="1010"),
        JournalLine(posting_type="Credit", amount=Decimal(amount), account_id="1000"),
    )
    return JournalEntry(id=jid, date=DAY, lines=lines)


class JournalLedger(FakeLedger):
    """A ledger whose chart reports no balance and which keeps funds transfers as journals."""

    capabilities = replace(FakeLedger.capabilities, display_name="Books", bank_movement_types=JOURNALS_ONLY)


async def test_the_balance_the_ledger_reports_is_used() -> None:
    ledger = FakeLedger(chart(a1010="12.50", a1020="0"))
    out, partial = await clearing_balances(ledger, VALUES, max_documents=10)
    assert [(c.preference, c.balance) for c in out] == [
        ("money_out_clearing_account", Decimal("12.50")),
        ("money_in_clearing_account", Decimal("0.00")),
    ]
    assert out[0].source == "the balance QuickBooks Online reports" and not partial
    assert "query_changed" not in ledger.calls and not ledger.query_calls


async def test_without_a_reported_balance_it_is_computed_from_payments_and_journals() -> None:
    ledger = JournalLedger([*chart(), payment("p1", "40.00")])
    out, _ = await clearing_balances(ledger, VALUES, max_documents=10)
    assert out[0].balance == Decimal("-40.00")
    assert out[0].source == (
        "computed from Books's bill payments, received payments and journal entries (Books reports no balance)"
    )
    ledger.put(run("j1", "40.00"))
    ledger.put(FundsTransfer(id="j1", date=DAY, amount=Decimal(40), from_account_id="1000", to_account_id="1010"))
    out, partial = await clearing_balances(ledger, VALUES, max_documents=10)
    assert [(c.name, c.balance) for c in out] == [("BILL Money Out Clearing", 0), ("BILL Money In Clearing", 0)]
    assert not partial
    assert {t for t, _ in ledger.query_calls} == set(JOURNALS_ONLY)


async def test_a_capped_read_is_partial_and_says_so() -> None:
    ledger = JournalLedger([*chart(), payment("p1", "40.00"), payment("p2", "15.00"), run("j1", "40.00")])
    out, partial = await clearing_balances(ledger, VALUES, max_documents=1)
    assert partial and out[0].balance == Decimal("0.00")
    assert out[0].source.endswith("; partial: only the first 1 bill payments were read")


async def test_an_account_the_ledger_does_not_have_is_left_out() -> None:
    ledger = FakeLedger(chart(a1010="0"))
    out, _ = await clearing_balances(ledger, {"money_out_clearing_account": "999"}, max_documents=10)
    assert out == []
