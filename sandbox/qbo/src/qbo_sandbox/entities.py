"""What the sandbox knows about each QBO entity: its URL path, JSON name, kind and void form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["name", "txn"]
VoidForm = Literal["include", "operation", "both", "anomaly_system_fault", "anomaly_empty_batch"]


@dataclass(frozen=True)
class EntitySpec:
    name: str  # JSON name ("BillPayment")
    kind: Kind
    name_field: str | None = None  # DisplayName / Name for name lists
    party: bool = False  # Vendor, Customer, Employee share one name space (6240)
    void: VoidForm | None = None

    @property
    def path(self) -> str:
        return self.name.lower()


SPECS: tuple[EntitySpec, ...] = (
    EntitySpec("Vendor", "name", "DisplayName", party=True),
    EntitySpec("Customer", "name", "DisplayName", party=True),
    EntitySpec("Employee", "name", "DisplayName", party=True),
    EntitySpec("Account", "name", "Name"),
    EntitySpec("Class", "name", "Name"),
    EntitySpec("Department", "name", "Name"),
    EntitySpec("Item", "name", "Name"),
    EntitySpec("Bill", "txn", void="anomaly_system_fault"),
    EntitySpec("BillPayment", "txn", void="include"),
    EntitySpec("VendorCredit", "txn"),
    EntitySpec("Invoice", "txn", void="operation"),
    EntitySpec("Payment", "txn", void="both"),
    EntitySpec("Deposit", "txn"),
    EntitySpec("Transfer", "txn", void="include"),
    EntitySpec("JournalEntry", "txn", void="anomaly_empty_batch"),
)

BY_PATH: dict[str, EntitySpec] = {s.path: s for s in SPECS}
BY_NAME: dict[str, EntitySpec] = {s.name: s for s in SPECS}

ACCOUNT_CLASSIFICATION: dict[str, str] = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Non-Posting": "Asset",
}

DEFAULT_SUBTYPE: dict[str, str] = {
    "Bank": "Checking",
    "Accounts Receivable": "AccountsReceivable",
    "Other Current Asset": "OtherCurrentAssets",
    "Fixed Asset": "OtherFixedAssets",
    "Other Asset": "OtherLongTermAssets",
    "Accounts Payable": "AccountsPayable",
    "Credit Card": "CreditCard",
    "Other Current Liability": "OtherCurrentLiabilities",
    "Long Term Liability": "OtherLongTermLiabilities",
    "Equity": "OwnersEquity",
    "Income": "ServiceFeeIncome",
    "Other Income": "OtherMiscellaneousIncome",
    "Cost of Goods Sold": "SuppliesMaterialsCogs",
    "Expense": "OtherMiscellaneousServiceCost",
    "Other Expense": "OtherMiscellaneousExpense",
    "Non-Posting": "PurchaseOrder",
}

# (Name, AccountType, AccountSubType): the chart every seeded realm starts with.
SEED_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Checking", "Bank", "Checking"),
    ("BILL Money Out Clearing", "Bank", "Checking"),
    ("BILL Money In Clearing", "Bank", "Checking"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Unallocated Expenses", "Expense", "OtherMiscellaneousServiceCost"),
    ("Office Supplies", "Expense", "SuppliesMaterials"),
    ("Utilities", "Expense", "Utilities"),
    ("Legal & Professional Fees", "Expense", "LegalProfessionalFees"),
    ("Unallocated Income", "Income", "OtherPrimaryIncome"),
    ("Services", "Income", "ServiceFeeIncome"),
    ("Exchange Gain or Loss", "Other Expense", "ExchangeGainOrLoss"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
    ("Company Credit Card", "Credit Card", "CreditCard"),
)

# (Name, income account name): Service items seeded for invoices.
SEED_ITEMS: tuple[tuple[str, str], ...] = (
    ("Services", "Services"),
    ("Unallocated Income", "Unallocated Income"),
)

ITEM_TYPES = frozenset({"Inventory", "NonInventory", "Service", "Category", "Group", "Bundle"})

READ_ONLY = frozenset(
    {
        "Id",
        "SyncToken",
        "MetaData",
        "domain",
        "sparse",
        "TotalAmt",
        "Balance",
        "HomeBalance",
        "HomeTotalAmt",
        "LinkedTxn",
        "FullyQualifiedName",
        "Classification",
        "CurrentBalance",
        "CurrentBalanceWithSubAccounts",
        "UnappliedAmt",
        "status",
        "BalanceWithJobs",
    }
)
