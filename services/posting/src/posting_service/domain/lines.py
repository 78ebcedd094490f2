"""The double-entry lines each posted object puts in the books (POSTINGS.md), in home currency.

Accounts the object leaves to the ledger's default (a bill without ``ap_account_id``) are named
``default:ap`` and the like, so reconciliation still sees a balanced record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledgerbridge_common.canonical.models import (
    Bill,
    BillPayment,
    CanonicalObject,
    FundsTransfer,
    Invoice,
    JournalEntry,
    ReceivedPayment,
    TransactionLine,
    VendorCredit,
)

DEFAULT_AP = "default:ap"
DEFAULT_AR = "default:ar"
DEFAULT_EXPENSE = "default:expense"
DEFAULT_INCOME = "default:income"
DEFAULT_BANK = "default:bank"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Line:
    account_id: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


class UnbalancedError(ValueError):
    def __init__(self, debits: Decimal, credits: Decimal) -> None:
        super().__init__(f"debits {debits} != credits {credits}")
        self.debits = debits
        self.credits = credits


def _home(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT)


def _line_account(line: TransactionLine, default: str) -> str:
    c = line.classifications
    if c.account_id:
        return c.account_id
    return f"item:{c.item_id}" if c.item_id else default


def _split(
    lines: Sequence[TransactionLine], rate: Decimal, total_account: str, default: str, *, total_side: str
) -> list[Line]:
    """One line per transaction line on one side, their sum on ``total_account`` on the other."""
    parts = [(_line_account(ln, default), _home(ln.amount, rate)) for ln in lines]
    total = sum((amount for _, amount in parts), ZERO)
    if total_side == "credit":
        return [Line(a, debit=amt) for a, amt in parts] + [Line(total_account, credit=total)]
    return [Line(total_account, debit=total)] + [Line(a, credit=amt) for a, amt in parts]


def _pair(debit_account: str, credit_account: str, amount: Decimal) -> list[Line]:
    return [Line(debit_account, debit=amount), Line(credit_account, credit=amount)]


def lines_for(obj: CanonicalObject) -> list[Line]:
    """The lines of ``obj`` as posted; name-list objects and voided payments have none."""
    if getattr(obj, "voided", False):
        return []
    match obj:
        case Bill():
            return _split(
                obj.lines,
                obj.exchange_rate,
                obj.ap_account_id or DEFAULT_AP,
                DEFAULT_EXPENSE,
                total_side="credit",
            )
        case VendorCredit():
            return _split(
                obj.lines,
                obj.exchange_rate,
                obj.ap_account_id or DEFAULT_AP,
                DEFAULT_EXPENSE,
                total_side="debit",
            )
        case Invoice():
            return _split(
                obj.lines,
                obj.exchange_rate,
                obj.ar_account_id or DEFAULT_AR,
                DEFAULT_INCOME,
                total_side="debit",
            )
        case BillPayment():
            return _pair(DEFAULT_AP, obj.bank_account_id or DEFAULT_BANK, _home(obj.amount, obj.exchange_rate))
        case ReceivedPayment():
            amount = _home(obj.amount, obj.exchange_rate)
            return _pair(obj.deposit_to_account_id or DEFAULT_BANK, DEFAULT_AR, amount)
        case FundsTransfer():
            return _pair(obj.to_account_id, obj.from_account_id, obj.amount.quantize(CENT))
        case JournalEntry():
            return [
                Line(ln.account_id, debit=ln.amount.quantize(CENT))
                if ln.posting_type == "Debit"
                else Line(ln.account_id, credit=ln.amount.quantize(CENT))
                for ln in obj.lines
            ]
    return []


def totals(lines: Iterable[Line]) -> tuple[Decimal, Decimal]:
    items = list(lines)
    return sum((ln.debit for ln in items), ZERO), sum((ln.credit for ln in items), ZERO)


def check_balanced(lines: Iterable[Line]) -> None:
    debits, credits = totals(lines)
    if debits != credits:
        raise UnbalancedError(debits, credits)


def net(lines: Iterable[Line]) -> dict[str, Decimal]:
    """Debit minus credit per account, zero entries dropped."""
    result: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for ln in lines:
        result[ln.account_id] += ln.debit - ln.credit
    return {account: amount for account, amount in result.items() if amount != 0}


def reversal(balances: Mapping[str, Decimal]) -> list[Line]:
    """Lines that bring ``balances`` (debit minus credit per account) back to zero."""
    return [
        Line(account, credit=amount) if amount > 0 else Line(account, debit=-amount)
        for account, amount in sorted(balances.items())
        if amount != 0
    ]


def restatement(previous: Mapping[str, Decimal], new: Sequence[Line]) -> list[tuple[str, Line]]:
    """What to record when an object is (re)posted: reverse what was recorded before, then the
    object's new lines; nothing when the books would not change."""
    if net(new) == {k: v for k, v in previous.items() if v != 0}:
        return []
    return [("reversal", ln) for ln in reversal(previous)] + [("posting", ln) for ln in new]
