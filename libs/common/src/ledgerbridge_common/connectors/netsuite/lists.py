"""NetSuite's lists for the preferences (:mod:`ledgerbridge_common.connectors.lists`): subsidiaries,
and the departments, locations and classes usable in the connection's subsidiary, read with SuiteQL
(reference netsuite-api.md §2, §6). A segment belongs to a subsidiary when its ``subsidiary`` field
lists it (OneWorld, §6; a parent listed with "include children" is not followed: the stricter
reading). Journals and bank account records are not NetSuite lists: bank accounts are accounts of
type Bank in the chart. The chart of accounts offered is the accounts usable in the connection's
subsidiary: those listing it, or an ancestor with "include children" (``list_accounts``)."""

from __future__ import annotations

from typing import Any

from ledgerbridge_common.canonical.models import Account, AccountType
from ledgerbridge_common.connectors.lists import ListKind, ListValue
from ledgerbridge_common.connectors.netsuite.client import NetSuiteClient
from ledgerbridge_common.connectors.netsuite.mapping_common import CANONICAL_TYPES
from ledgerbridge_common.connectors.netsuite.rules import usable_in

SEGMENT_TABLES = {
    ListKind.LOCATIONS: "location",
    ListKind.DEPARTMENTS: "department",
    ListKind.CLASSES: "classification",
}


def _id(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _subsidiaries(value: Any) -> set[str]:
    """A multi-select column: ``"1, 3"``."""
    return {part.strip() for part in str(value or "").split(",") if part.strip()}


class NetSuiteLists:
    """The :class:`~ledgerbridge_common.connectors.lists.LedgerLists` part of ``NetSuiteConnector``."""

    client: NetSuiteClient
    subsidiary_id: str
    offered_lists = frozenset({ListKind.ENTITIES, *SEGMENT_TABLES})
    chart_types = frozenset(CANONICAL_TYPES.values())

    @property
    def linked_entity(self) -> str | None:
        return self.subsidiary_id

    async def list_values(self, kind: ListKind) -> list[ListValue]:
        if kind is ListKind.ENTITIES:
            rows = self.client.suiteql("SELECT id, name, parent FROM subsidiary ORDER BY id")
            return [
                ListValue(id=str(r["id"]), name=str(r.get("name", "")), parent_id=_id(r.get("parent")))
                async for r in rows
            ]
        table = SEGMENT_TABLES.get(kind)
        if table is None:
            return []
        q = f"SELECT id, name, parent, isinactive, subsidiary FROM {table} ORDER BY id"  # noqa: S608
        return [
            ListValue(
                id=str(r["id"]),
                name=str(r.get("name", "")),
                active=r.get("isinactive") != "T",
                parent_id=_id(r.get("parent")),
            )
            async for r in self.client.suiteql(q)
            if self.subsidiary_id in _subsidiaries(r.get("subsidiary"))
        ]

    async def subsidiary_chain(self) -> list[str]:
        """The connection's subsidiary, then its parent, up to the root."""
        parents = {
            str(r["id"]): str(r.get("parent") or "")
            async for r in self.client.suiteql("SELECT id, parent FROM subsidiary")
        }
        chain: list[str] = []
        at = self.subsidiary_id
        while at and at not in chain:
            chain.append(at)
            at = parents.get(at, "")
        return chain

    async def list_accounts(self) -> list[Account]:
        """The accounts usable in the connection's subsidiary (the others are refused on every
        transaction, §6), so preferences offer only these."""
        chain = await self.subsidiary_chain()
        accounts = []
        q = "SELECT id, acctname, accttype, acctnumber, isinactive, subsidiary, includechildren FROM account"
        async for row in self.client.suiteql(q):
            if not usable_in(row.get("subsidiary"), row.get("includechildren") == "T", chain):
                continue
            kind = str(row.get("accttype", ""))
            accounts.append(
                Account(
                    id=str(row["id"]),
                    name=str(row.get("acctname", "")),
                    number=row.get("acctnumber"),
                    account_type=CANONICAL_TYPES.get(kind, AccountType.NON_POSTING),
                    account_subtype=kind or None,
                    active=row.get("isinactive") != "T",
                )
            )
        return accounts
