"""The reconciliation compare: equal books give no line; a bill deleted by hand in the ledger
shows as only in BILL and as a payables difference for its vendor; a hand-keyed ledger bill as
only in the ledger; a link pairs documents without a tag; a clearing account not back to 0."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import Bill, Invoice, TransactionLine
from prefs_api.domain.reconcile import ClearingBalance, clearing_lines, compare_documents

DAY = dt.date(2026, 12, 1)
LINE = (TransactionLine(amount=Decimal("100.00")),)


def bill(bid: str, vendor: str, due: str, **status: Any) -> Bill:
    key = "balance" if bid.isdigit() else "dueAmount"
    return Bill(id=bid, vendor_id=vendor, number=f"N-{bid}", date=DAY, lines=LINE, side_status={key: due, **status})


def tagged(lid: str, bid: str, vendor: str, balance: str) -> Bill:
    return bill(lid, vendor, balance, tag=f"LB:billcom:bill:{bid}")


BNAMES, LNAMES = {"009A": "Acme"}, {"58": "Acme"}


def test_books_that_agree_have_no_line() -> None:
    lines = compare_documents(
        "bill", [bill("00nA", "009A", "100.00")], [tagged("145", "00nA", "58", "100")], BNAMES, LNAMES, {}
    )
    assert lines == []


def test_a_bill_deleted_in_the_ledger_shows_twice() -> None:
    billcom = [bill("00nA", "009A", "100.00"), bill("00nB", "009A", "40.00")]
    ledger = [tagged("145", "00nA", "58", "100.00")]
    lines = compare_documents("bill", billcom, ledger, BNAMES, LNAMES, {})
    assert [(x.kind, x.key, x.difference) for x in lines] == [
        ("open_payables", "Acme", Decimal("40.00")),
        ("only_in_billcom", "bill N-00nB (Acme)", Decimal("40.00")),
    ]
    assert lines[1].billcom_ref == "billcom:bill:00nB" and lines[1].ledger_ref is None
    assert (lines[0].billcom_ref, lines[0].ledger_ref) == ("billcom:vendor:009A", "ledger:vendor:58")


def test_a_posted_bill_deleted_in_the_ledger_names_both_objects() -> None:
    billcom = [bill("00nA", "009A", "100.00"), bill("00nB", "009A", "40.00")]
    ledger = [tagged("145", "00nA", "58", "100.00")]
    lines = compare_documents("bill", billcom, ledger, BNAMES, LNAMES, {}, {"00nA": "145", "00nB": "146"})
    gone = lines[1]
    assert (gone.kind, gone.billcom_ref, gone.ledger_ref) == ("only_in_billcom", "billcom:bill:00nB", "ledger:bill:146")
    assert gone.note == "the ledger bill 146 is no longer in the ledger"


def test_a_posted_bill_without_our_tag_is_paired_by_where_it_was_posted() -> None:
    billcom = [bill("00nA", "009A", "0.00")]
    ledger = [bill("40", "58", "0.00")]  # no tag: a ledger whose documents do not carry it
    assert compare_documents("bill", billcom, ledger, BNAMES, LNAMES, {}, {"00nA": "40"}) == []
    unposted = compare_documents("bill", billcom, ledger, BNAMES, LNAMES, {})
    assert [x.kind for x in unposted] == ["only_in_billcom", "only_in_ledger"]


def test_a_ledger_bill_whose_bill_object_is_gone_names_its_origin() -> None:
    lines = compare_documents("bill", [], [tagged("145", "00nZ", "58", "70.00")], BNAMES, LNAMES, {})
    assert [(x.kind, x.billcom_ref, x.ledger_ref) for x in lines] == [
        ("open_payables", None, "ledger:vendor:58"),
        ("only_in_ledger", "billcom:bill:00nZ", "ledger:bill:145"),
    ]


def test_hand_keyed_ledger_bill_and_links() -> None:
    ledger = [bill("200", "58", "25.00"), bill("201", "58", "60.00")]
    lines = compare_documents("bill", [bill("00nC", "009A", "60.00")], ledger, BNAMES, LNAMES, {"00nC": "201"})
    assert [(x.kind, x.ledger_ref, x.difference) for x in lines] == [
        ("open_payables", "ledger:vendor:58", Decimal("-25.00")),
        ("only_in_ledger", "ledger:bill:200", Decimal("-25.00")),
    ]


def test_receivables_by_customer() -> None:
    inv = Invoice(id="00eA", customer_id="0cuA", date=DAY, lines=LINE, side_status={"dueAmount": "10"})
    lines = compare_documents("invoice", [inv], [], {"0cuA": "Bluebird"}, {}, {})
    assert [(x.kind, x.key) for x in lines] == [
        ("open_receivables", "Bluebird"),
        ("only_in_billcom", "invoice 00eA (Bluebird)"),
    ]


def test_clearing_accounts_must_be_back_to_zero_and_say_where_the_figure_comes_from() -> None:
    computed = "computed from Sage Intacct's bill payments and journal entries"
    out = ClearingBalance("money_out_clearing_account", "1010", "BILL Money Out Clearing", Decimal("12.50"), computed)
    settled = ClearingBalance("money_in_clearing_account", "1020", "BILL Money In Clearing", Decimal(0), computed)
    lines = clearing_lines([out, settled])
    assert [(x.key, x.ledger_amount, x.difference) for x in lines] == [
        ("BILL Money Out Clearing", Decimal("12.50"), Decimal("-12.50"))
    ]
    assert lines[0].note == f"money_out_clearing_account must be 0 after runs; {computed}"


def test_a_clearing_balance_that_could_not_be_had_is_a_line() -> None:
    unknown = ClearingBalance("money_in_clearing_account", "91", "BILL Money In Clearing", None, "no balance read")
    (line,) = clearing_lines([unknown])
    assert (line.ledger_amount, line.note) == (None, "money_in_clearing_account: no balance read")
