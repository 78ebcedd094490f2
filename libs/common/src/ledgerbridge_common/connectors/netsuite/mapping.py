"""Canonical objects ↔ NetSuite REST records (reference §1.7).

Every record is written in the connection's subsidiary (each BILL organization is linked to one,
§8). Lines keep their account, amount, memo and the class, department and location dimensions;
project and entity dimensions are not tracked (a subsidiary is the connection, not a line field).
Vendors follow BILL's company/individual and Vendor ID rules (``mapping_lists``); customers are
companies. Items are non-inventory items for resale; funds transfers are two-line journal entries
(``mapping_transfer``). Nothing is voided: NetSuite transactions are deleted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledgerbridge_common.canonical.models import (
    AccountingClass,
    CanonicalObject,
    Department,
    Location,
    ObjectType,
)
from ledgerbridge_common.connectors.netsuite.mapping_common import (
    Rec,
    Setup,
)
from ledgerbridge_common.connectors.netsuite.mapping_lists import (
    account_from,
    account_to,
    customer_from,
    item_from,
    item_to,
    party_to,
    project_from,
    project_to,
    segment_from,
    segment_to,
    vendor_from,
)
from ledgerbridge_common.connectors.netsuite.mapping_payments import (
    payment_from,
    payment_to,
    received_from,
    received_to,
)
from ledgerbridge_common.connectors.netsuite.mapping_transfer import transfer_from, transfer_to
from ledgerbridge_common.connectors.netsuite.mapping_txns import (
    bill_from,
    credit_from,
    invoice_from,
    invoice_to,
    journal_from,
    journal_to,
    payables_to,
)
from ledgerbridge_common.errors import ValidationError


@dataclass(frozen=True)
class RecordMap:
    record: str
    """REST record type."""
    table: str
    """SuiteQL table; transactions are ``transaction`` filtered on ``type``."""
    to_ns: Callable[[Any, Setup], Rec]
    from_ns: Callable[[Rec, Setup], CanonicalObject]
    sublists: tuple[str, ...] = ()
    """Sublists written with ``?replace=`` (never appended to)."""
    txn_type: str | None = None
    name_field: str | None = None


T = ObjectType
MAPS: dict[ObjectType, RecordMap] = {
    T.VENDOR: RecordMap("vendor", "vendor", party_to, vendor_from, name_field="companyname"),
    T.CUSTOMER: RecordMap("customer", "customer", party_to, customer_from, name_field="companyname"),
    T.ACCOUNT: RecordMap("account", "account", account_to, account_from, name_field="acctname"),
    T.CLASS: RecordMap(
        "classification", "classification", segment_to, segment_from(AccountingClass), name_field="name"
    ),
    T.DEPARTMENT: RecordMap("department", "department", segment_to, segment_from(Department), name_field="name"),
    T.LOCATION: RecordMap("location", "location", segment_to, segment_from(Location), name_field="name"),
    T.PROJECT: RecordMap("job", "job", project_to, project_from, name_field="companyname"),
    T.ITEM: RecordMap("nonInventoryResaleItem", "item", item_to, item_from, name_field="itemid"),
    T.BILL: RecordMap("vendorBill", "transaction", payables_to, bill_from, ("expense", "item"), "VendBill"),
    T.VENDOR_CREDIT: RecordMap(
        "vendorCredit", "transaction", payables_to, credit_from, ("expense", "item"), "VendCred"
    ),
    T.BILL_PAYMENT: RecordMap(
        "vendorPayment", "transaction", payment_to, payment_from, ("apply", "credit"), "VendPymt"
    ),
    T.INVOICE: RecordMap("invoice", "transaction", invoice_to, invoice_from, ("item",), "CustInvc"),
    T.RECEIVED_PAYMENT: RecordMap("customerPayment", "transaction", received_to, received_from, ("apply",), "CustPymt"),
    T.JOURNAL_ENTRY: RecordMap("journalEntry", "transaction", journal_to, journal_from, ("line",), "Journal"),
    T.FUNDS_TRANSFER: RecordMap("journalEntry", "transaction", transfer_to, transfer_from, ("line",), "Journal"),
}


def record_map(object_type: ObjectType) -> RecordMap:
    m = MAPS.get(object_type)
    if m is None:
        raise ValidationError(f"{object_type} is not synced with NetSuite", vendor="netsuite", code="unsupported")
    return m
