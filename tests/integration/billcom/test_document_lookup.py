"""BILL's side of ``DocumentLookup`` against the sandbox: bills listed by the documented
``vendorId`` filter, the invoice number compared by the connector; other types are not listed
(no documented party filter)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerbridge_common.canonical.models import Bill, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.billcom import BillcomHttpConnector


async def test_bills_are_found_by_vendor_and_number(connector: BillcomHttpConnector) -> None:
    acme = await connector.create(Vendor(name="Acme Lookup"))
    other = await connector.create(Vendor(name="Other Lookup"))
    assert acme.id and other.id
    line = (TransactionLine(amount=Decimal("12.00"), description="x"),)
    mine = await connector.create(Bill(vendor_id=acme.id, number="INV-77", date=dt.date.today(), lines=line))
    await connector.create(Bill(vendor_id=acme.id, number="INV-78", date=dt.date.today(), lines=line))
    await connector.create(Bill(vendor_id=other.id, number="INV-77", date=dt.date.today(), lines=line))
    found = await connector.find_documents(ObjectType.BILL, acme.id, "inv-77 ")
    assert [d.id for d in found] == [mine.id]
    assert await connector.find_documents(ObjectType.INVOICE, acme.id, "INV-77") == []
