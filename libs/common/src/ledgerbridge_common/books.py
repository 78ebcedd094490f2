"""Account balances derived from a ledger's own transactions, for ledgers whose chart of accounts
reports none (Sage Intacct, NetSuite): the reconciliation report's clearing balances, the e2e
cycles' and the fault runs' money checks.

Money is counted as *movements*: every funds transfer and every journal entry line pair is a debit
of one account and a credit of another, whichever object the ledger keeps it in (QBO a
``Transfer``, Sage Intacct and NetSuite a journal entry). Balances are in the home currency,
voided and inactive transactions left out. Pure: the caller reads the transactions (which types,
``LedgerCapabilities.balance_types``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from ledgerbridge_common.canonical.models import (
    Bill,
    BillPayment,
    CanonicalObject,
    FundsTransfer,
    Invoice,
    JournalEntry,
    ObjectType,
    ReceivedPayment,
    VendorCredit,
)

T = ObjectType


@dataclass(frozen=True)
class Movement:
    """Money moved into ``debit`` out of ``credit`` (ledger account ids)."""

    debit: str
    credit: str
    amount: Decimal
    source: ObjectType
    """The object type the ledger keeps it in."""
    source_id: str


def movements_of(obj: CanonicalObject) -> list[Movement]:
    """A funds transfer, or a journal entry whose lines pair up (one debit, one credit)."""
    if isinstance(obj, FundsTransfer):
        return [Movement(obj.to_account_id, obj.from_account_id, obj.amount, T.FUNDS_TRANSFER, str(obj.id))]
    if isinstance(obj, JournalEntry):
        debits = [ln for ln in obj.lines if ln.posting_type == "Debit"]
        credits = [ln for ln in obj.lines if ln.posting_type == "Credit"]
        if len(debits) == 1 and len(credits) == 1 and debits[0].amount == credits[0].amount:
            return [Movement(debits[0].account_id, credits[0].account_id, debits[0].amount, T.JOURNAL_ENTRY,
                             str(obj.id))]  # fmt: skip
    return []


class _AliasedBooks(defaultdict[str, Decimal]):
    def __init__(self, aliases: Mapping[str, str]) -> None:
        super().__init__(Decimal)
        self.aliases = aliases

    def __getitem__(self, key: str) -> Decimal:
        return super().__getitem__(self.aliases.get(key, key))

    def __setitem__(self, key: str, value: Decimal) -> None:
        super().__setitem__(self.aliases.get(key, key), value)


def _home(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(Decimal("0.01"))


def balances(
    objects: Iterable[CanonicalObject], *, ap: str, ar: str, aliases: Mapping[str, str] | None = None
) -> dict[str, Decimal]:
    """Per-account balances (debit positive) of the accounts payments, transfers and journals
    touch, and of the AP/AR control accounts, from the canonical transactions; ``aliases`` turns
    the ids payments name (an Intacct checking account) into their GL account."""
    books: dict[str, Decimal] = _AliasedBooks(aliases or {})
    for obj in objects:
        if getattr(obj, "voided", False) or not obj.active:
            continue
        if isinstance(obj, Bill | VendorCredit):
            total = _home(sum((ln.amount for ln in obj.lines), Decimal(0)), obj.exchange_rate)
            books[obj.ap_account_id or ap] += total if isinstance(obj, VendorCredit) else -total
        elif isinstance(obj, Invoice):
            books[obj.ar_account_id or ar] += _home(sum((ln.amount for ln in obj.lines), Decimal(0)), obj.exchange_rate)
        elif isinstance(obj, BillPayment) and obj.bank_account_id:
            books[ap] += _home(obj.amount, obj.exchange_rate)
            books[obj.bank_account_id] -= _home(obj.amount, obj.exchange_rate)
        elif isinstance(obj, ReceivedPayment) and obj.deposit_to_account_id:
            books[ar] -= _home(obj.amount, obj.exchange_rate)
            books[obj.deposit_to_account_id] += _home(obj.amount, obj.exchange_rate)
        elif isinstance(obj, FundsTransfer):
            books[obj.to_account_id] += obj.amount
            books[obj.from_account_id] -= obj.amount
        elif isinstance(obj, JournalEntry):
            for line in obj.lines:
                books[line.account_id] += line.amount if line.posting_type == "Debit" else -line.amount
    return dict(books)
