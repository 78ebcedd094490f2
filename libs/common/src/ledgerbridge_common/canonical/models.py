"""Vendor-neutral models of every object type LedgerBridge syncs.

Connectors map vendor JSON to and from these; the sync engine reasons only on them. References
to other objects (``vendor_id``, ``account_id``...) hold ids *of the side the object lives on*:
the engine rewrites them to the other side's ids through its links before it asks for a write.

Fields listed in ``NON_SYNCED_FIELDS`` (ids, tokens, timestamps, statuses owned by one side)
are not part of an object's fingerprint.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class ObjectType(StrEnum):
    VENDOR = "vendor"
    CUSTOMER = "customer"
    ACCOUNT = "account"
    CLASS = "class"
    DEPARTMENT = "department"
    LOCATION = "location"
    PROJECT = "project"
    ITEM = "item"
    BILL = "bill"
    VENDOR_CREDIT = "vendor_credit"
    BILL_PAYMENT = "bill_payment"
    INVOICE = "invoice"
    RECEIVED_PAYMENT = "received_payment"
    FUNDS_TRANSFER = "funds_transfer"
    JOURNAL_ENTRY = "journal_entry"


class AccountType(StrEnum):
    """Canonical chart-of-accounts types. Each connector maps its ledger's own types to these
    (QBO ``AccountType`` in ``connectors/qbo/mapping_lists.py``, BILL's ``account.type`` in
    ``connectors/billcom/mapping.py``); the values are the labels bookkeepers read."""

    BANK = "Bank"
    ACCOUNTS_RECEIVABLE = "Accounts Receivable"
    OTHER_CURRENT_ASSET = "Other Current Asset"
    FIXED_ASSET = "Fixed Asset"
    OTHER_ASSET = "Other Asset"
    ACCOUNTS_PAYABLE = "Accounts Payable"
    CREDIT_CARD = "Credit Card"
    OTHER_CURRENT_LIABILITY = "Other Current Liability"
    LONG_TERM_LIABILITY = "Long Term Liability"
    EQUITY = "Equity"
    INCOME = "Income"
    OTHER_INCOME = "Other Income"
    COST_OF_GOODS_SOLD = "Cost of Goods Sold"
    EXPENSE = "Expense"
    OTHER_EXPENSE = "Other Expense"
    NON_POSTING = "Non-Posting"


class ApprovalStatus(StrEnum):
    UNASSIGNED = "UNASSIGNED"
    ASSIGNED = "ASSIGNED"
    APPROVING = "APPROVING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    UNDEFINED = "UNDEFINED"


Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(_Frozen):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class CanonicalObject(_Frozen):
    """Fields every canonical object has. ``id`` is the id on the side the object was read from."""

    object_type: ClassVar[ObjectType]
    NON_SYNCED_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"id", "concurrency_token", "updated_at", "created_at", "side_status"}
    )

    id: str | None = None
    concurrency_token: str | None = None
    updated_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    active: bool = True
    side_status: dict[str, Any] = Field(default_factory=dict)
    """Vendor-specific read-only facts (balances, payment status...) kept for display only."""

    def synced_fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=set(self.NON_SYNCED_FIELDS))


# --- list objects -----------------------------------------------------------------------------


class Vendor(CanonicalObject):
    object_type: ClassVar[ObjectType] = ObjectType.VENDOR
    name: str
    email: str | None = None
    phone: str | None = None
    address: Address | None = None
    account_number: str | None = None
    tax_id: str | None = None
    track_1099: bool = False
    currency: str | None = None
    short_name: str | None = None
    """The vendor's short id (BILL ``shortName``, NetSuite ``entityId``): at most 20 characters in BILL."""
    vendor_type: Literal["company", "individual"] | None = None
    """BILL ``accountType`` BUSINESS/PERSON, NetSuite ``isPerson``; ``None`` when the side does not say."""


class Customer(CanonicalObject):
    object_type: ClassVar[ObjectType] = ObjectType.CUSTOMER
    name: str
    email: str | None = None
    phone: str | None = None
    address: Address | None = None
    currency: str | None = None


class Account(CanonicalObject):
    """A chart-of-accounts entry. ``account_subtype`` is the ledger's own finer type, if it has
    one (QBO ``AccountSubType``), kept as the ledger spells it."""

    object_type: ClassVar[ObjectType] = ObjectType.ACCOUNT
    name: str
    account_type: AccountType
    account_subtype: str | None = None
    number: str | None = None
    currency: str | None = None
    description: str | None = None


class AccountingClass(CanonicalObject):
    object_type: ClassVar[ObjectType] = ObjectType.CLASS
    name: str
    parent_id: str | None = None


class Department(CanonicalObject):
    object_type: ClassVar[ObjectType] = ObjectType.DEPARTMENT
    name: str
    parent_id: str | None = None


class Location(CanonicalObject):
    """BILL locations map to QBO Departments (QBO calls its location tracking "Department")."""

    object_type: ClassVar[ObjectType] = ObjectType.LOCATION
    name: str
    parent_id: str | None = None


class Project(CanonicalObject):
    """A project (BILL: job; NetSuite: the ``job`` record; Sage Intacct: ``PROJECT``), a dimension
    list that comes from the ledger only. ``parent_id`` is a parent project."""

    object_type: ClassVar[ObjectType] = ObjectType.PROJECT
    name: str
    parent_id: str | None = None


class Item(CanonicalObject):
    object_type: ClassVar[ObjectType] = ObjectType.ITEM
    name: str
    item_type: str = "Service"
    description: str | None = None
    unit_price: Decimal | None = None
    income_account_id: str | None = None
    expense_account_id: str | None = None


# --- transactions ------------------------------------------------------------------------------


class Classifications(_Frozen):
    """A line's account and item, and its dimensions: class, department, location, project and
    entity (Intacct entity, NetSuite subsidiary). Each connector maps the dimensions its ledger
    tracks and documents the rest as not tracked (QBO: ``class_id`` → the line's ``ClassRef``;
    ``location_id`` or ``department_id`` → the transaction's ``DepartmentRef``, QBO's location
    tracking; no project or entity)."""

    account_id: str | None = None
    class_id: str | None = None
    department_id: str | None = None
    location_id: str | None = None
    project_id: str | None = None
    entity_id: str | None = None
    item_id: str | None = None
    customer_id: str | None = None


class TransactionLine(_Frozen):
    amount: Money
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    classifications: Classifications = Field(default_factory=Classifications)


class _LinedDocument(CanonicalObject):
    """Fields every document with lines has (bills, vendor credits, invoices)."""

    number: str | None = None
    date: dt.date
    currency: str = "USD"
    exchange_rate: Decimal = Decimal(1)
    """Home-currency units per one unit of ``currency``."""
    lines: tuple[TransactionLine, ...]
    memo: str | None = None
    header_classifications: Classifications | None = None
    """Department, location and class of the whole document, where the ledger has them on the
    header (NetSuite's Default Payables/Receivables classification); BILL codes lines only."""

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


class _PayablesDocument(_LinedDocument):
    vendor_id: str
    ap_account_id: str | None = None
    approval_status: ApprovalStatus | None = None


class Bill(_PayablesDocument):
    object_type: ClassVar[ObjectType] = ObjectType.BILL
    due_date: dt.date | None = None


class VendorCredit(_PayablesDocument):
    object_type: ClassVar[ObjectType] = ObjectType.VENDOR_CREDIT


class AppliedTo(_Frozen):
    """One document a payment settles (a bill or an invoice) and the amount applied to it."""

    document_id: str
    amount: Money


class BillPayment(CanonicalObject):
    """A payment of one or more bills. On the BILL side ``funding_account_id`` is the BILL bank
    account and ``run_id`` the disbursement run; on the ledger side ``bank_account_id`` is the
    account the payment is drawn from (Money Out Clearing, or the Default Bank Account for bills
    paid outside BILL)."""

    object_type: ClassVar[ObjectType] = ObjectType.BILL_PAYMENT
    vendor_id: str
    date: dt.date
    amount: Money
    currency: str = "USD"
    exchange_rate: Decimal = Decimal(1)
    applied_to: tuple[AppliedTo, ...]
    vendor_credits: tuple[AppliedTo, ...] = ()
    bank_account_id: str | None = None
    funding_account_id: str | None = None
    paid_outside: bool = False
    run_id: str | None = None
    reference: str | None = None
    memo: str | None = None
    voided: bool = False
    header_classifications: Classifications | None = None
    """Department, location and class of the payment where the ledger has them (see ``Bill``)."""


class Invoice(_LinedDocument):
    object_type: ClassVar[ObjectType] = ObjectType.INVOICE
    customer_id: str
    due_date: dt.date | None = None
    ar_account_id: str | None = None


class ReceivedPayment(CanonicalObject):
    object_type: ClassVar[ObjectType] = ObjectType.RECEIVED_PAYMENT
    customer_id: str
    date: dt.date
    amount: Money
    currency: str = "USD"
    exchange_rate: Decimal = Decimal(1)
    method: Literal["electronic", "card", "offline"] = "electronic"
    applied_to: tuple[AppliedTo, ...]
    deposit_to_account_id: str | None = None
    run_id: str | None = None
    reference: str | None = None
    memo: str | None = None
    voided: bool = False
    header_classifications: Classifications | None = None
    """Department, location and class of the payment where the ledger has them (see ``Bill``)."""


class FundsTransfer(CanonicalObject):
    """Money moved between two accounts: a disbursement or deposit run on the BILL side, a
    ``Transfer`` in QBO. On the BILL side ``from``/``to`` hold BILL bank account ids."""

    object_type: ClassVar[ObjectType] = ObjectType.FUNDS_TRANSFER
    date: dt.date
    amount: Money
    currency: str = "USD"
    from_account_id: str
    to_account_id: str
    memo: str | None = None
    run_id: str | None = None
    direction: Literal["money_out", "money_in"] = "money_out"
    payment_ids: tuple[str, ...] = ()
    """BILL side: the payments (AP ``stp...`` or received ``0rp...``) this run carried."""
    journal: str | None = None
    """Ledger side: the journal it is booked in, for ledgers that book transfers as journal entries
    (the Funds Transfer Journal Symbol preference; Intacct ``GLBATCH`` ``JOURNAL``)."""
    location_id: str | None = None
    """Ledger side: the location stamped on its lines (Funds Transfer Location)."""
    department_id: str | None = None
    """Ledger side: the department stamped on its lines (Funds Transfer Department)."""


class JournalLine(_Frozen):
    posting_type: Literal["Debit", "Credit"]
    amount: Money
    account_id: str
    description: str | None = None


class JournalEntry(CanonicalObject):
    object_type: ClassVar[ObjectType] = ObjectType.JOURNAL_ENTRY
    date: dt.date
    number: str | None = None
    currency: str = "USD"
    lines: tuple[JournalLine, ...]
    memo: str | None = None

    @property
    def balanced(self) -> bool:
        debit = sum((ln.amount for ln in self.lines if ln.posting_type == "Debit"), Decimal(0))
        credit = sum((ln.amount for ln in self.lines if ln.posting_type == "Credit"), Decimal(0))
        return debit == credit


MODEL_BY_TYPE: dict[ObjectType, type[CanonicalObject]] = {
    m.object_type: m
    for m in (
        Vendor,
        Customer,
        Account,
        AccountingClass,
        Department,
        Location,
        Project,
        Item,
        Bill,
        VendorCredit,
        BillPayment,
        Invoice,
        ReceivedPayment,
        FundsTransfer,
        JournalEntry,
    )
}


def parse_canonical(object_type: ObjectType | str, data: dict[str, Any]) -> CanonicalObject:
    """Build the canonical model of ``object_type`` from its JSON form."""
    return MODEL_BY_TYPE[ObjectType(object_type)].model_validate(data)


class BankAccount(_Frozen):
    """A BILL organization bank account (not synced itself: it carries the GL-account preference
    "GL Account for Bank Account ****XXXX" through ``chart_of_account_id``)."""

    id: str
    name: str
    last4: str
    chart_of_account_id: str | None = None
    archived: bool = False
    updated_at: dt.datetime | None = None


class CompanyInfo(_Frozen):
    """What the posting side needs to know about a ledger company."""

    company_id: str
    name: str
    home_currency: str = "USD"
    multi_currency: bool = False
    books_closed_through: dt.date | None = None
    """The ledger's books-closed date, where it keeps one (NetSuite: the last closed period's end)."""
