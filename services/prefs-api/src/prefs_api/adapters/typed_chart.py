"""The chart of accounts as the preference rules read it: the accounts by id, with the canonical
types the ledger tells apart and its bank account records (``ledgerbridge_common.connectors.lists``)."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import Account, AccountType
from ledgerbridge_common.connectors.lists import LedgerLists, ListKind
from ledgerbridge_common.connectors.ports import LedgerConnector


class LedgerChart(dict[str, Account]):
    """A chart of accounts that knows which canonical types its ledger tells apart (``types``;
    ``None``: every type). The preference rules accept an account of the same family (asset,
    liability...) for a type the ledger cannot tell (Intacct has no Accounts Payable type)."""

    types: frozenset[AccountType] | None = None


def lists_of(connector: LedgerConnector) -> LedgerLists | None:
    return connector if isinstance(connector, LedgerLists) else None


async def typed_chart(connector: LedgerConnector, accounts: list[Account]) -> LedgerChart:
    """The accounts by id; with the ledger's bank account records, each GL account behind one is a
    Bank account and the record itself can be chosen too (it posts to that GL account)."""
    chart = LedgerChart({a.id: a for a in accounts if a.id is not None})
    lists = lists_of(connector)
    if lists is None:
        return chart
    chart.types = lists.chart_types
    if ListKind.BANK_ACCOUNTS in lists.offered_lists:
        for bank in await lists.list_values(ListKind.BANK_ACCOUNTS):
            gl = chart.get(bank.account_id or "")
            if gl is not None:
                chart[gl.id or bank.id] = gl.model_copy(update={"account_type": AccountType.BANK})
            if bank.id not in chart:
                name = f"{bank.name} ({bank.id})" + (f", GL {bank.account_id}" if bank.account_id else "")
                chart[bank.id] = Account(id=bank.id, name=name, account_type=AccountType.BANK, active=bank.active)
    return chart
