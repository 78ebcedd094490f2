from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import ObjectType, parse_canonical
from ledgerbridge_common.errors import ClosedPeriodError, DuplicateError, NotFoundError
from ledgerbridge_common.events.models import Side
from posting_service.domain.batch_plan import Candidate, plan_chunks
from posting_service.domain.lines import (
    DEFAULT_AP,
    Line,
    UnbalancedError,
    check_balanced,
    lines_for,
    net,
    restatement,
    totals,
)
from posting_service.domain.placeholders import find_placeholders, resolve
from posting_service.domain.reasons import parked_reason, reason_for
from tests.unit.posting import builders as b


class TestLines:
    @pytest.mark.parametrize(
        ("object_type", "desired"),
        [
            ("bill", b.bill("56", amounts=("100.00", "20.50"))),
            ("vendor_credit", b.bill("56", amounts=("10.00",))),
            ("bill_payment", b.bill_payment("56", "145", "120.50")),
            ("funds_transfer", b.transfer("120.50")),
            ("journal_entry", b.journal(("Debit", "20", "clearing-out"), ("Credit", "20", "fx"))),
            (
                "received_payment",
                {
                    "customer_id": "9",
                    "date": "2026-11-01",
                    "amount": "75",
                    "applied_to": [],
                    "deposit_to_account_id": "clearing-in",
                },
            ),
            (
                "invoice",
                {
                    "customer_id": "9",
                    "date": "2026-11-01",
                    "lines": [{"amount": "75", "classifications": {"item_id": "3"}}],
                },
            ),
        ],
    )
    def test_every_posting_balances(self, object_type, desired):
        lines = lines_for(parse_canonical(object_type, desired))
        debits, credits = totals(lines)
        assert debits == credits > 0

    def test_bill_debits_expenses_and_credits_ap(self):
        lines = lines_for(parse_canonical("bill", b.bill("56", amounts=("100.00", "20.50"))))
        assert net(lines) == {"70": Decimal("100.00"), "71": Decimal("20.50"), "33": Decimal("-120.50")}

    def test_bill_payment_debits_ap_and_credits_the_clearing_account(self):
        lines = lines_for(parse_canonical("bill_payment", b.bill_payment("56", "145", "120.50")))
        assert net(lines) == {DEFAULT_AP: Decimal("120.50"), "clearing-out": Decimal("-120.50")}

    def test_transfer_debits_clearing_and_credits_bank(self):
        lines = lines_for(parse_canonical("funds_transfer", b.transfer("120.50")))
        assert net(lines) == {"clearing-out": Decimal("120.50"), "bank-1": Decimal("-120.50")}

    def test_foreign_bill_posts_in_home_currency(self):
        desired = b.bill("56", amounts=("100.00",)) | {"currency": "EUR", "exchange_rate": "1.2"}
        assert net(lines_for(parse_canonical("bill", desired)))["33"] == Decimal("-120.00")

    def test_voided_payment_has_no_lines(self):
        desired = b.bill_payment("56", "145", "10") | {"voided": True}
        assert lines_for(parse_canonical("bill_payment", desired)) == []

    def test_name_lists_have_no_lines(self):
        assert lines_for(parse_canonical("vendor", b.vendor("Acme"))) == []

    def test_unbalanced_is_refused(self):
        with pytest.raises(UnbalancedError):
            check_balanced([Line("a", debit=Decimal(1)), Line("b", credit=Decimal(2))])

    def test_restatement_reverses_then_reposts_and_nets_to_the_new_state(self):
        old = lines_for(parse_canonical("bill", b.bill("56", amounts=("100.00",))))
        new = lines_for(parse_canonical("bill", b.bill("56", amounts=("80.00",))))
        entries = restatement(net(old), new)
        assert {k for k, _ in entries} == {"reversal", "posting"}
        for kind in ("reversal", "posting"):
            check_balanced(ln for k, ln in entries if k == kind)
        assert net([*old, *(ln for _, ln in entries)]) == net(new)

    def test_restatement_of_unchanged_amounts_records_nothing(self):
        lines = lines_for(parse_canonical("bill", b.bill("56")))
        assert restatement(net(lines), lines) == []

    def test_void_reverses_everything(self):
        lines = lines_for(parse_canonical("bill_payment", b.bill_payment("56", "145", "50")))
        entries = restatement(net(lines), [])
        assert net([*lines, *(ln for _, ln in entries)]) == {}


class TestPlaceholders:
    def test_finds_and_resolves_nested_placeholders(self):
        data = b.bill_payment("@ref:billcom:vendor:V1", "@ref:billcom:bill:B1", "10")
        assert find_placeholders(data) == ["billcom:vendor:V1", "billcom:bill:B1"]
        resolved, missing = resolve(data, {"billcom:vendor:V1": "56"})
        assert resolved["vendor_id"] == "56"
        assert missing == ["billcom:bill:B1"]
        assert resolved["applied_to"][0]["document_id"] == "@ref:billcom:bill:B1"

    def test_parked_reason_names_the_dependency(self):
        assert parked_reason(["billcom:vendor:00901ABC"]) == "waiting for vendor 00901ABC to be posted"


class TestBatchPlan:
    def test_chunks_never_hold_an_item_and_its_dependency(self):
        vendors = [Candidate(f"v{i}", f"vendor:{i}", frozenset()) for i in range(40)]
        bills = [Candidate(f"b{i}", f"bill:{i}", frozenset({f"vendor:{i}"})) for i in range(40)]
        payments = [Candidate(f"p{i}", f"pay:{i}", frozenset({f"bill:{i}", f"vendor:{i}"})) for i in range(5)]
        chunks = plan_chunks([*payments, *bills, *vendors], size=30)
        position = {c.source_ref: n for n, chunk in enumerate(chunks) for c in chunk}
        assert all(len(chunk) <= 30 for chunk in chunks)
        assert len(position) == 85
        for chunk in chunks:
            for c in chunk:
                assert all(position[d] < position[c.source_ref] for d in c.needs)

    def test_dependencies_outside_the_set_do_not_delay(self):
        chunks = plan_chunks([Candidate("b", "bill:1", frozenset({"vendor:posted-long-ago"}))], size=30)
        assert [[c.key for c in chunk] for chunk in chunks] == [["b"]]

    def test_cycles_are_left_out(self):
        a = Candidate("a", "x:a", frozenset({"x:b"}))
        c = Candidate("b", "x:b", frozenset({"x:a"}))
        d = Candidate("d", "x:d", frozenset())
        assert [[i.key for i in chunk] for chunk in plan_chunks([a, c, d], size=30)] == [["d"]]


class TestReasons:
    def test_duplicate_document_number(self):
        exc = DuplicateError("Duplicate Document Number Error", code="6140", detail="DocNumber=1001 is assigned")
        reason = reason_for(exc, ObjectType.BILL, {"number": "1001"}, Side.LEDGER)
        assert reason == ("QuickBooks already has a bill with number 1001 from this vendor (duplicate document number)")

    def test_duplicate_journal_number(self):
        exc = DuplicateError("Duplicate Document Number Error", code="6140", detail="DocNumber=000 is assigned")
        reason = reason_for(exc, ObjectType.JOURNAL_ENTRY, {}, Side.LEDGER)
        assert reason.startswith("QuickBooks already has a journal entry numbered 000")
        assert "warn if duplicate journal number" in reason

    def test_duplicate_name(self):
        exc = DuplicateError("Duplicate Name Exists Error", code="6240")
        assert "named 'Acme'" in reason_for(exc, ObjectType.VENDOR, {"name": "Acme"}, Side.LEDGER)

    def test_closed_books(self):
        reason = reason_for(
            ClosedPeriodError("closed", code="6210"), ObjectType.BILL, {"date": "2025-01-31"}, Side.LEDGER
        )
        assert "books are closed in QuickBooks for 2025-01-31" in reason

    def test_missing_reference(self):
        reason = reason_for(NotFoundError("Object Not Found", code="610"), ObjectType.BILL, {}, Side.LEDGER)
        assert "could not find something this bill refers to" in reason
