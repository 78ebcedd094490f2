"""What Syncs, the cron schedule, sync mode and start date as preference rules, and the first-sync
preview's verdicts (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerbridge_common.canonical.models import ApprovalStatus, Bill, TransactionLine, Vendor
from ledgerbridge_common.connectors.declared import DECLARED
from ledgerbridge_common.document_match import DocumentPick
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.what_syncs import SyncDirection, matrix
from prefs_api.domain.first_sync import first_of_month, verdict
from prefs_api.domain.rules import apply_patch
from tests.unit.prefs_api.test_rules import BANKS, CHART, codes

QBO, SI, NS = LedgerKind.QUICKBOOKS_ONLINE, LedgerKind.SAGE_INTACCT, LedgerKind.ORACLE_NETSUITE
DAY = dt.date(2026, 11, 10)


def test_what_syncs_accepts_the_cells_bill_offers_and_merges() -> None:
    current = PreferenceValues(what_syncs={"invoice": SyncDirection.OFF})
    new, violations, diff = apply_patch(QBO, current, {"what_syncs": {"bill_payment": "both"}}, CHART, BANKS)
    assert violations == []
    assert new.what_syncs == {"invoice": SyncDirection.OFF, "bill_payment": SyncDirection.BOTH}
    assert [(c.preference, c.old, c.new) for c in diff] == [("what_syncs.bill_payment", None, "both")]
    restored, _, _ = apply_patch(QBO, new, {"what_syncs": {"invoice": None}}, CHART, BANKS)
    assert restored.what_syncs == {"bill_payment": SyncDirection.BOTH}


def test_what_syncs_refuses_a_direction_the_ledger_does_not_offer() -> None:
    assert codes({"what_syncs": {"vendor_credit": "both"}}) == ["direction_not_offered"]
    assert codes({"what_syncs": {"funds_transfer": "ledger_to_billcom"}}) == ["direction_not_offered"]
    assert codes({"what_syncs": {"bill": "ledger_to_billcom"}}) == ["direction_not_offered"]
    # Sage Intacct offers two-way vendor credits (unapplied), QBO does not
    assert codes({"what_syncs": {"vendor_credit": "both"}}, kind=SI) == []
    # two-way AP payment sync is QuickBooks Online's option only
    assert codes({"what_syncs": {"bill_payment": "both"}}, kind=NS) == ["direction_not_offered"]
    assert codes({"what_syncs": {"bill": "off"}}, kind=LedgerKind.XERO) == ["unavailable_for_ledger_kind"]


def test_every_matrix_default_is_one_of_its_own_cells() -> None:
    for kind in DECLARED:
        for cell in matrix(kind).values():
            assert cell.default in cell.allowed


def test_cron_schedule_is_parsed_and_explained() -> None:
    assert codes({"schedule_cron": "0 6 * * 1-5"}) == []
    assert codes({"schedule_cron": "61 * * * *"}) == ["invalid_cron"]
    assert codes({"schedule_cron": "0 6 * *"}) == ["invalid_cron"]
    _, violations, _ = apply_patch(QBO, PreferenceValues(), {"schedule_cron": "0 6 * *"}, CHART, BANKS)
    assert "has 4 fields" in violations[0].detail
    assert codes({"schedule_cron": None}) == []  # back to the interval


def test_sync_mode_cannot_be_emptied_and_start_date_is_a_plain_value() -> None:
    assert codes({"sync_mode": None}) == ["invalid_value"]
    new, violations, _ = apply_patch(
        QBO, PreferenceValues(), {"sync_mode": "manual", "start_date": "2026-11-01"}, CHART, BANKS
    )
    assert violations == [] and new.sync_mode == "manual" and new.start_date == dt.date(2026, 11, 1)


def test_default_start_date_is_the_first_of_the_month() -> None:
    assert first_of_month(dt.date(2026, 12, 5)) == dt.date(2026, 12, 1)


def _bill(number: str, day: dt.date = DAY, **kw: object) -> Bill:
    line = TransactionLine(amount=Decimal("10.00"))
    return Bill(id=f"00n{number}", vendor_id="009V", number=number, date=day, lines=(line,), **kw)  # type: ignore[arg-type]


def test_preview_verdicts() -> None:
    prefs = PreferenceValues(start_date=dt.date(2026, 11, 1), sync_only_approved=True)
    approved = {"approval_status": ApprovalStatus.APPROVED}
    old = verdict(prefs, QBO, _bill("OLD", dt.date(2026, 10, 31), **approved))
    assert (old.verdict, old.reason) == ("skip", "dated 2026-10-31, before the start date 2026-11-01")
    pending = verdict(prefs, QBO, _bill("P", approval_status=ApprovalStatus.APPROVING))
    assert pending.verdict == "skip" and "not approved (APPROVING)" in pending.reason
    ledger_bill = _bill("L", **approved).model_copy(update={"id": "145"})
    linked = verdict(prefs, QBO, _bill("L", **approved), document=DocumentPick(match=ledger_bill))
    assert (linked.verdict, linked.ledger_id) == ("link", "145")
    twins = (ledger_bill, ledger_bill.model_copy(update={"id": "146"}))
    ambiguous = verdict(prefs, QBO, _bill("L", **approved), document=DocumentPick(candidates=twins))
    assert ambiguous.verdict == "conflict" and ambiguous.candidates == ("145", "146")
    assert verdict(prefs, QBO, _bill("N", **approved)).verdict == "create"
    off = PreferenceValues(what_syncs={"bill": SyncDirection.OFF})
    excluded = verdict(off, QBO, _bill("X"))
    assert excluded.verdict == "skip" and "what_syncs.bill" in excluded.reason
    vendor = Vendor(id="009V", name="Acme")
    named = verdict(PreferenceValues(), QBO, vendor, name_match=Vendor(id="58", name="Acme"))
    assert (named.verdict, named.ledger_id) == ("link", "58")
