"""What the bookkeeper's sync-log actions mean to the engine: an ignored object is skipped (rule
``ignored``, on either side once linked, and as a dependency), a linked ledger object is updated
instead of a new one being created, and a bookkeeper's replay reads the mappings afresh."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge_common.canonical.models import ApprovalStatus, Bill, ObjectType
from ledgerbridge_common.events import Side
from ledgerbridge_common.kafka.routing import Router
from ledgerbridge_common.prefs_client import Mappings
from sync_engine.handlers import routes
from tests.unit.sync_engine.builders import bill, change, line, prefs, vendor
from tests.unit.sync_engine.fakes import FakePrefs, World, emitter_for, synced_vendor

B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType


@pytest.fixture
def world() -> World:
    w = World(connection_id="conn-bk", prefs=FakePrefs(prefs(sync_only_approved=True)))
    w.connectors.billcom.put(vendor("00901ACME"))
    w.connectors.billcom.put(bill(approval_status=ApprovalStatus.APPROVED))
    return w


async def send(world: World, event: Any) -> tuple[list[Any], list[Any]]:
    env, emitter = emitter_for(world.connection_id, event)
    await Router(routes(world.deps))(env, None, emitter)  # type: ignore[arg-type]
    return world.collect(emitter)


async def settle(world: World, commands: list[Any]) -> None:
    for cmd in commands:
        posts, _ = await send(world, world.post(cmd))
        await settle(world, posts)


async def test_an_ignored_bill_is_skipped_with_its_reason_and_never_read(world: World) -> None:
    world.prefs.maps = Mappings(ignored=["billcom:bill:00n01BILL"])
    reads = world.connectors.reads
    posts, outs = await send(world, change(B, T.BILL, "00n01BILL"))
    assert posts == []
    assert [(o.status, o.decision.rule) for o in outs if o.decision] == [("skipped", "ignored")]
    assert "ignored by the bookkeeper" in (outs[0].reason or "")
    assert world.connectors.reads == reads


async def test_a_ledger_edit_of_an_ignored_linked_bill_is_skipped_too(world: World) -> None:
    posts, _ = await send(world, change(B, T.BILL, "00n01BILL"))
    await settle(world, posts)
    link = await world.store.get_link(world.connection_id, T.BILL, B, "00n01BILL")
    assert link and link.ledger_id
    world.prefs.maps = Mappings(ignored=["billcom:bill:00n01BILL"])
    world.deps.drop(world.connection_id)
    posts, outs = await send(world, change(L, T.BILL, link.ledger_id, trigger="sync_now"))
    assert posts == [] and [o.decision.rule for o in outs if o.decision] == ["ignored"]


async def test_an_ignored_vendor_holds_back_its_bills(world: World) -> None:
    world.prefs.maps = Mappings(ignored=["billcom:vendor:00901ACME"])
    posts, outs = await send(world, change(B, T.BILL, "00n01BILL"))
    assert posts == []
    assert [o.status for o in outs] == ["parked"]
    assert "ignored" in (outs[0].reason or "")


async def test_a_linked_ledger_bill_is_updated_not_created(world: World) -> None:
    vendor_link = await synced_vendor(world)
    keyed = world.connectors.ledger.put(
        Bill(
            id=world.connectors.ledger.new_id(),
            vendor_id=vendor_link.ledger_id,
            number="INV-77",
            date=bill().date,
            lines=[line("10.00", "33")],
        )
    )
    assert keyed.id
    before = {k for k in world.connectors.ledger.objects if k[0] is T.BILL}
    world.prefs.maps = Mappings(objects={"bill": {"00n01BILL": keyed.id}})
    posts, _ = await send(world, change(B, T.BILL, "00n01BILL", trigger="replay", delivery_id="link:1"))
    assert [(p.object_type, p.target_id) for p in posts] == [(T.BILL, keyed.id)]
    assert posts[0].decision.rule == "match_by_mapping"
    await settle(world, posts)
    after = {k for k in world.connectors.ledger.objects if k[0] is T.BILL}
    assert after == before
    link = await world.store.get_link(world.connection_id, T.BILL, B, "00n01BILL")
    assert link and link.ledger_id == keyed.id


async def test_a_bookkeeper_replay_reads_the_mappings_again(world: World) -> None:
    await send(world, change(B, T.VENDOR, "00901ACME"))
    world.prefs.maps = Mappings(ignored=["billcom:vendor:00901ACME"])
    _, cached = await send(world, change(B, T.VENDOR, "00901ACME", trigger="replay", delivery_id="run-of:x"))
    _, fresh = await send(world, change(B, T.VENDOR, "00901ACME", trigger="replay", delivery_id="replay:7"))
    assert all(o.decision.rule != "ignored" for o in cached if o.decision)
    assert [o.decision.rule for o in fresh if o.decision] == ["ignored"]
