"""The NetSuite connector against the sandbox for what the e2e cycles need of it: invoice lines coded
to an income account ride on a non-inventory item for that account and read back as account lines;
a vendor payment takes vendor credits in its ``credit`` sublist and reads them back; vendors and
customers keep their e-mail and phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    Classifications,
    Customer,
    Invoice,
    ObjectType,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.netsuite.income_items import PREFIX
from ledgerbridge_common.errors import ClosedPeriodError, ValidationError
from tests.integration.netsuite.support import NetSuiteBooks, ns

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
__all__ = ["ns"]  # fixtures (sandbox_url: conftest.py)
T = ObjectType
TODAY = dt.date.today()


def income_line(ns: NetSuiteBooks, amount: str, description: str) -> TransactionLine:
    account = ns.id("account", "Sales")
    return TransactionLine(
        amount=Decimal(amount), description=description, classifications=Classifications(account_id=account)
    )


async def test_invoice_lines_coded_to_an_income_account_ride_on_that_accounts_item(ns: NetSuiteBooks) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    customer = await ns.make(Customer(name="Cycle Retail LLC", email="ar@retail.example"))
    lines = (income_line(ns, "300.00", "Consulting"), income_line(ns, "20.00", "Travel"))
    made = await ns.books.create(
        Invoice(customer_id=customer, date=TODAY, number="AR-1", lines=lines), request_id="i1", tag="LB:t:inv1"
    )
    assert isinstance(made, Invoice)
    assert [(ln.amount, ln.description, ln.classifications.account_id) for ln in made.lines] == [
        (Decimal("300.00"), "Consulting", ns.id("account", "Sales")),
        (Decimal("20.00"), "Travel", ns.id("account", "Sales")),
    ]
    assert all(ln.classifications.item_id is None for ln in made.lines)

    [item] = [r for r in await ns.records("nonInventoryResaleItem") if r.get("externalId", "").startswith(PREFIX)]
    assert item["incomeAccount"] == {"id": ns.id("account", "Sales")}
    stored = await ns.record("invoice", str(made.id))
    assert [ln["item"] for ln in stored["item"]] == [{"id": item["id"]}] * 2

    again = await ns.connector().create(  # a fresh connector finds the same item (upserted by external id)
        Invoice(customer_id=customer, date=TODAY, number="AR-2", lines=lines[:1]), request_id="i2", tag="LB:t:inv2"
    )
    assert isinstance(again, Invoice) and again.lines == made.lines[:1]
    assert (
        len([r for r in await ns.records("nonInventoryResaleItem") if r.get("externalId", "").startswith(PREFIX)]) == 1
    )

    page = await ns.books.changes_since([T.ITEM, T.INVOICE], since)
    changed = {(c.object_type, c.object_id) for c in page.changes}
    assert {(T.INVOICE, made.id), (T.INVOICE, again.id)} <= changed
    assert (T.ITEM, item["id"]) not in changed, "the carrier item is not one of BILL's items"


async def test_a_vendor_payment_takes_vendor_credits_and_reads_them_back(ns: NetSuiteBooks) -> None:
    vendor = await ns.make(Vendor(name="Credit Note Supplies"))
    bill = await ns.make(Bill(vendor_id=vendor, date=TODAY, number="VC-BILL-1", lines=(ns.line("100.00"),)))
    credit = await ns.make(VendorCredit(vendor_id=vendor, date=TODAY, number="VC-1", lines=(ns.line("30.00"),)))
    bank = ns.id("account", "US Checking")
    payment = BillPayment(
        vendor_id=vendor,
        date=TODAY,
        amount=Decimal("70.00"),
        bank_account_id=bank,
        applied_to=(AppliedTo(document_id=bill, amount=Decimal("70.00")),),
        vendor_credits=(AppliedTo(document_id=credit, amount=Decimal("30.00")),),
    )
    made = await ns.books.create(payment, request_id="p1", tag="LB:t:pay1")
    assert isinstance(made, BillPayment)
    assert made.amount == Decimal("70.00")
    assert made.applied_to == payment.applied_to and made.vendor_credits == payment.vendor_credits

    stored = await ns.record("vendorPayment", str(made.id))
    assert [(a["doc"]["id"], a["amount"]) for a in stored["apply"]] == [(bill, 100.0)]  # cash and credit
    assert [(c["doc"]["id"], c["amount"]) for c in stored["credit"]] == [(credit, 30.0)]
    paid = await ns.books.read(T.BILL, bill)
    taken = await ns.books.read(T.VENDOR_CREDIT, credit)
    assert isinstance(paid, Bill) and paid.side_status["payment_status"] == "PAID"
    assert isinstance(taken, VendorCredit) and taken.side_status["unapplied"] == 0

    other = await ns.make(Bill(vendor_id=vendor, date=TODAY, number="VC-BILL-2", lines=(ns.line("10.00"),)))
    more = payment.model_copy(
        update={
            "applied_to": (AppliedTo(document_id=other, amount=Decimal("5.00")),),
            "vendor_credits": (AppliedTo(document_id=credit, amount=Decimal("5.00")),),
        }
    )
    with pytest.raises(ValidationError, match="exceeds what is unapplied"):
        await ns.books.create(more, request_id="p2", tag="LB:t:pay2")


async def test_vendors_and_customers_keep_their_email_and_phone(ns: NetSuiteBooks) -> None:
    vendor = await ns.books.create(
        Vendor(name="Conflicted Vendor Co", email="start@vendor.example", phone="555-0100"), request_id="v", tag="LB:v"
    )
    assert isinstance(vendor, Vendor) and (vendor.email, vendor.phone) == ("start@vendor.example", "555-0100")
    edited = await ns.books.update(vendor.model_copy(update={"email": "edit@vendor.example"}), request_id="v2")
    assert isinstance(edited, Vendor) and edited.email == "edit@vendor.example"
    assert (await ns.record("vendor", str(vendor.id)))["email"] == "edit@vendor.example"
    customer = await ns.books.create(Customer(name="Retail LLC", email="ar@retail.example"), request_id="c", tag="LB:c")
    assert isinstance(customer, Customer) and customer.email == "ar@retail.example"


async def test_the_books_closed_date_is_read_from_netsuite_and_explains_a_refusal(ns: NetSuiteBooks) -> None:
    assert (await ns.books.company_info()).books_closed_through is None
    last_month_end = TODAY.replace(day=1) - dt.timedelta(days=1)
    earlier = last_month_end.replace(day=1) - dt.timedelta(days=1)
    closed = {"closed": [earlier.strftime("%Y-%m"), last_month_end.strftime("%Y-%m")]}
    (await ns.control.put(f"/_sandbox/accounts/{ns.account_id}/periods", json=closed)).raise_for_status()
    assert (await ns.books.company_info()).books_closed_through == last_month_end

    vendor = await ns.make(Vendor(name="Late Paper Co"))
    late = Bill(vendor_id=vendor, date=last_month_end, number="LATE-1", lines=(ns.line("10.00"),))
    with pytest.raises(ClosedPeriodError) as refused:
        await ns.books.create(late, request_id="late", tag="LB:t:late")
    assert f"closed through {last_month_end.isoformat()}" in refused.value.message
    assert "on or before the books-closed date" in refused.value.message
    assert await ns.records("vendorBill") == []
    open_bill = await ns.books.create(late.model_copy(update={"date": TODAY}), request_id="ok", tag="LB:t:ok")
    assert open_bill.id
