"""The record types the sandbox serves: fields, sublists, references and SuiteQL names (reference §1.7)."""

from __future__ import annotations

from dataclasses import dataclass, field

COMMON = ("externalId",)
SEGMENT_REFS = {"department": "department", "location": "location", "class": "classification"}


@dataclass(frozen=True)
class Sublist:
    fields: dict[str, str | None]
    """Line field -> referenced record type (``None`` for plain values)."""
    key: str | None = None
    """Keyed sublists match lines on this field; non-keyed ones append (O:section_1545295601)."""


@dataclass(frozen=True)
class RecordType:
    name: str
    kind: str  # subsidiary | currency | segment | account | entity | transaction
    fields: dict[str, str | None]
    """Writable body field -> referenced record type (``None`` for plain values)."""
    required: tuple[str, ...] = ()
    sublists: dict[str, Sublist] = field(default_factory=dict)
    read_only: tuple[str, ...] = ()
    writable: bool = True
    suiteql_type: str | None = None
    """``transaction.type`` in SuiteQL (reference §2)."""


ENTITY_FIELDS: dict[str, str | None] = {
    "entityId": None,
    "companyName": None,
    "isPerson": None,
    "firstName": None,
    "lastName": None,
    "subsidiary": "subsidiary",
    "currency": "currency",
    "isInactive": None,
    "terms": None,
    "email": None,
    "phone": None,
}
SEGMENT_FIELDS: dict[str, str | None] = {
    "name": None,
    "parent": None,
    "isInactive": None,
    "includeChildren": None,
    "subsidiary": "subsidiary",
}
TXN_HEADER: dict[str, str | None] = {
    "subsidiary": "subsidiary",
    "tranDate": None,
    "tranId": None,
    "currency": "currency",
    "exchangeRate": None,
    "memo": None,
    **SEGMENT_REFS,
}
EXPENSE = Sublist({"account": "account", "amount": None, "memo": None, **SEGMENT_REFS})
ITEM_RECORD = "nonInventoryResaleItem"
"""BILL's items reach NetSuite as non-inventory items, subtype For Resale (HB:360015019172)."""
ITEM = Sublist(
    {"item": ITEM_RECORD, "quantity": None, "rate": None, "amount": None, "description": None, **SEGMENT_REFS}
)
APPLY = Sublist({"doc": "transaction", "apply": None, "amount": None, "line": None}, key="doc")
JOURNAL_LINE = Sublist(
    {"account": "account", "debit": None, "credit": None, "memo": None, "entity": "entity", **SEGMENT_REFS}
)

TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
        RecordType(
            "subsidiary",
            "subsidiary",
            {"name": None, "parent": "subsidiary", "currency": "currency", "country": None},
            writable=False,
        ),
        RecordType("currency", "currency", {"name": None, "symbol": None}, writable=False),
        RecordType(
            "department", "segment", {**SEGMENT_FIELDS, "parent": "department"}, required=("name", "subsidiary")
        ),
        RecordType("location", "segment", {**SEGMENT_FIELDS, "parent": "location"}, required=("name", "subsidiary")),
        RecordType(
            "classification", "segment", {**SEGMENT_FIELDS, "parent": "classification"}, required=("name", "subsidiary")
        ),
        RecordType(
            "account",
            "account",
            {
                "acctName": None,
                "acctNumber": None,
                "acctType": None,
                "currency": "currency",
                "isSummary": None,
                "parent": "account",
                "subsidiary": "subsidiary",
                "includeChildren": None,
                "isInactive": None,
            },
            required=("acctName", "acctType", "subsidiary"),
        ),
        RecordType(
            ITEM_RECORD,
            "segment",
            {
                "itemId": None,
                "displayName": None,
                "salesDescription": None,
                "purchaseDescription": None,
                "incomeAccount": "account",
                "expenseAccount": "account",
                "subsidiary": "subsidiary",
                "includeChildren": None,
                "isInactive": None,
            },
            required=("itemId", "subsidiary"),
        ),
        RecordType("vendor", "entity", {**ENTITY_FIELDS, "payablesAccount": "account"}, required=("subsidiary",)),
        RecordType(
            "customer",
            "entity",
            {**ENTITY_FIELDS, "receivablesAccount": "account", "parent": "customer"},
            required=("subsidiary",),
        ),
        RecordType(
            "job",
            "entity",
            {
                "entityId": None,
                "companyName": None,
                "parent": "customer",
                "subsidiary": "subsidiary",
                "isInactive": None,
            },
            required=("companyName", "subsidiary"),
        ),
        RecordType(
            "vendorBill",
            "transaction",
            {**TXN_HEADER, "entity": "vendor", "dueDate": None, "approvalStatus": None},
            required=("entity", "subsidiary"),
            sublists={"expense": EXPENSE, "item": ITEM},
            read_only=("status", "total", "balance"),
            suiteql_type="VendBill",
        ),
        RecordType(
            "vendorCredit",
            "transaction",
            {**TXN_HEADER, "entity": "vendor", "autoApply": None},
            required=("entity", "subsidiary"),
            sublists={"expense": EXPENSE, "item": ITEM, "apply": APPLY},
            read_only=("total", "applied", "unapplied"),
            suiteql_type="VendCred",
        ),
        RecordType(
            "vendorPayment",
            "transaction",
            {**TXN_HEADER, "entity": "vendor", "account": "account", "apAcct": "account"},
            required=("entity", "subsidiary", "account"),
            sublists={"apply": APPLY, "credit": APPLY},
            read_only=("total", "status"),
            suiteql_type="VendPymt",
        ),
        RecordType(
            "invoice",
            "transaction",
            {**TXN_HEADER, "entity": "customer", "dueDate": None},
            required=("entity", "subsidiary"),
            sublists={"item": ITEM},
            read_only=("total", "amountRemaining", "status"),
            suiteql_type="CustInvc",
        ),
        RecordType(
            "customerPayment",
            "transaction",
            {
                **TXN_HEADER,
                "customer": "customer",
                "account": "account",
                "aracct": "account",
                "payment": None,
                "undepFunds": None,
            },
            required=("customer", "subsidiary", "payment"),
            sublists={"apply": APPLY},
            read_only=("applied", "unapplied", "status"),
            suiteql_type="CustPymt",
        ),
        RecordType(
            "journalEntry",
            "transaction",
            {**TXN_HEADER, "toSubsidiary": "subsidiary", "reversalDate": None},
            required=("subsidiary",),
            sublists={"line": JOURNAL_LINE},
            suiteql_type="Journal",
        ),
    )
}
BY_LOWER = {name.lower(): t for name, t in TYPES.items()}
ENTITY_TYPES = ("vendor", "customer")
# Account type ids as SuiteScript names them; whether REST accepts exactly these is unknown (README).
ACCOUNT_TYPES = frozenset(
    {
        "Bank",
        "AcctRec",
        "OthCurrAsset",
        "FixedAsset",
        "OthAsset",
        "AcctPay",
        "CredCard",
        "OthCurrLiab",
        "LongTermLiab",
        "DeferRevenue",
        "DeferExpense",
        "UnbilledRec",
        "Equity",
        "Income",
        "COGS",
        "Expense",
        "OthIncome",
        "OthExpense",
        "NonPosting",
        "Stat",
    }
)


def record_type(name: str) -> RecordType | None:
    """Types match case-insensitively (``vendorbill``, ``journalentry``: reference §1.1)."""
    return BY_LOWER.get(name.lower())


def canonical_fields(spec: RecordType) -> dict[str, str]:
    """lower-case name -> canonical name of every body field, sublist and read-only field."""
    names = [*spec.fields, *spec.sublists, *spec.read_only, *COMMON]
    return {n.lower(): n for n in names}


# name, symbol (the ISO 4217 code)
SEED_CURRENCIES = (("US Dollar", "USD"), ("British Pound", "GBP"), ("Euro", "EUR"))
# name, base currency, parent subsidiary name
SEED_SUBSIDIARIES = (
    ("Parent Company", "USD", None),
    ("US Subsidiary", "USD", "Parent Company"),
    ("UK Subsidiary", "GBP", "Parent Company"),
)
# name, type, subsidiary names, include children
SEED_ACCOUNTS = (
    ("US Checking", "Bank", ("US Subsidiary",), False),
    ("UK Checking", "Bank", ("UK Subsidiary",), False),
    ("Accounts Payable", "AcctPay", ("Parent Company",), True),
    ("Accounts Receivable", "AcctRec", ("Parent Company",), True),
    ("Undeposited Funds", "OthCurrAsset", ("Parent Company",), True),
    ("Office Supplies", "Expense", ("Parent Company",), True),
    ("Professional Fees", "Expense", ("US Subsidiary",), False),
    ("Sales", "Income", ("Parent Company",), True),
)
SEED_SEGMENTS = (
    ("department", "Operations", ("Parent Company",), True),
    ("department", "US Sales", ("US Subsidiary",), False),
    ("location", "New York", ("US Subsidiary",), False),
    ("location", "London", ("UK Subsidiary",), False),
    ("classification", "Payables", ("Parent Company",), True),
    ("classification", "Receivables", ("Parent Company",), True),
)
SEED_ITEMS = ("Consulting",)
