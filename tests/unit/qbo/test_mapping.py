"""QBO JSON ↔ canonical mapping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.fingerprint import fingerprint
from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    Classifications,
    ObjectType,
    TransactionLine,
)
from ledgerbridge_common.connectors.qbo.mapping import MAPS
from ledgerbridge_common.connectors.qbo.mapping_common import CompanySetup, note_with_tag, split_note
from ledgerbridge_common.errors import ValidationError

USD = CompanySetup()
MULTI = CompanySetup(home_currency="USD", multi_currency=True)


def test_tag_and_void_marker_round_trip() -> None:
    note = note_with_tag("check 1001", "LB:billcom:pay:1")
    assert note == "check 1001 [lb-tag:LB:billcom:pay:1]"
    assert split_note(note) == ("check 1001", "LB:billcom:pay:1", False)
    assert split_note("Voided - " + note) == ("check 1001", "LB:billcom:pay:1", True)
    assert split_note(None) == (None, None, False)


def test_bill_to_qbo_and_back() -> None:
    bill = Bill(
        vendor_id="46",
        number="INV-1",
        date=dt.date(2026, 1, 2),
        memo="m",
        lines=(
            TransactionLine(
                amount=Decimal("10.50"),
                description="a",
                classifications=Classifications(account_id="7", class_id="3", department_id="2"),
            ),
            TransactionLine(
                amount=Decimal("1"),
                quantity=Decimal(2),
                unit_price=Decimal("0.5"),
                classifications=Classifications(item_id="9", department_id="2"),
            ),
        ),
    )
    out = MAPS[ObjectType.BILL].to_qbo(bill, USD, "T1")
    assert out["VendorRef"] == {"value": "46"} and out["DepartmentRef"] == {"value": "2"}
    assert out["Line"][0]["AccountBasedExpenseLineDetail"] == {
        "AccountRef": {"value": "7"},
        "ClassRef": {"value": "3"},
    }
    assert out["Line"][1]["DetailType"] == "ItemBasedExpenseLineDetail" and "CurrencyRef" not in out
    answer = {
        **out,
        "Id": "108",
        "SyncToken": "2",
        "TotalAmt": 11.5,
        "Balance": 11.5,
        "CurrencyRef": {"value": "USD"},
        "MetaData": {
            "CreateTime": "2026-01-02T10:00:00-07:00",
            "LastUpdatedTime": "2026-01-03T10:00:00-07:00",
        },
    }
    back = MAPS[ObjectType.BILL].from_qbo(answer, USD)
    assert isinstance(back, Bill) and fingerprint(back) == fingerprint(bill)
    assert back.side_status["tag"] == "T1" and back.updated_at is not None


def test_currency_rules() -> None:
    euro = Bill(
        vendor_id="1",
        date=dt.date(2026, 1, 1),
        currency="EUR",
        exchange_rate=Decimal("1.2"),
        lines=(TransactionLine(amount=Decimal(1), classifications=Classifications(account_id="7")),),
    )
    with pytest.raises(ValidationError):
        MAPS[ObjectType.BILL].to_qbo(euro, USD, None)
    out = MAPS[ObjectType.BILL].to_qbo(euro, MULTI, None)
    assert out["CurrencyRef"] == {"value": "EUR"} and out["ExchangeRate"] == 1.2


def test_bill_payment_links_bills_and_credits() -> None:
    payment = BillPayment(
        vendor_id="46",
        date=dt.date(2026, 1, 5),
        amount=Decimal("70"),
        applied_to=(AppliedTo(document_id="108", amount=Decimal("100")),),
        vendor_credits=(AppliedTo(document_id="110", amount=Decimal("30")),),
        bank_account_id="4",
        reference="ACH-7",
    )
    out = MAPS[ObjectType.BILL_PAYMENT].to_qbo(payment, USD, None)
    assert out["PayType"] == "Check" and out["CheckPayment"]["BankAccountRef"] == {"value": "4"}
    assert [ln["LinkedTxn"][0]["TxnType"] for ln in out["Line"]] == ["Bill", "VendorCredit"]
    back = MAPS[ObjectType.BILL_PAYMENT].from_qbo({**out, "Id": "1", "SyncToken": "0"}, USD)
    assert fingerprint(back) == fingerprint(payment)
    with pytest.raises(ValidationError):
        MAPS[ObjectType.BILL_PAYMENT].to_qbo(payment.model_copy(update={"bank_account_id": None}), USD, None)


def test_invoice_skips_the_subtotal_line() -> None:
    data = {
        "Id": "1",
        "SyncToken": "0",
        "CustomerRef": {"value": "3"},
        "TxnDate": "2026-01-01",
        "Line": [
            {
                "Id": "1",
                "Amount": 5,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "16"}},
            },
            {"Amount": 5, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
        ],
    }
    invoice = MAPS[ObjectType.INVOICE].from_qbo(data, USD)
    assert len(invoice.lines) == 1 and invoice.lines[0].classifications.item_id == "16"  # type: ignore[attr-defined]
