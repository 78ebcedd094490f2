"""``DocumentLookup`` for NetSuite: what a first sync links to instead of creating a duplicate.

One SuiteQL query on ``transaction`` by ``type`` (``VendBill``, ``VendCred``, ``CustInvc``), party
(``entity``) and document number (``tranid``) (netsuite-api.md §2; the ``tranId`` of §1.7 records),
then a read of each match. The caller compares amounts and dates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.netsuite.changes import quote
from ledgerbridge_common.connectors.netsuite.client import NetSuiteClient
from ledgerbridge_common.connectors.netsuite.mapping import MAPS

LOOKUP_TYPES = frozenset({ObjectType.BILL, ObjectType.VENDOR_CREDIT, ObjectType.INVOICE})


def lookup_query(object_type: ObjectType, party_id: str, number: str) -> str:
    txn_type = MAPS[object_type].txn_type or ""
    return (
        f"SELECT id FROM transaction WHERE type = {quote(txn_type)} "  # noqa: S608 - every value quoted
        f"AND entity = {quote(party_id)} AND tranid = {quote(number)} ORDER BY id"
    )


class NetSuiteDocumentLookup:
    """The ``DocumentLookup`` part of ``NetSuiteConnector``."""

    client: NetSuiteClient
    read: Callable[[ObjectType, str], Awaitable[CanonicalObject | None]]

    async def find_documents(self, object_type: ObjectType, party_id: str, number: str) -> list[CanonicalObject]:
        if object_type not in LOOKUP_TYPES or not party_id or not number:
            return []
        ids = [str(row["id"]) async for row in self.client.suiteql(lookup_query(object_type, party_id, number))]
        found = [await self.read(object_type, object_id) for object_id in dict.fromkeys(ids)]
        return [doc for doc in found if doc is not None]
