"""Intacct's lists for the preferences (:mod:`ledgerbridge_common.connectors.lists`): entities
(``LOCATIONENTITY``), locations, departments, classes and checking accounts, each read with
``query`` (reference intacct-api.md §2.3). Journals are not offered: no source names an XML object
that lists journal symbols (the REST API's ``general-ledger/journal`` does, and this connector speaks
XML; sandbox/intacct/README.md), and a wrong symbol is refused on posting (``BL01001973``)."""

from __future__ import annotations

from dataclasses import dataclass

from ledgerbridge_common.canonical.models import AccountType
from ledgerbridge_common.connectors.intacct.client import IntacctClient, IntacctLogin
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, text
from ledgerbridge_common.connectors.lists import ListKind, ListValue


@dataclass(frozen=True)
class ListObject:
    obj: str
    id_field: str
    name_field: str
    parent_field: str | None = None
    account_field: str | None = None

    def fields(self) -> list[str]:
        return [
            f
            for f in ("RECORDNO", self.id_field, self.name_field, "STATUS", self.parent_field, self.account_field)
            if f
        ]

    def value(self, r: Record) -> ListValue:
        return ListValue(
            id=text(r, self.id_field),
            name=text(r, self.name_field) or text(r, self.id_field),
            active=text(r, "STATUS").lower() != "inactive",
            parent_id=text(r, self.parent_field) or None if self.parent_field else None,
            account_id=text(r, self.account_field) or None if self.account_field else None,
        )


LIST_OBJECTS: dict[ListKind, ListObject] = {
    ListKind.ENTITIES: ListObject("LOCATIONENTITY", "LOCATIONID", "NAME"),
    ListKind.LOCATIONS: ListObject("LOCATION", "LOCATIONID", "NAME", "PARENTID"),
    ListKind.DEPARTMENTS: ListObject("DEPARTMENT", "DEPARTMENTID", "TITLE", "PARENTID"),
    ListKind.CLASSES: ListObject("CLASS", "CLASSID", "NAME", "PARENTID"),
    ListKind.BANK_ACCOUNTS: ListObject("CHECKINGACCOUNT", "BANKACCOUNTID", "BANKNAME", account_field="GLACCOUNTNO"),
}
CHART_TYPES = frozenset(
    {AccountType.OTHER_CURRENT_ASSET, AccountType.OTHER_CURRENT_LIABILITY, AccountType.INCOME, AccountType.EXPENSE}
)
"""``GLACCOUNT`` says balance sheet or income statement and the normal balance, nothing finer
(``mapping_lists.ACCOUNT_TYPES``); a GL account behind a checking account is a Bank account."""


class IntacctLists:
    """The :class:`~ledgerbridge_common.connectors.lists.LedgerLists` part of ``IntacctConnector``."""

    client: IntacctClient
    login: IntacctLogin
    page_size: int
    offered_lists = frozenset(LIST_OBJECTS)
    chart_types = CHART_TYPES | {AccountType.BANK}

    @property
    def linked_entity(self) -> str | None:
        return self.login.entity_id or None

    async def list_values(self, kind: ListKind) -> list[ListValue]:
        spec = LIST_OBJECTS.get(kind)
        if spec is None:
            return []
        rows = self.client.query_all(spec.obj, spec.fields(), page_size=self.page_size)
        return [spec.value(r) async for r in rows]
