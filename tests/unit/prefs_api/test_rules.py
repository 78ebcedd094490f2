"""The preference rules as pure functions."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import Account
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.events.preferences import PreferenceValues
from prefs_api.domain.rules import BankAccountView, apply_patch, readiness, readiness_warnings

QBO = LedgerKind.QUICKBOOKS_ONLINE
CHART = {
    a.id: a
    for a in (
        Account(id="33", name="Accounts Payable (A/P)", account_type="Accounts Payable"),
        Account(id="91", name="BILL Money Out Clearing", account_type="Bank"),
        Account(id="35", name="Checking", account_type="Bank"),
        Account(id="7", name="Office Expenses", account_type="Expense"),
        Account(id="50", name="Old Bank", account_type="Bank", active=False),
    )
    if a.id
}
BANKS = {"bac1": BankAccountView(id="bac1", name="Operating", last4="1234")}


def codes(patch: dict[str, object], current: PreferenceValues | None = None, kind: LedgerKind = QBO) -> list[str]:
    _, violations, _ = apply_patch(kind, current or PreferenceValues(), patch, CHART, BANKS)
    return [v.code for v in violations]


def test_an_account_of_an_accepted_type_is_taken_and_diffed() -> None:
    new, violations, diff = apply_patch(QBO, PreferenceValues(), {"ap_account": "33"}, CHART, BANKS)
    assert violations == [] and new.ap_account == "33"
    assert [(c.preference, c.old, c.new) for c in diff] == [("ap_account", None, "33")]


def test_account_rules() -> None:
    assert codes({"ap_account": "35"}) == ["wrong_account_type"]
    assert codes({"ap_account": "nope"}) == ["unknown_account"]
    assert codes({"default_bank_account": "50"}) == ["inactive_account"]
    assert codes({"ap_account": None}) == []


def test_wrong_type_message_names_the_accepted_types() -> None:
    _, violations, _ = apply_patch(QBO, PreferenceValues(), {"unallocated_expenses_account": "35"}, CHART, BANKS)
    assert "accepts only Expense or Other Expense accounts" in violations[0].detail


def test_availability_per_ledger_kind() -> None:
    assert codes({"funds_transfer_journal_symbol": "CDJ"}) == ["unavailable_for_ledger_kind"]
    assert codes({"funds_transfer_journal_symbol": "CDJ"}, kind=LedgerKind.SAGE_INTACCT) == []
    assert codes({"sync_automatically": False}, kind=LedgerKind.QUICKBOOKS_DESKTOP) == ["unavailable_for_ledger_kind"]


def test_sync_only_approved_is_irreversible_except_netsuite() -> None:
    on = PreferenceValues(sync_only_approved=True)
    assert codes({"sync_only_approved": False}, on) == ["irreversible"]
    assert codes({"sync_only_approved": False}, on, kind=LedgerKind.ORACLE_NETSUITE) == []
    assert codes({"sync_only_approved": True}, on) == []


def test_clearing_must_differ_from_bank_gls_and_bank_ids_must_be_known() -> None:
    current = PreferenceValues(bank_gl_accounts={"bac1": "35"})
    assert codes({"money_out_clearing_account": "35"}, current) == ["clearing_equals_bank_gl"]
    assert codes({"bank_gl_accounts": {"nope": "35"}}) == ["unknown_bank_account"]
    assert codes({"bank_gl_accounts": {"bac1": "7"}}) == ["wrong_account_type"]


def test_masters_merge_and_null_removes() -> None:
    current = PreferenceValues.model_validate({"master": {"vendor": "ledger", "bill": "billcom"}})
    new, violations, _ = apply_patch(QBO, current, {"master": {"vendor": None}}, CHART, BANKS)
    assert violations == [] and new.master == {"bill": "billcom"}
    assert codes({"field_masters": {"vendor": {"no_such_field": "ledger"}}}) == ["unknown_field"]


def test_readiness_speaks_a_bookkeepers_words() -> None:
    missing = readiness(QBO, PreferenceValues(), BANKS, CHART)
    assert "Choose a Bank account for Money Out Clearing" in missing
    assert "Choose a Bank account for GL Account for Bank Account ****1234 (Operating)" in missing
    assert not any("Transaction Currency" in m for m in missing)
    eur = PreferenceValues(transaction_currency="EUR", base_currency="USD")
    assert not any("Currency" in m for m in readiness(LedgerKind.SAGE_INTACCT, eur, {}, None))
    (warning,) = readiness_warnings(LedgerKind.SAGE_INTACCT, eur)
    assert warning.startswith("Set Transaction Currency to USD: payments sync only in USD (now EUR)")
    assert readiness_warnings(QBO, eur) == []


def test_readiness_rechecks_values_against_the_current_chart() -> None:
    values = PreferenceValues(money_out_clearing_account="50")
    missing = readiness(QBO, values, {}, CHART)
    assert any("Money Out Clearing: account 'Old Bank' is inactive" in m for m in missing)
    assert not any("Money Out Clearing" in m for m in readiness(QBO, values, {}, None))
