"""Name lists ↔ NetSuite: vendors and customers (companies in the connection's subsidiary), accounts,
classes, departments and locations (``subsidiary`` a list holding the connection's)."""

from __future__ import annotations

from collections.abc import Callable

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    AccountType,
    CanonicalObject,
    Customer,
    Department,
    Location,
    Vendor,
)
from ledgerbridge_common.connectors.netsuite.mapping_common import (
    ACCOUNT_TYPES,
    CANONICAL_TYPES,
    Rec,
    Setup,
    common,
    drop_none,
    ref,
    ref_id,
)


def party_to(obj: Vendor | Customer, setup: Setup) -> Rec:
    return drop_none(
        {
            "companyName": obj.name,
            "isPerson": False,
            "subsidiary": ref(setup.subsidiary_id),
            "currency": setup.currency_id(obj.currency),
            "isInactive": not obj.active,
        }
    )


def vendor_from(rec: Rec, setup: Setup) -> Vendor:
    return Vendor(
        name=str(rec.get("companyName") or rec.get("entityId") or ""),
        currency=setup.currency_code(rec.get("currency")),
        **common(rec),
    )


def customer_from(rec: Rec, setup: Setup) -> Customer:
    return Customer(
        name=str(rec.get("companyName") or rec.get("entityId") or ""),
        currency=setup.currency_code(rec.get("currency")),
        **common(rec),
    )


def account_to(obj: Account, setup: Setup) -> Rec:
    return drop_none(
        {
            "acctName": obj.name,
            "acctType": ACCOUNT_TYPES[obj.account_type],
            "acctNumber": obj.number,
            "subsidiary": [ref(setup.subsidiary_id)],
            "isInactive": not obj.active,
        }
    )


def account_from(rec: Rec, setup: Setup) -> Account:
    kind = rec.get("acctType")
    kind = kind.get("id") if isinstance(kind, dict) else kind
    return Account(
        name=str(rec.get("acctName") or ""),
        account_type=CANONICAL_TYPES.get(str(kind), AccountType.EXPENSE),
        account_subtype=str(kind) if kind else None,
        number=rec.get("acctNumber"),
        currency=setup.currency_code(rec.get("currency")),
        **common(rec),
    )


def segment_to(obj: AccountingClass | Department | Location, setup: Setup) -> Rec:
    return drop_none(
        {
            "name": obj.name,
            "parent": ref(obj.parent_id),
            "subsidiary": [ref(setup.subsidiary_id)],
            "isInactive": not obj.active,
        }
    )


def segment_from(model: type[AccountingClass | Department | Location]) -> Callable[[Rec, Setup], CanonicalObject]:
    def convert(rec: Rec, setup: Setup) -> CanonicalObject:
        return model(name=str(rec.get("name") or ""), parent_id=ref_id(rec.get("parent")), **common(rec))

    return convert
