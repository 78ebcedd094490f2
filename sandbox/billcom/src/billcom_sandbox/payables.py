"""AP money: bill approvals, payments (schedule, cancel, void) and bills paid outside BILL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request

from billcom_sandbox.core import MFA_REQUIRED, BillError, money, new_id, num, parse_date
from billcom_sandbox.documents import D, credit_status, refresh_bill
from billcom_sandbox.listing import list_page
from billcom_sandbox.resources import json_body, org_of, required
from billcom_sandbox.store import Org, Store
from billcom_sandbox.webhooks import emit

Doc = dict[str, Any]
UNPAYABLE_APPROVAL = {"ASSIGNED", "APPROVING", "DENIED"}


def next_business_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _touch_bill(store: Store, org: Org, bill: Doc) -> None:
    refresh_bill(bill)
    store.put(org, "bill", bill)
    emit(store, org, "bill", "updated", bill)


def save_payment(store: Store, org: Org, payment: Doc) -> Doc:
    store.put(org, "payment", payment)
    emit(store, org, "payment", "updated", payment)
    return payment


def _apply_credits(store: Store, org: Org, vendor_id: str, raw: Any, sign: int) -> list[Doc]:
    applied: list[Doc] = []
    for item in raw or []:
        credit = org.get("vendor_credit", str(item.get("id")), "vendor credit")
        amount = money(item.get("amount"), "vendorCredits.amount")
        if credit["vendorId"] != vendor_id or credit["archived"]:
            raise BillError.invalid(f"vendor credit {credit['id']} cannot be applied to this vendor")
        new_applied = D(credit["appliedAmount"]) + sign * amount
        if new_applied > D(credit["amount"]) or new_applied < 0:
            raise BillError.invalid(f"vendor credit {credit['id']} has not enough unapplied amount")
        credit["appliedAmount"] = num(new_applied)
        credit["status"] = credit_status(D(credit["amount"]), new_applied)
        store.put(org, "vendor_credit", credit)
        applied.append({"id": credit["id"], "amount": num(amount)})
    return applied


def _release(store: Store, org: Org, payment: Doc, from_field: str) -> None:
    """Undo a payment's effect on its bills (cancel or void)."""
    for bp in payment["billPayments"]:
        bill = org.get("bill", bp["billId"])
        bill[from_field] = num(D(bill[from_field]) - D(bp["amount"]))
        credits = bp.get("vendorCredits") or []
        bill["creditAmount"] = num(D(bill["creditAmount"]) - sum((D(c["amount"]) for c in credits), Decimal(0)))
        _apply_credits(store, org, payment["vendorId"], credits, -1)
        _touch_bill(store, org, bill)


def create_payment(store: Store, org: Org, body: Doc) -> Doc:
    required(body, "vendorId", "billId", "amount", "fundingAccount")
    bill = org.get("bill", str(body["billId"]), "bill")
    if bill["vendorId"] != body["vendorId"] or bill["archived"]:
        raise BillError.invalid("billId does not belong to vendorId or is archived")
    if bill["approvalStatus"] in UNPAYABLE_APPROVAL:
        raise BillError.invalid(f"bill {bill['id']} is not approved ({bill['approvalStatus']})")
    funding = body["fundingAccount"] or {}
    if funding.get("type", "BANK_ACCOUNT") != "BANK_ACCOUNT":
        raise BillError.invalid("the sandbox funds payments from BANK_ACCOUNT only")
    bank = org.ref("bank_account", funding.get("id"), "funding account")
    if bank is None:
        raise BillError.invalid("fundingAccount.id is required")
    amount = money(body["amount"])
    credits_in = body.get("vendorCredits") or []
    credit_total = sum((money(c.get("amount")) for c in credits_in), Decimal(0))
    open_amount = D(bill["amount"]) - D(bill["paidAmount"]) - D(bill["creditAmount"]) - D(bill["scheduledAmount"])
    if amount <= 0 or amount + credit_total > open_amount:
        raise BillError.invalid(f"amount exceeds the bill's open amount {open_amount}")
    today = store.clock.today()
    process_date = (
        parse_date(body["processDate"], "processDate") if body.get("processDate") else next_business_day(today)
    )
    if process_date < today:
        raise BillError.invalid("processDate cannot be in the past")
    vendor = org.get("vendor", bill["vendorId"])
    credits = _apply_credits(store, org, vendor["id"], credits_in, +1)
    rate = D(bill["exchangeRate"])
    payment: Doc = {
        "id": new_id("payment"),
        "archived": False,
        "amount": num(amount),
        "vendorId": vendor["id"],
        "vendorName": vendor["name"],
        "billId": bill["id"],
        "billPayments": [
            {"id": new_id("bill_pay"), "billId": bill["id"], "amount": num(amount), "vendorCredits": credits}
        ],
        "description": (body.get("description") or "")[:70] or None,
        "processDate": process_date.isoformat(),
        "fundingAccount": {"type": "BANK_ACCOUNT", "id": bank["id"]},
        "transactionNumber": None,
        "confirmationNumber": "P" + new_id("payment")[5:15],
        "status": "SCHEDULED",
        "singleStatus": "SCHEDULED",
        "exchangeRate": float(rate),
        "fundingAmount": num(money(amount * rate)),
        "onlinePayment": True,
        "disbursementType": "ACH" if (vendor.get("paymentInformation") or {}).get("payByType") != "CHECK" else "CHECK",
        "disbursementStatus": "UNDEFINED",
        "moneyMovementId": None,
        "voidInfo": [],
        "cancelRequestSubmitted": False,
        "createdBy": org.user_id,
    }
    bill["scheduledAmount"] = num(D(bill["scheduledAmount"]) + amount)
    bill["creditAmount"] = num(D(bill["creditAmount"]) + credit_total)
    _touch_bill(store, org, bill)
    return save_payment(store, org, payment)


def record_payment(store: Store, org: Org, body: Doc) -> Doc:
    """``POST /v3/bills/record-payment``: bills paid outside BILL (offline)."""
    required(body, "vendorId", "payments")
    vendor = org.ref("vendor", body["vendorId"], "vendor")
    assert vendor is not None
    parts: list[Doc] = []
    total = Decimal(0)
    for item in body["payments"]:
        bill = org.get("bill", str(item.get("billId")), "bill")
        amount = money(item.get("amount"))
        if bill["vendorId"] != vendor["id"] or amount <= 0 or amount > D(bill["dueAmount"]):
            raise BillError.invalid(f"cannot record {amount} on bill {bill['id']}")
        parts.append({"id": new_id("bill_pay"), "billId": bill["id"], "amount": num(amount), "vendorCredits": []})
        total += amount
    day = body.get("processDate") or store.clock.today().isoformat()
    parse_date(day, "processDate")
    first_bill = org.get("bill", parts[0]["billId"])
    payment: Doc = {
        "id": new_id("payment"),
        "archived": False,
        "amount": num(total),
        "vendorId": vendor["id"],
        "vendorName": vendor["name"],
        "billId": parts[0]["billId"],
        "billPayments": parts,
        "description": body.get("description"),
        "processDate": day,
        "fundingAccount": None,
        "transactionNumber": body.get("referenceNumber"),
        "confirmationNumber": None,
        "status": "PAID",
        "singleStatus": "PAID",
        "exchangeRate": first_bill["exchangeRate"],
        "fundingAmount": num(money(total * D(first_bill["exchangeRate"]))),
        "onlinePayment": False,
        "disbursementType": "OFFLINE",
        "disbursementStatus": "DONE",
        "moneyMovementId": None,
        "voidInfo": [],
        "toPrintCheck": bool(body.get("toPrintCheck", False)),
        "classifications": {"chartOfAccountId": (body.get("classifications") or {}).get("chartOfAccountId")},
        "syncReference": None,
        "allowExport": True,
        "createdBy": org.user_id,
    }
    for part in parts:
        bill = org.get("bill", part["billId"])
        bill["paidAmount"] = num(D(bill["paidAmount"]) + D(part["amount"]))
        _touch_bill(store, org, bill)
    return save_payment(store, org, payment)


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.post("/v3/bill-approvals/actions")
    async def approval_actions(request: Request) -> Doc:
        org, user = org_of(request), request.state.session.user_id
        actions = await json_body(request)
        if not isinstance(actions, list):
            raise BillError.invalid("body must be a list of {billId, action, comment}")
        for action in actions:
            bill = org.get("bill", str(action.get("billId")), "bill")
            waiting = sorted(
                (a for a in bill["approvers"] if a["status"] == "WAITING"), key=lambda a: a["approverOrder"]
            )
            if bill["approvalStatus"] not in ("ASSIGNED", "APPROVING") or not waiting or waiting[0]["userId"] != user:
                raise BillError.invalid(f"bill {bill['id']} is not waiting for this user's approval")
            verb = str(action.get("action", "")).upper()
            if verb not in ("APPROVE", "DENY"):
                raise BillError.invalid("action must be APPROVE or DENY")
            waiting[0]["status"] = "APPROVED" if verb == "APPROVE" else "DENIED"
            waiting[0]["statusChangedTime"] = store.now_text()
            if verb == "DENY":
                bill["approvalStatus"] = "DENIED"
            else:
                bill["approvalStatus"] = "APPROVED" if len(waiting) == 1 else "APPROVING"
            store.put(org, "bill", bill)
            emit(store, org, "bill", "updated", bill)
        return {"status": "SUCCESS"}

    @api.get("/v3/bill-approvals/pending-user-approvals")
    async def pending(request: Request) -> Doc:
        org, user = org_of(request), request.state.session.user_id
        bills = []
        for bill in org.objects["bill"].values():
            waiting = sorted(
                (a for a in bill["approvers"] if a["status"] == "WAITING"), key=lambda a: a["approverOrder"]
            )
            if not bill["archived"] and waiting and waiting[0]["userId"] == user:
                bills.append({k: bill[k] for k in ("vendorId", "amount", "dueDate")} | {"billId": bill["id"]})
        return {"bills": bills}

    @api.post("/v3/bills/record-payment")
    async def record(request: Request) -> Doc:
        return record_payment(store, org_of(request), await json_body(request))

    @api.get("/v3/payments")
    async def list_payments(request: Request) -> Doc:
        docs = org_of(request).objects["payment"].values()
        return list_page(docs, dict(request.query_params), store.settings.max_page_size)

    @api.post("/v3/payments")
    async def create(request: Request) -> Doc:
        if store.settings.mfa_required_for_payments and not request.state.session.trusted:
            raise BillError(403, *MFA_REQUIRED)
        return create_payment(store, org_of(request), await json_body(request))

    @api.get("/v3/payments/{payment_id}")
    async def read(request: Request, payment_id: str) -> Doc:
        return org_of(request).get("payment", payment_id, "payment")

    @api.post("/v3/payments/{payment_id}/cancel")
    async def cancel(request: Request, payment_id: str) -> Doc:
        org = org_of(request)
        payment = org.get("payment", payment_id, "payment")
        if payment["status"] != "SCHEDULED":
            raise BillError.invalid(f"payment in status {payment['status']} cannot be cancelled")
        payment.update(status="CANCELLED", singleStatus="CANCELED", cancelRequestSubmitted=True)
        _release(store, org, payment, "scheduledAmount")
        return save_payment(store, org, payment)

    @api.post("/v3/payments/{payment_id}/void")
    async def void(request: Request, payment_id: str) -> Doc:
        org = org_of(request)
        payment = org.get("payment", payment_id, "payment")
        body = await json_body(request) or {}
        if payment["status"] != "PAID":
            raise BillError.invalid(f"payment in status {payment['status']} cannot be voided")
        now = store.now_text()
        payment["voidInfo"].append(
            {
                "id": new_id("payment"),
                "requestedBy": org.user_id,
                "type": body.get("type", "VOID_ONLY"),
                "status": "ACCEPTED",
                "reason": body.get("reason"),
                "createdTime": now,
                "updatedTime": now,
            }
        )
        payment.update(status="VOID", singleStatus="VOIDED")
        _release(store, org, payment, "paidAmount")
        if payment["onlinePayment"] and payment.get("moneyMovementId"):
            from billcom_sandbox.money import refund_run

            payment["voidMoneyMovementId"] = refund_run(store, org, payment)["id"]
        return save_payment(store, org, payment)

    return api
