"""Money movement: disbursement and deposit runs, as ``mmt`` objects.

A disbursement run takes every scheduled online AP payment whose processDate has come, marks it
paid and debits each funding bank account once for the lump sum of its payments. A deposit run
does the same, as a credit, for received electronic (ACH) payments not yet deposited. Card and
offline receipts never go through a run. Runs are readable through the (sandbox-only)
``/v3/money-movements`` endpoints; each payment carries its run id in ``moneyMovementId``."""

from __future__ import annotations

import collections
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request

from billcom_sandbox.core import money, new_id, num
from billcom_sandbox.documents import D, refresh_bill
from billcom_sandbox.listing import list_page
from billcom_sandbox.payables import save_payment
from billcom_sandbox.resources import org_of
from billcom_sandbox.store import Org, Store
from billcom_sandbox.webhooks import emit

Doc = dict[str, Any]
ELECTRONIC_RECEIVABLES = {"ACH", "BANK_ACCOUNT", "WALLET", "EPAYMENT"}


def _run(store: Store, org: Org, run_type: str, direction: str, bank_id: str, items: list[Doc]) -> Doc:
    doc: Doc = {
        "id": new_id("money_movement"),
        "archived": False,
        "type": run_type,
        "direction": direction,
        "bankAccountId": bank_id,
        "amount": num(sum((D(i["usdAmount"]) for i in items), Decimal(0))),
        "bookedAmount": num(sum((D(i["bookedUsdAmount"]) for i in items), Decimal(0))),
        "currency": "USD",
        "processDate": store.clock.today().isoformat(),
        "status": "DONE",
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
        run = _run(store, org, "DISBURSEMENT", "MONEY_OUT", bank_id, items)
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
        run = _run(store, org, "DEPOSIT", "MONEY_IN", bank_id, items)
        for rp in receipts:
            rp["moneyMovementId"] = run["id"]
            store.put(org, "receivable_payment", rp)
        runs.append(run)
    return runs


def refund_run(store: Store, org: Org, payment: Doc) -> Doc:
    """A voided, already-disbursed payment: the money comes back to the funding bank account."""
    original = org.get("money_movement", payment["moneyMovementId"])
    item = next(i for i in original["items"] if i["paymentId"] == payment["id"])
    return _run(store, org, "VOID_REFUND", "MONEY_IN", payment["fundingAccount"]["id"], [dict(item)])


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.get("/v3/money-movements")
    async def list_runs(request: Request) -> Doc:
        docs = org_of(request).objects["money_movement"].values()
        return list_page(docs, dict(request.query_params), store.settings.max_page_size)

    @api.get("/v3/money-movements/{run_id}")
    async def read_run(request: Request, run_id: str) -> Doc:
        return org_of(request).get("money_movement", run_id, "money movement")

    return api
