"""Lists: vendors, customers, GL accounts, classes, departments, locations, projects.

The canonical ``id`` of a list entry is its Intacct ID field (VENDORID, ACCOUNTNO...), which is what
transactions reference. Intacct has two account types (balance sheet / income statement) and a normal
balance; the canonical :class:`AccountType` is mapped to and from that pair (the finer canonical type
of an account read from Intacct is the broad one of its pair)."""

from __future__ import annotations

from typing import Any

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    AccountType,
    Address,
    Customer,
    Department,
    Location,
    ObjectType,
    Project,
    Vendor,
)
from ledgerbridge_common.connectors.intacct.mapping_common import (
    CompanySetup,
    ObjectMap,
    common,
    with_marker,
)
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, text

A = AccountType
DEBIT_BALANCE = {A.BANK, A.ACCOUNTS_RECEIVABLE, A.OTHER_CURRENT_ASSET, A.FIXED_ASSET, A.OTHER_ASSET}
CREDIT_BALANCE = {A.ACCOUNTS_PAYABLE, A.CREDIT_CARD, A.OTHER_CURRENT_LIABILITY, A.LONG_TERM_LIABILITY, A.EQUITY}
INCOME = {A.INCOME, A.OTHER_INCOME}
ACCOUNT_TYPES = {
    ("balancesheet", "debit"): A.OTHER_CURRENT_ASSET,
    ("balancesheet", "credit"): A.OTHER_CURRENT_LIABILITY,
    ("incomestatement", "credit"): A.INCOME,
    ("incomestatement", "debit"): A.EXPENSE,
}


def _status(active: bool) -> str:
    return "active" if active else "inactive"


def _contact(name: str, email: str | None, phone: str | None, address: Address | None) -> Record:
    contact: Record = {"PRINTAS": name, "COMPANYNAME": name, "EMAIL1": email, "PHONE1": phone}
    if address is not None:
        contact["MAILADDRESS"] = {
            "ADDRESS1": address.line1,
            "ADDRESS2": address.line2,
            "CITY": address.city,
            "STATE": address.state,
            "ZIP": address.postal_code,
            "COUNTRY": address.country,
        }
    return contact


def _address(record: Record) -> Address | None:
    mail = {
        k: text(record, f"DISPLAYCONTACT.MAILADDRESS.{k}")
        for k in ("ADDRESS1", "ADDRESS2", "CITY", "STATE", "ZIP", "COUNTRY")
    }
    if not any(mail.values()):
        return None
    return Address(
        line1=mail["ADDRESS1"] or None,
        line2=mail["ADDRESS2"] or None,
        city=mail["CITY"] or None,
        state=mail["STATE"] or None,
        postal_code=mail["ZIP"] or None,
        country=mail["COUNTRY"] or None,
    )


def vendor_to(v: Vendor, _: CompanySetup, tag: str | None) -> Record:
    return {
        "VENDORID": v.id,
        "NAME": v.name,
        "DISPLAYCONTACT": _contact(v.name, v.email, v.phone, v.address),
        "TAXID": v.tax_id,
        "VENDORACCOUNTNO": v.account_number,
        "CURRENCY": v.currency,
        "COMMENTS": with_marker(None, tag),
        "STATUS": _status(v.active),
    }


def vendor_from(r: Record, setup: CompanySetup) -> Vendor:
    return Vendor(
        **common(r, setup, "VENDORID"),
        name=text(r, "NAME"),
        email=text(r, "DISPLAYCONTACT.EMAIL1") or None,
        phone=text(r, "DISPLAYCONTACT.PHONE1") or None,
        address=_address(r),
        account_number=text(r, "VENDORACCOUNTNO") or None,
        tax_id=text(r, "TAXID") or None,
        currency=text(r, "CURRENCY") or None,
    )


def customer_to(c: Customer, _: CompanySetup, tag: str | None) -> Record:
    return {
        "CUSTOMERID": c.id,
        "NAME": c.name,
        "DISPLAYCONTACT": _contact(c.name, c.email, c.phone, c.address),
        "CURRENCY": c.currency,
        "COMMENTS": with_marker(None, tag),
        "STATUS": _status(c.active),
    }


def customer_from(r: Record, setup: CompanySetup) -> Customer:
    return Customer(
        **common(r, setup, "CUSTOMERID"),
        name=text(r, "NAME"),
        email=text(r, "DISPLAYCONTACT.EMAIL1") or None,
        phone=text(r, "DISPLAYCONTACT.PHONE1") or None,
        address=_address(r),
        currency=text(r, "CURRENCY") or None,
    )


def account_to(a: Account, _: CompanySetup, tag: str | None) -> Record:
    kind = A(a.account_type)
    if kind in DEBIT_BALANCE or kind in CREDIT_BALANCE:
        pair = ("balancesheet", "debit" if kind in DEBIT_BALANCE else "credit")
    else:
        pair = ("incomestatement", "credit" if kind in INCOME else "debit")
    return {
        "ACCOUNTNO": a.id or a.number,
        "TITLE": a.name,
        "ACCOUNTTYPE": pair[0],
        "NORMALBALANCE": pair[1],
        "STATUS": _status(a.active),
    }


def account_from(r: Record, setup: CompanySetup) -> Account:
    pair = (text(r, "ACCOUNTTYPE"), text(r, "NORMALBALANCE"))
    data = common(r, setup, "ACCOUNTNO")
    data["side_status"] = {**data["side_status"], "accounttype": pair[0], "normalbalance": pair[1]}
    return Account(
        **data,
        name=text(r, "TITLE"),
        account_type=ACCOUNT_TYPES.get(pair, A.OTHER_CURRENT_ASSET),
        number=text(r, "ACCOUNTNO") or None,
    )


def _dimension_to(id_field: str, name_field: str) -> Any:
    def to(d: Any, _: CompanySetup, tag: str | None) -> Record:
        return {id_field: d.id, name_field: d.name, "PARENTID": d.parent_id, "STATUS": _status(d.active)}

    return to


def _dimension_from(model: Any, id_field: str, name_field: str) -> Any:
    def from_(r: Record, setup: CompanySetup) -> Any:
        return model(**common(r, setup, id_field), name=text(r, name_field), parent_id=text(r, "PARENTID") or None)

    return from_


T = ObjectType
LIST_MAPS = {
    m.object_type: m
    for m in (
        ObjectMap(T.VENDOR, "VENDOR", "VENDORID", "NAME", "COMMENTS", vendor_to, vendor_from, name_list=True),
        ObjectMap(T.CUSTOMER, "CUSTOMER", "CUSTOMERID", "NAME", "COMMENTS", customer_to, customer_from, name_list=True),
        ObjectMap(T.ACCOUNT, "GLACCOUNT", "ACCOUNTNO", "TITLE", None, account_to, account_from, name_list=True),
        ObjectMap(
            T.CLASS,
            "CLASS",
            "CLASSID",
            "NAME",
            None,
            _dimension_to("CLASSID", "NAME"),
            _dimension_from(AccountingClass, "CLASSID", "NAME"),
            name_list=True,
        ),
        ObjectMap(
            T.DEPARTMENT,
            "DEPARTMENT",
            "DEPARTMENTID",
            "TITLE",
            None,
            _dimension_to("DEPARTMENTID", "TITLE"),
            _dimension_from(Department, "DEPARTMENTID", "TITLE"),
            name_list=True,
        ),
        ObjectMap(
            T.LOCATION,
            "LOCATION",
            "LOCATIONID",
            "NAME",
            None,
            _dimension_to("LOCATIONID", "NAME"),
            _dimension_from(Location, "LOCATIONID", "NAME"),
            name_list=True,
        ),
        ObjectMap(
            T.PROJECT,
            "PROJECT",
            "PROJECTID",
            "NAME",
            None,
            _dimension_to("PROJECTID", "NAME"),
            _dimension_from(Project, "PROJECTID", "NAME"),
            name_list=True,
        ),
    )
}
"""``PROJECT`` fields as sageintacctsdk reads them (``apis/constants.py``: PROJECTID, NAME, PARENTID,
STATUS); projects come from Intacct only (reference §7), so ``_dimension_to`` is not used to sync."""
ID_PREFIX = {T.VENDOR: "V-", T.CUSTOMER: "C-", T.ACCOUNT: "9", T.CLASS: "CL-", T.DEPARTMENT: "D-", T.LOCATION: "L-"}
