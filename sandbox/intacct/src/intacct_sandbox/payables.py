"""Bills (``APBILL``, negative bills included) and AP payments (``APPYMT``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from intacct_sandbox import errors
from intacct_sandbox.company import Ctx, Record
from intacct_sandbox.objects import AP_PAYMENT_METHODS, BILL_LINE_REFS, VENDOR
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
BANKS = ("CHECKINGACCOUNT", "SAVINGSACCOUNT")


def bill_state(record: Record) -> str:
    if record.get("_draft"):
        return "Draft"
    total, due = Decimal(record["TOTALENTERED"]), Decimal(record["TOTALDUE"])
    if due == ZERO and total != ZERO:
        return "Paid"
    if due != total:
        return "Partially Paid"
    return "Posted"


def _bill(ctx: Ctx, data: Record, existing: Record | None) -> Record:
    draft = text(data, "ACTION").lower() == "draft" if "ACTION" in data else bool(existing and existing.get("_draft"))
    if not draft:
        require(data, ("VENDORID",), "Bill")
    date_field(data, "WHENCREATED", required=not draft, label="Bill")
    date_field(data, "WHENDUE", required=not draft, label="Bill")
    posted = date_field(data, "WHENPOSTED", required=False, label="Bill") or date_field(
        data, "WHENCREATED", required=False, label="Bill"
    )
    open_period(ctx, posted)
    vendor = referenced(ctx, VENDOR, text(data, "VENDORID")) if text(data, "VENDORID") else None
    code = currency(ctx, data)
    lines = lines_of(data, "APBILLITEMS", "APBILLITEM")
    if not lines:
        raise errors.missing("APBILLITEMS", "Bill record")
    total = ZERO
    stored: list[Record] = []
    for number, line in enumerate(lines, start=1):
        require(line, ("ACCOUNTNO", "TRX_AMOUNT"), "Bill line")
        amount = money(line["TRX_AMOUNT"], "TRX_AMOUNT")
        dimensions(ctx, line, BILL_LINE_REFS, "LOCATIONID")
        total += amount
        entry = {**line, "TRX_AMOUNT": fmt(amount), "AMOUNT": fmt(amount), "LINE_NO": str(number)}
        entry["RECORDNO"] = str(ctx.company.books.next_recordno)
        ctx.company.books.next_recordno += 1
        stored.append(entry)
    record: Record = {k: v for k, v in data.items() if k not in ("APBILLITEMS", "ACTION", "RECORDNO")}
    record.update(
        {
            "CURRENCY": code,
            "BASECURR": ctx.company.base_currency,
            "VENDORNAME": str(vendor.get("NAME", "")) if vendor else "",
            "APBILLITEMS": {"APBILLITEM": stored},
            "TOTALENTERED": fmt(total),
            "TRX_TOTALENTERED": fmt(total),
            "TOTALPAID": fmt(ZERO),
            "TOTALDUE": fmt(total),
            "TRX_TOTALDUE": fmt(total),
            "_draft": draft,
            "MEGAENTITYID": existing.get("MEGAENTITYID", ctx.entity) if existing else ctx.entity,
        }
    )
    record["STATE"] = bill_state(record)
    return record


def create_bill(ctx: Ctx, data: Record) -> Record:
    return ctx.company.insert("APBILL", _bill(ctx, data, None), ctx.now, ctx.user)


def _unpaid(record: Record, what: str) -> None:
    if Decimal(record["TOTALPAID"]) != ZERO:
        raise errors.business(
            f"Bill {record['RECORDNO']} has payments or credits applied; {what} is not allowed.",
            "Reverse the payments first.",
        )


def update_bill(ctx: Ctx, existing: Record, data: Record) -> Record:
    """Update replaces the line set when ``APBILLITEMS`` is sent (an omitted line is deleted)."""
    _unpaid(existing, "editing it")
    open_period(ctx, date_field(existing, "WHENCREATED", required=False, label="Bill"))
    merged = {k: v for k, v in existing.items() if not k.startswith("TOTAL") and k != "STATE"}
    merged.update({k: v for k, v in data.items() if k != "RECORDNO"})
    record = _bill(ctx, merged, existing)
    for key in ("RECORDNO", "AUWHENCREATED", "CREATEDBY"):
        record[key] = existing[key]
    return ctx.company.save("APBILL", record, ctx.now, ctx.user)


def delete_bill(ctx: Ctx, record: Record) -> None:
    _unpaid(record, "deleting it")
    open_period(ctx, date_field(record, "WHENCREATED", required=False, label="Bill"))
    ctx.company.remove("APBILL", int(record["RECORDNO"]), ctx.now, ctx.user)


# --- payments -------------------------------------------------------------------------------------


def _payment(ctx: Ctx, data: Record) -> tuple[Record, list[tuple[int, Decimal]]]:
    require(data, ("VENDORID", "PAYMENTMETHOD", "CURRENCY"), "AP Payment")
    paid_on = date_field(data, "PAYMENTDATE", required=True, label="AP Payment")
    open_period(ctx, paid_on)
    method = text(data, "PAYMENTMETHOD")
    if method not in AP_PAYMENT_METHODS:
        raise errors.bad_value("PAYMENTMETHOD", method)
    vendor_id = text(data, "VENDORID")
    vendor = referenced(ctx, VENDOR, vendor_id)
    code = currency(ctx, data)
    details = lines_of(data, "APPYMTDETAILS", "APPYMTDETAIL")
    if not details:
        raise errors.missing("APPYMTDETAILS", "AP Payment record")
    moves: dict[int, Decimal] = {}
    cash = ZERO
    for detail in details:
        require(detail, ("RECORDKEY",), "AP Payment detail")
        bill = _open_bill(ctx, text(detail, "RECORDKEY"), vendor_id)
        amount = money(detail.get("TRX_PAYMENTAMOUNT", "0"), "TRX_PAYMENTAMOUNT")
        if amount < ZERO:
            raise errors.bad_value("TRX_PAYMENTAMOUNT", fmt(amount))
        cash += amount
        applied = amount
        if text(detail, "INLINEKEY"):
            credit = _open_bill(ctx, text(detail, "INLINEKEY"), vendor_id)
            inline = money(detail.get("TRX_INLINEAMOUNT", ""), "TRX_INLINEAMOUNT")
            if Decimal(credit["TOTALENTERED"]) >= ZERO or inline <= ZERO:
                raise errors.bad_value("INLINEKEY", text(detail, "INLINEKEY"))
            key = int(credit["RECORDNO"])
            moves[key] = moves.get(key, ZERO) - inline
            applied += inline
        key = int(bill["RECORDNO"])
        moves[key] = moves.get(key, ZERO) + applied
    for key, amount in moves.items():
        bill = ctx.company.table("APBILL")[key]
        due = Decimal(bill["TOTALDUE"])
        if (due >= ZERO and not ZERO <= amount <= due) or (due < ZERO and not due <= amount <= ZERO):
            raise errors.business("There is no due on the bill", f"Bill {key} has {fmt(due)} due.")
    financial = text(data, "FINANCIALENTITY")
    if cash > ZERO and not financial:
        raise errors.missing("FINANCIALENTITY", "AP Payment record")
    if financial and not any(ctx.company.find(t, "BANKACCOUNTID", financial) for t in BANKS):
        raise errors.no_reference("financial entity", financial)
    draft = text(data, "ACTION").lower() == "draft"
    record: Record = {k: v for k, v in data.items() if k not in ("ACTION", "RECORDNO")}
    record.update(
        {
            "CURRENCY": code,
            "BASECURR": ctx.company.base_currency,
            "VENDORNAME": str(vendor.get("NAME", "")),
            "WHENCREATED": text(data, "PAYMENTDATE"),
            "TOTALENTERED": fmt(cash),
            "TRX_TOTALENTERED": fmt(cash),
            "STATE": "Draft" if draft else "Posted",
            "MEGAENTITYID": ctx.entity,
            "_applied": [] if draft else [[k, fmt(v)] for k, v in moves.items()],
        }
    )
    return record, ([] if draft else list(moves.items()))


def _open_bill(ctx: Ctx, key: str, vendor_id: str) -> Record:
    bill = ctx.company.get("APBILL", int(key)) if key.isdigit() else None
    if bill is None or bill.get("_draft") or text(bill, "VENDORID") != vendor_id:
        raise errors.no_reference("bill", key)
    return bill


def _apply(ctx: Ctx, moves: list[tuple[int, Decimal]] | list[Any], sign: int) -> None:
    for key, amount in moves:
        current = ctx.company.table("APBILL").get(int(key))
        if current is None:
            continue
        bill = dict(current)
        delta = Decimal(amount) * sign
        bill["TOTALPAID"] = fmt(Decimal(bill["TOTALPAID"]) + delta)
        bill["TOTALDUE"] = fmt(Decimal(bill["TOTALDUE"]) - delta)
        bill["TRX_TOTALDUE"] = bill["TOTALDUE"]
        bill["STATE"] = bill_state(bill)
        ctx.company.save("APBILL", bill, ctx.now, ctx.user)


def create_payment(ctx: Ctx, data: Record) -> Record:
    record, moves = _payment(ctx, data)
    _apply(ctx, moves, +1)
    return ctx.company.insert("APPYMT", record, ctx.now, ctx.user)


def update_payment(ctx: Ctx, existing: Record, data: Record) -> Record:
    """Only a Draft payment can be updated; the update replaces the whole payment."""
    if existing.get("STATE") != "Draft":
        raise errors.business(
            f"AP Payment {existing['RECORDNO']} is {existing.get('STATE')}; only a Draft payment can be updated.",
        )
    body = {k: v for k, v in data.items() if k != "RECORDNO"}
    body.setdefault("ACTION", "Draft")
    record, moves = _payment(ctx, body)
    _apply(ctx, moves, +1)
    for key in ("RECORDNO", "AUWHENCREATED", "CREATEDBY"):
        record[key] = existing[key]
    return ctx.company.save("APPYMT", record, ctx.now, ctx.user)


def delete_payment(ctx: Ctx, record: Record) -> None:
    open_period(ctx, date_field(record, "PAYMENTDATE", required=False, label="AP Payment"))
    _apply(ctx, record.get("_applied", []), -1)
    ctx.company.remove("APPYMT", int(record["RECORDNO"]), ctx.now, ctx.user)
