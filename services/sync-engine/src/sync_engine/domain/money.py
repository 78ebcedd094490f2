"""Money movement: home-currency conversion, payment accounts (clearing, Default Bank, Deposit To),
disbursement/deposit runs as funds transfers, and the FX gain/loss journal (POSTINGS.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerbridge_common.canonical.models import (
    BillPayment,
    CanonicalObject,
    FundsTransfer,
    ObjectType,
    ReceivedPayment,
)
from ledgerbridge_common.events import Side
from ledgerbridge_common.prefs_client import ConnectionPreferences
from sync_engine.domain.model import make_ref

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def needs_conversion(currency: str | None, home: str, multi_currency: bool) -> bool:
    return not multi_currency and bool(currency) and currency != home


def convert_document(data: dict[str, Any], home: str) -> dict[str, Any]:
    """A bill, credit or invoice in home currency at its own rate (ledger without multi-currency)."""
    rate = Decimal(str(data.get("exchange_rate") or 1))
    lines = [{**ln, "amount": str(cents(Decimal(str(ln["amount"])) * rate))} for ln in data.get("lines") or ()]
    return {**data, "lines": lines, "currency": home, "exchange_rate": "1"}


def document_rate(related: Mapping[str, CanonicalObject], ref: str, fallback: Decimal) -> Decimal:
    doc = related.get(ref)
    rate = getattr(doc, "exchange_rate", None)
    return Decimal(str(rate)) if rate is not None else fallback


def booked_home_amount(payment: BillPayment | ReceivedPayment, related: Mapping[str, CanonicalObject]) -> Decimal:
    """What the payment books in home currency: each applied document at that document's rate."""
    if isinstance(payment, BillPayment):
        doc_type, credits = ObjectType.BILL, payment.vendor_credits
    else:
        doc_type, credits = ObjectType.INVOICE, ()
    total = Decimal(0)
    for applied in payment.applied_to:
        rate = document_rate(related, make_ref(Side.BILLCOM, doc_type, applied.document_id), payment.exchange_rate)
        total += cents(applied.amount * rate)
    for credit in credits:
        ref = make_ref(Side.BILLCOM, ObjectType.VENDOR_CREDIT, credit.document_id)
        total -= cents(credit.amount * document_rate(related, ref, payment.exchange_rate))
    if not payment.applied_to:
        total = cents(payment.amount * payment.exchange_rate)
    return total


def convert_payment(
    data: dict[str, Any],
    payment: BillPayment | ReceivedPayment,
    related: Mapping[str, CanonicalObject],
    home: str,
) -> dict[str, Any]:
    doc_type = ObjectType.BILL if isinstance(payment, BillPayment) else ObjectType.INVOICE
    applied = []
    for original, translated in zip(payment.applied_to, data.get("applied_to") or (), strict=True):
        rate = document_rate(related, make_ref(Side.BILLCOM, doc_type, original.document_id), payment.exchange_rate)
        applied.append({**translated, "amount": str(cents(original.amount * rate))})
    credits = []
    if isinstance(payment, BillPayment):
        for original, translated in zip(payment.vendor_credits, data.get("vendor_credits") or (), strict=True):
            ref = make_ref(Side.BILLCOM, ObjectType.VENDOR_CREDIT, original.document_id)
            rate = document_rate(related, ref, payment.exchange_rate)
            credits.append({**translated, "amount": str(cents(original.amount * rate))})
    out = {**data, "applied_to": applied, "currency": home, "exchange_rate": "1"}
    if isinstance(payment, BillPayment):
        out["vendor_credits"] = credits
    out["amount"] = str(booked_home_amount(payment, related))
    return out


def payment_account(payment: CanonicalObject, prefs: ConnectionPreferences) -> tuple[str | None, str]:
    """The ledger account a payment is drawn from / deposited to, and the preference it comes from."""
    if isinstance(payment, BillPayment):
        if payment.paid_outside:
            return prefs.default_bank_account, "Default Bank Account"
        return prefs.money_out_clearing_account, "BILL Money Out Clearing account"
    if isinstance(payment, ReceivedPayment) and payment.method != "electronic":
        return prefs.deposit_to_account, "Deposit To account"
    return prefs.money_in_clearing_account, "BILL Money In Clearing account"


@dataclass(frozen=True)
class TransferAccounts:
    from_account: str | None
    to_account: str | None
    clearing: str | None
    missing: str | None


def transfer_accounts(run: FundsTransfer, prefs: ConnectionPreferences) -> TransferAccounts:
    """Money out: bank GL → Money Out Clearing. Money in: Money In Clearing → bank GL."""
    if run.direction == "money_out":
        bank_id, clearing, label = run.from_account_id, prefs.money_out_clearing_account, "Money Out"
    else:
        bank_id, clearing, label = run.to_account_id, prefs.money_in_clearing_account, "Money In"
    bank_gl = prefs.bank_gl_accounts.get(bank_id)
    missing = None
    if not bank_gl:
        missing = f"Choose the GL account for BILL bank account {bank_id} (GL Account for Bank Account)"
    elif not clearing:
        missing = f"Choose a Bank account for BILL {label} Clearing"
    if run.direction == "money_out":
        return TransferAccounts(bank_gl, clearing, clearing, missing)
    return TransferAccounts(clearing, bank_gl, clearing, missing)


def fx_difference(
    run: FundsTransfer,
    payments: Iterable[BillPayment | ReceivedPayment],
    related: Mapping[str, CanonicalObject],
) -> Decimal:
    """Booked (at the documents' rates) minus what the run actually moved."""
    booked = sum((booked_home_amount(p, related) for p in payments), Decimal(0))
    return cents(booked - run.amount)


def fx_journal_lines(run: FundsTransfer, difference: Decimal, clearing: str, fx_account: str) -> list[dict[str, Any]]:
    """Lines that bring the clearing account back to zero.

    Money out: payments credited clearing with ``booked``, the transfer debited ``actual``; a
    positive difference is left as a credit on clearing → Dr clearing / Cr FX (a gain).
    Money in mirrors it."""
    amount = str(abs(difference))
    debit_clearing = (difference > 0) == (run.direction == "money_out")
    memo = f"Exchange rate difference, BILL run {run.run_id or run.id}"
    first, second = (clearing, fx_account) if debit_clearing else (fx_account, clearing)
    return [
        {"posting_type": "Debit", "amount": amount, "account_id": first, "description": memo},
        {"posting_type": "Credit", "amount": amount, "account_id": second, "description": memo},
    ]
