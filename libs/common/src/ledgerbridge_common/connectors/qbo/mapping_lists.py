"""Name lists: Vendor, Customer, Account, Class (AccountingClass), Department (Department and
Location), Item."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    AccountType,
    Address,
    CanonicalObject,
    Customer,
    Department,
    Item,
    Location,
    Vendor,
)
from ledgerbridge_common.connectors.qbo.mapping_common import (
    CompanySetup,
    Json,
    drop_none,
    identity,
    meta,
    ref,
    ref_id,
    tag_marker,
)


def _addr_out(addr: Address | None) -> Json | None:
    if addr is None:
        return None
    return drop_none(
        {
            "Line1": addr.line1,
            "Line2": addr.line2,
            "City": addr.city,
            "CountrySubDivisionCode": addr.state,
            "PostalCode": addr.postal_code,
            "Country": addr.country,
        }
    )


def _addr_in(data: Any) -> Address | None:
    if not isinstance(data, dict) or not data:
        return None
    return Address(
        line1=data.get("Line1"),
        line2=data.get("Line2"),
        city=data.get("City"),
        state=data.get("CountrySubDivisionCode"),
        postal_code=data.get("PostalCode"),
        country=data.get("Country"),
    )


def _party_out(obj: Vendor | Customer, setup: CompanySetup, tag: str | None) -> Json:
    out: Json = {
        **identity(obj.id, obj.concurrency_token),
        "DisplayName": obj.name,
        "Active": obj.active,
        "PrimaryEmailAddr": {"Address": obj.email} if obj.email else None,
        "PrimaryPhone": {"FreeFormNumber": obj.phone} if obj.phone else None,
        "BillAddr": _addr_out(obj.address),
        "CurrencyRef": ref(obj.currency) if setup.multi_currency else None,
        "Notes": tag_marker(tag) if tag else None,
    }
    if isinstance(obj, Vendor):
        out.update({"AcctNum": obj.account_number, "TaxIdentifier": obj.tax_id, "Vendor1099": obj.track_1099})
    return drop_none(out)


def _party_in(data: Json) -> Json:
    return {
        **meta(data),
        "name": data.get("DisplayName", ""),
        "active": bool(data.get("Active", True)),
        "email": (data.get("PrimaryEmailAddr") or {}).get("Address"),
        "phone": (data.get("PrimaryPhone") or {}).get("FreeFormNumber"),
        "address": _addr_in(data.get("BillAddr")),
        "currency": ref_id(data, "CurrencyRef"),
        "side_status": drop_none({"balance": data.get("Balance")}),
    }


def vendor_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, Vendor)
    return _party_out(obj, setup, tag)


def vendor_in(data: Json, setup: CompanySetup) -> Vendor:
    return Vendor(
        **_party_in(data),
        account_number=data.get("AcctNum"),
        tax_id=data.get("TaxIdentifier"),
        track_1099=bool(data.get("Vendor1099", False)),
    )


def customer_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, Customer)
    return _party_out(obj, setup, tag)


def customer_in(data: Json, setup: CompanySetup) -> Customer:
    return Customer(**_party_in(data))


QBO_ACCOUNT_TYPES: dict[str, AccountType] = {
    "Bank": AccountType.BANK,
    "Accounts Receivable": AccountType.ACCOUNTS_RECEIVABLE,
    "Other Current Asset": AccountType.OTHER_CURRENT_ASSET,
    "Fixed Asset": AccountType.FIXED_ASSET,
    "Other Asset": AccountType.OTHER_ASSET,
    "Accounts Payable": AccountType.ACCOUNTS_PAYABLE,
    "Credit Card": AccountType.CREDIT_CARD,
    "Other Current Liability": AccountType.OTHER_CURRENT_LIABILITY,
    "Long Term Liability": AccountType.LONG_TERM_LIABILITY,
    "Equity": AccountType.EQUITY,
    "Income": AccountType.INCOME,
    "Other Income": AccountType.OTHER_INCOME,
    "Cost of Goods Sold": AccountType.COST_OF_GOODS_SOLD,
    "Expense": AccountType.EXPENSE,
    "Other Expense": AccountType.OTHER_EXPENSE,
    "Non-Posting": AccountType.NON_POSTING,
}
"""QBO ``AccountType`` → canonical type (``AccountTypeEnum``, ../shared/reference/qbo-api.md, Account); a type
missing here is read as Expense, its QBO name kept in ``side_status["qbo_account_type"]``."""
QBO_ACCOUNT_TYPES_BACK = {canonical: qbo for qbo, canonical in QBO_ACCOUNT_TYPES.items()}


def account_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, Account)
    return drop_none(
        {
            **identity(obj.id, obj.concurrency_token),
            "Name": obj.name,
            "AccountType": QBO_ACCOUNT_TYPES_BACK[obj.account_type],
            "AccountSubType": obj.account_subtype,
            "AcctNum": obj.number,
            "Description": obj.description,
            "Active": obj.active,
            "CurrencyRef": ref(obj.currency) if setup.multi_currency else None,
        }
    )


def account_in(data: Json, setup: CompanySetup) -> Account:
    return Account(
        **meta(data),
        name=data.get("Name", ""),
        account_type=QBO_ACCOUNT_TYPES.get(str(data.get("AccountType")), AccountType.EXPENSE),
        account_subtype=data.get("AccountSubType"),
        number=data.get("AcctNum"),
        currency=ref_id(data, "CurrencyRef"),
        description=data.get("Description"),
        active=bool(data.get("Active", True)),
        side_status=drop_none(
            {
                "classification": data.get("Classification"),
                "fully_qualified_name": data.get("FullyQualifiedName"),
                "current_balance": data.get("CurrentBalance"),
                "qbo_account_type": None if data.get("AccountType") in QBO_ACCOUNT_TYPES else data.get("AccountType"),
            }
        ),
    )


def _tracking_out(obj: CanonicalObject, sub_key: str) -> Json:
    assert isinstance(obj, AccountingClass | Department | Location)
    return drop_none(
        {
            **identity(obj.id, obj.concurrency_token),
            "Name": obj.name,
            "Active": obj.active,
            "ParentRef": ref(obj.parent_id),
            sub_key: obj.parent_id is not None,
        }
    )


def _tracking_in(data: Json) -> Json:
    return {
        **meta(data),
        "name": data.get("Name", ""),
        "parent_id": ref_id(data, "ParentRef"),
        "active": bool(data.get("Active", True)),
        "side_status": drop_none({"fully_qualified_name": data.get("FullyQualifiedName")}),
    }


def class_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    return _tracking_out(obj, "SubClass")


def class_in(data: Json, setup: CompanySetup) -> AccountingClass:
    return AccountingClass(**_tracking_in(data))


def department_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    return _tracking_out(obj, "SubDepartment")


def department_in(data: Json, setup: CompanySetup) -> Department:
    return Department(**_tracking_in(data))


def location_in(data: Json, setup: CompanySetup) -> Location:
    return Location(**_tracking_in(data))


def item_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, Item)
    return drop_none(
        {
            **identity(obj.id, obj.concurrency_token),
            "Name": obj.name,
            "Type": obj.item_type,
            "Description": obj.description,
            "Active": obj.active,
            "UnitPrice": float(obj.unit_price) if obj.unit_price is not None else None,
            "IncomeAccountRef": ref(obj.income_account_id),
            "ExpenseAccountRef": ref(obj.expense_account_id),
        }
    )


def item_in(data: Json, setup: CompanySetup) -> Item:
    price = data.get("UnitPrice")
    return Item(
        **meta(data),
        name=data.get("Name", ""),
        item_type=data.get("Type", "Service"),
        description=data.get("Description"),
        active=bool(data.get("Active", True)),
        unit_price=Decimal(str(price)) if price is not None else None,
        income_account_id=ref_id(data, "IncomeAccountRef"),
        expense_account_id=ref_id(data, "ExpenseAccountRef"),
    )
