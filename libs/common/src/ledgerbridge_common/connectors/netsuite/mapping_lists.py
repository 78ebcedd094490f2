"""Name lists ↔ NetSuite: vendors, customers and projects in the connection's subsidiary, accounts,
classes, departments, locations and items (``subsidiary`` a list holding the connection's).

A project is NetSuite's ``job`` record (Oracle help "Project (Job)", section_N3645529: the project
record is called Job in web services; SuiteQL table ``job`` with ``companyname``, ``entityid``,
``parent``, ``isinactive`` as in GitHub ``fivetran/dbt_netsuite_source`` ``get_jobs_columns.sql``): its
Project Name is ``companyName``. Its ``parent`` is the customer it is for, which BILL's job does not
hold, so the canonical project has no parent.

Vendor rules as BILL applies them (SB:205020959, reference §8): a company vendor needs a Company
Name, an individual one a First and a Last Name (BILL keeps one name: its last word is the last
name); the NetSuite Vendor ID (``entityId``) reaches BILL cut to 20 characters. Vendors and
customers carry ``email`` and ``phone`` (OAS ``vendor``/``customer``, GitHub ``uptick/pynetsuite``
``docs/Vendor.md``)."""

from __future__ import annotations

from collections.abc import Callable

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    AccountType,
    CanonicalObject,
    Customer,
    Department,
    Item,
    Location,
    Project,
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
from ledgerbridge_common.errors import ValidationError

VENDOR_ID_LENGTH = 20
"""BILL keeps at most 20 characters of a NetSuite Vendor ID (SB:205020959)."""


def person_names(name: str) -> tuple[str, str]:
    """An individual's one BILL name as NetSuite's First and Last Name (both required)."""
    first, _, last = name.strip().rpartition(" ")
    if not first.strip() or not last:
        raise ValidationError(
            f"the vendor '{name}' is an individual: NetSuite needs a first and a last name, so give it both "
            "in BILL (for example 'Jane Doe'), or make it a company vendor",
            vendor="netsuite",
            code="individual_name",
        )
    return first.strip(), last


def party_to(obj: Vendor | Customer, setup: Setup) -> Rec:
    body: Rec = {
        "subsidiary": ref(setup.subsidiary_id),
        "currency": setup.currency_id(obj.currency),
        "isInactive": not obj.active,
        "email": obj.email,
        "phone": obj.phone,
    }
    if isinstance(obj, Vendor) and obj.vendor_type == "individual":
        first, last = person_names(obj.name)
        body.update(isPerson=True, firstName=first, lastName=last)
    else:
        if not obj.name.strip():
            raise ValidationError(
                "a company vendor or customer needs a Company Name in NetSuite", vendor="netsuite", code="company_name"
            )
        body.update(isPerson=False, companyName=obj.name)
    if isinstance(obj, Vendor):
        body["entityId"] = obj.short_name
    return drop_none(body)


def vendor_from(rec: Rec, setup: Setup) -> Vendor:
    person = bool(rec.get("isPerson"))
    name = (
        " ".join(str(rec.get(k) or "") for k in ("firstName", "lastName")).strip()
        if person
        else str(rec.get("companyName") or rec.get("entityId") or "")
    )
    entity_id = str(rec.get("entityId") or "")
    return Vendor(
        name=name,
        currency=setup.currency_code(rec.get("currency")),
        # NetSuite fills entityId with the name when no Vendor ID is given: that is no Vendor ID
        short_name=entity_id[:VENDOR_ID_LENGTH] if entity_id and entity_id != name else None,
        vendor_type="individual" if person else None,
        email=rec.get("email"),
        phone=rec.get("phone"),
        **common(rec),
    )


def customer_from(rec: Rec, setup: Setup) -> Customer:
    return Customer(
        name=str(rec.get("companyName") or rec.get("entityId") or ""),
        currency=setup.currency_code(rec.get("currency")),
        email=rec.get("email"),
        phone=rec.get("phone"),
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


def item_to(obj: Item, setup: Setup) -> Rec:
    """BILL's items reach NetSuite as non-inventory items for resale (HB:360015019172)."""
    return drop_none(
        {
            "itemId": obj.name,
            "salesDescription": obj.description,
            "purchaseDescription": obj.description,
            "incomeAccount": ref(obj.income_account_id),
            "expenseAccount": ref(obj.expense_account_id),
            "subsidiary": [ref(setup.subsidiary_id)],
            "isInactive": not obj.active,
        }
    )


def item_from(rec: Rec, setup: Setup) -> Item:
    return Item(
        name=str(rec.get("itemId") or ""),
        item_type="NonInventory",
        description=rec.get("salesDescription") or rec.get("purchaseDescription"),
        income_account_id=ref_id(rec.get("incomeAccount")),
        expense_account_id=ref_id(rec.get("expenseAccount")),
        **common(rec),
    )


def project_to(obj: Project, setup: Setup) -> Rec:
    return drop_none({"companyName": obj.name, "subsidiary": ref(setup.subsidiary_id), "isInactive": not obj.active})


def project_from(rec: Rec, setup: Setup) -> Project:
    return Project(name=str(rec.get("companyName") or rec.get("entityId") or ""), **common(rec))
