"""Transactions ↔ NetSuite: bills and vendor credits (``expense``/``item`` lines), invoices (``item``),
journal entries (``line``); payments are in ``mapping_payments``.

Headers and payments carry ``header_classifications`` as the transaction's own department,
location and class (BILL codes only lines, so NetSuite's Default Payables/Receivables
classification goes there, HB:360015018792, SB:205021059). Documents report
``side_status["payment_status"]`` (``OPEN``, ``PARTIAL``, ``PAID``) from NetSuite's balance, so the
engine can tell unpaid from paid without knowing NetSuite's fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import (
    Bill,
    Classifications,
    Invoice,
    JournalEntry,
    JournalLine,
    TransactionLine,
    VendorCredit,
)
from ledgerbridge_common.connectors.netsuite.mapping_common import (
    Rec,
    Setup,
    common,
    day,
    drop_none,
    items,
    money,
    ref,
    ref_id,
)
from ledgerbridge_common.errors import ValidationError

APPROVED = "2"
"""``approvalStatus`` id of an approved bill (ids 1/2/3/11, meanings unconfirmed: reference §1.7)."""


def dims(c: Classifications) -> Rec:
    return drop_none({"department": ref(c.department_id), "location": ref(c.location_id), "class": ref(c.class_id)})


def dims_from(line: Rec) -> dict[str, str | None]:
    return {
        "department_id": ref_id(line.get("department")),
        "location_id": ref_id(line.get("location")),
        "class_id": ref_id(line.get("class")),
    }


def header_dims(c: Classifications | None) -> Rec:
    return dims(c) if c is not None else {}


def header_dims_from(rec: Rec) -> Classifications | None:
    found = {k: v for k, v in dims_from(rec).items() if v}
    return Classifications(**found) if found else None


def payment_status(total: Any, open_amount: Any) -> str | None:
    """``OPEN`` (nothing paid or applied), ``PARTIAL`` or ``PAID``, from NetSuite's read-only amounts."""
    if total is None or open_amount is None:
        return None
    left, whole = money(open_amount), money(total)
    if left <= 0 and whole > 0:
        return "PAID"
    return "PARTIAL" if left < whole else "OPEN"


def header(obj: Bill | VendorCredit | Invoice, setup: Setup) -> Rec:
    return drop_none(
        {
            **header_dims(obj.header_classifications),
            "subsidiary": ref(setup.subsidiary_id),
            "tranDate": obj.date.isoformat(),
            "tranId": obj.number,
            "currency": setup.currency_id(obj.currency),
            "exchangeRate": float(obj.exchange_rate),
            "memo": obj.memo,
        }
    )


def expense_lines(lines: tuple[TransactionLine, ...]) -> tuple[list[Rec], list[Rec]]:
    expense, item = [], []
    for line in lines:
        c = line.classifications
        if c.item_id:
            item.append(
                drop_none(
                    {
                        "item": ref(c.item_id),
                        "amount": float(line.amount),
                        "description": line.description,
                        "quantity": float(line.quantity) if line.quantity is not None else None,
                        **dims(c),
                    }
                )
            )
        else:
            expense.append(
                drop_none(
                    {"account": ref(c.account_id), "amount": float(line.amount), "memo": line.description, **dims(c)}
                )
            )
    return expense, item


def lines_from(rec: Rec) -> tuple[TransactionLine, ...]:
    out = [
        TransactionLine(
            amount=money(x.get("amount")),
            description=x.get("memo"),
            classifications=Classifications(account_id=ref_id(x.get("account")), **dims_from(x)),
        )
        for x in items(rec, "expense")
    ]
    out += [
        TransactionLine(
            amount=money(x.get("amount")),
            description=x.get("description"),
            quantity=Decimal(str(x["quantity"])) if x.get("quantity") is not None else None,
            classifications=Classifications(item_id=ref_id(x.get("item")), **dims_from(x)),
        )
        for x in items(rec, "item")
    ]
    return tuple(out)


def payables_to(obj: Bill | VendorCredit, setup: Setup) -> Rec:
    expense, item = expense_lines(obj.lines)
    body = {**header(obj, setup), "entity": ref(obj.vendor_id), "expense": {"items": expense}, "item": {"items": item}}
    if isinstance(obj, Bill):
        body["approvalStatus"] = {"id": APPROVED}  # BILL sets the bills it syncs Approved (HB:115005955923)
        if obj.due_date:
            body["dueDate"] = obj.due_date.isoformat()
    return body


def doc_fields(rec: Rec, setup: Setup) -> dict[str, Any]:
    return {
        "number": rec.get("tranId"),
        "date": day(rec.get("tranDate")),
        "memo": rec.get("memo"),
        "currency": setup.currency_code(rec.get("currency")) or setup.home_currency,
        "exchange_rate": Decimal(str(rec.get("exchangeRate") or 1)),
        "lines": lines_from(rec),
        "header_classifications": header_dims_from(rec),
        **common(rec),
    }


def bill_from(rec: Rec, setup: Setup) -> Bill:
    status = {
        "total": rec.get("total"),
        "balance": rec.get("balance"),
        "status": ref_id(rec.get("status")),
        "payment_status": payment_status(rec.get("total"), rec.get("balance")),
    }
    return Bill(
        vendor_id=str(ref_id(rec.get("entity"))),
        due_date=day(rec["dueDate"]) if rec.get("dueDate") else None,
        side_status=status,
        **doc_fields(rec, setup),
    )


def credit_from(rec: Rec, setup: Setup) -> VendorCredit:
    return VendorCredit(
        vendor_id=str(ref_id(rec.get("entity"))),
        side_status={
            "unapplied": rec.get("unapplied"),
            "payment_status": payment_status(rec.get("total"), rec.get("unapplied")),
        },
        **doc_fields(rec, setup),
    )


def invoice_to(obj: Invoice, setup: Setup) -> Rec:
    _, item = expense_lines(obj.lines)
    if len(item) != len(obj.lines):
        raise ValidationError("NetSuite invoice lines need an item", vendor="netsuite", code="item")
    body = {**header(obj, setup), "entity": ref(obj.customer_id), "item": {"items": item}}
    if obj.due_date:
        body["dueDate"] = obj.due_date.isoformat()
    return body


def invoice_from(rec: Rec, setup: Setup) -> Invoice:
    return Invoice(
        customer_id=str(ref_id(rec.get("entity"))),
        due_date=day(rec["dueDate"]) if rec.get("dueDate") else None,
        side_status={
            "total": rec.get("total"),
            "amountRemaining": rec.get("amountRemaining"),
            "payment_status": payment_status(rec.get("total"), rec.get("amountRemaining")),
        },
        **doc_fields(rec, setup),
    )


def journal_to(obj: JournalEntry, setup: Setup) -> Rec:
    lines = [
        drop_none(
            {
                "account": ref(ln.account_id),
                "memo": ln.description,
                "debit" if ln.posting_type == "Debit" else "credit": float(ln.amount),
            }
        )
        for ln in obj.lines
    ]
    return drop_none(
        {
            "subsidiary": ref(setup.subsidiary_id),
            "tranDate": obj.date.isoformat(),
            "tranId": obj.number,
            "currency": setup.currency_id(obj.currency),
            "memo": obj.memo,
            "line": {"items": lines},
        }
    )


def journal_from(rec: Rec, setup: Setup) -> JournalEntry:
    lines = tuple(
        JournalLine(
            posting_type="Debit" if x.get("debit") else "Credit",
            amount=money(x.get("debit") or x.get("credit")),
            account_id=str(ref_id(x.get("account"))),
            description=x.get("memo"),
        )
        for x in items(rec, "line")
    )
    return JournalEntry(
        date=day(rec.get("tranDate")),
        number=rec.get("tranId"),
        memo=rec.get("memo"),
        lines=lines,
        currency=setup.currency_code(rec.get("currency")) or setup.home_currency,
        **common(rec),
    )
