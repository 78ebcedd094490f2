"""Bills and vendor credits with Sage Intacct as BILL syncs them (reference §7): vendor credits are
negative bills, a BILL void or deactivation deletes the Intacct record, unpaid bills sync both ways
until paid, vendor ID is the match key, and an entity login puts its location on bill lines and
makes Intacct master of the (root-shared) lists."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.canonical.models import AppliedTo, BillPayment, Vendor
from ledgerbridge_common.connectors.intacct import INTACCT_CAPABILITIES
from ledgerbridge_common.events import Side
from sync_engine.domain.decide import decide
from sync_engine.domain.model import Inputs
from tests.integration.intacct_rules.conftest import IntacctWorld, intacct_world
from tests.integration.intacct_rules.test_money_out import INTACCT_PREFS, unpaid_bill
from tests.unit.sync_engine.builders import T, bill, change, credit, inputs, known, line, link_of

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
B, L = Side.BILLCOM, Side.LEDGER
TODAY = dt.date.today()


def for_world(world: IntacctWorld, inp: Inputs) -> Inputs:
    return replace(inp, connection_id=world.connection_id, capabilities=INTACCT_CAPABILITIES)


async def test_a_vendor_credit_posts_as_a_negative_bill(world: IntacctWorld):
    vendor, _ = await unpaid_bill(world)
    cid = f"vcr{uuid.uuid4().hex[:8]}"
    source = credit(cid).model_copy(update={"date": TODAY, "lines": (line("25.00"),)})
    inp = inputs(
        change(B, T.VENDOR_CREDIT, cid), source, refs=known(B, T.VENDOR, "00901ACME", vendor.id or ""), **INTACCT_PREFS
    )
    (outcome,) = await world.post_plan(decide(for_world(world, inp)))
    assert outcome.status == "posted", outcome.reason
    assert outcome.target_ref is not None
    (record,) = [r for r in await world.rows("APBILL") if r["RECORDNO"] == outcome.target_ref.id]
    assert Decimal(record["TOTALENTERED"]) == Decimal("-25.00")  # not an AP adjustment
    assert [item["TRX_AMOUNT"] for item in record["APBILLITEMS"]["APBILLITEM"]] == ["-25.00"]


async def test_a_bill_deactivated_in_bill_is_deleted_in_intacct(world: IntacctWorld):
    _, ledger_bill = await unpaid_bill(world)
    bid = f"00n{uuid.uuid4().hex[:8]}"
    link = link_of(bill(bid), ledger_bill)
    inp = inputs(change(B, T.BILL, bid, "deleted"), None, link=link, **INTACCT_PREFS)
    plan = decide(for_world(world, inp))
    (cmd,) = plan.commands
    assert (
        cmd.decision.reason
        == "bill voided or deactivated in BILL: deleted in Sage Intacct, which deletes rather than voids"
    )
    (outcome,) = await world.post_plan(plan)
    assert outcome.status == "posted", outcome.reason
    assert await world.rows("APBILL") == []  # deleted, not voided: Intacct keeps no voided bill
    audit = [a for a in await world.rows("AUDITHISTORY") if a["OBJECTTYPE"] == "apbill"]
    assert [a["ACCESSMODE"] for a in audit if a["OBJECTKEY"] == ledger_bill.id][-1] in ("D", "Delete")


async def test_a_payment_voided_in_bill_deletes_the_intacct_payment(world: IntacctWorld):
    _, ledger_bill = await unpaid_bill(world)
    ledger = await world.factory.ledger(world.connection_id)
    paid = await ledger.create(
        BillPayment(
            vendor_id=ledger_bill.vendor_id,
            date=TODAY,
            amount=Decimal("100.00"),
            applied_to=(AppliedTo(document_id=ledger_bill.id or "", amount=Decimal("100.00")),),
            bank_account_id="BOA-CHK",
        ),
        request_id=uuid.uuid4().hex,
    )
    pid = f"stp{uuid.uuid4().hex[:8]}"
    applied = (AppliedTo(document_id="00n01BILL", amount=Decimal("100.00")),)
    voided = BillPayment(
        id=pid, vendor_id="00901ACME", date=TODAY, amount=Decimal("100.00"), applied_to=applied, voided=True
    )
    inp = inputs(
        change(B, T.BILL_PAYMENT, pid),
        voided,
        link=link_of(voided.model_copy(update={"voided": False}), paid),
        **INTACCT_PREFS,
    )
    (outcome,) = await world.post_plan(decide(for_world(world, inp)))
    assert outcome.status == "posted", outcome.reason
    assert await world.rows("APPYMT") == []
    (record,) = await world.rows("APBILL")
    assert Decimal(record["TOTALDUE"]) == Decimal("100.00")  # the bill is unpaid again


async def test_unpaid_bill_edits_sync_both_ways_until_the_bill_is_paid(world: IntacctWorld):
    _, ledger_bill = await unpaid_bill(world)
    ledger = await world.factory.ledger(world.connection_id)
    bid = f"00n{uuid.uuid4().hex[:8]}"
    in_bill = bill(bid, lines=(line("100.00", "0ca01SUPPLIES"),))
    link = link_of(in_bill, ledger_bill)

    edited = await ledger.update(
        ledger_bill.model_copy(update={"memo": "edited in Intacct"}), request_id=uuid.uuid4().hex
    )
    refs = {**known(L, T.VENDOR, ledger_bill.vendor_id, "00901ACME"), **known(L, T.ACCOUNT, "6000", "0ca01SUPPLIES")}
    inp = inputs(
        change(L, T.BILL, ledger_bill.id or ""), edited, counterpart=in_bill, link=link, refs=refs, **INTACCT_PREFS
    )
    plan = decide(for_world(world, inp))
    (to_bill,) = plan.commands
    assert to_bill.target_side is B and to_bill.target_id == bid
    assert to_bill.desired is not None and to_bill.desired["memo"] == "edited in Intacct"

    await ledger.create(
        BillPayment(
            vendor_id=ledger_bill.vendor_id,
            date=TODAY,
            amount=Decimal("40.00"),
            applied_to=(AppliedTo(document_id=ledger_bill.id or "", amount=Decimal("40.00")),),
            bank_account_id="BOA-CHK",
        ),
        request_id=uuid.uuid4().hex,
    )
    partly_paid = await ledger.read(T.BILL, ledger_bill.id or "")
    assert partly_paid is not None
    again = partly_paid.model_copy(update={"memo": "edited after a payment"})
    inp = inputs(
        change(L, T.BILL, ledger_bill.id or ""), again, counterpart=in_bill, link=link, refs=refs, **INTACCT_PREFS
    )
    plan = decide(for_world(world, inp))
    assert plan.commands == ()
    (skipped,) = plan.outcomes
    assert skipped.status == "skipped" and "paid or partly paid bill are not synced" in skipped.reason

    from_bill = in_bill.model_copy(update={"memo": "edited in BILL", "side_status": {"paymentStatus": "PARTIAL"}})
    inp = inputs(change(B, T.BILL, bid), from_bill, counterpart=partly_paid, link=link, **INTACCT_PREFS)
    plan = decide(for_world(world, inp))
    assert plan.commands == () and "sync both ways only while unpaid" in plan.outcomes[0].reason


async def test_vendor_id_is_the_match_key_and_only_the_first_same_name_vendor_matches(world: IntacctWorld):
    name = f"Twin Supplies {uuid.uuid4().hex[:6]}"
    for vendor_id in ("TWIN-1", "TWIN-2"):
        made = await world.control.post(
            f"/_sandbox/companies/{world.company_id}/records/VENDOR", json={"VENDORID": vendor_id, "NAME": name}
        )
        made.raise_for_status()
    ledger = await world.factory.ledger(world.connection_id)
    assert ledger.capabilities.lists_master is None  # top-level login: Master in Case of Conflict decides
    found = await ledger.find_by_name(T.VENDOR, name)
    assert isinstance(found, Vendor) and found.id == "TWIN-1"  # the id a link keeps is the VENDORID
    assert await ledger.read(T.VENDOR, "TWIN-2") is not None


@pytest.fixture
async def entity_world(intacct_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[IntacctWorld]:
    async for w in intacct_world(intacct_url, sessions, entities=["E1"], entity_id="E1"):
        yield w


async def test_a_multi_entity_login_puts_the_entity_location_on_bill_lines(entity_world: IntacctWorld):
    world = entity_world
    ledger = await world.factory.ledger(world.connection_id)
    assert ledger.capabilities.lists_master is L  # lists shared from the top level: Intacct is master
    vendor = await ledger.create(Vendor(name=f"Entity vendor {uuid.uuid4().hex[:6]}"), request_id=uuid.uuid4().hex)
    bid = f"00n{uuid.uuid4().hex[:8]}"
    source = bill(bid, lines=(line("60.00"),)).model_copy(update={"date": TODAY, "due_date": TODAY})
    inp = inputs(change(B, T.BILL, bid), source, refs=known(B, T.VENDOR, "00901ACME", vendor.id or ""), **INTACCT_PREFS)
    (outcome,) = await world.post_plan(decide(for_world(world, inp)))
    assert outcome.status == "posted", outcome.reason
    (record,) = await world.rows("APBILL")
    assert record["MEGAENTITYID"] == "E1"
    assert [item["LOCATIONID"] for item in record["APBILLITEMS"]["APBILLITEM"]] == ["E1"]


async def test_only_fully_unpaid_bills_keyed_in_intacct_come_to_bill(world: IntacctWorld):
    _, fresh = await unpaid_bill(world)
    ledger = await world.factory.ledger(world.connection_id)
    refs = known(L, T.VENDOR, fresh.vendor_id, "00901ACME")
    inp = inputs(change(L, T.BILL, fresh.id or ""), fresh, refs=refs, **INTACCT_PREFS)
    (to_bill,) = decide(for_world(world, inp)).commands
    assert to_bill.target_side is B and to_bill.target_id is None  # created in BILL

    _, other = await unpaid_bill(world)
    await ledger.create(
        BillPayment(
            vendor_id=other.vendor_id,
            date=TODAY,
            amount=Decimal("0.01"),
            applied_to=(AppliedTo(document_id=other.id or "", amount=Decimal("0.01")),),
            bank_account_id="BOA-CHK",
        ),
        request_id=uuid.uuid4().hex,
    )
    partly_paid = await ledger.read(T.BILL, other.id or "")
    assert partly_paid is not None
    refs = known(L, T.VENDOR, other.vendor_id, "00901ACME")
    plan = decide(for_world(world, inputs(change(L, T.BILL, other.id or ""), partly_paid, refs=refs, **INTACCT_PREFS)))
    assert plan.commands == ()
    assert plan.outcomes[0].reason == (
        "only unpaid bills created in Sage Intacct are copied to BILL; this one is paid or partly paid"
    )


async def test_a_bill_edit_in_a_closed_period_is_refused_by_intacct_in_plain_words(world: IntacctWorld):
    vendor, ledger_bill = await unpaid_bill(world)
    closing = await world.control.post(
        f"/_sandbox/companies/{world.company_id}/settings", json={"closed_through": TODAY.isoformat()}
    )
    closing.raise_for_status()
    bid = f"00n{uuid.uuid4().hex[:8]}"
    ours = bill(bid, lines=(line("100.00"),)).model_copy(update={"date": TODAY, "due_date": TODAY})
    edited = ours.model_copy(update={"memo": "edited in BILL after closing"})
    inp = inputs(
        change(B, T.BILL, bid),
        edited,
        counterpart=ledger_bill,
        link=link_of(ours, ledger_bill),
        refs=known(B, T.VENDOR, "00901ACME", vendor.id or ""),
        **INTACCT_PREFS,
    )
    (outcome,) = await world.post_plan(decide(for_world(world, inp)))
    assert outcome.status == "failed"
    # Intacct's closed-period error number is not published (sandbox README): the refusal is passed on
    assert outcome.reason is not None and outcome.reason.startswith("Sage Intacct rejected the bill: ")
    assert "closed period" in outcome.reason
