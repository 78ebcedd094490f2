"""Builders of the transaction documents (bills, vendor credits, invoices) and their derived amounts."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from billcom_sandbox.core import BillError, money, num, parse_date
from billcom_sandbox.resources import Resource, required
from billcom_sandbox.store import Org, Store

Doc = dict[str, Any]

CLASSIFICATION_REFS = {
    "chartOfAccountId": "chart_of_account",
    "accountingClassId": "accounting_class",
    "departmentId": "department",
    "locationId": "location",
    "jobId": "job",
    "itemId": "item",
    "customerId": "customer",
}


def D(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def classifications(org: Org, raw: Any) -> Doc:
    raw = raw or {}
    out: Doc = {}
    for key, kind in CLASSIFICATION_REFS.items():
        org.ref(kind, raw.get(key), key)
        if raw.get(key):
            out[key] = raw[key]
    for key in ("employeeId",):
        if raw.get(key):
            out[key] = raw[key]
    return out


def build_lines(org: Org, lines: Any, field: str, id_prefix: str | None) -> tuple[list[Doc], Decimal]:
    if not isinstance(lines, list) or not lines:
        raise BillError.invalid(f"{field} must be a non-empty list")
    out: list[Doc] = []
    total = Decimal(0)
    for line in lines:
        if line.get("amount") is not None:
            amount = money(line["amount"], f"{field}.amount")
        elif line.get("quantity") is not None and line.get("price") is not None:
            amount = money(D(line["quantity"]) * D(line["price"]), f"{field}.amount")
        else:
            raise BillError.invalid(f"{field}: each line needs amount, or quantity and price")
        doc = {
            "amount": num(amount),
            "quantity": line.get("quantity"),
            "price": line.get("price"),
            "description": line.get("description"),
            "classifications": classifications(org, line.get("classifications")),
        }
        if id_prefix:
            doc = {"id": line.get("id") or id_prefix + "01" + secrets.token_hex(8)[:15].upper(), **doc}
        out.append(doc)
        total += amount
    return out, total


def exchange_rate(org: Org, currency: str, body: Doc) -> Decimal:
    if currency == "USD":
        return Decimal(1)
    if body.get("exchangeRate") not in (None, "", 1, 1.0, "1"):
        return D(body["exchangeRate"])
    if currency in org.exchange_rates:
        return org.exchange_rates[currency]
    raise BillError.invalid(f"no exchange rate for {currency}")


def refresh_bill(bill: Doc) -> None:
    amount, paid, credit = D(bill["amount"]), D(bill["paidAmount"]), D(bill["creditAmount"])
    scheduled = D(bill["scheduledAmount"])
    due = amount - paid - credit
    bill["dueAmount"] = num(due)
    if due <= 0:
        bill["paymentStatus"] = "PAID"
    elif scheduled > 0:
        bill["paymentStatus"] = "SCHEDULED"
    elif paid + credit > 0:
        bill["paymentStatus"] = "PARTIAL"
    else:
        bill["paymentStatus"] = "UNPAID"


def _approval(store: Store, org: Org, usd_amount: Decimal) -> Doc:
    policy = org.approval_policy
    if policy is None or usd_amount < policy.min_amount:
        return {"approvalStatus": "UNASSIGNED", "approvers": []}
    approvers = [
        {"userId": user, "status": "WAITING", "approverOrder": order, "statusChangedTime": store.now_text()}
        for order, user in enumerate(policy.approver_user_ids)
    ]
    return {"approvalStatus": "ASSIGNED", "approvers": approvers}


def bill_view(bill: Doc, body: Doc | None = None) -> Doc:
    """A bill as answered: ``approvers`` only when a create/update asked with ``billApprovals: true``
    (developer.bill.com/docs/ap-bill-approvals); reads, lists and events leave them out."""
    if body is not None and body.get("billApprovals") is True:
        return bill
    return {k: v for k, v in bill.items() if k != "approvers"}


def _not_paid(doc: Doc) -> None:
    if D(doc.get("paidAmount")) or D(doc.get("scheduledAmount")) or D(doc.get("appliedAmount")):
        raise BillError.invalid("a document with payments or applied credits cannot be edited")


def build_bill(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
    required(body, "vendorId", "dueDate", "invoice")
    vendor = org.ref("vendor", body["vendorId"], "vendor")
    assert vendor is not None
    invoice = body["invoice"] if isinstance(body["invoice"], dict) else {}
    required(invoice, "invoiceNumber", "invoiceDate")
    parse_date(invoice["invoiceDate"], "invoice.invoiceDate")
    parse_date(body["dueDate"], "dueDate")
    lines, total = build_lines(org, body.get("billLineItems"), "billLineItems", "bli")
    rate = exchange_rate(org, vendor["billCurrency"], body)
    prior = existing or {}
    doc: Doc = {
        "vendorId": vendor["id"],
        "vendorName": vendor["name"],
        "amount": num(total),
        "fundingAmount": num(money(total * rate)),
        "paidAmount": prior.get("paidAmount", 0.0),
        "scheduledAmount": prior.get("scheduledAmount", 0.0),
        "creditAmount": prior.get("creditAmount", 0.0),
        "exchangeRate": float(rate),
        "description": body.get("description"),
        "dueDate": body["dueDate"],
        "invoice": {"invoiceNumber": invoice["invoiceNumber"], "invoiceDate": invoice["invoiceDate"]},
        "billLineItems": lines,
        "payFromChartOfAccountId": body.get("payFromChartOfAccountId"),
        "classifications": classifications(org, body.get("classifications")),
        "purchaseOrderNumber": body.get("purchaseOrderNumber"),
        "createdBy": prior.get("createdBy", org.user_id),
    }
    if existing is None:
        doc.update(_approval(store, org, total * rate))
    refresh_bill(doc)
    return doc


def build_vendor_credit(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
    required(body, "vendorId", "creditDate")
    vendor = org.ref("vendor", body["vendorId"], "vendor")
    assert vendor is not None
    parse_date(body["creditDate"], "creditDate")
    lines, total = build_lines(org, body.get("vendorCreditLineItems"), "vendorCreditLineItems", None)
    applied = D((existing or {}).get("appliedAmount"))
    return {
        "vendorId": vendor["id"],
        "referenceNumber": body.get("referenceNumber"),
        "creditDate": body["creditDate"],
        "description": body.get("description"),
        "vendorCreditLineItems": lines,
        "amount": num(total),
        "appliedAmount": num(applied),
        "exchangeRate": float(exchange_rate(org, vendor["billCurrency"], body)),
        "status": credit_status(total, applied),
        "applyToChartOfAccountId": body.get("applyToChartOfAccountId"),
        "applyToBankAccountId": body.get("applyToBankAccountId"),
    }


def credit_status(total: Decimal, applied: Decimal) -> str:
    if applied <= 0:
        return "NOT_APPLIED"
    return "FULLY_APPLIED" if applied >= total else "PARTIALLY_APPLIED"


def refresh_invoice(invoice: Doc) -> None:
    total = D(invoice["totalAmount"])
    paid = sum((D(p["amount"]) for p in invoice["payments"] if p["status"] != "VOID"), Decimal(0))
    due = total - paid - D(invoice["creditAmount"])
    invoice["dueAmount"] = num(due)
    invoice["status"] = "PAID" if due <= 0 else ("PARTIAL_PAYMENT" if paid > 0 else "OPEN")


def build_invoice(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
    customer_id = (body.get("customer") or {}).get("id") or body.get("customerId")
    required({**body, "customer.id": customer_id}, "customer.id", "invoiceNumber", "invoiceDate", "dueDate")
    customer = org.ref("customer", customer_id, "customer")
    assert customer is not None
    parse_date(body["invoiceDate"], "invoiceDate")
    parse_date(body["dueDate"], "dueDate")
    lines, total = build_lines(org, body.get("invoiceLineItems"), "invoiceLineItems", "00f")
    prior = existing or {}
    doc: Doc = {
        "customerId": customer["id"],
        "invoiceNumber": body["invoiceNumber"],
        "invoiceDate": body["invoiceDate"],
        "dueDate": body["dueDate"],
        "description": body.get("description"),
        "invoiceLineItems": lines,
        "totalAmount": num(total),
        "scheduledAmount": 0.0,
        "creditAmount": prior.get("creditAmount", 0.0),
        "exchangeRate": float(exchange_rate(org, customer["invoiceCurrency"], body)),
        "payToChartOfAccountId": body.get("payToChartOfAccountId"),
        "classifications": classifications(org, body.get("classifications")),
        "payments": prior.get("payments", []),
        "enableCardPayment": bool(body.get("enableCardPayment", False)),
    }
    refresh_invoice(doc)
    return doc


DOCUMENT_RESOURCES = (
    Resource("bill", "/v3/bills", "bill", build_bill, event="bill", updatable=_not_paid, present=bill_view),
    Resource("vendor_credit", "/v3/vendor-credits", "vendor credit", build_vendor_credit, updatable=_not_paid),
    Resource(
        "invoice",
        "/v3/invoices",
        "invoice",
        build_invoice,
        event="invoice",
        updatable=lambda doc: _not_paid({"paidAmount": doc["totalAmount"] - doc["dueAmount"]}),
    ),
)
