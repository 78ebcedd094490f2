"""AR: invoices (legacy ``create_invoice``: lower-case fields, ``<year><month><day>`` dates,
``invoiceitems/lineitem``, answered with a bare ``<key>``) and AR payments (``ARPYMT``)."""

from __future__ import annotations

from typing import Any

from ledgerbridge_common.canonical.models import AppliedTo, Invoice, ReceivedPayment
from ledgerbridge_common.connectors.intacct.mapping_common import (
    NO_DATE,
    CompanySetup,
    amount,
    common,
    fmt_date,
    line_from,
    parse_date,
    with_marker,
    without_marker,
)
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, items, text


def _legacy_date(value: Any) -> Record | None:
    return {"year": f"{value:%Y}", "month": f"{value:%m}", "day": f"{value:%d}"} if value else None


def invoice_to(i: Invoice, setup: CompanySetup, tag: str | None) -> Record:
    return {
        "customerid": i.customer_id,
        "datecreated": _legacy_date(i.date),
        "datedue": _legacy_date(i.due_date or i.date),
        "invoiceno": i.number,
        "description": with_marker(i.memo, tag),
        "currency": i.currency,
        "invoiceitems": {
            "lineitem": [
                {
                    "glaccountno": line.classifications.account_id,
                    "amount": str(line.amount),
                    "memo": line.description,
                    "locationid": line.classifications.location_id or setup.entity_id or None,
                    "departmentid": line.classifications.department_id,
                }
                for line in i.lines
            ]
        },
    }


def invoice_from(r: Record, setup: CompanySetup) -> Invoice:
    return Invoice(
        **common(r, setup, "RECORDNO"),
        customer_id=text(r, "CUSTOMERID"),
        number=text(r, "RECORDID") or None,
        date=parse_date(text(r, "WHENCREATED")) or NO_DATE,
        due_date=parse_date(text(r, "WHENDUE")),
        currency=text(r, "CURRENCY") or "USD",
        memo=without_marker(text(r, "DESCRIPTION")),
        lines=tuple(line_from(line, 1) for line in items(r, "ARINVOICEITEMS", "ARINVOICEITEM")),
    )


def received_to(p: ReceivedPayment, setup: CompanySetup, tag: str | None) -> Record:
    """A deposit to a checking account names it as ``FINANCIALENTITY``; to any other GL account
    (undeposited funds) as ``UNDEPOSITEDACCOUNTNO`` (reference §2.3, ar-payments)."""
    deposit_to = p.deposit_to_account_id
    banked = deposit_to in setup.bank_ids
    return {
        "RECORDNO": p.id,
        "PAYMENTMETHOD": "EFT",
        "CUSTOMERID": p.customer_id,
        "RECEIPTDATE": fmt_date(p.date),
        "CURRENCY": p.currency,
        "FINANCIALENTITY": deposit_to if banked else None,
        "UNDEPOSITEDACCOUNTNO": None if banked else deposit_to,
        "DOCNUMBER": p.reference,
        "DESCRIPTION": with_marker(p.memo, tag),
        "ARPYMTDETAILS": {
            "ARPYMTDETAIL": [{"RECORDKEY": a.document_id, "TRX_PAYMENTAMOUNT": str(a.amount)} for a in p.applied_to]
        },
    }


def received_from(r: Record, setup: CompanySetup) -> ReceivedPayment:
    details = items(r, "ARPYMTDETAILS", "ARPYMTDETAIL")
    return ReceivedPayment(
        **common(r, setup, "RECORDNO"),
        customer_id=text(r, "CUSTOMERID"),
        date=parse_date(text(r, "RECEIPTDATE")) or NO_DATE,
        amount=amount(text(r, "TOTALENTERED")),
        currency=text(r, "CURRENCY") or "USD",
        applied_to=tuple(
            AppliedTo(document_id=text(d, "RECORDKEY"), amount=amount(text(d, "TRX_PAYMENTAMOUNT"))) for d in details
        ),
        deposit_to_account_id=text(r, "FINANCIALENTITY") or text(r, "UNDEPOSITEDACCOUNTNO") or None,
        reference=text(r, "DOCNUMBER") or None,
        memo=without_marker(text(r, "DESCRIPTION")),
    )
