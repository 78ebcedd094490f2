"""Canonical objects ↔ NetSuite REST records (reference §1.7).

Every record is written in the connection's subsidiary (each BILL organization is linked to one,
§8). Lines keep their account, amount, memo and the class, department and location dimensions;
project and entity dimensions are not tracked (a subsidiary is the connection, not a line field).
Vendors and customers are companies (``companyName``); the vendor-name rules of §8 are not applied
here. Items, funds transfers and voids are not mapped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    AccountType,
    AppliedTo,
    Bill,
    BillPayment,
    CanonicalObject,
    Classifications,
    Customer,
    Department,
    Invoice,
    JournalEntry,
    JournalLine,
    Location,
    ObjectType,
    ReceivedPayment,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.errors import ValidationError

Rec = dict[str, Any]

ACCOUNT_TYPES: dict[AccountType, str] = {
    AccountType.BANK: "Bank",
    AccountType.ACCOUNTS_RECEIVABLE: "AcctRec",
    AccountType.OTHER_CURRENT_ASSET: "OthCurrAsset",
    AccountType.FIXED_ASSET: "FixedAsset",
    AccountType.OTHER_ASSET: "OthAsset",
    AccountType.ACCOUNTS_PAYABLE: "AcctPay",
    AccountType.CREDIT_CARD: "CredCard",
    AccountType.OTHER_CURRENT_LIABILITY: "OthCurrLiab",
    AccountType.LONG_TERM_LIABILITY: "LongTermLiab",
    AccountType.EQUITY: "Equity",
    AccountType.INCOME: "Income",
    AccountType.OTHER_INCOME: "OthIncome",
    AccountType.COST_OF_GOODS_SOLD: "COGS",
    AccountType.EXPENSE: "Expense",
    AccountType.OTHER_EXPENSE: "OthExpense",
    AccountType.NON_POSTING: "NonPosting",
}
CANONICAL_TYPES = {v: k for k, v in ACCOUNT_TYPES.items()}


@dataclass
class Setup:
    """The connection's subsidiary and the account's currencies (ISO code ↔ internal id)."""

    subsidiary_id: str
    home_currency: str = "USD"
    currency_ids: dict[str, str] = field(default_factory=dict)

    def currency_id(self, code: str | None) -> Rec | None:
        if code is None:
            return None
        if code not in self.currency_ids:
            raise ValidationError(f"currency {code} is not set up in NetSuite", vendor="netsuite", code="currency")
        return {"id": self.currency_ids[code]}

    def currency_code(self, ref: Any) -> str | None:
        rid = ref_id(ref)
        return next((code for code, cid in self.currency_ids.items() if cid == rid), None) if rid else None


def ref(value: str | None) -> Rec | None:
    return {"id": value} if value else None


def ref_id(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and value.get("id") is not None else None


def day(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def stamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def items(rec: Rec, sublist: str) -> list[Rec]:
    return list((rec.get(sublist) or {}).get("items") or [])


def drop_none(body: Rec) -> Rec:
    return {k: v for k, v in body.items() if v is not None}


def common(rec: Rec) -> dict[str, Any]:
    return {
        "id": str(rec["id"]),
        "updated_at": stamp(rec.get("lastModifiedDate")),
        "active": not rec.get("isInactive", False),
    }


# --- name lists -------------------------------------------------------------------------------------


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


# --- documents --------------------------------------------------------------------------------------


def dims(c: Classifications) -> Rec:
    return drop_none({"department": ref(c.department_id), "location": ref(c.location_id), "class": ref(c.class_id)})


def dims_from(line: Rec) -> dict[str, str | None]:
    return {
        "department_id": ref_id(line.get("department")),
        "location_id": ref_id(line.get("location")),
        "class_id": ref_id(line.get("class")),
    }


def header(obj: Bill | VendorCredit | Invoice, setup: Setup) -> Rec:
    return drop_none(
        {
            "subsidiary": ref(setup.subsidiary_id),
            "tranDate": obj.date.isoformat(),
            "tranId": obj.number,
            "currency": setup.currency_id(obj.currency),
            "exchangeRate": float(obj.exchange_rate),
            "memo": obj.memo,
        }
    )


def expense_lines(lines: tuple[TransactionLine, ...]) -> tuple[list[Rec], list[Rec]]:
    expense, item = [], []
    for line in lines:
        c = line.classifications
        if c.item_id:
            item.append(
                drop_none(
                    {
                        "item": ref(c.item_id),
                        "amount": float(line.amount),
                        "description": line.description,
                        "quantity": float(line.quantity) if line.quantity is not None else None,
                        **dims(c),
                    }
                )
            )
        else:
            expense.append(
                drop_none(
                    {"account": ref(c.account_id), "amount": float(line.amount), "memo": line.description, **dims(c)}
                )
            )
    return expense, item


def lines_from(rec: Rec) -> tuple[TransactionLine, ...]:
    out = [
        TransactionLine(
            amount=money(x.get("amount")),
            description=x.get("memo"),
            classifications=Classifications(account_id=ref_id(x.get("account")), **dims_from(x)),
        )
        for x in items(rec, "expense")
    ]
    out += [
        TransactionLine(
            amount=money(x.get("amount")),
            description=x.get("description"),
            quantity=Decimal(str(x["quantity"])) if x.get("quantity") is not None else None,
            classifications=Classifications(item_id=ref_id(x.get("item")), **dims_from(x)),
        )
        for x in items(rec, "item")
    ]
    return tuple(out)


def payables_to(obj: Bill | VendorCredit, setup: Setup) -> Rec:
    expense, item = expense_lines(obj.lines)
    body = {**header(obj, setup), "entity": ref(obj.vendor_id), "expense": {"items": expense}, "item": {"items": item}}
    if isinstance(obj, Bill) and obj.due_date:
        body["dueDate"] = obj.due_date.isoformat()
    return body


def doc_fields(rec: Rec, setup: Setup) -> dict[str, Any]:
    return {
        "number": rec.get("tranId"),
        "date": day(rec.get("tranDate")),
        "memo": rec.get("memo"),
        "currency": setup.currency_code(rec.get("currency")) or setup.home_currency,
        "exchange_rate": Decimal(str(rec.get("exchangeRate") or 1)),
        "lines": lines_from(rec),
        **common(rec),
    }


def bill_from(rec: Rec, setup: Setup) -> Bill:
    status = {"total": rec.get("total"), "balance": rec.get("balance"), "status": ref_id(rec.get("status"))}
    return Bill(
        vendor_id=str(ref_id(rec.get("entity"))),
        due_date=day(rec["dueDate"]) if rec.get("dueDate") else None,
        side_status=status,
        **doc_fields(rec, setup),
    )


def credit_from(rec: Rec, setup: Setup) -> VendorCredit:
    return VendorCredit(
        vendor_id=str(ref_id(rec.get("entity"))),
        side_status={"unapplied": rec.get("unapplied")},
        **doc_fields(rec, setup),
    )


def invoice_to(obj: Invoice, setup: Setup) -> Rec:
    _, item = expense_lines(obj.lines)
    if len(item) != len(obj.lines):
        raise ValidationError("NetSuite invoice lines need an item", vendor="netsuite", code="item")
    body = {**header(obj, setup), "entity": ref(obj.customer_id), "item": {"items": item}}
    if obj.due_date:
        body["dueDate"] = obj.due_date.isoformat()
    return body


def invoice_from(rec: Rec, setup: Setup) -> Invoice:
    return Invoice(
        customer_id=str(ref_id(rec.get("entity"))),
        due_date=day(rec["dueDate"]) if rec.get("dueDate") else None,
        side_status={"total": rec.get("total"), "amountRemaining": rec.get("amountRemaining")},
        **doc_fields(rec, setup),
    )


def applied(values: tuple[AppliedTo, ...]) -> Rec:
    return {"items": [{"doc": ref(a.document_id), "apply": True, "amount": float(a.amount)} for a in values]}


def applied_from(rec: Rec) -> tuple[AppliedTo, ...]:
    return tuple(
        AppliedTo(document_id=str(ref_id(x.get("doc"))), amount=money(x.get("amount")))
        for x in items(rec, "apply")
        if x.get("apply", True) is not False
    )


def payment_to(obj: BillPayment, setup: Setup) -> Rec:
    return drop_none(
        {
            "entity": ref(obj.vendor_id),
            "subsidiary": ref(setup.subsidiary_id),
            "account": ref(obj.bank_account_id),
            "tranDate": obj.date.isoformat(),
            "tranId": obj.reference,
            "currency": setup.currency_id(obj.currency),
            "exchangeRate": float(obj.exchange_rate),
            "memo": obj.memo,
            "apply": applied(obj.applied_to),
        }
    )


def payment_from(rec: Rec, setup: Setup) -> BillPayment:
    return BillPayment(
        vendor_id=str(ref_id(rec.get("entity"))),
        date=day(rec.get("tranDate")),
        amount=money(rec.get("total")),
        currency=setup.currency_code(rec.get("currency")) or "USD",
        exchange_rate=Decimal(str(rec.get("exchangeRate") or 1)),
        applied_to=applied_from(rec),
        bank_account_id=ref_id(rec.get("account")),
        reference=rec.get("tranId"),
        memo=rec.get("memo"),
        **common(rec),
    )


def received_to(obj: ReceivedPayment, setup: Setup) -> Rec:
    return drop_none(
        {
            "customer": ref(obj.customer_id),
            "subsidiary": ref(setup.subsidiary_id),
            "account": ref(obj.deposit_to_account_id),
            "undepFunds": obj.deposit_to_account_id is None,
            "payment": float(obj.amount),
            "tranDate": obj.date.isoformat(),
            "tranId": obj.reference,
            "currency": setup.currency_id(obj.currency),
            "exchangeRate": float(obj.exchange_rate),
            "memo": obj.memo,
            "apply": applied(obj.applied_to),
        }
    )


def received_from(rec: Rec, setup: Setup) -> ReceivedPayment:
    return ReceivedPayment(
        customer_id=str(ref_id(rec.get("customer"))),
        date=day(rec.get("tranDate")),
        amount=money(rec.get("payment")),
        currency=setup.currency_code(rec.get("currency")) or "USD",
        exchange_rate=Decimal(str(rec.get("exchangeRate") or 1)),
        applied_to=applied_from(rec),
        deposit_to_account_id=ref_id(rec.get("account")),
        reference=rec.get("tranId"),
        memo=rec.get("memo"),
        **common(rec),
    )


def journal_to(obj: JournalEntry, setup: Setup) -> Rec:
    lines = [
        drop_none(
            {
                "account": ref(ln.account_id),
                "memo": ln.description,
                "debit" if ln.posting_type == "Debit" else "credit": float(ln.amount),
            }
        )
        for ln in obj.lines
    ]
    return drop_none(
        {
            "subsidiary": ref(setup.subsidiary_id),
            "tranDate": obj.date.isoformat(),
            "tranId": obj.number,
            "currency": setup.currency_id(obj.currency),
            "memo": obj.memo,
            "line": {"items": lines},
        }
    )


def journal_from(rec: Rec, setup: Setup) -> JournalEntry:
    lines = tuple(
        JournalLine(
            posting_type="Debit" if x.get("debit") else "Credit",
            amount=money(x.get("debit") or x.get("credit")),
            account_id=str(ref_id(x.get("account"))),
            description=x.get("memo"),
        )
        for x in items(rec, "line")
    )
    return JournalEntry(
        date=day(rec.get("tranDate")),
        number=rec.get("tranId"),
        memo=rec.get("memo"),
        lines=lines,
        currency=setup.currency_code(rec.get("currency")) or setup.home_currency,
        **common(rec),
    )


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
    T.BILL: RecordMap("vendorBill", "transaction", payables_to, bill_from, ("expense", "item"), "VendBill"),
    T.VENDOR_CREDIT: RecordMap(
        "vendorCredit", "transaction", payables_to, credit_from, ("expense", "item"), "VendCred"
    ),
    T.BILL_PAYMENT: RecordMap("vendorPayment", "transaction", payment_to, payment_from, ("apply",), "VendPymt"),
    T.INVOICE: RecordMap("invoice", "transaction", invoice_to, invoice_from, ("item",), "CustInvc"),
    T.RECEIVED_PAYMENT: RecordMap("customerPayment", "transaction", received_to, received_from, ("apply",), "CustPymt"),
    T.JOURNAL_ENTRY: RecordMap("journalEntry", "transaction", journal_to, journal_from, ("line",), "Journal"),
}


def record_map(object_type: ObjectType) -> RecordMap:
    m = MAPS.get(object_type)
    if m is None:
        raise ValidationError(f"{object_type} is not synced with NetSuite", vendor="netsuite", code="unsupported")
    return m
