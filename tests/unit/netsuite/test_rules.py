"""BILL's NetSuite rules in their pure parts: the header classifications the preferences choose,
the offer of those preferences to NetSuite connections only, a payment recorded in NetSuite first,
document payment states, vendor names and funds transfers as two-line journals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    Classifications,
    FundsTransfer,
    ObjectType,
    TransactionLine,
    Vendor,
)
from ledgerbridge_common.connectors.billcom.mapping import vendor_in, vendor_out
from ledgerbridge_common.connectors.netsuite.mapping_common import Setup
from ledgerbridge_common.connectors.netsuite.mapping_lists import party_to, person_names, vendor_from
from ledgerbridge_common.connectors.netsuite.mapping_transfer import transfer_from, transfer_to
from ledgerbridge_common.connectors.netsuite.mapping_txns import payables_to, payment_status
from ledgerbridge_common.connectors.netsuite.rules import paid_first_reason, subsidiary_reason, usable_in
from ledgerbridge_common.errors import ValidationError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.events.preferences import PreferenceValues
from prefs_api.domain.rules import apply_patch
from sync_engine.domain.headers import default_header
from tests.unit.sync_engine.builders import prefs

SETUP = Setup(subsidiary_id="2", home_currency="USD", currency_ids={"USD": "1"})
T = ObjectType
DAY = dt.date(2026, 3, 1)


def test_default_classifications_pick_payables_or_receivables_by_type() -> None:
    chosen = prefs(default_payables_department="3", default_payables_class="7", default_receivables_location="1")
    assert default_header(T.BILL_PAYMENT, chosen) == Classifications(department_id="3", class_id="7")
    assert default_header(T.INVOICE, chosen) == Classifications(location_id="1")
    assert default_header(T.VENDOR, chosen) is None
    assert default_header(T.BILL, prefs()) is None


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(LedgerKind.ORACLE_NETSUITE, []), (LedgerKind.QUICKBOOKS_ONLINE, ["unavailable_for_ledger_kind"])],
)
def test_default_classifications_are_offered_to_netsuite_connections_only(
    kind: LedgerKind, expected: list[str]
) -> None:
    _, violations, _ = apply_patch(kind, PreferenceValues(), {"default_payables_department": "3"}, {}, {})
    assert [v.code for v in violations] == expected


def test_paid_first_reason_names_the_bill_and_what_to_do() -> None:
    bill = Bill(id="9", vendor_id="4", number="INV-7", date=DAY, lines=(), side_status={"balance": 0})
    payment = BillPayment(
        vendor_id="4", date=DAY, amount=Decimal(50), applied_to=(AppliedTo(document_id="9", amount=Decimal(50)),)
    )
    reason = paid_first_reason(payment, {"9": bill})
    assert reason and "INV-7 was already paid in NetSuite" in reason and "mark it paid in BILL" in reason
    still_open = bill.model_copy(update={"side_status": {"balance": 50}})
    assert paid_first_reason(payment, {"9": still_open}) is None


def test_payment_status_from_netsuite_amounts() -> None:
    assert [payment_status(100, 100), payment_status(100, 40), payment_status(100, 0)] == ["OPEN", "PARTIAL", "PAID"]
    assert payment_status(None, 10) is None


def test_vendor_names_company_or_individual_and_ids_cut_to_20() -> None:
    assert person_names("Jane van Doe") == ("Jane van", "Doe")
    with pytest.raises(ValidationError, match="first and a last name"):
        person_names("Cher")
    body = party_to(Vendor(name="Jane Doe", vendor_type="individual", short_name="JD-1"), SETUP)
    assert (body["isPerson"], body["firstName"], body["lastName"], body["entityId"]) == (True, "Jane", "Doe", "JD-1")
    assert "companyName" not in body
    read = vendor_from({"id": "5", "companyName": "Acme", "entityId": "A" * 25, "isPerson": False}, SETUP)
    assert (read.name, read.short_name, read.vendor_type) == ("Acme", "A" * 20, None)


def test_funds_transfer_is_a_two_line_journal_both_ways() -> None:
    run = FundsTransfer(
        date=DAY,
        amount=Decimal("12.50"),
        from_account_id="10",
        to_account_id="20",
        memo="BILL disbursement run r1",
        location_id="1",
        department_id="3",
    )
    body = transfer_to(run, SETUP)
    assert body["line"]["items"] == [
        {
            "account": {"id": "20"},
            "debit": 12.5,
            "memo": "BILL disbursement run r1",
            "department": {"id": "3"},
            "location": {"id": "1"},
        },
        {
            "account": {"id": "10"},
            "credit": 12.5,
            "memo": "BILL disbursement run r1",
            "department": {"id": "3"},
            "location": {"id": "1"},
        },
    ]
    back = transfer_from({"id": "8", "tranDate": "2026-03-01", **body}, SETUP)
    assert back.model_copy(update={"id": None}) == run
    with pytest.raises(ValidationError):
        transfer_from({"id": "9", "tranDate": "2026-03-01", "line": {"items": body["line"]["items"][:1]}}, SETUP)


def test_lines_of_a_bill_keep_their_own_classifications_beside_the_header() -> None:
    bill = Bill(
        vendor_id="4",
        date=DAY,
        lines=(TransactionLine(amount=Decimal(5), classifications=Classifications(account_id="6", location_id="1")),),
        header_classifications=Classifications(department_id="3"),
    )
    body = payables_to(bill, SETUP)
    assert body["department"] == {"id": "3"} and "location" not in body
    assert body["expense"]["items"][0]["location"] == {"id": "1"} and body["approvalStatus"] == {"id": "2"}


def test_bill_vendors_carry_their_short_name_and_person_type() -> None:
    raw = {"id": "00901JANE", "name": "Jane Doe", "shortName": "JD-1", "accountType": "PERSON", "archived": False}
    vendor = vendor_in(raw)
    assert (vendor.short_name, vendor.vendor_type) == ("JD-1", "individual")
    assert vendor_out(vendor)["accountType"] == "PERSON" and vendor_out(vendor)["shortName"] == "JD-1"
    company = vendor_in({**raw, "accountType": "BUSINESS", "shortName": None})
    assert (company.short_name, company.vendor_type) == (None, None)
    assert vendor_out(company)["accountType"] == "BUSINESS"


def test_a_reference_outside_the_linked_subsidiary_is_said_plainly() -> None:
    reason = subsidiary_reason("Invalid entity reference key 12 for subsidiary 2.", "US Subsidiary")
    assert reason and reason.startswith("The vendor or customer with NetSuite id 12 does not belong to the subsidiary")
    assert "'US Subsidiary'" in reason
    assert subsidiary_reason("The accounting period for 2026-01-31 is closed.", "US Subsidiary") is None


def test_a_multi_subsidiary_record_is_usable_where_listed_or_inherited() -> None:
    chain = ["2", "1"]  # US Subsidiary under Parent Company
    assert usable_in("2", False, chain) and usable_in("3, 2", False, chain)
    assert usable_in("1", True, chain) and not usable_in("1", False, chain)
    assert not usable_in("3", True, chain) and not usable_in(None, True, chain)
