"""AR money: received payments (read-only in v3), offline ones recorded on invoices, and the
electronic ones customers make (simulated through the control API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request

from billcom_sandbox.core import BillError, money, new_id, num, parse_date
from billcom_sandbox.documents import D, refresh_invoice
from billcom_sandbox.listing import list_page
from billcom_sandbox.resources import json_body, org_of, required
from billcom_sandbox.store import Org, Store
from billcom_sandbox.webhooks import emit

Doc = dict[str, Any]


def receive_payment(store: Store, org: Org, body: Doc, *, online: bool) -> Doc:
    """Create a received payment (``0rp``) applied to invoices and update those invoices."""
    required(body, "customerId", "amount", "invoices")
    customer = org.ref("customer", body["customerId"], "customer")
    assert customer is not None
    amount = money(body["amount"])
    applied: list[Doc] = []
    day = body.get("paymentDate") or store.clock.today().isoformat()
    parse_date(day, "paymentDate")
    for item in body["invoices"]:
        invoice = org.get("invoice", str(item.get("id")), "invoice")
        part = money(item.get("amount"))
        if invoice["customerId"] != customer["id"] or part <= 0 or part > D(invoice["dueAmount"]):
            raise BillError.invalid(f"cannot apply {part} to invoice {invoice['id']}")
        applied.append({"invoiceId": invoice["id"], "amount": num(part), "paymentDate": day})
    total_applied = sum((D(a["amount"]) for a in applied), Decimal(0))
    if total_applied > amount:
        raise BillError.invalid("applied amounts exceed the payment amount")
    receivables_type = str(body.get("receivablesType") or body.get("paymentType") or "CHECK").upper()
    bank = org.ref("bank_account", (body.get("fundingAccount") or {}).get("id"), "funding account")
    if online and bank is None:
        bank = next(b for b in org.objects["bank_account"].values() if not b["archived"])
    doc: Doc = {
        "id": new_id("receivable_payment"),
        "archived": False,
        "amount": num(amount),
        "customerId": customer["id"],
        "invoicePayments": applied,
        "description": body.get("description"),
        "paymentDate": day,
        "fundingAccount": {"id": bank["id"], "type": "BANK_ACCOUNT"} if bank else None,
        "receivablesAccount": None,
        "unappliedAmount": num(amount - total_applied),
        "convenienceFeeAmount": 0.0,
        "receivablesType": receivables_type,
        "paymentType": receivables_type,
        "status": "PAID",
        "referenceNumber": body.get("referenceNumber"),
        "onlinePayment": online,
        "moneyMovementId": None,
    }
    store.put(org, "receivable_payment", doc)
    for application in applied:
        invoice = org.get("invoice", application["invoiceId"])
        invoice["payments"].append({"id": doc["id"], "amount": application["amount"], "status": "PAID", "date": day})
        refresh_invoice(invoice)
        store.put(org, "invoice", invoice)
        emit(store, org, "invoice", "updated", invoice)
    return doc


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.post("/v3/invoices/record-payment")
    async def record(request: Request) -> Doc:
        return receive_payment(store, org_of(request), await json_body(request), online=False)

    @api.get("/v3/receivable-payments")
    async def list_received(request: Request) -> Doc:
        docs = org_of(request).objects["receivable_payment"].values()
        return list_page(docs, dict(request.query_params), store.settings.max_page_size)

    @api.get("/v3/receivable-payments/{payment_id}")
    async def read(request: Request, payment_id: str) -> Doc:
        return org_of(request).get("receivable_payment", payment_id, "received payment")

    return api
