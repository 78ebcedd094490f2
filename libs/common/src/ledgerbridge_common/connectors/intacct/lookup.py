"""``DocumentLookup`` for Sage Intacct: what a first sync links to instead of creating a duplicate.

Bills and vendor credits are ``APBILL`` records (vendor credits are negative bills), invoices are
``ARINVOICE``; each is found with ``query`` on its party (``VENDORID`` / ``CUSTOMERID``) and its
document number ``RECORDID`` (intacct-api.md §2.3, ``APBILL`` "RECORDID = bill no."), the sign of
``TOTALENTERED`` telling bills from vendor credits. The caller compares amounts and dates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.intacct.changes import all_of
from ledgerbridge_common.connectors.intacct.client import IntacctClient
from ledgerbridge_common.connectors.intacct.mapping_txns import TXN_MAPS
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, text

PARTY_FIELDS = {ObjectType.BILL: "VENDORID", ObjectType.VENDOR_CREDIT: "VENDORID", ObjectType.INVOICE: "CUSTOMERID"}
NUMBER_FIELD = "RECORDID"


def lookup_filter(object_type: ObjectType, party_id: str, number: str) -> Record:
    conditions: list[Record] = [
        {"equalto": {"field": PARTY_FIELDS[object_type], "value": party_id}},
        {"equalto": {"field": NUMBER_FIELD, "value": number}},
    ]
    sign = TXN_MAPS[object_type].sign_filter
    if sign:
        conditions.append({sign: {"field": "TOTALENTERED", "value": "0"}})
    merged: Record = all_of(conditions)
    return merged


class IntacctDocumentLookup:
    """The ``DocumentLookup`` part of ``IntacctConnector``."""

    client: IntacctClient
    page_size: int
    read: Callable[[ObjectType, str], Awaitable[CanonicalObject | None]]

    async def find_documents(self, object_type: ObjectType, party_id: str, number: str) -> list[CanonicalObject]:
        if object_type not in PARTY_FIELDS or not party_id or not number:
            return []
        m = TXN_MAPS[object_type]
        rows = self.client.query_all(
            m.obj, [m.id_field], lookup_filter(object_type, party_id, number), page_size=self.page_size
        )
        ids = [text(row, m.id_field) async for row in rows]
        found = [await self.read(object_type, object_id) for object_id in dict.fromkeys(ids)]
        return [doc for doc in found if doc is not None]
