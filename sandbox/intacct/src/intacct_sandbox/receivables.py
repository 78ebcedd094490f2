"""AR invoices (legacy ``create_invoice``, lower-case fields) and AR payments (``ARPYMT``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from intacct_sandbox import errors
from intacct_sandbox.company import Ctx, Record
from intacct_sandbox.objects import ACCOUNT, AR_PAYMENT_METHODS, CUSTOMER, Ref
from intacct_sandbox.rules import (
    currency,
    date_field,
    dimensions,
    fmt,
    lines_of,
    money,
    open_period,
    referenced,
    require,
    text,
)

ZERO = Decimal("0.00")
INVOICE_LINE_REFS = {
    "glaccountno": ACCOUNT,
    "locationid": Ref("LOCATION", "LOCATIONID", "location"),
    "departmentid": Ref("DEPARTMENT", "DEPARTMENTID", "department"),
}


def _legacy_date(data: Record, key: str, *, required: bool) -> dt.date | None:
    value = data.get(key)
    if not isinstance(value, dict):
        if required:
            raise errors.missing(key, "Invoice record")
        return None
    try:
        return dt.date(int(text(value, "year")), int(text(value, "month")), int(text(value, "day")))
    except ValueError:
        raise errors.bad_value(key, f"{text(value, 'year')}-{text(value, 'month')}-{text(value, 'day')}") from None


def create_invoice(ctx: Ctx, data: Record) -> Record:
    require(data, ("customerid",), "Invoice")
    created = _legacy_date(data, "datecreated", required=True)
    due = _legacy_date(data, "datedue", required=False)
    if due is None and not text(data, "termname"):
        raise errors.missing("datedue", "Invoice record")
    open_period(ctx, _legacy_date(data, "dateposted", required=False) or created)
    customer = referenced(ctx, CUSTOMER, text(data, "customerid"))
    code = currency(
        ctx,
        {
            "CURRENCY": text(data, "currency"),
            "EXCH_RATE_TYPE_ID": text(data, "exchratetype"),
            "EXCHANGE_RATE": text(data, "exchrate"),
        },
    )
    lines = lines_of(data, "invoiceitems", "lineitem")
    if not lines:
        raise errors.missing("invoiceitems", "Invoice record")
    total = ZERO
    stored: list[Record] = []
    for number, line in enumerate(lines, start=1):
        require(line, ("glaccountno", "amount"), "Invoice line")
        amount = money(line["amount"], "amount")
        dimensions(ctx, line, INVOICE_LINE_REFS, "locationid")
        total += amount
        stored.append(
            {
                "LINE_NO": str(number),
                "ACCOUNTNO": text(line, "glaccountno"),
                "TRX_AMOUNT": fmt(amount),
                "LOCATIONID": text(line, "locationid"),
                "DEPARTMENTID": text(line, "departmentid"),
                "ENTRYDESCRIPTION": text(line, "memo"),
            }
        )
    draft = text(data, "action").lower() == "draft"
    record: Record = {
        "CUSTOMERID": text(data, "customerid"),
        "CUSTOMERNAME": str(customer.get("NAME", "")),
        "RECORDID": text(data, "invoiceno"),
        "DOCNUMBER": text(data, "ponumber"),
        "DESCRIPTION": text(data, "description"),
        "WHENCREATED": f"{created:%m/%d/%Y}" if created else "",
        "WHENDUE": f"{due:%m/%d/%Y}" if due else "",
        "CURRENCY": code,
        "BASECURR": ctx.company.base_currency,
        "ARINVOICEITEMS": {"ARINVOICEITEM": stored},
        "TOTALENTERED": fmt(total),
        "TOTALPAID": fmt(ZERO),
        "TOTALDUE": fmt(total),
        "STATE": "Draft" if draft else "Posted",
        "_draft": draft,
        "MEGAENTITYID": ctx.entity,
    }
    return ctx.company.insert("ARINVOICE", record, ctx.now, ctx.user)


def delete_invoice(ctx: Ctx, record: Record) -> None:
    if Decimal(record["TOTALPAID"]) != ZERO:
        raise errors.business(f"Invoice {record['RECORDNO']} has payments applied and cannot be deleted.")
    ctx.company.remove("ARINVOICE", int(record["RECORDNO"]), ctx.now, ctx.user)


def _state(record: Record) -> str:
    total, due = Decimal(record["TOTALENTERED"]), Decimal(record["TOTALDUE"])
    if due == ZERO and total != ZERO:
        return "Paid"
    return "Partially Paid" if due != total else "Posted"


def create_ar_payment(ctx: Ctx, data: Record) -> Record:
    require(data, ("PAYMENTMETHOD", "CURRENCY", "CUSTOMERID"), "AR Payment")
    received = date_field(data, "RECEIPTDATE", required=True, label="AR Payment")
    open_period(ctx, received)
    if text(data, "PAYMENTMETHOD") not in AR_PAYMENT_METHODS:
        raise errors.bad_value("PAYMENTMETHOD", text(data, "PAYMENTMETHOD"))
    customer_id = text(data, "CUSTOMERID")
    referenced(ctx, CUSTOMER, customer_id)
    financial, undeposited = text(data, "FINANCIALENTITY"), text(data, "UNDEPOSITEDACCOUNTNO")
    if not financial and not undeposited:
        raise errors.missing("FINANCIALENTITY", "AR Payment record")
    if financial and not any(
        ctx.company.find(t, "BANKACCOUNTID", financial) for t in ("CHECKINGACCOUNT", "SAVINGSACCOUNT")
    ):
        raise errors.no_reference("financial entity", financial)
    if undeposited:
        referenced(ctx, ACCOUNT, undeposited)
    details = lines_of(data, "ARPYMTDETAILS", "ARPYMTDETAIL")
    if not details:
        raise errors.missing("ARPYMTDETAILS", "AR Payment record")
    moves: dict[int, Decimal] = {}
    for detail in details:
        require(detail, ("RECORDKEY",), "AR Payment detail")
        key = text(detail, "RECORDKEY")
        invoice = ctx.company.get("ARINVOICE", int(key)) if key.isdigit() else None
        if invoice is None or invoice.get("_draft") or text(invoice, "CUSTOMERID") != customer_id:
            raise errors.no_reference("invoice", key)
        amount = money(detail.get("TRX_PAYMENTAMOUNT", "0"), "TRX_PAYMENTAMOUNT")
        moves[int(key)] = moves.get(int(key), ZERO) + amount
    for number, amount in moves.items():
        due = Decimal(ctx.company.table("ARINVOICE")[number]["TOTALDUE"])
        if amount <= ZERO or amount > due:
            raise errors.business("There is no due on the invoice", f"Invoice {number} has {fmt(due)} due.")
    total = sum(moves.values(), ZERO)
    for number, amount in moves.items():
        invoice = dict(ctx.company.table("ARINVOICE")[number])
        invoice["TOTALPAID"] = fmt(Decimal(invoice["TOTALPAID"]) + amount)
        invoice["TOTALDUE"] = fmt(Decimal(invoice["TOTALDUE"]) - amount)
        invoice["STATE"] = _state(invoice)
        ctx.company.save("ARINVOICE", invoice, ctx.now, ctx.user)
    record: Record = {k: v for k, v in data.items() if k not in ("ACTION", "RECORDNO")}
    record.update(
        {
            "WHENCREATED": text(data, "RECEIPTDATE"),
            "TOTALENTERED": fmt(total),
            "STATE": "Posted",
            "MEGAENTITYID": ctx.entity,
            "_applied": [[k, fmt(v)] for k, v in moves.items()],
        }
    )
    return ctx.company.insert("ARPYMT", record, ctx.now, ctx.user)


def delete_ar_payment(ctx: Ctx, record: Record) -> None:
    open_period(ctx, date_field(record, "RECEIPTDATE", required=False, label="AR Payment"))
    for key, amount in record.get("_applied", []):
        current = ctx.company.table("ARINVOICE").get(int(key))
        if current is not None:
            invoice = dict(current)
            invoice["TOTALPAID"] = fmt(Decimal(invoice["TOTALPAID"]) - Decimal(amount))
            invoice["TOTALDUE"] = fmt(Decimal(invoice["TOTALDUE"]) + Decimal(amount))
            invoice["STATE"] = _state(invoice)
            ctx.company.save("ARINVOICE", invoice, ctx.now, ctx.user)
    ctx.company.remove("ARPYMT", int(record["RECORDNO"]), ctx.now, ctx.user)
