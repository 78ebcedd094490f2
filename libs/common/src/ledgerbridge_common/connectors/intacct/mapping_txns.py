"""Transactions: bills and vendor credits (negative bills, as BILL syncs them), AP payments,
AR invoices (legacy ``create_invoice``), AR payments and journal entries (``GLBATCH``).

The canonical ``id`` of a transaction is its RECORDNO. Line dimensions: ``location_id`` (or, without
one, ``entity_id``) → LOCATIONID, ``department_id`` → DEPARTMENTID, ``class_id`` → CLASSID,
``project_id`` → PROJECTID; items are not tracked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    JournalEntry,
    JournalLine,
    ObjectType,
    TransactionLine,
    VendorCredit,
)
from ledgerbridge_common.connectors.intacct.mapping_ar import invoice_from, invoice_to, received_from, received_to
from ledgerbridge_common.connectors.intacct.mapping_common import (
    NO_DATE,
    CompanySetup,
    ObjectMap,
    amount,
    common,
    fmt_date,
    line_from,
    parse_date,
    with_marker,
    without_marker,
)
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, items, text

T = ObjectType


def _line_to(line: TransactionLine, sign: int, setup: CompanySetup) -> Record:
    c = line.classifications
    return {
        "ACCOUNTNO": c.account_id,
        "TRX_AMOUNT": str(line.amount * sign),
        "ENTRYDESCRIPTION": line.description,
        "LOCATIONID": c.location_id or c.entity_id or setup.entity_id or None,
        "DEPARTMENTID": c.department_id,
        "CLASSID": c.class_id,
        "PROJECTID": c.project_id,
    }


def _payables_to(sign: int) -> Any:
    def to(doc: Any, setup: CompanySetup, tag: str | None) -> Record:
        due = getattr(doc, "due_date", None) or doc.date
        return {
            "RECORDNO": doc.id,
            "WHENCREATED": fmt_date(doc.date),
            "WHENDUE": fmt_date(due),
            "VENDORID": doc.vendor_id,
            "RECORDID": doc.number,
            "DESCRIPTION": with_marker(doc.memo, tag),
            "CURRENCY": doc.currency,
            "EXCHANGE_RATE": str(doc.exchange_rate) if doc.currency != "USD" else None,
            "APBILLITEMS": {"APBILLITEM": [_line_to(line, sign, setup) for line in doc.lines]},
        }

    return to


def _payables_side(r: Record) -> dict[str, Any]:
    return {"state": text(r, "STATE"), "total_due": text(r, "TOTALDUE"), "total_paid": text(r, "TOTALPAID")}


def bill_from(r: Record, setup: CompanySetup) -> Bill | VendorCredit:
    data = common(r, setup, "RECORDNO")
    data["side_status"] = {**data["side_status"], **_payables_side(r)}
    negative = amount(text(r, "TOTALENTERED")) < 0
    sign = -1 if negative else 1
    fields = {
        **data,
        "vendor_id": text(r, "VENDORID"),
        "number": text(r, "RECORDID") or None,
        "date": parse_date(text(r, "WHENCREATED")) or NO_DATE,
        "currency": text(r, "CURRENCY") or "USD",
        "memo": without_marker(text(r, "DESCRIPTION")),
        "lines": tuple(line_from(line, sign) for line in items(r, "APBILLITEMS", "APBILLITEM")),
    }
    if negative:
        return VendorCredit(**fields)
    return Bill(**fields, due_date=parse_date(text(r, "WHENDUE")))


def payment_to(p: BillPayment, _: CompanySetup, tag: str | None) -> Record:
    details: list[Record] = [{"RECORDKEY": a.document_id, "TRX_PAYMENTAMOUNT": str(a.amount)} for a in p.applied_to]
    for credit in p.vendor_credits:  # a negative bill applied inline to the first bill
        details[0] = {**details[0], "INLINEKEY": credit.document_id, "TRX_INLINEAMOUNT": str(credit.amount)}
    return {
        "RECORDNO": p.id,
        "FINANCIALENTITY": p.bank_account_id,
        "PAYMENTMETHOD": "EFT",
        "VENDORID": p.vendor_id,
        "DOCNUMBER": p.reference,
        "DESCRIPTION": with_marker(p.memo, tag),
        "PAYMENTDATE": fmt_date(p.date),
        "CURRENCY": p.currency,
        "APPYMTDETAILS": {"APPYMTDETAIL": details},
    }


def payment_from(r: Record, setup: CompanySetup) -> BillPayment:
    details = items(r, "APPYMTDETAILS", "APPYMTDETAIL")
    return BillPayment(
        **common(r, setup, "RECORDNO"),
        vendor_id=text(r, "VENDORID"),
        date=parse_date(text(r, "PAYMENTDATE")) or parse_date(text(r, "WHENCREATED")) or NO_DATE,
        amount=amount(text(r, "TOTALENTERED")),
        currency=text(r, "CURRENCY") or "USD",
        applied_to=tuple(
            AppliedTo(document_id=text(d, "RECORDKEY"), amount=amount(text(d, "TRX_PAYMENTAMOUNT"))) for d in details
        ),
        vendor_credits=tuple(
            AppliedTo(document_id=text(d, "INLINEKEY"), amount=amount(text(d, "TRX_INLINEAMOUNT")))
            for d in details
            if text(d, "INLINEKEY")
        ),
        bank_account_id=text(r, "FINANCIALENTITY") or None,
        reference=text(r, "DOCNUMBER") or None,
        memo=without_marker(text(r, "DESCRIPTION")),
    )


JOURNAL_TITLE = "LedgerBridge journal entry"


def journal_to(j: JournalEntry, setup: CompanySetup, tag: str | None) -> Record:
    return {
        "RECORDNO": j.id,
        "JOURNAL": setup.journal_symbol,
        "BATCH_DATE": fmt_date(j.date),
        "BATCH_TITLE": with_marker(j.memo or JOURNAL_TITLE, tag),
        "REFERENCENO": j.number,
        "ENTRIES": {
            "GLENTRY": [
                {
                    "ACCOUNTNO": line.account_id,
                    "TR_TYPE": "1" if line.posting_type == "Debit" else "-1",
                    "TRX_AMOUNT": str(line.amount),
                    "DESCRIPTION": line.description,
                    "LOCATION": setup.journal_location or setup.entity_id or None,
                }
                for line in j.lines
            ]
        },
    }


def journal_from(r: Record, setup: CompanySetup) -> JournalEntry:
    memo = without_marker(text(r, "BATCH_TITLE"))
    return JournalEntry(
        **common(r, setup, "RECORDNO"),
        date=parse_date(text(r, "BATCH_DATE")) or NO_DATE,
        number=text(r, "REFERENCENO") or None,
        memo=None if memo == JOURNAL_TITLE else memo,
        lines=tuple(
            JournalLine(
                posting_type="Debit" if text(e, "TR_TYPE") == "1" else "Credit",
                amount=amount(text(e, "TRX_AMOUNT") or text(e, "AMOUNT")),
                account_id=text(e, "ACCOUNTNO"),
                description=text(e, "DESCRIPTION") or None,
            )
            for e in items(r, "ENTRIES", "GLENTRY")
        ),
    )


TXN_MAPS = {
    m.object_type: m
    for m in (
        ObjectMap(
            T.BILL,
            "APBILL",
            "RECORDNO",
            None,
            "DESCRIPTION",
            _payables_to(1),
            bill_from,
            sign_filter="greaterthanorequalto",
        ),
        ObjectMap(
            T.VENDOR_CREDIT,
            "APBILL",
            "RECORDNO",
            None,
            "DESCRIPTION",
            _payables_to(-1),
            bill_from,
            sign_filter="lessthan",
        ),
        ObjectMap(T.BILL_PAYMENT, "APPYMT", "RECORDNO", None, "DESCRIPTION", payment_to, payment_from, updatable=False),
        ObjectMap(
            T.INVOICE,
            "ARINVOICE",
            "RECORDNO",
            None,
            "DESCRIPTION",
            invoice_to,
            invoice_from,
            updatable=False,
            create_function="create_invoice",
        ),
        ObjectMap(
            T.RECEIVED_PAYMENT, "ARPYMT", "RECORDNO", None, "DESCRIPTION", received_to, received_from, updatable=False
        ),
        ObjectMap(T.JOURNAL_ENTRY, "GLBATCH", "RECORDNO", None, "BATCH_TITLE", journal_to, journal_from),
    )
}
ZERO = Decimal(0)
