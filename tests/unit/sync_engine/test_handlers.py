"""The handlers end to end with fakes: dependencies first, links from outcomes, echo, conflicts
through the inbox outcome, parking and release, preference cache drops."""

from __future__ import annotations

import pytest

from ledgerbridge_common.canonical.models import ApprovalStatus, ObjectType
from ledgerbridge_common.events import PreferencesChanged, Side
from tests.unit.sync_engine.builders import bill, change, payment, prefs, vendor
from tests.unit.sync_engine.fakes import FakePrefs, World, send, settle, synced_vendor

B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType


@pytest.fixture
def world() -> World:
    w = World(connection_id="conn-unit", prefs=FakePrefs(prefs(sync_only_approved=True)))
    w.connectors.billcom.put(vendor("00901ACME", email="ap@acme.test"))
    return w


async def test_bill_creates_its_vendor_first_and_links_both(world: World) -> None:
    world.connectors.billcom.put(bill(approval_status=ApprovalStatus.APPROVED))
    posts, _ = await send(world, change(B, T.BILL, "00n01BILL"))
    assert [(p.object_type.value, p.target_id) for p in posts] == [("vendor", None), ("bill", None)]
    assert posts[1].desired and posts[1].desired["vendor_id"] == "@ref:billcom:vendor:00901ACME"
    assert posts[1].depends_on == ["billcom:vendor:00901ACME"]
    await settle(world, posts)
    vendor_link = await world.store.get_link(world.connection_id, T.VENDOR, B, "00901ACME")
    bill_link = await world.store.get_link(world.connection_id, T.BILL, B, "00n01BILL")
    assert vendor_link and vendor_link.ledger_id and vendor_link.pending_command_id is None
    assert bill_link and bill_link.ledger_id
    ledger_bill = world.connectors.ledger.objects[(T.BILL, bill_link.ledger_id)]
    assert ledger_bill.model_dump()["vendor_id"] == vendor_link.ledger_id


async def test_echo_of_our_write_produces_nothing(world: World) -> None:
    link = await synced_vendor(world)
    echo_posts, echo_outs = await send(world, change(L, T.VENDOR, link.ledger_id))
    again_posts, _ = await send(world, change(B, T.VENDOR, "00901ACME"))
    assert echo_posts == [] and echo_outs == [] and again_posts == []


async def test_qbo_edit_of_billcom_mastered_vendor_is_overwritten_and_reported(world: World) -> None:
    link = await synced_vendor(world)
    ledger_side, billcom_side = world.connectors.ledger, world.connectors.billcom
    qbo_vendor = ledger_side.objects[(T.VENDOR, link.ledger_id)]
    ledger_side.put(qbo_vendor.model_copy(update={"name": "ACME (QBO edit)"}))
    billcom_side.put(billcom_side.objects[(T.VENDOR, "00901ACME")].model_copy(update={"name": "Acme Paper Co"}))
    posts, outs = await send(world, change(B, T.VENDOR, "00901ACME"))
    assert [(p.target_side, p.desired and p.desired["name"]) for p in posts] == [(L, "Acme Paper Co")]
    conflict = [o for o in outs if o.decision and o.decision.rule == "conflict"]
    assert (
        conflict
        and conflict[0].decision
        and conflict[0].decision.overridden == {"side": "ledger", "fields": {"name": "ACME (QBO edit)"}}
    )
    await settle(world, posts)
    assert ledger_side.objects[(T.VENDOR, link.ledger_id)].model_dump()["name"] == "Acme Paper Co"


async def test_edits_to_different_fields_on_each_side_merge(world: World) -> None:
    link = await synced_vendor(world)
    ledger_side, billcom_side = world.connectors.ledger, world.connectors.billcom
    ledger_side.put(ledger_side.objects[(T.VENDOR, link.ledger_id)].model_copy(update={"phone": "555-0199"}))
    billcom_side.put(billcom_side.objects[(T.VENDOR, "00901ACME")].model_copy(update={"email": "billing@acme.test"}))
    posts, outs = await send(world, change(B, T.VENDOR, "00901ACME"))
    assert {p.target_side for p in posts} == {B, L}
    assert not [o for o in outs if o.decision and o.decision.rule == "conflict"]
    await settle(world, posts)
    for side, vid in ((ledger_side, link.ledger_id), (billcom_side, "00901ACME")):
        merged = side.objects[(T.VENDOR, vid)]
        assert (merged.model_dump()["email"], merged.model_dump()["phone"]) == (
            "billing@acme.test",
            "555-0199",
        )


async def test_payment_parked_until_bill_approved_then_released(world: World) -> None:
    world.connectors.billcom.put(bill(approval_status=ApprovalStatus.ASSIGNED))
    world.connectors.billcom.put(payment())
    posts, outs = await send(world, change(B, T.BILL_PAYMENT, "stp01PAY"))
    assert [p.object_type for p in posts] == [T.VENDOR]  # the vendor may go ahead
    assert any(o.status == "parked" and "not approved" in (o.reason or "") for o in outs)
    await settle(world, posts)
    world.connectors.billcom.put(bill(approval_status=ApprovalStatus.APPROVED))
    bill_posts, _ = await send(world, change(B, T.BILL, "00n01BILL"))
    assert [p.object_type for p in bill_posts] == [T.BILL]
    released, _ = await send(world, world.post(bill_posts[0]))
    assert [p.object_type for p in released] == [T.BILL_PAYMENT]
    assert released[0].desired and released[0].desired["bank_account_id"] == "95"


async def test_first_vendor_matches_existing_ledger_vendor_by_name(world: World) -> None:
    world.connectors.ledger.put(vendor("58", email="ap@acme.test"))
    posts, _ = await send(world, change(B, T.VENDOR, "00901ACME"))
    assert posts == []
    link = await world.store.get_link(world.connection_id, T.VENDOR, B, "00901ACME")
    assert link and link.ledger_id == "58"


async def test_not_ready_parks_and_prefs_change_releases(world: World) -> None:
    world.prefs.prefs = prefs(ready=False, missing=["Choose an Accounts Payable account"])
    posts, outs = await send(world, change(B, T.VENDOR, "00901ACME"))
    assert posts == [] and outs[0].status == "parked" and "Accounts Payable" in (outs[0].reason or "")
    world.prefs.prefs = prefs()
    posts, _ = await send(world, PreferencesChanged(version=4))
    assert world.prefs.dropped == 1 and world.connectors.dropped == [world.connection_id]
    assert [p.object_type for p in posts] == [T.VENDOR]


async def test_change_during_in_flight_write_waits_for_its_outcome(world: World) -> None:
    posts, _ = await send(world, change(B, T.VENDOR, "00901ACME"))
    world.connectors.billcom.put(vendor("00901ACME", email="new@acme.test"))
    waiting, outs = await send(world, change(B, T.VENDOR, "00901ACME"))
    assert waiting == [] and outs == [], "waiting for our own write is quiet: nothing in the sync log"
    released, _ = await send(world, world.post(posts[0]))
    assert [p.desired and p.desired["email"] for p in released] == ["new@acme.test"]
    assert released[0].target_id is not None


async def test_ledger_change_waits_for_all_creates_without_rereads_per_outcome(world: World) -> None:
    """A vendor added in QBO while two of our creates are in flight waits (quietly) until the
    last create reported back; the first outcome does not make the engine re-read it."""
    world.connectors.billcom.put(vendor("00901BETA", name="Beta Supplies"))
    first, _ = await send(world, change(B, T.VENDOR, "00901ACME"))
    second, _ = await send(world, change(B, T.VENDOR, "00901BETA"))
    world.connectors.ledger.put(vendor("900", name="Zeta Corp"))
    posts, outs = await send(world, change(L, T.VENDOR, "900"))
    assert posts == [] and outs == []
    reads_before = world.connectors.ledger.reads
    await send(world, world.post(first[0]))
    assert world.connectors.ledger.reads == reads_before, "the first outcome re-read nothing"
    assert [v[0] for v in world.store.parked.values()] == ["inflight:vendor:900"]
    posts, _ = await send(world, world.post(second[0]))
    assert [(p.target_side, p.desired and p.desired["name"]) for p in posts] == [(B, "Zeta Corp")]
    assert not world.store.parked
