"""The clearing accounts' balances for the reconciliation report, through the ledger port. Where the
ledger's chart of accounts reports an account's balance (``list_accounts``:
``side_status["current_balance"]``, QBO ``CurrentBalance``) that figure is used; where it reports
none (Sage Intacct, NetSuite) the balance is computed from the ledger's own transactions
(:func:`ledgerbridge_common.books.balances`) of the types the connector declares
(``capabilities.bank_movement_types``), at most ``max_documents`` of each type (the figure is then
partial, and says so)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerbridge_common.books import balances
from ledgerbridge_common.canonical.models import Account, CanonicalObject, ObjectType
from ledgerbridge_common.connectors.ports import LedgerConnector
from ledgerbridge_common.errors import NotFoundError
from prefs_api.domain.catalog import CLEARING
from prefs_api.domain.reconcile import ClearingBalance, amount

TYPE_WORDS = {
    ObjectType.BILL_PAYMENT: "bill payments",
    ObjectType.RECEIVED_PAYMENT: "received payments",
    ObjectType.FUNDS_TRANSFER: "funds transfers",
    ObjectType.JOURNAL_ENTRY: "journal entries",
}


def words(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


async def read_all(reader: Any, object_type: ObjectType, ids: list[str]) -> list[CanonicalObject]:
    """The objects of ``ids`` that still exist (one read each)."""
    out = []
    for object_id in ids:
        try:
            obj = await reader.read(object_type, object_id)
        except NotFoundError:  # deleted since it was listed
            obj = None
        if obj is not None:
            out.append(obj)
    return out


async def _transactions(
    ledger: LedgerConnector, object_type: ObjectType, max_documents: int
) -> tuple[list[CanonicalObject], bool]:
    """The live objects of a type (at most ``max_documents``) and whether more exist."""
    page = await ledger.query_changed(object_type, None)
    ids = sorted({c.object_id for c in page.changes if c.operation != "deleted"})
    return await read_all(ledger, object_type, ids[:max_documents]), len(ids) > max_documents


@dataclass(frozen=True)
class Computed:
    books: dict[str, Decimal]
    source: str
    """Where the figures come from, in the bookkeeper's words."""
    partial: bool


async def computed_balances(ledger: LedgerConnector, values: Mapping[str, Any], max_documents: int) -> Computed:
    """Every account's balance from the ledger's transactions, and the sentence saying so."""
    types = ledger.capabilities.bank_movement_types
    objects: list[CanonicalObject] = []
    cut: list[str] = []
    for object_type in types:
        found, more = await _transactions(ledger, object_type, max_documents)
        objects += found
        if more:
            cut.append(TYPE_WORDS.get(object_type, object_type.value))
    books = balances(objects, ap=str(values.get("ap_account") or ""), ar=str(values.get("ar_account") or ""))
    name = ledger.capabilities.display_name
    source = f"computed from {name}'s {words([TYPE_WORDS.get(t, t.value) for t in types])} ({name} reports no balance)"
    if cut:
        source += f"; partial: only the first {max_documents} {words(cut)} were read"
    return Computed(books, source, partial=bool(cut))


async def clearing_balances(
    ledger: LedgerConnector, values: Mapping[str, Any], max_documents: int
) -> tuple[list[ClearingBalance], bool]:
    """Each clearing account the preferences name and the ledger has, and whether a computed
    figure is partial (more transactions exist than ``max_documents`` per type)."""
    accounts: dict[str | None, Account] = {a.id: a for a in await ledger.list_accounts()}
    chosen = [(pref, accounts[values[pref]]) for pref in CLEARING if values.get(pref) in accounts]
    name = ledger.capabilities.display_name
    out: list[ClearingBalance] = []
    computed: Computed | None = None
    for pref, account in chosen:
        reported = account.side_status.get("current_balance")
        account_id = str(account.id)
        if reported is not None:
            source = f"the balance {name} reports"
            out.append(ClearingBalance(pref, account_id, account.name, amount(reported), source))
            continue
        if computed is None:
            computed = await computed_balances(ledger, values, max_documents)
        balance = amount(computed.books.get(account_id))
        out.append(ClearingBalance(pref, account_id, account.name, balance, computed.source))
    return out, computed is not None and computed.partial
