"""The preferences of PREFERENCES.md: which ledger kinds offer each one, which account types an
account preference accepts, and the bookkeeper's words for each."""

from __future__ import annotations

from dataclasses import dataclass

from ledgerbridge_common.events.models import LedgerKind

QBO = LedgerKind.QUICKBOOKS_ONLINE
QBD = LedgerKind.QUICKBOOKS_DESKTOP
SI = LedgerKind.SAGE_INTACCT
NS = LedgerKind.ORACLE_NETSUITE
XERO = LedgerKind.XERO
ALL_KINDS = frozenset(LedgerKind)

KIND_LABELS = {
    QBO: "QuickBooks Online",
    QBD: "QuickBooks Desktop",
    SI: "Sage Intacct",
    NS: "Oracle NetSuite",
    XERO: "Xero",
}


@dataclass(frozen=True)
class PrefSpec:
    name: str
    label: str
    kinds: frozenset[LedgerKind]
    account_types: tuple[str, ...] = ()
    required: bool = False

    @property
    def is_account(self) -> bool:
        return bool(self.account_types)

    def offered_for(self, kind: LedgerKind) -> bool:
        return kind in self.kinds

    def accepted(self) -> str:
        return " or ".join(self.account_types)


def _spec(
    name: str, label: str, kinds: frozenset[LedgerKind] = ALL_KINDS, *types: str, required: bool = False
) -> PrefSpec:
    return PrefSpec(name, label, kinds, tuple(types), required)


BANK = "Bank"
SPECS: dict[str, PrefSpec] = {
    s.name: s
    for s in (
        _spec("sync_automatically", "Sync Automatically", ALL_KINDS - {QBD}),
        _spec("schedule_interval_minutes", "Sync Automatically interval", ALL_KINDS - {QBD}),
        _spec("ledger_sweep_minutes", "Check the ledger for changes every (minutes)", frozenset({SI, NS})),
        _spec("schedule_cron", "Sync Automatically schedule (cron)", ALL_KINDS - {QBD}),
        _spec("sync_mode", "Sync Mode", ALL_KINDS),
        _spec("start_date", "Start Date", ALL_KINDS),
        _spec("what_syncs", "What Syncs", ALL_KINDS),
        _spec("poll_interval_minutes", "Polling interval for BILL objects without webhooks", ALL_KINDS - {QBD}),
        _spec("sync_only_approved", "Sync Only Approved Bills and Vendor Credits", ALL_KINDS - {QBD}),
        _spec("ap_account", "Accounts Payable", ALL_KINDS, "Accounts Payable", required=True),
        _spec("ar_account", "Accounts Receivable", ALL_KINDS, "Accounts Receivable", required=True),
        _spec(
            "unallocated_expenses_account",
            "Unallocated Expenses",
            ALL_KINDS,
            "Expense",
            "Other Expense",
            required=True,
        ),
        _spec("unallocated_income_account", "Unallocated Income", ALL_KINDS, "Income", required=True),
        _spec("money_out_clearing_account", "Money Out Clearing", ALL_KINDS, BANK, required=True),
        _spec("money_in_clearing_account", "Money In Clearing", ALL_KINDS, BANK, required=True),
        _spec("default_bank_account", "Default Bank Account", ALL_KINDS, BANK, required=True),
        _spec("deposit_to_account", "Deposit To", ALL_KINDS, BANK, "Other Current Asset", required=True),
        _spec("fx_gain_loss_account", "Exchange Rate Gain/Loss", ALL_KINDS, "Expense", "Other Expense"),
        _spec("funds_transfer_location", "Funds Transfer Location", frozenset({SI, NS})),
        _spec("funds_transfer_department", "Funds Transfer Department", frozenset({SI, NS})),
        _spec("default_payables_department", "Default Payables Department", frozenset({NS})),
        _spec("default_payables_location", "Default Payables Location", frozenset({NS})),
        _spec("default_payables_class", "Default Payables Class", frozenset({NS})),
        _spec("default_receivables_department", "Default Receivables Department", frozenset({NS})),
        _spec("default_receivables_location", "Default Receivables Location", frozenset({NS})),
        _spec("default_receivables_class", "Default Receivables Class", frozenset({NS})),
        _spec("funds_transfer_journal_symbol", "Funds Transfer Journal Symbol", frozenset({SI}), required=True),
        _spec("transaction_currency", "Transaction Currency", frozenset({SI}), required=True),
        _spec("base_currency", "Base Currency", frozenset({SI}), required=True),
        _spec("bank_gl_accounts", "GL Account for Bank Account", ALL_KINDS, BANK),
        _spec("master", "Master in Case of Conflict", ALL_KINDS),
        _spec("field_masters", "Per-field Master", ALL_KINDS),
    )
}
CLEARING = ("money_out_clearing_account", "money_in_clearing_account")
BANK_GL = SPECS["bank_gl_accounts"]
APPROVED_ONLY_REVERSIBLE = frozenset({NS})
CURRENCY_ONLY = "USD"


def kinds_text(kinds: frozenset[LedgerKind]) -> str:
    return ", ".join(KIND_LABELS[k] for k in LedgerKind if k in kinds)


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def choose(spec: PrefSpec, label: str | None = None) -> str:
    """'Choose a Bank account for Money Out Clearing'."""
    types = spec.accepted()
    return f"Choose {article(types)} {types} account for {label or spec.label}"


def bank_label(last4: str, name: str | None = None) -> str:
    suffix = f" ({name})" if name else ""
    return f"GL Account for Bank Account ****{last4}{suffix}"
