"""What BILL does with NetSuite (netsuite-api.md §8), through the engine's decision and posting's
ledger writer against the NetSuite sandbox: the direction matrix the connector declares, the
Default Payables classification on headers and payments, the subsidiary every reference must
belong to, funds transfers with the Funds Transfer Location and Department, approved-only that
NetSuite connections may turn off, and a payment recorded in NetSuite first."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import (
    Account,
    AccountType,
    AppliedTo,
    ApprovalStatus,
    Bill,
    BillPayment,
    FundsTransfer,
    ObjectType,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.capabilities import Flow
from ledgerbridge_common.connectors.netsuite import NETSUITE_CAPABILITIES
from ledgerbridge_common.errors import ValidationError
from ledgerbridge_common.events import Side
from posting_service.domain.reasons import reason_for
from posting_service.writers import LedgerWriter
from sync_engine.domain.decide import decide
from tests.integration.netsuite.support import NetSuiteBooks, known, ns
from tests.support.builders import change
from tests.unit.sync_engine.builders import link_of

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
__all__ = ["ns"]  # fixtures
B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType
TODAY = dt.date.today()


async def a_vendor_and_bill(ns: NetSuiteBooks, amount: str = "100.00") -> tuple[str, str]:
    vendor = await ns.make(Vendor(name="Acme Paper"))
    bill = await ns.make(Bill(vendor_id=vendor, date=TODAY, number="INV-7", lines=(ns.line(amount),)))
    return vendor, bill


def test_netsuite_declares_bills_direction_matrix() -> None:
    flows = NETSUITE_CAPABILITIES.flows
    assert flows is not None and flows[T.VENDOR_CREDIT] is Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER
    assert flows[T.BILL_PAYMENT] is Flow.FROM_BILLCOM and flows[T.ITEM] is Flow.TWO_WAY


async def test_unapplied_credits_and_unpaid_bills_come_from_netsuite_paid_ones_and_payments_do_not(
    ns: NetSuiteBooks,
) -> None:
    vendor, bill_id = await a_vendor_and_bill(ns)
    credit_id = await ns.make(VendorCredit(vendor_id=vendor, date=TODAY, lines=(ns.line("10.00"),)))
    credit = await ns.books.read(T.VENDOR_CREDIT, credit_id)
    plan = decide(ns.inputs(change(L, T.VENDOR_CREDIT, credit_id), credit, refs=known({(L, T.VENDOR, vendor): "v1"})))
    assert plan.skipped is None and [c.target_side for c in plan.commands] == [B]
    without_flows = replace(ns.inputs(change(L, T.VENDOR_CREDIT, credit_id), credit), capabilities=None)
    assert decide(without_flows).skipped  # the engine's own table has no NetSuite row: it follows the connector

    unpaid = await ns.books.read(T.BILL, bill_id)
    assert unpaid is not None and unpaid.side_status["payment_status"] == "OPEN"
    plan = decide(ns.inputs(change(L, T.BILL, bill_id), unpaid, refs=known({(L, T.VENDOR, vendor): "v1"})))
    assert [c.object_type for c in plan.commands] == [T.BILL]

    payment = BillPayment(
        vendor_id=vendor,
        date=TODAY,
        amount=Decimal("40.00"),
        applied_to=(AppliedTo(document_id=bill_id, amount=Decimal("40.00")),),
        bank_account_id=ns.id("account", "US Checking"),
    )
    payment_id = await ns.make(payment)
    partly_paid = await ns.books.read(T.BILL, bill_id)
    assert partly_paid is not None and partly_paid.side_status["payment_status"] == "PARTIAL"
    plan = decide(ns.inputs(change(L, T.BILL, bill_id), partly_paid))
    assert plan.commands == () and plan.skipped and "this one is paid or partly paid" in plan.skipped

    recorded = await ns.books.read(T.BILL_PAYMENT, payment_id)
    plan = decide(ns.inputs(change(L, T.BILL_PAYMENT, payment_id), recorded))
    assert plan.skipped and "sync from BILL to Oracle NetSuite only" in plan.skipped


async def test_default_payables_classification_goes_on_bill_and_payment_headers(ns: NetSuiteBooks) -> None:
    vendor = await ns.make(Vendor(name="Acme Paper"))
    operations, payables = ns.id("department", "Operations"), ns.id("classification", "Payables")
    defaults = {"default_payables_department": operations, "default_payables_class": payables}
    new_york = ns.id("location", "New York")
    bill = Bill(
        id="00n01BILL",
        vendor_id="00901ACME",
        number="INV-1001",
        date=TODAY,
        lines=(ns.line("70.00", location_id="0lo01NY"),),
        approval_status=ApprovalStatus.APPROVED,
    )
    refs = known({(B, T.VENDOR, "00901ACME"): vendor, (B, T.LOCATION, "0lo01NY"): new_york})
    plan = decide(ns.inputs(change(B, T.BILL, "00n01BILL"), bill, refs=refs, **defaults))
    [cmd] = plan.commands
    posted = await ns.post(cmd)
    stored = await ns.record("vendorBill", str(posted.obj.id))
    assert (stored["department"]["id"], stored["class"]["id"]) == (operations, payables)
    assert stored.get("location") is None
    assert stored["expense"][0]["location"]["id"] == new_york and "department" not in stored["expense"][0]
    assert stored["approvalStatus"]["id"] == "2"  # BILL sets the bills it syncs Approved

    payment = BillPayment(
        id="stp01PAY",
        vendor_id="00901ACME",
        date=TODAY,
        amount=Decimal("70.00"),
        applied_to=(AppliedTo(document_id="00n01BILL", amount=Decimal("70.00")),),
        funding_account_id="bac01CHECKING",
    )
    refs = known({(B, T.VENDOR, "00901ACME"): vendor, (B, T.BILL, "00n01BILL"): str(posted.obj.id)})
    plan = decide(ns.inputs(change(B, T.BILL_PAYMENT, "stp01PAY"), payment, refs=refs, **defaults))
    [cmd] = plan.commands
    paid = await ns.post(cmd)
    stored = await ns.record("vendorPayment", str(paid.obj.id))
    assert (stored["department"]["id"], stored["class"]["id"]) == (operations, payables)
    assert (await ns.record("vendorBill", str(posted.obj.id)))["balance"] == 0


async def test_a_classification_outside_the_linked_subsidiary_is_refused_in_plain_words(ns: NetSuiteBooks) -> None:
    vendor = await ns.make(Vendor(name="Acme Paper"))
    london = ns.id("location", "London")  # UK Subsidiary only; the organization is linked to US
    bill = Bill(id="00n02BILL", vendor_id="00901ACME", date=TODAY, lines=(ns.line("5.00"),))
    plan = decide(
        ns.inputs(
            change(B, T.BILL, "00n02BILL"),
            bill,
            refs=known({(B, T.VENDOR, "00901ACME"): vendor}),
            default_payables_location=london,
        )
    )
    [cmd] = plan.commands
    with pytest.raises(ValidationError) as refused:
        await ns.post(cmd)
    assert refused.value.code == "wrong_subsidiary"
    reason = reason_for(refused.value, T.BILL, cmd.desired, L)
    assert f"The location with NetSuite id {london} does not belong to the subsidiary 'US Subsidiary'" in reason
    assert await ns.records("vendorBill") == []


async def test_funds_transfer_is_a_balanced_journal_with_the_funds_transfer_location_and_department(
    ns: NetSuiteBooks,
) -> None:
    clearing = await ns.make(Account(name="Money Out Clearing", account_type=AccountType.BANK))
    checking = ns.id("account", "US Checking")
    department, location = ns.id("department", "US Sales"), ns.id("location", "New York")
    run = FundsTransfer(
        id="mmt01RUN",
        run_id="mmt01RUN",
        date=TODAY,
        amount=Decimal("250.00"),
        from_account_id="bac01CHECKING",
        to_account_id="MONEY_OUT_CLEARING",
    )
    plan = decide(
        ns.inputs(
            change(B, T.FUNDS_TRANSFER, "mmt01RUN"),
            run,
            bank_gl_accounts={"bac01CHECKING": checking},
            money_out_clearing_account=clearing,
            funds_transfer_department=department,
            funds_transfer_location=location,
        )
    )
    [cmd] = plan.commands
    posted = await ns.post(cmd)
    [journal] = await ns.records("journalEntry")
    assert journal["id"] == posted.obj.id and journal["externalId"] == "LB_billcom_funds_transfer_mmt01RUN"
    lines = journal["line"]
    assert [(x["account"]["id"], x.get("debit"), x.get("credit")) for x in lines] == [
        (clearing, 250.0, None),
        (checking, None, 250.0),
    ]
    assert {(x["department"]["id"], x["location"]["id"]) for x in lines} == {(department, location)}
    assert (journal["department"]["id"], journal["location"]["id"]) == (department, location)
    again = await ns.post(cmd)  # a re-delivered command finds the journal by its tag and rewrites it
    assert again.adopted and again.obj.id == posted.obj.id
    [journal] = await ns.records("journalEntry")
    assert len(journal["line"]) == 2  # lines replaced, never appended


async def test_approved_only_holds_unapproved_bills_and_netsuite_connections_may_turn_it_off(
    ns: NetSuiteBooks,
) -> None:
    vendor = await ns.make(Vendor(name="Acme Paper"))
    bill = Bill(
        id="00n03BILL",
        vendor_id="00901ACME",
        date=TODAY,
        lines=(ns.line("9.00"),),
        approval_status=ApprovalStatus.APPROVING,
    )
    refs = known({(B, T.VENDOR, "00901ACME"): vendor})
    held = decide(ns.inputs(change(B, T.BILL, "00n03BILL"), bill, refs=refs, sync_only_approved=True))
    assert held.commands == () and held.skipped and held.skipped.startswith("approval")
    released = decide(ns.inputs(change(B, T.BILL, "00n03BILL"), bill, refs=refs, sync_only_approved=False))
    [cmd] = released.commands
    posted = await ns.post(cmd)
    assert (await ns.record("vendorBill", str(posted.obj.id)))["approvalStatus"]["id"] == "2"


async def test_a_payment_recorded_in_netsuite_first_is_explained_as_bill_explains_it(ns: NetSuiteBooks) -> None:
    vendor, bill_id = await a_vendor_and_bill(ns)
    paid_in_netsuite = BillPayment(
        vendor_id=vendor,
        date=TODAY,
        amount=Decimal("100.00"),
        applied_to=(AppliedTo(document_id=bill_id, amount=Decimal("100.00")),),
        bank_account_id=ns.id("account", "US Checking"),
    )
    await ns.make(paid_in_netsuite)
    payment = BillPayment(
        id="stp02PAY",
        vendor_id="00901ACME",
        date=TODAY,
        amount=Decimal("100.00"),
        applied_to=(AppliedTo(document_id="00n04BILL", amount=Decimal("100.00")),),
        funding_account_id="bac01CHECKING",
    )
    refs = known({(B, T.VENDOR, "00901ACME"): vendor, (B, T.BILL, "00n04BILL"): bill_id})
    [cmd] = decide(ns.inputs(change(B, T.BILL_PAYMENT, "stp02PAY"), payment, refs=refs)).commands
    with pytest.raises(ValidationError) as refused:
        await ns.post(cmd)
    assert refused.value.code == "paid_in_netsuite_first"
    reason = reason_for(refused.value, T.BILL_PAYMENT, cmd.desired, L)
    assert "INV-7 was already paid in NetSuite" in reason and "mark it paid in BILL" in reason
    assert len(await ns.records("vendorPayment")) == 1


async def test_a_payment_voided_in_bill_is_deleted_in_netsuite_and_the_bill_reopens(ns: NetSuiteBooks) -> None:
    vendor, bill_id = await a_vendor_and_bill(ns)
    paid = BillPayment(
        vendor_id=vendor,
        date=TODAY,
        amount=Decimal("100.00"),
        applied_to=(AppliedTo(document_id=bill_id, amount=Decimal("100.00")),),
        bank_account_id=ns.id("account", "US Checking"),
    )
    ledger_payment = await ns.books.read(T.BILL_PAYMENT, await ns.make(paid))
    assert ledger_payment is not None and ledger_payment.id
    voided = BillPayment(
        id="stp03PAY",
        vendor_id="00901ACME",
        date=TODAY,
        amount=Decimal("100.00"),
        applied_to=(AppliedTo(document_id="00n05BILL", amount=Decimal("100.00")),),
        voided=True,
    )
    link = link_of(voided.model_copy(update={"voided": False}), ledger_payment)
    [cmd] = decide(ns.inputs(change(B, T.BILL_PAYMENT, "stp03PAY", "voided"), voided, link=link)).commands
    assert (cmd.action, cmd.target_id) == ("void", ledger_payment.id)
    result = await LedgerWriter(ns.books).void(T.BILL_PAYMENT, ledger_payment.id, request_id=cmd.command_id[:32])
    assert result.wrote and await ns.records("vendorPayment") == []
    assert (await ns.record("vendorBill", bill_id))["balance"] == 100.0
    deleted = (await ns.control.get(f"/_sandbox/accounts/{ns.account_id}/deleted")).json()
    assert any(str(row["recordid"]) == ledger_payment.id for row in deleted["deleted"])


async def test_an_unpaid_bill_deleted_in_netsuite_is_removed_from_bill_a_paid_one_is_not(ns: NetSuiteBooks) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    _, bill_id = await a_vendor_and_bill(ns)
    ledger_bill = await ns.books.read(T.BILL, bill_id)
    assert ledger_bill is not None
    await ns.books.delete(T.BILL, bill_id, request_id="del-1")
    [deleted] = [c for c in (await ns.books.changes_since([T.BILL], since)).changes if c.object_id == bill_id]
    assert deleted.operation == "deleted"
    in_bill = Bill(id="00n06BILL", vendor_id="00901ACME", date=TODAY, lines=(ns.line("100.00"),))
    link = link_of(in_bill, ledger_bill)
    ch = change(L, T.BILL, bill_id, "deleted")
    [cmd] = decide(ns.inputs(ch, None, link=link, counterpart=in_bill)).commands
    assert (cmd.target_side, cmd.action, cmd.target_id) == (B, "void", "00n06BILL")
    paid_in_bill = in_bill.model_copy(update={"side_status": {"paymentStatus": "PAID"}})
    plan = decide(ns.inputs(ch, None, link=link, counterpart=paid_in_bill))
    assert plan.commands == () and plan.skipped and plan.skipped.startswith("direction")
