from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerbridge_common.canonical.models import ApprovalStatus
from ledgerbridge_common.connectors.billcom import ACCOUNT_TYPES
from ledgerbridge_common.connectors.billcom import mapping as m
from ledgerbridge_common.connectors.billcom import mapping_txn as t

QBO_ACCOUNT_TYPES = {
    "Bank",
    "Accounts Receivable",
    "Other Current Asset",
    "Fixed Asset",
    "Other Asset",
    "Accounts Payable",
    "Credit Card",
    "Other Current Liability",
    "Long Term Liability",
    "Equity",
    "Income",
    "Cost of Goods Sold",
    "Expense",
    "Other Income",
    "Other Expense",
    "Non-Posting",
}


def test_every_bill_account_type_maps_into_qbo_vocabulary() -> None:
    assert set(ACCOUNT_TYPES.values()) == QBO_ACCOUNT_TYPES
    unspecified = m.account_in({"id": "0ca1", "name": "x", "account": {"type": "UNSPECIFIED"}})
    assert unspecified.account_type == "Expense" and unspecified.side_status["billcom_type"] == "UNSPECIFIED"


def test_bill_json_to_canonical() -> None:
    raw = {
        "id": "00n01AAAAAAAAAAAAAAA",
        "archived": False,
        "vendorId": "009x",
        "amount": 150.5,
        "exchangeRate": 1.0,
        "dueDate": "2030-02-01",
        "invoice": {"invoiceNumber": "A-1", "invoiceDate": "2030-01-01"},
        "billLineItems": [
            {
                "amount": 150.5,
                "quantity": 1.0,
                "price": 150.5,
                "classifications": {"chartOfAccountId": "0ca1", "accountingClassId": "cls1"},
            }
        ],
        "approvalStatus": "APPROVING",
        "paymentStatus": "UNPAID",
        "createdTime": "2030-01-01T00:00:00.000+00:00",
        "updatedTime": "2030-01-01T00:00:01.000+0000",
    }
    bill = t.bill_in(raw)
    assert (bill.number, bill.date, bill.total, bill.exchange_rate) == (
        "A-1",
        dt.date(2030, 1, 1),
        Decimal("150.50"),
        1,
    )
    assert bill.approval_status is ApprovalStatus.APPROVING
    assert bill.lines[0].classifications.class_id == "cls1" and bill.lines[0].quantity == 1
    assert bill.updated_at == dt.datetime(2030, 1, 1, 0, 0, 1, tzinfo=dt.UTC)
    body = t.bill_out(bill)
    assert body["billLineItems"][0]["classifications"] == {
        "chartOfAccountId": "0ca1",
        "accountingClassId": "cls1",
    }
    assert body["invoice"] == {"invoiceNumber": "A-1", "invoiceDate": "2030-01-01"} and "exchangeRate" not in body


def test_received_payment_methods() -> None:
    assert t.payment_method({"onlinePayment": True, "receivablesType": "ACH"}) == "electronic"
    assert t.payment_method({"onlinePayment": True, "receivablesType": "CREDIT_CARD"}) == "card"
    assert t.payment_method({"onlinePayment": False, "paymentType": "CHECK"}) == "offline"


def test_stable_decimals() -> None:
    assert str(m.dec(150.0)) == "150" and str(m.dec("1.20")) == "1.2" and m.dec(None) is None
    assert m.format_time(dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)) == "2030-01-01T12:00:00.000+0000"
