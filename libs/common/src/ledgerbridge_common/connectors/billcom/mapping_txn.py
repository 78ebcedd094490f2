"""BILL v3 JSON <-> canonical models: bills, credits, invoices, payments and money-movement runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ledgerbridge_common.canonical.models import (
    AppliedTo,
    ApprovalStatus,
    Bill,
    BillPayment,
    FundsTransfer,
    Invoice,
    ReceivedPayment,
    VendorCredit,
)
from ledgerbridge_common.connectors.billcom.mapping import (
    Json,
    common,
    dec,
    lines_in,
    lines_out,
    money,
    parse_date,
)
from ledgerbridge_common.errors import ValidationError

MONEY_OUT_CLEARING = "billcom:money-out-clearing"
"""Pseudo account id on the BILL side of a disbursement run (the ledger's Money Out Clearing)."""
MONEY_IN_CLEARING = "billcom:money-in-clearing"
"""Pseudo account id on the BILL side of a deposit run (the ledger's Money In Clearing)."""

MM_PAYABLES = "1"
MM_STATUSES = {"0": "SENT", "1": "CONFIRMED", "2": "VOID"}
"""v2 MoneyMovement ``status`` (developersupport.bill.com article 208196706)."""
VOID_STATUSES = {"VOID", "VOIDED", "CANCELLED", "CANCELED"}
ELECTRONIC_RECEIVABLES = {"ACH", "BANK_ACCOUNT", "WALLET", "EPAYMENT"}
CARD_RECEIVABLES = {"CREDIT_CARD", "CARD", "DEBIT_CARD", "AMEX"}


def _date(value: object, raw: Json) -> dt.date:
    """The document date, else the day it was created (BILL always sends one of them)."""
    return parse_date(value) or parse_date(raw.get("createdTime")) or dt.datetime.now(dt.UTC).date()


def _rate(raw: Json) -> Decimal:
    return dec(raw.get("exchangeRate") or 1) or Decimal(1)


def _approval(raw: Json) -> ApprovalStatus | None:
    value = raw.get("approvalStatus")
    try:
        return ApprovalStatus(value) if value else None
    except ValueError:
        return ApprovalStatus.UNDEFINED


def bill_in(raw: Json, currency: str = "USD") -> Bill:
    invoice = raw.get("invoice") or {}
    side = ("paymentStatus", "paidAmount", "dueAmount", "scheduledAmount", "creditAmount", "approvers")
    return Bill(
        **common(raw),
        vendor_id=raw["vendorId"],
        number=invoice.get("invoiceNumber"),
        date=_date(invoice.get("invoiceDate"), raw),
        due_date=parse_date(raw.get("dueDate")),
        currency=currency,
        exchange_rate=_rate(raw),
        lines=lines_in(raw.get("billLineItems")),
        memo=raw.get("description"),
        approval_status=_approval(raw),
        side_status={k: raw[k] for k in side if k in raw},
    )


def bill_out(obj: Bill) -> Json:
    body: Json = {
        "vendorId": obj.vendor_id,
        "dueDate": (obj.due_date or obj.date).isoformat(),
        "invoice": {"invoiceNumber": obj.number or "", "invoiceDate": obj.date.isoformat()},
        "description": obj.memo,
        "billLineItems": lines_out(obj.lines),
    }
    if obj.currency != "USD":
        body["exchangeRate"] = float(obj.exchange_rate)
    return body


def vendor_credit_in(raw: Json, currency: str = "USD") -> VendorCredit:
    side = ("status", "appliedAmount", "amount")
    return VendorCredit(
        **common(raw),
        vendor_id=raw["vendorId"],
        number=raw.get("referenceNumber"),
        date=_date(raw.get("creditDate"), raw),
        currency=currency,
        exchange_rate=_rate(raw),
        lines=lines_in(raw.get("vendorCreditLineItems")),
        memo=raw.get("description"),
        side_status={k: raw[k] for k in side if k in raw},
    )


def vendor_credit_out(obj: VendorCredit) -> Json:
    return {
        "vendorId": obj.vendor_id,
        "referenceNumber": obj.number,
        "creditDate": obj.date.isoformat(),
        "description": obj.memo,
        "vendorCreditLineItems": lines_out(obj.lines),
    }


def invoice_in(raw: Json, currency: str = "USD") -> Invoice:
    side = ("status", "dueAmount", "totalAmount", "payments")
    return Invoice(
        **common(raw),
        customer_id=raw.get("customerId") or (raw.get("customer") or {}).get("id"),
        number=raw.get("invoiceNumber"),
        date=_date(raw.get("invoiceDate"), raw),
        due_date=parse_date(raw.get("dueDate")),
        currency=currency,
        exchange_rate=_rate(raw),
        lines=lines_in(raw.get("invoiceLineItems")),
        memo=raw.get("description"),
        side_status={k: raw[k] for k in side if k in raw},
    )


def invoice_out(obj: Invoice) -> Json:
    return {
        "customer": {"id": obj.customer_id},
        "invoiceNumber": obj.number or "",
        "invoiceDate": obj.date.isoformat(),
        "dueDate": (obj.due_date or obj.date).isoformat(),
        "description": obj.memo,
        "invoiceLineItems": lines_out(obj.lines, priced=True),
    }


def bill_payment_in(raw: Json, currency: str = "USD") -> BillPayment:
    parts = raw.get("billPayments") or []
    applied = tuple(AppliedTo(document_id=p["billId"], amount=money(p["amount"])) for p in parts)
    if not applied and raw.get("billId"):
        applied = (AppliedTo(document_id=raw["billId"], amount=money(raw.get("amount"))),)
    credits = tuple(
        AppliedTo(document_id=c["id"], amount=money(c["amount"])) for p in parts for c in p.get("vendorCredits") or []
    )
    offline = raw.get("onlinePayment") is False or raw.get("disbursementType") == "OFFLINE"
    status = str(raw.get("status") or "")
    side = (
        "status",
        "singleStatus",
        "disbursementStatus",
        "disbursementType",
        "fundingAmount",
        "voidMoneyMovementId",
        "confirmationNumber",
    )
    return BillPayment(
        **common(raw),
        vendor_id=raw["vendorId"],
        date=_date(raw.get("processDate"), raw),
        amount=money(raw.get("amount")),
        currency=currency,
        exchange_rate=_rate(raw),
        applied_to=applied,
        vendor_credits=credits,
        funding_account_id=(raw.get("fundingAccount") or {}).get("id"),
        paid_outside=offline,
        run_id=raw.get("moneyMovementId"),
        reference=raw.get("transactionNumber") or raw.get("confirmationNumber"),
        memo=raw.get("description"),
        voided=status in VOID_STATUSES,
        side_status={k: raw[k] for k in side if raw.get(k) is not None},
    )


def bill_payment_out(obj: BillPayment) -> tuple[str, Json]:
    """``(path, body)``: record-payment for bills paid outside BILL, else a scheduled payment."""
    if obj.paid_outside:
        return "/v3/bills/record-payment", {
            "vendorId": obj.vendor_id,
            "processDate": obj.date.isoformat(),
            "toPrintCheck": False,
            "payments": [{"billId": a.document_id, "amount": float(a.amount)} for a in obj.applied_to],
            "description": obj.memo,
            "referenceNumber": obj.reference,
        }
    if len(obj.applied_to) != 1 or not obj.funding_account_id:
        raise ValidationError("a BILL payment pays exactly one bill from a funding account", vendor="billcom")
    body: Json = {
        "vendorId": obj.vendor_id,
        "billId": obj.applied_to[0].document_id,
        "amount": float(obj.amount),
        "processDate": obj.date.isoformat(),
        "fundingAccount": {"type": "BANK_ACCOUNT", "id": obj.funding_account_id},
        "description": (obj.memo or "")[:70] or None,
    }
    if obj.vendor_credits:
        body["vendorCredits"] = [{"id": c.document_id, "amount": float(c.amount)} for c in obj.vendor_credits]
    return "/v3/payments", body


def payment_method(raw: Json) -> Literal["electronic", "card", "offline"]:
    kind = str(raw.get("receivablesType") or raw.get("paymentType") or "").upper()
    if kind in CARD_RECEIVABLES:
        return "card"
    if raw.get("onlinePayment") and kind in ELECTRONIC_RECEIVABLES:
        return "electronic"
    return "offline"


def received_payment_in(raw: Json, currency: str = "USD") -> ReceivedPayment:
    applied = tuple(
        AppliedTo(document_id=p["invoiceId"], amount=money(p["amount"])) for p in raw.get("invoicePayments") or []
    )
    side = ("status", "receivablesType", "unappliedAmount", "convenienceFeeAmount", "onlinePayment")
    return ReceivedPayment(
        **common(raw),
        customer_id=raw["customerId"],
        date=_date(raw.get("paymentDate"), raw),
        amount=money(raw.get("amount")),
        currency=currency,
        exchange_rate=_rate(raw),
        method=payment_method(raw),
        applied_to=applied,
        deposit_to_account_id=(raw.get("fundingAccount") or {}).get("id"),
        run_id=raw.get("moneyMovementId"),
        reference=raw.get("referenceNumber"),
        memo=raw.get("description"),
        voided=str(raw.get("status")) in VOID_STATUSES,
        side_status={k: raw[k] for k in side if k in raw},
    )


def received_payment_out(obj: ReceivedPayment) -> Json:
    """Only offline receipts can be written (``/v3/invoices/record-payment``)."""
    if obj.method != "offline":
        raise ValidationError("only offline received payments can be recorded in BILL", vendor="billcom")
    return {
        "customerId": obj.customer_id,
        "amount": float(obj.amount),
        "paymentDate": obj.date.isoformat(),
        "invoices": [{"id": a.document_id, "amount": float(a.amount)} for a in obj.applied_to],
        "paymentType": "CHECK",
        "description": obj.memo,
        "referenceNumber": obj.reference,
    }


def funds_transfer_in(raw: Json) -> FundsTransfer:
    """A v2 ``MoneyMovement`` run. ``type`` "1" is payables, "2" receivables; ``amount`` is signed
    (money out of the bank negative). Money out: bank -> Money Out Clearing; money in (deposits,
    and a payables movement with a positive amount: the refund of a voided payment): clearing ->
    bank. ``side_status`` keeps the run type, the amount at the bills' booked rates
    (``booked_amount``; booked minus ``amount`` is the exchange-rate gain or loss) and the items."""
    bank = raw["bankAccountId"]
    signed = money(raw.get("amount"))
    payables = str(raw.get("type")) == MM_PAYABLES
    refund = payables and signed > 0
    money_in = not payables or refund
    run_type = "VOID_REFUND" if refund else ("DISBURSEMENT" if payables else "DEPOSIT")
    clearing = MONEY_OUT_CLEARING if payables else MONEY_IN_CLEARING
    return FundsTransfer(
        **common(raw),
        date=_date(raw.get("processDate"), raw),
        amount=abs(signed),
        currency="USD",
        from_account_id=clearing if money_in else bank,
        to_account_id=bank if money_in else clearing,
        memo=f"BILL {run_type.lower().replace('_', ' ')} run {raw['id']}",
        run_id=raw["id"],
        payment_ids=tuple(raw.get("paymentIds") or ()),
        direction="money_in" if money_in else "money_out",
        side_status={
            "type": run_type,
            "status": MM_STATUSES.get(str(raw.get("status")), str(raw.get("status"))),
            "booked_amount": str(abs(money(raw.get("bookedAmount")))),
            "payment_ids": list(raw.get("paymentIds") or []),
            "items": list(raw.get("items") or []),
            "bank_account_id": bank,
        },
    )
