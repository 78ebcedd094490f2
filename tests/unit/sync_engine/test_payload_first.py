"""A BILL change that carries its object (a webhook's entity, a sweep's list row) is decided on
that object without reading it back when the object is not linked yet or the payload is what the
link holds; a partial payload, or a change to a linked object, is read back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ledgerbridge_common.events import ChangeDetected, Side
from sync_engine.handlers import decide_change
from tests.unit.sync_engine.builders import T, change, prefs, vendor
from tests.unit.sync_engine.fakes import FakePrefs, World, emitter_for

B = Side.BILLCOM
VENDOR_ID = "00901ACME"


@pytest.fixture
def world() -> World:
    w = World(connection_id="conn-payload", prefs=FakePrefs(prefs()))
    w.connectors.billcom.put(vendor(VENDOR_ID, email="ap@acme.test"))
    return w


def payload(**fields: Any) -> dict[str, Any]:
    return vendor(VENDOR_ID, email="ap@acme.test", **fields).model_dump(mode="json")


async def bill_reads(world: World, ch: ChangeDetected) -> int:
    """BILL reads the decision of ``ch`` took (its posts applied, so the link is written)."""
    before = world.connectors.billcom.reads
    _, emitter = emitter_for(world.connection_id, ch)
    await decide_change(world.connection_id, ch, world.store, emitter, world.deps)
    posts, _ = world.collect(emitter)
    for cmd in posts:
        world.post(cmd)
    return world.connectors.billcom.reads - before


async def test_a_complete_webhook_payload_is_not_read_back(world: World) -> None:
    reads = await bill_reads(world, change(B, T.VENDOR, VENDOR_ID, payload=payload()))
    assert reads == 0
    assert world.connectors.ledger.objects, "and the vendor was still created in the ledger"


async def test_a_sweep_row_is_not_read_back(world: World) -> None:
    assert await bill_reads(world, change(B, T.VENDOR, VENDOR_ID, trigger="poll", payload=payload())) == 0


async def test_a_partial_payload_is_read_back(world: World) -> None:
    assert await bill_reads(world, change(B, T.VENDOR, VENDOR_ID, payload={"partial": True})) == 1


async def test_a_change_to_a_linked_object_is_read_back_a_repeat_is_not(world: World) -> None:
    await bill_reads(world, change(B, T.VENDOR, VENDOR_ID, payload=payload()))
    link = await world.store.get_link(world.connection_id, T.VENDOR, B, VENDOR_ID)
    assert link is not None and link.billcom_fingerprint
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    changed = change(B, T.VENDOR, VENDOR_ID, source_time=later, payload=payload(phone="555-0100"))
    assert await bill_reads(world, changed) == 1, "BILL may deliver versions out of order: a read settles it"
    again = change(B, T.VENDOR, VENDOR_ID, payload=payload())
    assert await bill_reads(world, again) == 0, "what the link holds already: nothing to read"
