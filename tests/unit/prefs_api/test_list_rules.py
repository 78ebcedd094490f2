"""The rules that need the ledger's lists, as pure functions: list-valued preferences, accounts held
to their family where the ledger's chart cannot tell the type, the linked entity, and the clearing
accounts a bookkeeper creates by hand (the instructions come from the connector's capabilities)."""

from __future__ import annotations

from dataclasses import dataclass

from ledgerbridge_common.canonical.models import Account, AccountType
from ledgerbridge_common.connectors.lists import ListKind, ListValue, same_family
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.events.preferences import PreferenceValues
from prefs_api.adapters.typed_chart import LedgerChart
from prefs_api.domain.list_rules import list_of, list_readiness, list_violations
from prefs_api.domain.rules import apply_patch

SI = LedgerKind.SAGE_INTACCT
QBO = LedgerKind.QUICKBOOKS_ONLINE
LISTS = {
    ListKind.DEPARTMENTS: {
        "ADMIN": ListValue(id="ADMIN", name="Administration"),
        "OLD": ListValue(id="OLD", name="Closed", active=False),
    },
    ListKind.LOCATIONS: {"100": ListValue(id="100", name="Headquarters")},
    ListKind.ENTITIES: {"E1": ListValue(id="E1", name="Entity one")},
}


@dataclass(frozen=True)
class Clearing:
    created_on_connect: bool = False
    account_kind: str = "checking account"
    instructions: tuple[str, ...] = ("Create 'Bill.com Money Out Clearing'.", "Then choose it here.")


def coarse_chart() -> LedgerChart:
    chart = LedgerChart(
        {
            "2000": Account(id="2000", name="Accounts Payable", account_type=AccountType.OTHER_CURRENT_LIABILITY),
            "1200": Account(id="1200", name="Receivables", account_type=AccountType.OTHER_CURRENT_ASSET),
            "1010": Account(id="1010", name="Clearing", account_type=AccountType.BANK),
        }
    )
    chart.types = frozenset({AccountType.OTHER_CURRENT_ASSET, AccountType.OTHER_CURRENT_LIABILITY, AccountType.BANK})
    return chart


def test_preferences_are_matched_to_lists_by_their_name() -> None:
    assert list_of("funds_transfer_location") is ListKind.LOCATIONS
    assert list_of("default_payables_department") is ListKind.DEPARTMENTS
    assert list_of("default_receivables_class") is ListKind.CLASSES
    assert list_of("funds_transfer_journal_symbol") is ListKind.JOURNALS
    assert list_of("ap_account") is None


def test_list_values_must_be_active_entries_of_lists_the_ledger_offers() -> None:
    codes = [
        v.code
        for v in list_violations(SI, {"funds_transfer_department": "NOPE", "funds_transfer_location": "100"}, LISTS)
    ]
    assert codes == ["unknown_list_value"]
    inactive = list_violations(SI, {"funds_transfer_department": "OLD"}, LISTS)
    assert [v.code for v in inactive] == ["inactive_list_value"] and "Closed" in inactive[0].detail
    # the journal list is not offered here: its value cannot be checked against it
    assert list_violations(SI, {"funds_transfer_journal_symbol": "FTJ"}, LISTS) == []
    # a preference the ledger kind does not offer is the catalog's rule, not this one's
    assert list_violations(QBO, {"funds_transfer_department": "NOPE"}, LISTS) == []


def test_a_coarse_chart_holds_accounts_to_their_family_but_a_told_type_exactly() -> None:
    chart = coarse_chart()
    _, ok, _ = apply_patch(SI, PreferenceValues(), {"ap_account": "2000", "ar_account": "1200"}, chart, {})
    assert ok == []
    _, wrong, _ = apply_patch(SI, PreferenceValues(), {"ap_account": "1200"}, chart, {})
    assert [v.code for v in wrong] == ["wrong_account_type"]
    _, bank, _ = apply_patch(SI, PreferenceValues(), {"money_out_clearing_account": "1200"}, chart, {})
    assert [v.code for v in bank] == ["wrong_account_type"]  # Bank is a type this chart tells apart
    plain = dict(chart)  # a chart without declared types is exact
    _, exact, _ = apply_patch(SI, PreferenceValues(), {"ap_account": "2000"}, plain, {})
    assert [v.code for v in exact] == ["wrong_account_type"]
    assert same_family(AccountType.BANK, AccountType.ACCOUNTS_RECEIVABLE)
    assert not same_family(AccountType.ACCOUNTS_PAYABLE, AccountType.EXPENSE)


def test_readiness_names_a_missing_linked_entity_and_stale_list_values() -> None:
    values = PreferenceValues(funds_transfer_department="OLD")
    missing = list_readiness(SI, values, LISTS, "E9", None, None)
    assert any("'Closed' (OLD) is inactive" in m for m in missing)
    assert any("linked to 'E9'" in m and "E1" in m for m in missing)
    assert list_readiness(SI, PreferenceValues(funds_transfer_department="ADMIN"), LISTS, "E1", None, None) == []
    assert list_readiness(SI, values, None, "E9", None, None) == []  # lists unreadable: nothing claimed


def test_clearing_instructions_until_both_clearing_accounts_are_bank_accounts() -> None:
    chart = coarse_chart()
    unset = list_readiness(SI, PreferenceValues(), {}, None, chart, Clearing())
    assert unset == [
        "Money Out Clearing and Money In Clearing are checking accounts you create: "
        "Create 'Bill.com Money Out Clearing'. Then choose it here."
    ]
    not_bank = PreferenceValues(money_out_clearing_account="1010", money_in_clearing_account="1200")
    assert len(list_readiness(SI, not_bank, {}, None, chart, Clearing())) == 1
    done = PreferenceValues(money_out_clearing_account="1010", money_in_clearing_account="1010")
    assert list_readiness(SI, done, {}, None, chart, Clearing()) == []
    assert list_readiness(SI, PreferenceValues(), {}, None, chart, Clearing(created_on_connect=True)) == []
