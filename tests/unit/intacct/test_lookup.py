"""The ``query`` filter Sage Intacct's ``DocumentLookup`` sends: party, number, and the sign of
``TOTALENTERED`` that tells bills from vendor credits (both are ``APBILL``)."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.intacct.lookup import lookup_filter


def test_a_bill_is_looked_up_by_vendor_number_and_a_positive_total() -> None:
    assert lookup_filter(ObjectType.BILL, "V-1", "INV 7") == {
        "and": {
            "equalto": [{"field": "VENDORID", "value": "V-1"}, {"field": "RECORDID", "value": "INV 7"}],
            "greaterthanorequalto": [{"field": "TOTALENTERED", "value": "0"}],
        }
    }


def test_a_vendor_credit_is_a_negative_bill_and_an_invoice_is_found_by_customer() -> None:
    credit = lookup_filter(ObjectType.VENDOR_CREDIT, "V-1", "CR-1")["and"]
    assert credit["lessthan"] == [{"field": "TOTALENTERED", "value": "0"}]
    invoice = lookup_filter(ObjectType.INVOICE, "C-9", "1001")
    assert invoice == {
        "and": {"equalto": [{"field": "CUSTOMERID", "value": "C-9"}, {"field": "RECORDID", "value": "1001"}]}
    }
