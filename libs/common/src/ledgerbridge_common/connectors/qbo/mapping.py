"""Which QBO entity each canonical object type is, and its mappers both ways."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.qbo import mapping_ar as ar
from ledgerbridge_common.connectors.qbo import mapping_lists as lists
from ledgerbridge_common.connectors.qbo import mapping_txns as txns
from ledgerbridge_common.connectors.qbo.mapping_common import CompanySetup, Json

ToQbo = Callable[[CanonicalObject, CompanySetup, "str | None"], Json]
FromQbo = Callable[[Json, CompanySetup], CanonicalObject]


@dataclass(frozen=True)
class EntityMap:
    entity: str  # QBO JSON name, also the URL path lowercased
    to_qbo: ToQbo
    from_qbo: FromQbo
    name_field: str | None = None  # name lists: the unique name
    note_field: str | None = None  # where the tag is written
    void: str | None = None  # "include" (operation=update&include=void) | "operation" (operation=void)

    @property
    def name_list(self) -> bool:
        return self.name_field is not None


MAPS: dict[ObjectType, EntityMap] = {
    ObjectType.VENDOR: EntityMap("Vendor", lists.vendor_out, lists.vendor_in, "DisplayName", "Notes"),
    ObjectType.CUSTOMER: EntityMap("Customer", lists.customer_out, lists.customer_in, "DisplayName", "Notes"),
    ObjectType.ACCOUNT: EntityMap("Account", lists.account_out, lists.account_in, "Name"),
    ObjectType.CLASS: EntityMap("Class", lists.class_out, lists.class_in, "Name"),
    ObjectType.DEPARTMENT: EntityMap("Department", lists.department_out, lists.department_in, "Name"),
    ObjectType.LOCATION: EntityMap("Department", lists.department_out, lists.location_in, "Name"),
    ObjectType.ITEM: EntityMap("Item", lists.item_out, lists.item_in, "Name"),
    ObjectType.BILL: EntityMap("Bill", txns.bill_out, txns.bill_in, note_field="PrivateNote"),
    ObjectType.VENDOR_CREDIT: EntityMap("VendorCredit", txns.bill_out, txns.vendor_credit_in, note_field="PrivateNote"),
    ObjectType.BILL_PAYMENT: EntityMap(
        "BillPayment", txns.bill_payment_out, txns.bill_payment_in, note_field="PrivateNote", void="include"
    ),
    ObjectType.INVOICE: EntityMap("Invoice", ar.invoice_out, ar.invoice_in, note_field="PrivateNote", void="operation"),
    ObjectType.RECEIVED_PAYMENT: EntityMap(
        "Payment", ar.payment_out, ar.payment_in, note_field="PrivateNote", void="include"
    ),
    ObjectType.FUNDS_TRANSFER: EntityMap(
        "Transfer", ar.transfer_out, ar.transfer_in, note_field="PrivateNote", void="include"
    ),
    ObjectType.JOURNAL_ENTRY: EntityMap("JournalEntry", ar.journal_out, ar.journal_in, note_field="PrivateNote"),
}


def types_of(entity: str) -> list[ObjectType]:
    return [t for t, m in MAPS.items() if m.entity == entity]
