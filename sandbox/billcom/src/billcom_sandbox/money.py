"""Money movement: disbursement and deposit runs, as v2 ``MoneyMovement`` (``mmt``) objects.

A disbursement run takes every scheduled online AP payment whose processDate has come, marks it
paid and debits each funding bank account once for the lump sum of its payments. A deposit run
does the same, as a credit, for received electronic (ACH) payments not yet deposited. Card and
offline receipts never go through a run. Runs are read through v2 only (``List/MoneyMovement.json``,
``Crud/Read/MoneyMovement.json``; BILL documents no v3 equivalent).

Documented fields (developersupport.bill.com article 208196706): ``entity``, ``id``,
``createdTime``, ``updatedTime``, ``name``, ``type`` ("1" payables, "2" receivables), ``amount``
(negative for payables), ``processDate``, ``status`` ("0" sent, "1" confirmed, "2" void). The
others -- ``bankAccountId``, ``paymentIds``, ``bookedAmount``, ``items`` -- and the payments'
``moneyMovementId`` are sandbox extensions: BILL does not document how a run names its bank
account or payments (fidelity table: unknown)."""

from __future__ import annotations

import collections
import secrets
from decimal import Decimal
from typing import Any

from billcom_sandbox.core import money, new_id, num
from billcom_sandbox.documents import D, refresh_bill
from billcom_sandbox.payables import save_payment
from billcom_sandbox.store import Org, Store
from billcom_sandbox.webhooks import emit

Doc = dict[str, Any]
ELECTRONIC_RECEIVABLES = {"ACH", "BANK_ACCOUNT", "WALLET", "EPAYMENT"}


PAYABLES, RECEIVABLES = "1", "2"
CONFIRMED = "1"


def _run(store: Store, org: Org, run_type: str, money_out: bool, bank_id: str, items: list[Doc]) -> Doc:
    """One run. ``amount`` is signed as BILL documents it: money out of the bank is negative."""
    sign = -1 if money_out else 1
    doc: Doc = {
        "entity": "MoneyMovement",
        "id": new_id("money_movement"),
        "name": "".join(secrets.choice("0123456789") for _ in range(15)),
        "type": run_type,
        "amount": num(sign * sum((D(i["usdAmount"]) for i in items), Decimal(0))),
        "processDate": store.clock.today().isoformat(),
        "status": CONFIRMED,
        "bankAccountId": bank_id,
        "bookedAmount": num(sign * sum((D(i["bookedUsdAmount"]) for i in items), Decimal(0))),
        "paymentIds": [i["paymentId"] for i in items],
        "items": items,
    }
    return store.put(org, "money_movement", doc)


def _actual_rate(payment: Doc, currency: str, rates: dict[str, Any]) -> Decimal:
    for key in (payment["id"], currency):
        if key in rates:
            return D(rates[key])
    return D(payment["exchangeRate"])


def disbursement_run(store: Store, org: Org, actual_rates: dict[str, Any] | None = None) -> list[Doc]:
    """Process due scheduled payments; ``actual_rates`` maps a payment id or currency to the
    USD-per-unit rate the bank actually paid (defaults to the booked rate)."""
    rates = actual_rates or {}
    today = store.clock.today().isoformat()
    groups: dict[str, list[Doc]] = collections.defaultdict(list)
    for payment in org.objects["payment"].values():
        if payment["status"] == "SCHEDULED" and payment["onlinePayment"] and payment["processDate"] <= today:
            groups[payment["fundingAccount"]["id"]].append(payment)
    runs = []
    for bank_id, payments in groups.items():
        items = []
        for payment in payments:
            currency = org.get("vendor", payment["vendorId"]).get("billCurrency", "USD")
            actual = _actual_rate(payment, currency, rates)
            items.append(
                {
                    "paymentId": payment["id"],
                    "currency": currency,
                    "amount": payment["amount"],
                    "exchangeRate": payment["exchangeRate"],
                    "actualExchangeRate": float(actual),
                    "bookedUsdAmount": num(money(D(payment["amount"]) * D(payment["exchangeRate"]))),
                    "usdAmount": num(money(D(payment["amount"]) * actual)),
                }
            )
        run = _run(store, org, PAYABLES, True, bank_id, items)
        for payment in payments:
            payment.update(status="PAID", singleStatus="PAID", disbursementStatus="DONE", moneyMovementId=run["id"])
            payment["transactionNumber"] = payment["transactionNumber"] or "T" + run["id"][5:14]
            for bp in payment["billPayments"]:
                bill = org.get("bill", bp["billId"])
                bill["scheduledAmount"] = num(D(bill["scheduledAmount"]) - D(bp["amount"]))
                bill["paidAmount"] = num(D(bill["paidAmount"]) + D(bp["amount"]))
                refresh_bill(bill)
                store.put(org, "bill", bill)
                emit(store, org, "bill", "updated", bill)
            save_payment(store, org, payment)
        runs.append(run)
    return runs


def deposit_run(store: Store, org: Org) -> list[Doc]:
    today = store.clock.today().isoformat()
    groups: dict[str, list[Doc]] = collections.defaultdict(list)
    for rp in org.objects["receivable_payment"].values():
        if (
            rp["status"] == "PAID"
            and rp["onlinePayment"]
            and rp["receivablesType"] in ELECTRONIC_RECEIVABLES
            and not rp.get("moneyMovementId")
            and rp["paymentDate"] <= today
        ):
            groups[rp["fundingAccount"]["id"]].append(rp)
    runs = []
    for bank_id, receipts in groups.items():
        items = [
            {
                "paymentId": rp["id"],
                "currency": "USD",
                "amount": rp["amount"],
                "exchangeRate": 1.0,
                "actualExchangeRate": 1.0,
                "bookedUsdAmount": rp["amount"],
                "usdAmount": rp["amount"],
            }
            for rp in receipts
        ]
        run = _run(store, org, RECEIVABLES, False, bank_id, items)
        for rp in receipts:
            rp["moneyMovementId"] = run["id"]
            store.put(org, "receivable_payment", rp)
        runs.append(run)
    return runs


def refund_run(store: Store, org: Org, payment: Doc) -> Doc:
    """A voided, already-disbursed payment: the money comes back to the funding bank account, as a
    payables movement with a positive amount (how BILL records it is not documented: unknown)."""
    original = org.get("money_movement", payment["moneyMovementId"])
    item = next(i for i in original["items"] if i["paymentId"] == payment["id"])
    return _run(store, org, PAYABLES, False, payment["fundingAccount"]["id"], [dict(item)])
