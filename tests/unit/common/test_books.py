"""Books from a ledger's own transactions (``ledgerbridge_common.books``): a funds transfer and a
two-line journal are the same movement, and balances come from the canonical transactions (voided
ones left out, home currency)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerbridge_common.books import Movement, balances, movements_of
from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    FundsTransfer,
    JournalEntry,
    JournalLine,
    ObjectType,
    TransactionLine,
)

DAY = dt.date(2026, 12, 1)


def journal(*lines: tuple[str, str, str]) -> JournalEntry:
    return JournalEntry(
        id="j1",
        date=DAY,
        lines=tuple(
            JournalLine(posting_type=kind, amount=Decimal(amount), account_id=acc) for kind, acc, amount in lines
        ),
    )


def test_a_transfer_and_a_two_line_journal_are_the_same_movement() -> None:
    transfer = FundsTransfer(id="t1", date=DAY, amount=Decimal("250"), from_account_id="bank", to_account_id="clr")
    entry = journal(("Debit", "clr", "250.00"), ("Credit", "bank", "250.00"))
    assert movements_of(transfer) == [Movement("clr", "bank", Decimal("250"), ObjectType.FUNDS_TRANSFER, "t1")]
    assert [(m.debit, m.credit, m.amount) for m in movements_of(entry)] == [("clr", "bank", Decimal("250"))]


def test_a_journal_that_does_not_pair_up_is_no_movement() -> None:
    split = journal(("Debit", "a", "10"), ("Debit", "b", "5"), ("Credit", "c", "15"))
    assert movements_of(split) == []


def test_balances_from_bill_payment_and_transfer_leave_voided_payments_out() -> None:
    bill = Bill(id="b1", vendor_id="v", date=DAY, lines=(TransactionLine(amount=Decimal("90")),))
    paid = BillPayment(
        id="p1",
        vendor_id="v",
        date=DAY,
        amount=Decimal("90"),
        applied_to=(AppliedTo(document_id="b1", amount=Decimal("90")),),
        bank_account_id="clr",
    )
    transfer = FundsTransfer(id="t1", date=DAY, amount=Decimal("90"), from_account_id="bank", to_account_id="clr")
    books = balances([bill, paid, transfer], ap="ap", ar="ar")
    assert (books["ap"], books["clr"], books["bank"]) == (0, 0, Decimal("-90"))

    voided = paid.model_copy(update={"voided": True})
    refund = journal(("Debit", "bank", "90"), ("Credit", "clr", "90"))
    books = balances([bill, voided, transfer, refund], ap="ap", ar="ar")
    assert (books["ap"], books["clr"], books["bank"]) == (Decimal("-90"), 0, 0)


def test_foreign_currency_amounts_count_in_the_home_currency() -> None:
    bill = Bill(
        id="b1", vendor_id="v", date=DAY, currency="EUR", exchange_rate=Decimal("1.2"),
        lines=(TransactionLine(amount=Decimal("100")),),
    )  # fmt: skip
    assert balances([bill], ap="ap", ar="ar")["ap"] == Decimal("-120.00")


def test_a_payment_naming_a_checking_account_counts_on_its_gl_account() -> None:
    """Intacct payments name the checking account, the preferences and journals its GL account."""
    paid = BillPayment(
        id="p1", vendor_id="v", date=DAY, amount=Decimal("40"), bank_account_id="BILL-OUT",
        applied_to=(AppliedTo(document_id="b1", amount=Decimal("40")),),
    )  # fmt: skip
    transfer = journal(("Debit", "1010", "40"), ("Credit", "1000", "40"))
    books = balances([paid, transfer], ap="2000", ar="1200", aliases={"BILL-OUT": "1010"})
    assert (books["1010"], books["1000"], books["2000"]) == (0, Decimal("-40"), Decimal("40"))
    assert "BILL-OUT" not in books
