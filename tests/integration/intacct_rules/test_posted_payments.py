"""A posted Intacct payment keeps no BILL run id and cannot be updated (reference §2.3: an ``APPYMT``
is updated only in Draft): BILL's payment gaining its disbursement run id changes nothing Intacct
keeps, so the engine plans no update (``capabilities.kept_fields``); a change to a field Intacct
keeps (the run's reference) is not written either, and the sync log says why
(``capabilities.updatable_fields``). A ledger that can update every field would be updated."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import BillPayment, ObjectType
from ledgerbridge_common.connectors.intacct import INTACCT_CAPABILITIES
from ledgerbridge_common.events import Side
from sync_engine.domain.decide import decide
from sync_engine.domain.model import Inputs
from tests.integration.intacct_rules.conftest import IntacctWorld
from tests.integration.intacct_rules.test_money_out import INTACCT_PREFS, unpaid_bill
from tests.unit.sync_engine.builders import change, inputs, known, link_of, payment

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType
GL_PREFS = {**INTACCT_PREFS, "money_out_clearing_account": "1010"}
"""Money Out Clearing by its GL account: reads name a checking account by the GL account it posts to."""


async def posted_payment(world: IntacctWorld) -> tuple[Inputs, BillPayment, BillPayment]:
    """A BILL payment already posted to Intacct: (the inputs that posted it, BILL's payment, Intacct's)."""
    vendor, bill = await unpaid_bill(world)
    pid, bid = f"stp{uuid.uuid4().hex[:8]}", f"00n{uuid.uuid4().hex[:8]}"
    in_bill = payment(pid, bills=((bid, "100.00"),)).model_copy(update={"date": dt.date.today()})
    inp = inputs(
        change(B, T.BILL_PAYMENT, pid),
        in_bill,
        refs={**known(B, T.VENDOR, "00901ACME", vendor.id or ""), **known(B, T.BILL, bid, bill.id or "")},
        **GL_PREFS,
    )
    inp = replace(inp, connection_id=world.connection_id, capabilities=INTACCT_CAPABILITIES)
    (outcome,) = await world.post_plan(decide(inp))
    assert outcome.status == "posted", outcome.reason
    assert outcome.target_ref is not None
    ledger = await world.factory.ledger(world.connection_id)
    in_intacct = await ledger.read(T.BILL_PAYMENT, outcome.target_ref.id)
    assert isinstance(in_intacct, BillPayment)
    assert in_intacct.bank_account_id == "1010"  # the clearing checking account, by its GL account
    return inp, in_bill, in_intacct


def run_id_set(inp: Inputs, in_bill: BillPayment, in_intacct: BillPayment) -> Inputs:
    """BILL's payment, linked to Intacct's, now shows its disbursement run."""
    with_run = in_bill.model_copy(update={"run_id": f"mmt{uuid.uuid4().hex[:8]}"})
    return replace(inp, source=with_run, counterpart=in_intacct, link=link_of(in_bill, in_intacct))


async def test_a_run_id_on_a_posted_payment_plans_no_update(world: IntacctWorld):
    inp, in_bill, in_intacct = await posted_payment(world)
    plan = decide(run_id_set(inp, in_bill, in_intacct))
    assert plan.commands == ()
    assert plan.skipped is not None and plan.skipped.startswith("in_sync")
    (appymt,) = await world.rows("APPYMT")
    assert appymt["STATE"] == "Posted" and Decimal(appymt["TOTALENTERED"]) == Decimal("100.00")


async def test_a_ledger_that_keeps_and_updates_every_field_would_be_updated(world: IntacctWorld):
    inp, in_bill, in_intacct = await posted_payment(world)
    keeps_all = replace(INTACCT_CAPABILITIES, kept_fields=None, updatable_fields=None)
    plan = decide(replace(run_id_set(inp, in_bill, in_intacct), capabilities=keeps_all))
    assert [c.action for c in plan.commands] == ["upsert"]


async def test_a_change_intacct_keeps_is_not_written_and_the_log_says_why(world: IntacctWorld):
    inp, in_bill, in_intacct = await posted_payment(world)
    changed = run_id_set(inp, in_bill, in_intacct)
    assert changed.source is not None
    changed = replace(changed, source=changed.source.model_copy(update={"reference": "ACH-2"}))
    plan = decide(changed)
    assert plan.commands == ()
    (outcome,) = plan.outcomes
    assert (outcome.status, outcome.decision.rule if outcome.decision else None) == ("skipped", "immutable")
    assert outcome.reason == (
        "Sage Intacct cannot change a bill payment it already holds: the change to reference stays in BILL"
    )
    # without the declaration the update is planned, and Intacct refuses it
    updatable = replace(changed, capabilities=replace(INTACCT_CAPABILITIES, updatable_fields=None))
    (refused,) = await world.post_plan(decide(updatable))
    assert refused.status == "failed" and "cannot update a posted APPYMT" in (refused.reason or "")
