"""A safe first sync and the bookkeeper's control on the pure core: What Syncs (on/off and
direction, the preference named in the sync log), the start date, linking an existing document
instead of creating it (ambiguity to the conflicts inbox), and the holds before any read (first
sync not started, manual mode)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledgerbridge_common.document_match import pick_document
from sync_engine.domain.decide import decide
from sync_engine.domain.first_sync import MANUAL_KEY, before_reading, released_for_sync_now
from sync_engine.domain.model import Match
from tests.unit.sync_engine.builders import DAY, B, L, T, bill, change, inputs, known, line, payment, vendor

VENDOR_REFS = known(B, T.VENDOR, "00901ACME", "58")


def _reason(plan_outcomes: tuple[object, ...]) -> str:
    return " ".join(str(getattr(o, "reason", "")) for o in plan_outcomes)


def test_a_type_switched_off_is_skipped_and_the_preference_is_named() -> None:
    plan = decide(inputs(change(B, T.BILL, "00n01BILL"), bill(), refs=VENDOR_REFS, what_syncs={"bill": "off"}))
    assert plan.commands == ()
    assert plan.skipped is not None and plan.skipped.startswith("what_syncs:")
    assert "what_syncs.bill = off" in _reason(plan.outcomes)
    assert plan.outcomes[0].decision is not None and plan.outcomes[0].decision.rule == "what_syncs"


def test_one_way_choice_refuses_the_other_side_only() -> None:
    one_way = {"vendor": "billcom_to_ledger"}
    from_ledger = decide(inputs(change(L, T.VENDOR, "58"), vendor("58"), what_syncs=one_way))
    from_billcom = decide(inputs(change(B, T.VENDOR, "00901ACME"), vendor("00901ACME"), what_syncs=one_way))
    assert from_ledger.skipped is not None and from_ledger.skipped.startswith("what_syncs:")
    assert "what_syncs.vendor = billcom_to_ledger" in from_ledger.skipped
    assert [c.target_side.value for c in from_billcom.commands] == ["ledger"]


def test_two_way_ap_payment_sync_lets_a_qbo_payment_through_when_chosen() -> None:
    default = decide(inputs(change(L, T.BILL_PAYMENT, "77"), payment("77")))
    chosen = decide(inputs(change(L, T.BILL_PAYMENT, "77"), payment("77"), what_syncs={"bill_payment": "both"}))
    assert default.skipped is not None and default.skipped.startswith("direction:")  # QBO's own matrix
    assert chosen.skipped is None or not chosen.skipped.startswith(("what_syncs:", "direction:"))


def test_matrix_refusal_stays_a_direction_rule() -> None:
    plan = decide(inputs(change(L, T.FUNDS_TRANSFER, "ft1"), None))
    assert plan.skipped is not None and plan.skipped.startswith("direction:")


def test_nothing_dated_before_the_start_date_is_created() -> None:
    start = DAY + dt.timedelta(days=1)
    plan = decide(inputs(change(B, T.BILL, "00n01BILL"), bill(), refs=VENDOR_REFS, start_date=start))
    assert plan.commands == ()
    assert plan.skipped is not None and plan.skipped.startswith("start_date:")
    assert f"before the start date {start}" in plan.skipped


def test_a_bill_on_the_start_date_is_created() -> None:
    plan = decide(inputs(change(B, T.BILL, "00n01BILL"), bill(), refs=VENDOR_REFS, start_date=DAY))
    assert [(c.action, c.target_side.value) for c in plan.commands] == [("upsert", "ledger")]


def test_a_matching_ledger_bill_is_linked_not_created() -> None:
    keyed = bill("145", vendor_id="58", lines=(line("100.00", "7"),))
    plan = decide(
        inputs(
            change(B, T.BILL, "00n01BILL"),
            bill(),
            refs=VENDOR_REFS,
            match=Match(obj=keyed, rule="match_by_document"),
        )
    )
    assert plan.commands == ()
    assert [(w.billcom_id, w.ledger_id) for w in plan.links] == [("00n01BILL", "145")]
    assert {b.side.value for b in plan.links[0].baselines} == {"billcom", "ledger"}
    assert plan.outcomes[0].decision is not None and plan.outcomes[0].decision.rule == "match_by_document"


def test_an_ambiguous_match_goes_to_the_conflicts_inbox_and_nothing_is_written() -> None:
    first = bill("145", vendor_id="58")
    plan = decide(
        inputs(
            change(B, T.BILL, "00n01BILL"),
            bill(),
            refs=VENDOR_REFS,
            match=Match(obj=first, rule="ambiguous_match", candidates=("145", "146")),
        )
    )
    assert plan.commands == () and plan.links == ()
    decision = plan.outcomes[0].decision
    assert decision is not None and decision.rule == "ambiguous_match"
    assert decision.overridden == {"side": "ledger", "candidates": ["145", "146"]}


@pytest.mark.parametrize(
    ("kw", "expect_park", "expect_rule"),
    [
        ({"first_sync_started": False}, "prefs", "first_sync_pending"),
        ({"sync_mode": "manual"}, MANUAL_KEY, "manual"),
        ({"what_syncs": {"bill": "off"}}, None, "what_syncs"),
        ({}, None, None),
    ],
)
def test_holds_before_reading(kw: dict[str, object], expect_park: str | None, expect_rule: str | None) -> None:
    plan = before_reading(inputs(change(B, T.BILL, "00n01BILL"), None, **kw))
    if expect_rule is None:
        assert plan is None
        return
    assert plan is not None and plan.commands == ()
    assert (plan.park.waiting_for if plan.park else None) == expect_park
    assert plan.outcomes[0].decision is not None and plan.outcomes[0].decision.rule == expect_rule


def test_manual_mode_writes_on_sync_now_and_replay() -> None:
    for trigger in ("sync_now", "replay"):
        ch = change(B, T.BILL, "00n01BILL", trigger=trigger)
        assert before_reading(inputs(ch, None, sync_mode="manual")) is None
    parked = change(B, T.BILL, "00n01BILL").model_dump(mode="json")
    assert released_for_sync_now(parked).trigger == "sync_now"


def test_pick_document_matches_party_number_amount_and_breaks_ties_by_date() -> None:
    source = bill()
    same = bill("145", vendor_id="58")
    other_date = bill("146", vendor_id="58", lines=same.lines)
    other_date = other_date.model_copy(update={"date": DAY - dt.timedelta(days=3)})
    assert pick_document(source, "58", [same]).match == same
    assert pick_document(source, "58", [same, other_date]).match == same
    assert pick_document(source, "59", [same]).match is None
    cheaper = bill("147", vendor_id="58", lines=(line("99.00"),))
    assert pick_document(source, "58", [cheaper]).match is None
    twin = bill("148", vendor_id="58")
    tie = pick_document(source, "58", [same, twin])
    assert tie.match is None and {c.id for c in tie.candidates} == {"145", "148"}
    assert source.total == Decimal("100.00")
