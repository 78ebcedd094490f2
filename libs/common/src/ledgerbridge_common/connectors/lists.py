"""The ledger's lists a bookkeeper picks preference values from (Funds Transfer Location,
Department, Journal Symbol, the linked entity or subsidiary...), read through the connector like the
chart of accounts, so that prefs-api never knows which ledger it talks to.

A connector offers them by implementing :class:`LedgerLists` (Intacct: ``intacct/lists.py``,
NetSuite: ``netsuite/lists.py``); a connector without it offers none. ``chart_types`` says which
canonical account types its chart of accounts tells apart: a ledger whose chart only says "balance
sheet, debit" cannot be asked for an "Accounts Payable" account, only for a liability (see
:func:`same_family`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ledgerbridge_common.canonical.models import AccountType


class ListKind(StrEnum):
    ENTITIES = "entities"
    """Where a BILL organization is linked: Intacct entities, NetSuite subsidiaries."""
    LOCATIONS = "locations"
    DEPARTMENTS = "departments"
    CLASSES = "classes"
    JOURNALS = "journals"
    """Journals by symbol (Intacct ``GLBATCH`` ``JOURNAL``)."""
    BANK_ACCOUNTS = "bank_accounts"
    """The ledger's bank account records, each on a GL account (Intacct checking accounts)."""


class ListValue(BaseModel):
    """One entry of a list, as the bookkeeper picks it: ``id`` is what the preference stores."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    active: bool = True
    parent_id: str | None = None
    account_id: str | None = Field(default=None, description="Bank accounts: the GL account it posts to.")


@runtime_checkable
class LedgerLists(Protocol):
    offered_lists: frozenset[ListKind]
    chart_types: frozenset[AccountType]
    """The canonical account types ``list_accounts`` reports; other types cannot be told apart."""

    @property
    def linked_entity(self) -> str | None:
        """The entity or subsidiary this connection is linked to (``None``: the top level)."""
        ...

    async def list_values(self, kind: ListKind) -> list[ListValue]:
        """Every entry of ``kind`` (one of ``offered_lists``), inactive ones included."""
        ...


A = AccountType
FAMILIES: tuple[frozenset[AccountType], ...] = (
    frozenset({A.BANK, A.ACCOUNTS_RECEIVABLE, A.OTHER_CURRENT_ASSET, A.FIXED_ASSET, A.OTHER_ASSET}),
    frozenset({A.ACCOUNTS_PAYABLE, A.CREDIT_CARD, A.OTHER_CURRENT_LIABILITY, A.LONG_TERM_LIABILITY}),
    frozenset({A.EQUITY}),
    frozenset({A.INCOME, A.OTHER_INCOME}),
    frozenset({A.COST_OF_GOODS_SOLD, A.EXPENSE, A.OTHER_EXPENSE}),
    frozenset({A.NON_POSTING}),
)
"""Assets, liabilities, equity, income, expenses: what any chart of accounts tells apart."""


def same_family(a: AccountType, b: AccountType) -> bool:
    return any(a in family and b in family for family in FAMILIES)
