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


def test_filter_time_is_quoted_utc_with_z() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert m.filter_time(dt.datetime(2026, 1, 1, 2, 0, 0, 5000, tzinfo=plus_two)) == '"2026-01-01T00:00:00.005Z"'


def _movement(**fields: object) -> dict[str, object]:
    """A v2 MoneyMovement as in developersupport.bill.com article 208196706, plus the sandbox's links."""
    base: dict[str, object] = {
        "entity": "MoneyMovement",
        "id": "mmt01IKTBNYOBYHKS1jm",
        "createdTime": "2016-12-10T23:20:01.000+0000",
        "updatedTime": "2016-12-10T23:20:01.000+0000",
        "name": "090310010002001",
        "type": "1",
        "amount": -3000.00,
        "processDate": "2016-12-11",
        "status": "1",
        "bankAccountId": "bac01XXXXXXXXXXXXXXX",
        "bookedAmount": -3100.00,
        "paymentIds": ["stp01A", "stp01B"],
    }
    return base | fields


def test_v2_money_movement_runs() -> None:
    out = t.funds_transfer_in(_movement())
    assert (out.amount, out.direction, out.from_account_id, out.to_account_id) == (
        Decimal(3000),
        "money_out",
        "bac01XXXXXXXXXXXXXXX",
        t.MONEY_OUT_CLEARING,
    )
    assert out.side_status["type"] == "DISBURSEMENT" and out.side_status["status"] == "CONFIRMED"
    assert out.side_status["booked_amount"] == "3100.00" and out.payment_ids == ("stp01A", "stp01B")
    assert out.date == dt.date(2016, 12, 11)
    deposit = t.funds_transfer_in(_movement(type="2", amount=500.0, bookedAmount=500.0))
    assert (deposit.direction, deposit.from_account_id, deposit.to_account_id, deposit.side_status["type"]) == (
        "money_in",
        t.MONEY_IN_CLEARING,
        "bac01XXXXXXXXXXXXXXX",
        "DEPOSIT",
    )
    refund = t.funds_transfer_in(_movement(amount=25.0, bookedAmount=25.0))
    assert (refund.direction, refund.from_account_id, refund.side_status["type"]) == (
        "money_in",
        t.MONEY_OUT_CLEARING,
        "VOID_REFUND",
    )
