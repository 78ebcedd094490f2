"""The fault runs' ledger-generic reconciliation without a stack: tags and documents counted from
each sandbox's stored rows, duplicates, journals that do not balance, the clearing and balance
checks against posting's record, and the table of runs on every ledger."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from bench.fault_kinds import DISTURBS_STACK, FAULTS
from bench.fault_ledgers import (
    INTACCT_NOTES,
    LEDGERS,
    Books,
    count_rows,
    duplicates,
    journals_balance,
    marker_tag,
)
from bench.reconcile import books_problems
from ledgerbridge_common.canonical.models import JournalEntry, JournalLine


def test_intacct_rows_count_by_the_marker_in_any_note_field_and_bills_by_vendor_and_number() -> None:
    case = LEDGERS["intacct"]
    rows = {
        "VENDOR": [{"VENDORID": "V-1", "COMMENTS": "[lb-tag:LB:billcom:vendor:009a]"}],
        "APBILL": [
            {"VENDORID": "V-1", "RECORDID": "F-0001", "DESCRIPTION": "Fault run [lb-tag:LB:billcom:bill:00n1]"},
            {"VENDORID": "V-1", "RECORDID": "F-0001", "DESCRIPTION": "[lb-tag:LB:billcom:bill:00n1]"},
            {"VENDORID": "V-2", "RECORDID": "F-0001", "DESCRIPTION": "typed in Intacct"},
        ],
        "GLBATCH": [{"BATCH_TITLE": "BILL funds transfer [lb-tag:LB:billcom:funds_transfer:mmt1]"}],
    }
    tags, documents = count_rows(rows, case.tag_of, case.document_of)

    assert tags == Counter({"billcom:vendor:009a": 1, "billcom:bill:00n1": 2, "billcom:funds_transfer:mmt1": 1})
    assert documents == Counter({("APBILL", "V-1", "F-0001"): 2, ("APBILL", "V-2", "F-0001"): 1})
    assert duplicates(tags, documents) == 2
    assert case.tag_key("billcom:bill:00n1") == "billcom:bill:00n1"
    assert marker_tag({"COMMENTS": "no marker"}, INTACCT_NOTES) is None


def test_netsuite_rows_count_by_external_id_which_is_the_tag_with_other_characters_as_underscores() -> None:
    case = LEDGERS["netsuite"]
    rows: dict[str, list[dict[str, Any]]] = {
        "vendorBill": [
            {"externalId": "LB_billcom_bill_00n1", "entity": {"id": "7"}, "tranId": "F-0001"},
            {"entity": {"id": "7"}, "tranId": "F-0001"},
        ],
        "journalEntry": [{"externalId": "LB_billcom_funds_transfer_mmt1"}],
    }
    tags, documents = count_rows(rows, case.tag_of, case.document_of)

    assert tags[case.tag_key("billcom:bill:00n1")] == 1
    assert tags[case.tag_key("billcom:funds_transfer:mmt1")] == 1
    assert tags[case.tag_key("billcom:bill:00n2")] == 0
    assert documents == Counter({("vendorBill", "7", "F-0001"): 2})
    assert duplicates(tags, documents) == 1


def _journal(*lines: tuple[str, str, str]) -> JournalEntry:
    return JournalEntry(
        id="1",
        date=dt.date(2026, 12, 5),
        lines=tuple(JournalLine(account_id=a, posting_type=side, amount=Decimal(v)) for a, side, v in lines),
    )


def test_a_journal_whose_debits_and_credits_differ_is_unbalanced() -> None:
    assert journals_balance([_journal(("1010", "Debit", "250.00"), ("1000", "Credit", "250.00"))])
    assert not journals_balance([_journal(("1010", "Debit", "250.00"), ("1000", "Credit", "249.99"))])


def test_clearing_accounts_not_at_zero_in_the_ledger_or_in_postings_record_and_their_disagreement() -> None:
    books = Books(Counter(), Counter(), balanced=True, balances={"1010": Decimal("0"), "1020": Decimal("-5.00")})
    posting = {
        "accounts": {"1010": "12.00", "1000": "-12.00", "1020": "-5.00", "2000": "5.00"},
        "clearing": {"money_out_clearing": {"account_id": "1010", "balance": "12.00"}},
    }

    unbalanced, clearing = books_problems(books, posting, ["1010", "1020"])

    assert unbalanced == 0
    assert clearing == ["1020", "posting:1010", "mismatch:1010"]


def test_unbalanced_ledger_or_posting_record_each_count_once() -> None:
    books = Books(Counter(), Counter(), balanced=False, balances={})
    unbalanced, clearing = books_problems(books, {"accounts": {"1010": "3.00"}}, ["1010"])
    assert (unbalanced, clearing) == (2, [])
    assert books_problems(Books(Counter(), Counter()), {}, ["1010"]) == (0, [])  # balances not read: not judged


@pytest.mark.parametrize("ledger", ["intacct", "netsuite"])
def test_each_new_ledger_has_kill_runs_and_its_limit_fault_armed_before_the_workload(ledger: str) -> None:
    runs = {name: fault for name, fault in FAULTS.items() if fault.ledger == ledger}
    assert {f"{ledger}-kill-posting", f"{ledger}-kill-engine", f"{ledger}-429"} <= set(runs)
    assert runs[f"{ledger}-429"].before
    assert not set(runs) & DISTURBS_STACK
    assert all(fault.ledger in LEDGERS for fault in FAULTS.values())
