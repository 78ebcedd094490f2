"""BILL v3 JSON <-> canonical models: shared helpers and the name-list objects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    Address,
    BankAccount,
    Classifications,
    Customer,
    Department,
    Item,
    Location,
    Project,
    TransactionLine,
    Vendor,
)

Json = dict[str, Any]

# BILL chart-of-accounts type -> QBO AccountType (the canonical vocabulary).
ACCOUNT_TYPES: dict[str, str] = {
    "ACCOUNTS_PAYABLE": "Accounts Payable",
    "ACCOUNTS_RECEIVABLE": "Accounts Receivable",
    "BANK": "Bank",
    "COST_OF_GOODS_SOLD": "Cost of Goods Sold",
    "CREDIT_CARD": "Credit Card",
    "EQUITY": "Equity",
    "EXPENSE": "Expense",
    "FIXED_ASSET": "Fixed Asset",
    "INCOME": "Income",
    "LONG_TERM_LIABILITY": "Long Term Liability",
    "OTHER_ASSET": "Other Asset",
    "OTHER_CURRENT_ASSET": "Other Current Asset",
    "OTHER_CURRENT_LIABILITY": "Other Current Liability",
    "OTHER_EXPENSE": "Other Expense",
    "OTHER_INCOME": "Other Income",
    "NON_POSTING": "Non-Posting",
}
ACCOUNT_TYPES_BACK = {v: k for k, v in ACCOUNT_TYPES.items()}
UNSPECIFIED_ACCOUNT_TYPE = "Expense"
"""BILL's UNSPECIFIED has no QBO counterpart; it is read as Expense (kept raw in side_status)."""

ITEM_TYPES = {"SERVICE": "Service", "INVENTORY": "Inventory", "NON_INVENTORY": "NonInventory"}
ITEM_TYPES_BACK = {v: k for k, v in ITEM_TYPES.items()}

CLASSIFICATION_KEYS = {
    "account_id": "chartOfAccountId",
    "class_id": "accountingClassId",
    "department_id": "departmentId",
    "location_id": "locationId",
    "project_id": "jobId",
    "item_id": "itemId",
    "customer_id": "customerId",
}


def parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def format_time(value: dt.datetime) -> str:
    """The v2 form ``2026-01-01T00:00:00.000+0000`` (v2 list filters, developer.bill.com/v2/docs)."""
    value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def filter_time(value: dt.datetime) -> str:
    """A v3 filter value as documented: quoted, UTC with ``Z`` -- ``"2026-01-01T00:00:00.000Z"``
    (developer.bill.com/docs/search-op-with-lists)."""
    value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return '"' + value.strftime("%Y-%m-%dT%H:%M:%S.") + f'{value.microsecond // 1000:03d}Z"'


def parse_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def dec(value: Any) -> Decimal | None:
    """A non-money decimal (rate, quantity, unit price) in a stable form: ``150.0`` -> ``150``."""
    if value is None:
        return None
    parsed = Decimal(str(value))
    return parsed.quantize(Decimal(1)) if parsed == parsed.to_integral_value() else parsed.normalize()


def number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def common(raw: Json) -> Json:
    return {
        "id": raw.get("id"),
        "created_at": parse_time(raw.get("createdTime")),
        "updated_at": parse_time(raw.get("updatedTime")),
        "active": not raw.get("archived", False),
    }


def address_in(raw: Json | None) -> Address | None:
    if not raw:
        return None
    return Address(
        line1=raw.get("line1"),
        line2=raw.get("line2"),
        city=raw.get("city"),
        state=raw.get("stateOrProvince"),
        postal_code=raw.get("zipOrPostalCode"),
        country=raw.get("country"),
    )


def address_out(address: Address | None) -> Json | None:
    if address is None:
        return None
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "stateOrProvince": address.state,
        "zipOrPostalCode": address.postal_code,
        "country": address.country,
    }


def classifications_in(raw: Json | None) -> Classifications:
    raw = raw or {}
    return Classifications(**{ours: raw.get(theirs) for ours, theirs in CLASSIFICATION_KEYS.items()})


def classifications_out(value: Classifications) -> Json:
    return {theirs: getattr(value, ours) for ours, theirs in CLASSIFICATION_KEYS.items() if getattr(value, ours)}


def lines_in(rows: list[Json] | None) -> tuple[TransactionLine, ...]:
    return tuple(
        TransactionLine(
            amount=money(row.get("amount")),
            description=row.get("description"),
            quantity=dec(row.get("quantity")),
            unit_price=dec(row.get("price")),
            classifications=classifications_in(row.get("classifications")),
        )
        for row in rows or []
    )


def lines_out(lines: tuple[TransactionLine, ...], *, priced: bool = False) -> list[Json]:
    """Lines as BILL wants them; ``priced`` (invoices) always sends quantity and price."""
    out = []
    for line in lines:
        row: Json = {"amount": float(line.amount), "description": line.description}
        if line.quantity is not None and line.unit_price is not None:
            row.update(quantity=float(line.quantity), price=float(line.unit_price))
        elif priced:
            row.update(quantity=1, price=float(line.amount))
        row["classifications"] = classifications_out(line.classifications)
        out.append(row)
    return out


# --- name lists -------------------------------------------------------------------------------


def vendor_in(raw: Json) -> Vendor:
    info = raw.get("additionalInfo") or {}
    return Vendor(
        **common(raw),
        name=raw["name"],
        email=raw.get("email"),
        phone=raw.get("phone"),
        address=address_in(raw.get("address")),
        account_number=raw.get("accountNumber"),
        tax_id=info.get("taxId"),
        track_1099=bool(info.get("track1099", False)),
        currency=raw.get("billCurrency") or "USD",
        short_name=raw.get("shortName") or None,
        vendor_type="individual" if raw.get("accountType") == "PERSON" else None,
        side_status={k: raw.get(k) for k in ("balance", "networkStatus", "accountType") if k in raw},
    )


def vendor_out(obj: Vendor) -> Json:
    body: Json = {
        "name": obj.name,
        "shortName": obj.short_name,
        "accountType": "PERSON" if obj.vendor_type == "individual" else "BUSINESS",
        "email": obj.email,
        "phone": obj.phone,
        "address": address_out(obj.address),
        "accountNumber": obj.account_number,
        "additionalInfo": {"taxId": obj.tax_id, "track1099": obj.track_1099},
    }
    if obj.currency:
        body["billCurrency"] = obj.currency
    return body


def customer_in(raw: Json) -> Customer:
    return Customer(
        **common(raw),
        name=raw["name"],
        email=raw.get("email"),
        phone=raw.get("phone"),
        address=address_in(raw.get("billingAddress")),
        currency=raw.get("invoiceCurrency") or "USD",
        side_status={"balance": raw.get("balance")} if "balance" in raw else {},
    )


def customer_out(obj: Customer) -> Json:
    body: Json = {
        "name": obj.name,
        "accountType": "BUSINESS",
        "email": obj.email,
        "phone": obj.phone,
        "billingAddress": address_out(obj.address),
    }
    if obj.currency:
        body["invoiceCurrency"] = obj.currency
    return body


def account_in(raw: Json) -> Account:
    account = raw.get("account") or {}
    bill_type = str(account.get("type") or "UNSPECIFIED")
    return Account(
        **common(raw),
        name=raw["name"],
        account_type=ACCOUNT_TYPES.get(bill_type, UNSPECIFIED_ACCOUNT_TYPE),
        number=account.get("number"),
        description=raw.get("description"),
        side_status={"billcom_type": bill_type, "parent_id": raw.get("parentId")},
    )


def account_out(obj: Account) -> Json:
    return {
        "name": obj.name,
        "description": obj.description,
        "account": {"type": ACCOUNT_TYPES_BACK.get(obj.account_type, "UNSPECIFIED"), "number": obj.number},
    }


Dimension = AccountingClass | Department | Location | Project


def classification_in(model: type[Dimension]) -> Any:
    def convert(raw: Json) -> Dimension:
        return model(**common(raw), name=raw["name"], parent_id=raw.get("parentId"))

    return convert


def classification_out(obj: Dimension) -> Json:
    return {"name": obj.name, "parentId": obj.parent_id}


def item_in(raw: Json) -> Item:
    price = raw.get("price")
    return Item(
        **common(raw),
        name=raw["name"],
        item_type=ITEM_TYPES.get(str(raw.get("type")), "Service"),
        description=raw.get("description"),
        unit_price=dec(price),
        income_account_id=raw.get("chartOfAccountId"),
        expense_account_id=raw.get("expenseChartOfAccountId"),
        side_status={"billcom_type": raw.get("type")},
    )


def item_out(obj: Item) -> Json:
    return {
        "name": obj.name,
        "type": ITEM_TYPES_BACK.get(obj.item_type, "SERVICE"),
        "description": obj.description,
        "price": number(obj.unit_price),
        "chartOfAccountId": obj.income_account_id,
        "expenseChartOfAccountId": obj.expense_account_id,
    }


def bank_account_in(raw: Json) -> BankAccount:
    digits = "".join(ch for ch in str(raw.get("accountNumber") or "") if ch.isdigit())
    return BankAccount(
        id=raw["id"],
        name=raw.get("nameOnAccount") or raw.get("bankName") or raw["id"],
        last4=digits[-4:],
        chart_of_account_id=raw.get("chartOfAccountId"),
        archived=bool(raw.get("archived", False)),
        updated_at=parse_time(raw.get("updatedTime")),
    )
