"""Money out with Sage Intacct as BILL does it (reference §7): a BILL payment posts Dr AP / Cr Money
Out Clearing (an AP payment from the clearing checking account), the disbursement run posts as a
``GLBATCH`` in the Funds Transfer Journal Symbol journal with the Funds Transfer Location and
Department on its lines, and payments sync only with Transaction and Base Currency USD."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge_common.canonical.models import Bill, Classifications, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.intacct import INTACCT_CAPABILITIES
from ledgerbridge_common.events import LedgerKind, Side
from sync_engine.domain.decide import decide
from sync_engine.domain.model import Inputs
from tests.integration.intacct_rules.conftest import CLEARING_OUT, IntacctWorld
from tests.unit.sync_engine.builders import change, inputs, known, payment, run

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
B, T = Side.BILLCOM, ObjectType
INTACCT_PREFS: dict[str, Any] = {
    "ledger_kind": LedgerKind.SAGE_INTACCT,
    "ap_account": "2000",
    "unallocated_expenses_account": "6000",
    "money_out_clearing_account": CLEARING_OUT,
    "default_bank_account": "BOA-CHK",
    "bank_gl_accounts": {"bac01CHECKING": "1000"},
    "transaction_currency": "USD",
    "base_currency": "USD",
}


def for_world(world: IntacctWorld, inp: Inputs) -> Inputs:
    return replace(inp, connection_id=world.connection_id, capabilities=INTACCT_CAPABILITIES)


async def unpaid_bill(world: IntacctWorld, amount: str = "100.00") -> tuple[Vendor, Bill]:
    """A vendor and a bill already in Intacct (synced earlier)."""
    ledger = await world.factory.ledger(world.connection_id)
    vendor = await ledger.create(Vendor(name=f"Acme {uuid.uuid4().hex[:6]}"), request_id=uuid.uuid4().hex)
    line = TransactionLine(amount=Decimal(amount), classifications=Classifications(account_id="6000"))
    bill = await ledger.create(
        Bill(vendor_id=vendor.id or "", date=dt.date.today(), lines=(line,)), request_id=uuid.uuid4().hex
    )
    assert isinstance(vendor, Vendor) and isinstance(bill, Bill) and bill.id
    return vendor, bill


async def paid_in_bill(world: IntacctWorld, **prefs: Any) -> tuple[str, str]:
    """A BILL payment of an Intacct bill, through decide and posting: (BILL id, Intacct id)."""
    vendor, bill = await unpaid_bill(world)
    pid, bid = f"stp{uuid.uuid4().hex[:8]}", f"00n{uuid.uuid4().hex[:8]}"
    inp = inputs(
        change(B, T.BILL_PAYMENT, pid),
        payment(pid, bills=((bid, "100.00"),)).model_copy(update={"date": dt.date.today()}),
        refs={**known(B, T.VENDOR, "00901ACME", vendor.id or ""), **known(B, T.BILL, bid, bill.id or "")},
        **{**INTACCT_PREFS, **prefs},
    )
    (outcome,) = await world.post_plan(decide(for_world(world, inp)))
    assert outcome.status == "posted", outcome.reason
    assert outcome.target_ref is not None
    return pid, outcome.target_ref.id


async def test_a_bill_payment_posts_dr_ap_cr_money_out_clearing(world: IntacctWorld):
    _, payment_id = await paid_in_bill(world)
    (appymt,) = [p for p in await world.rows("APPYMT") if p["RECORDNO"] == payment_id]
    assert appymt["FINANCIALENTITY"] == CLEARING_OUT  # credited: the clearing checking account
    (clearing,) = [c for c in await world.rows("CHECKINGACCOUNT") if c["BANKACCOUNTID"] == CLEARING_OUT]
    assert clearing["GLACCOUNTNO"] == "1010"
    (bill,) = await world.rows("APBILL")
    assert Decimal(bill["TOTALDUE"]) == 0  # debited: AP, the bill is paid


async def transfer_of_run(world: IntacctWorld, **prefs: Any) -> dict[str, Any]:
    pid, payment_id = await paid_in_bill(world)
    rid = f"mmt{uuid.uuid4().hex[:8]}"
    disbursement = run(rid, "100.00", "money_out", (pid,)).model_copy(update={"date": dt.date.today()})
    inp = inputs(
        change(B, T.FUNDS_TRANSFER, rid),
        disbursement,
        refs=known(B, T.BILL_PAYMENT, pid, payment_id),
        **{**INTACCT_PREFS, **prefs},
    )
    (outcome,) = await world.post_plan(decide(for_world(world, inp)))
    assert outcome.status == "posted", outcome.reason
    assert outcome.target_ref is not None
    (batch,) = [b for b in await world.rows("GLBATCH") if b["RECORDNO"] == outcome.target_ref.id]
    return batch


def entries(batch: dict[str, Any]) -> list[tuple[str, str, str, str | None, str | None]]:
    lines = batch["ENTRIES"]["GLENTRY"]
    return [(e["TR_TYPE"], e["ACCOUNTNO"], e["TRX_AMOUNT"], e.get("LOCATION"), e.get("DEPARTMENT")) for e in lines]


async def test_a_disbursement_run_posts_in_the_funds_transfer_journal_with_its_location_and_department(
    world: IntacctWorld,
):
    batch = await transfer_of_run(
        world, funds_transfer_journal_symbol="CDJ", funds_transfer_location="100", funds_transfer_department="ADMIN"
    )
    assert batch["JOURNAL"] == "CDJ"
    assert entries(batch) == [("1", "1010", "100.00", "100", "ADMIN"), ("-1", "1000", "100.00", "100", "ADMIN")]
    # posting's own record, by GL account (the preferences named checking accounts): the payment
    # credited the clearing account 1010, the run debited it back to 0 and credited the bank GL 1000
    assert await world.balance("1010") == 0
    assert await world.balance("1000") == Decimal("-100.00")
    assert await world.balance(CLEARING_OUT) == await world.balance("BOA-CHK") == 0


async def test_other_funds_transfer_preferences_post_the_run_differently(world: IntacctWorld):
    batch = await transfer_of_run(
        world, funds_transfer_journal_symbol="GJ", funds_transfer_location=None, funds_transfer_department="SALES"
    )
    assert batch["JOURNAL"] == "GJ"
    assert entries(batch) == [("1", "1010", "100.00", None, "SALES"), ("-1", "1000", "100.00", None, "SALES")]


@pytest.mark.parametrize("preference", ["transaction_currency", "base_currency"])
async def test_payments_do_not_sync_unless_transaction_and_base_currency_are_usd(world: IntacctWorld, preference: str):
    vendor, bill = await unpaid_bill(world)
    pid, bid = f"stp{uuid.uuid4().hex[:8]}", f"00n{uuid.uuid4().hex[:8]}"
    inp = inputs(
        change(B, T.BILL_PAYMENT, pid),
        payment(pid, bills=((bid, "100.00"),)).model_copy(update={"date": dt.date.today()}),
        refs={**known(B, T.VENDOR, "00901ACME", vendor.id or ""), **known(B, T.BILL, bid, bill.id or "")},
        **{**INTACCT_PREFS, preference: "EUR"},
    )
    plan = decide(for_world(world, inp))
    assert plan.commands == ()
    (outcome,) = plan.outcomes
    label = preference.replace("_", " ").title()
    assert outcome.status == "failed"
    assert outcome.reason == (
        f"Payments sync to Sage Intacct only when Transaction Currency and Base Currency are USD ({label} is EUR). "
        "Set them to USD in the sync preferences, then replay."
    )
    assert await world.rows("APPYMT") == []
