"""The SuiteQL NetSuite's ``DocumentLookup`` sends: one transaction type, party and number, quoted."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.netsuite.lookup import lookup_query


def test_a_bill_is_looked_up_by_type_entity_and_tranid() -> None:
    assert lookup_query(ObjectType.BILL, "12", "INV-7") == (
        "SELECT id FROM transaction WHERE type = 'VendBill' AND entity = '12' AND tranid = 'INV-7' ORDER BY id"
    )


def test_a_number_with_a_quote_cannot_leave_its_string() -> None:
    query = lookup_query(ObjectType.INVOICE, "3", "O'Brien 1")
    assert "type = 'CustInvc'" in query and "tranid = 'O''Brien 1'" in query
