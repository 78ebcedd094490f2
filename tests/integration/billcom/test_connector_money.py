"""Contract: AP payments, bills paid outside BILL, received payments and money-movement runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    Customer,
    FundsTransfer,
    Invoice,
    ObjectType,
    ReceivedPayment,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.billcom import MONEY_IN_CLEARING, MONEY_OUT_CLEARING, BillcomHttpConnector
from ledgerbridge_common.errors import ValidationError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(20)]


async def _bill(connector: BillcomHttpConnector, vendor_id: str, amount: str, number: str, **kw: Any) -> Bill:
    bill = await connector.create(
        Bill(
            vendor_id=vendor_id,
            number=number,
            date=dt.date(2030, 1, 1),
            lines=(TransactionLine(amount=Decimal(amount)),),
            **kw,
        )
    )
    assert isinstance(bill, Bill)
    return bill


async def _tomorrow(control: Any) -> dt.date:
    now = (await control.call("GET", "/clock"))["now"]
    return dt.date.fromisoformat(now[:10]) + dt.timedelta(days=1)


def _payment(bill: Bill, amount: str, funding: str, day: dt.date, **kw: Any) -> BillPayment:
    return BillPayment(
        vendor_id=bill.vendor_id,
        date=day,
        amount=Decimal(amount),
        applied_to=(AppliedTo(document_id=bill.id or "", amount=Decimal(amount)),),
        funding_account_id=funding,
        **kw,
    )


async def _run(control: Any, org: dict[str, Any], kind: str, **body: Any) -> list[dict[str, Any]]:
    await control.call("POST", "/clock/advance", {"days": 3})
    runs: list[dict[str, Any]] = (await control.call("POST", f"/orgs/{org['organizationId']}/runs/{kind}", body))[
        "runs"
    ]
    return runs


async def test_disbursement_run_lump_sum_per_bank(
    connector: BillcomHttpConnector, control: Any, org: dict[str, Any]
) -> None:
    bank = org["bankAccount"]["id"]
    vendor = await connector.create(Vendor(name="Paper Co"))
    bills = [await _bill(connector, vendor.id or "", amt, f"P-{i}") for i, amt in enumerate(("100", "200"))]
    payments = [await connector.create(_payment(b, str(b.total), bank, await _tomorrow(control))) for b in bills]
    assert all(p.id and p.id.startswith("stp") for p in payments)
    first = payments[0]
    assert isinstance(first, BillPayment) and first.run_id is None and first.side_status["status"] == "SCHEDULED"

    runs = await _run(control, org, "disbursement")
    assert len(runs) == 1 and runs[0]["id"].startswith("mmt")
    paid = await connector.read(ObjectType.BILL_PAYMENT, first.id or "")
    assert isinstance(paid, BillPayment) and paid.run_id == runs[0]["id"] and paid.side_status["status"] == "PAID"
    assert paid.applied_to == (AppliedTo(document_id=bills[0].id or "", amount=Decimal(100)),)
    assert paid.funding_account_id == bank and not paid.paid_outside

    transfer = await connector.read_run(runs[0]["id"])
    assert isinstance(transfer, FundsTransfer)
    assert (transfer.amount, transfer.direction, transfer.from_account_id, transfer.to_account_id) == (
        Decimal(300),
        "money_out",
        bank,
        MONEY_OUT_CLEARING,
    )
    assert sorted(transfer.payment_ids) == sorted(p.id or "" for p in payments)
    bill = await connector.read(ObjectType.BILL, bills[0].id or "")
    assert bill is not None and bill.side_status["paymentStatus"] == "PAID"
    changed = await connector.list_changed(ObjectType.FUNDS_TRANSFER, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert [c.object_id for c in changed.changes] == [runs[0]["id"]]


async def test_one_run_per_funding_bank_account(connector: BillcomHttpConnector, control: Any) -> None:
    org = await control.seed(
        bankAccounts=[
            {"nameOnAccount": "Ops", "accountNumber": "11112222"},
            {"nameOnAccount": "Payroll", "accountNumber": "33334444"},
        ]
    )
    from tests.integration.billcom.conftest import FAST_RETRY, credentials

    other = BillcomHttpConnector(connector.client.http, credentials(org), retry=FAST_RETRY)
    vendor = await other.create(Vendor(name="Two Banks"))
    for i, bank in enumerate(org["bankAccounts"]):
        bill = await _bill(other, vendor.id or "", "50", f"TB-{i}")
        await other.create(_payment(bill, "50", bank["id"], await _tomorrow(control)))
    runs = await _run(control, org, "disbursement")
    assert sorted((r["bankAccountId"], r["amount"]) for r in runs) == sorted(
        (b["id"], -50.0) for b in org["bankAccounts"]
    )
    assert all((r["entity"], r["type"], r["status"]) == ("MoneyMovement", "1", "1") for r in runs)


async def test_foreign_currency_run_carries_actual_usd(
    connector: BillcomHttpConnector, control: Any, org: dict[str, Any]
) -> None:
    vendor = await connector.create(Vendor(name="Euro Supplies", currency="EUR"))
    bill = await _bill(connector, vendor.id or "", "100", "EUR-1", currency="EUR", exchange_rate=Decimal("1.2"))
    payment = await connector.create(_payment(bill, "100", org["bankAccount"]["id"], await _tomorrow(control)))
    assert isinstance(payment, BillPayment) and (payment.currency, payment.exchange_rate) == (
        "EUR",
        Decimal("1.2"),
    )
    runs = await _run(control, org, "disbursement", actualRates={"EUR": 1.0})
    transfer = await connector.read_run(runs[0]["id"])
    assert transfer is not None and transfer.amount == Decimal(100)
    assert Decimal(transfer.side_status["booked_amount"]) == Decimal(120)  # FX difference 20 to Gain/Loss


async def test_vendor_credit_applied_to_payment(
    connector: BillcomHttpConnector, control: Any, org: dict[str, Any]
) -> None:
    vendor = await connector.create(Vendor(name="Credit Vendor"))
    bill = await _bill(connector, vendor.id or "", "100", "VC-B")
    credit = await connector.create(
        VendorCredit(vendor_id=vendor.id or "", date=dt.date(2030, 1, 1), lines=(TransactionLine(amount=Decimal(30)),))
    )
    payment = await connector.create(
        _payment(
            bill,
            "70",
            org["bankAccount"]["id"],
            await _tomorrow(control),
            vendor_credits=(AppliedTo(document_id=credit.id or "", amount=Decimal(30)),),
        )
    )
    assert isinstance(payment, BillPayment)
    assert payment.vendor_credits == (AppliedTo(document_id=credit.id or "", amount=Decimal(30)),)
    applied = await connector.read(ObjectType.VENDOR_CREDIT, credit.id or "")
    assert applied is not None and applied.side_status["status"] == "FULLY_APPLIED"


async def test_paid_outside_cancel_and_void(connector: BillcomHttpConnector, control: Any, org: dict[str, Any]) -> None:
    vendor = await connector.create(Vendor(name="Mixed Vendor"))
    outside_bill = await _bill(connector, vendor.id or "", "40", "OUT-1")
    outside = await connector.create(
        BillPayment(
            vendor_id=vendor.id or "",
            date=dt.date(2030, 1, 2),
            amount=Decimal(40),
            paid_outside=True,
            applied_to=(AppliedTo(document_id=outside_bill.id or "", amount=Decimal(40)),),
            reference="chk 1001",
        )
    )
    assert isinstance(outside, BillPayment) and outside.paid_outside and outside.run_id is None
    assert outside.reference == "chk 1001"

    bank = org["bankAccount"]["id"]
    cancel_bill = await _bill(connector, vendor.id or "", "10", "C-1")
    scheduled = await connector.create(_payment(cancel_bill, "10", bank, await _tomorrow(control)))
    cancelled = await connector.cancel_payment(scheduled.id or "")
    assert isinstance(cancelled, BillPayment) and cancelled.voided
    reopened = await connector.read(ObjectType.BILL, cancel_bill.id or "")
    assert reopened is not None and reopened.side_status["paymentStatus"] == "UNPAID"

    void_bill = await _bill(connector, vendor.id or "", "25", "V-1")
    to_void = await connector.create(_payment(void_bill, "25", bank, await _tomorrow(control)))
    with pytest.raises(ValidationError):
        await connector.void_payment(to_void.id or "")  # not processed yet: cancel, not void
    await _run(control, org, "disbursement")
    voided = await connector.void_payment(to_void.id or "", reason="wrong vendor")
    assert isinstance(voided, BillPayment) and voided.voided
    refund = await connector.read_run(voided.side_status["voidMoneyMovementId"])
    assert refund is not None and refund.direction == "money_in" and refund.amount == Decimal(25)
    changes = await connector.list_changed(ObjectType.BILL_PAYMENT, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert {c.object_id: c.operation for c in changes.changes}[to_void.id or ""] == "voided"


async def test_received_payments_methods_and_deposit_run(
    connector: BillcomHttpConnector, control: Any, org: dict[str, Any]
) -> None:
    customer = await connector.create(Customer(name="Payer LLC"))
    invoices = []
    for i in range(3):
        invoices.append(
            await connector.create(
                Invoice(
                    customer_id=customer.id or "",
                    number=f"AR-{i}",
                    date=dt.date(2030, 1, 1),
                    lines=(TransactionLine(amount=Decimal(100)),),
                )
            )
        )
    offline = await connector.create(
        ReceivedPayment(
            customer_id=customer.id or "",
            date=dt.date(2030, 1, 5),
            amount=Decimal(100),
            method="offline",
            reference="chk 77",
            applied_to=(AppliedTo(document_id=invoices[0].id or "", amount=Decimal(100)),),
        )
    )
    assert isinstance(offline, ReceivedPayment) and offline.id and offline.id.startswith("0rp")
    assert offline.method == "offline" and offline.reference == "chk 77"
    org_id = org["organizationId"]
    ach = await control.call(
        "POST",
        f"/orgs/{org_id}/receivable-payments",
        {"customerId": customer.id, "amount": 100, "invoices": [{"id": invoices[1].id, "amount": 100}]},
    )
    card = await control.call(
        "POST",
        f"/orgs/{org_id}/receivable-payments",
        {
            "customerId": customer.id,
            "amount": 100,
            "receivablesType": "CREDIT_CARD",
            "invoices": [{"id": invoices[2].id, "amount": 100}],
        },
    )

    runs = await _run(control, org, "deposit")
    assert len(runs) == 1 and runs[0]["paymentIds"] == [ach["id"]]
    electronic = await connector.read(ObjectType.RECEIVED_PAYMENT, ach["id"])
    by_card = await connector.read(ObjectType.RECEIVED_PAYMENT, card["id"])
    assert isinstance(electronic, ReceivedPayment) and electronic.method == "electronic"
    assert electronic.run_id == runs[0]["id"]
    assert isinstance(by_card, ReceivedPayment) and by_card.method == "card" and by_card.run_id is None
    transfer = await connector.read_run(runs[0]["id"])
    assert transfer is not None and (transfer.direction, transfer.from_account_id, transfer.amount) == (
        "money_in",
        MONEY_IN_CLEARING,
        Decimal(100),
    )
    paid = await connector.read(ObjectType.INVOICE, invoices[1].id or "")
    assert paid is not None and paid.side_status["status"] == "PAID"
    polled = await connector.list_changed(ObjectType.RECEIVED_PAYMENT, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert {c.object_id for c in polled.changes} == {offline.id, ach["id"], card["id"]}


async def test_bank_accounts_and_gl_mapping(connector: BillcomHttpConnector, org: dict[str, Any]) -> None:
    [bank] = await connector.list_bank_accounts()
    assert (bank.id, bank.last4, bank.chart_of_account_id) == (
        org["bankAccount"]["id"],
        "2333",
        org["chartOfAccounts"]["Checking"],
    )
    updated = await connector.update_bank_account_gl(bank.id, org["chartOfAccounts"]["Professional Fees"])
    assert updated.chart_of_account_id == org["chartOfAccounts"]["Professional Fees"]
    [again] = await connector.list_bank_accounts()
    assert again.chart_of_account_id == updated.chart_of_account_id


async def test_payment_needs_a_trusted_session_and_the_connector_never_tries_without(
    sandbox_url: str, control: Any, org: dict[str, Any]
) -> None:
    from tests.integration.billcom.conftest import FAST_RETRY, credentials

    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as http:
        untrusted = BillcomHttpConnector(http, credentials(org, trusted=False), retry=FAST_RETRY)
        vendor = await untrusted.create(Vendor(name="No MFA Co"))
        bill = await _bill(untrusted, vendor.id or "", "60", "MFA-1")
        before = (await control.call("GET", "/counters"))["byPath"].get("POST /connect/v3/payments", 0)
        with pytest.raises(ValidationError) as caught:
            await untrusted.create(_payment(bill, "60", org["bankAccount"]["id"], await _tomorrow(control)))
        assert caught.value.code == "mfa_not_trusted" and "MFA-trusted" in str(caught.value)
        after = (await control.call("GET", "/counters"))["byPath"].get("POST /connect/v3/payments", 0)
        assert after == before  # it did not try

        # recording a bill paid outside BILL needs no MFA (not among the protected operations)
        outside = await untrusted.create(
            BillPayment(
                vendor_id=vendor.id or "",
                date=dt.date(2030, 1, 2),
                amount=Decimal(60),
                paid_outside=True,
                applied_to=(AppliedTo(document_id=bill.id or "", amount=Decimal(60)),),
            )
        )
        assert isinstance(outside, BillPayment) and outside.paid_outside

        # an expired remembered device (30 days) gives an untrusted session: a clear permanent reason
        await control.call("POST", "/clock/advance", {"days": 31})
        stale = BillcomHttpConnector(http, credentials(org), retry=FAST_RETRY)
        bill2 = await _bill(stale, vendor.id or "", "10", "MFA-2")
        with pytest.raises(ValidationError) as expired:
            await stale.create(_payment(bill2, "10", org["bankAccount"]["id"], await _tomorrow(control)))
        assert expired.value.code == "mfa_not_trusted" and "30 days" in str(expired.value)
