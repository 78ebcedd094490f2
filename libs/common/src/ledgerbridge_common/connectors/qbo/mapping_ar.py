"""AR and ledger transactions: Invoice, Payment (ReceivedPayment), Transfer (FundsTransfer),
JournalEntry."""

from __future__ import annotations

from typing import Any

from ledgerbridge_common.canonical.models import (
    CanonicalObject,
    FundsTransfer,
    Invoice,
    JournalEntry,
    JournalLine,
    ReceivedPayment,
    TransactionLine,
)
from ledgerbridge_common.connectors.qbo.mapping_common import (
    CompanySetup,
    Json,
    amount,
    currency_in,
    currency_out,
    dec,
    drop_none,
    identity,
    note_with_tag,
    parse_date,
    ref,
    ref_id,
)
from ledgerbridge_common.connectors.qbo.mapping_txns import (
    _applied_in,
    _applied_out,
    _department,
    _header_in,
    _lines_in,
)


def _sales_line_out(line: TransactionLine) -> Json:
    c = line.classifications
    detail = drop_none(
        {
            "ItemRef": ref(c.item_id),
            "ClassRef": ref(c.class_id),
            "Qty": float(line.quantity) if line.quantity is not None else None,
            "UnitPrice": float(line.unit_price) if line.unit_price is not None else None,
        }
    )
    return drop_none(
        {
            "Amount": amount(line.amount),
            "Description": line.description,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": detail,
        }
    )


def invoice_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, Invoice)
    return drop_none(
        {
            **identity(obj.id, obj.concurrency_token),
            "CustomerRef": ref(obj.customer_id),
            "DocNumber": obj.number,
            "TxnDate": obj.date.isoformat(),
            "DueDate": obj.due_date.isoformat() if obj.due_date else None,
            "ARAccountRef": ref(obj.ar_account_id),
            "Line": [_sales_line_out(ln) for ln in obj.lines],
            "DepartmentRef": _department(obj.lines),
            "PrivateNote": note_with_tag(obj.memo, tag),
            **currency_out(setup, obj.currency, obj.exchange_rate),
        }
    )


def invoice_in(data: Json, setup: CompanySetup) -> Invoice:
    header, _ = _header_in(data, setup)
    return Invoice(
        **header,
        **currency_in(data, setup),
        customer_id=ref_id(data, "CustomerRef") or "",
        number=data.get("DocNumber"),
        date=parse_date(data.get("TxnDate")),
        due_date=parse_date(data.get("DueDate")),
        lines=_lines_in(data),
        ar_account_id=ref_id(data, "ARAccountRef"),
    )


def payment_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, ReceivedPayment)
    return drop_none(
        {
            **identity(obj.id, obj.concurrency_token),
            "CustomerRef": ref(obj.customer_id),
            "TotalAmt": amount(obj.amount),
            "TxnDate": obj.date.isoformat(),
            "Line": _applied_out(obj.applied_to, "Invoice"),
            "DepositToAccountRef": ref(obj.deposit_to_account_id),
            "PaymentRefNum": obj.reference,
            "PrivateNote": note_with_tag(obj.memo, tag),
            **currency_out(setup, obj.currency, obj.exchange_rate),
        }
    )


def payment_in(data: Json, setup: CompanySetup) -> ReceivedPayment:
    header, voided = _header_in(data, setup)
    return ReceivedPayment(
        **header,
        **currency_in(data, setup),
        customer_id=ref_id(data, "CustomerRef") or "",
        date=parse_date(data.get("TxnDate")),
        amount=dec(data.get("TotalAmt")),
        applied_to=_applied_in(data, "Invoice"),
        deposit_to_account_id=ref_id(data, "DepositToAccountRef"),
        reference=data.get("PaymentRefNum"),
        voided=voided,
    )


def transfer_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, FundsTransfer)
    return drop_none(
        {
            **identity(obj.id, obj.concurrency_token),
            "FromAccountRef": ref(obj.from_account_id),
            "ToAccountRef": ref(obj.to_account_id),
            "Amount": amount(obj.amount),
            "TxnDate": obj.date.isoformat(),
            "PrivateNote": note_with_tag(obj.memo, tag),
            **currency_out(setup, obj.currency, None),
        }
    )


def transfer_in(data: Json, setup: CompanySetup) -> FundsTransfer:
    header, _ = _header_in(data, setup)
    return FundsTransfer(
        **header,
        date=parse_date(data.get("TxnDate")),
        amount=dec(data.get("Amount")),
        currency=ref_id(data, "CurrencyRef") or setup.home_currency,
        from_account_id=ref_id(data, "FromAccountRef") or "",
        to_account_id=ref_id(data, "ToAccountRef") or "",
    )


def journal_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, JournalEntry)
    lines = [
        drop_none(
            {
                "Amount": amount(ln.amount),
                "Description": ln.description,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {"PostingType": ln.posting_type, "AccountRef": ref(ln.account_id)},
            }
        )
        for ln in obj.lines
    ]
    return drop_none(
        {
            **identity(obj.id, obj.concurrency_token),
            "DocNumber": obj.number,
            "TxnDate": obj.date.isoformat(),
            "Line": lines,
            "PrivateNote": note_with_tag(obj.memo, tag),
            **currency_out(setup, obj.currency, None),
        }
    )


def journal_in(data: Json, setup: CompanySetup) -> JournalEntry:
    header, _ = _header_in(data, setup)
    lines = []
    for line in data.get("Line") or []:
        detail: Any = line.get("JournalEntryLineDetail") or {}
        lines.append(
            JournalLine(
                posting_type=detail.get("PostingType", "Debit"),
                amount=dec(line.get("Amount")),
                account_id=ref_id(detail, "AccountRef") or "",
                description=line.get("Description"),
            )
        )
    return JournalEntry(
        **header,
        date=parse_date(data.get("TxnDate")),
        number=data.get("DocNumber"),
        currency=ref_id(data, "CurrencyRef") or setup.home_currency,
        lines=tuple(lines),
    )
