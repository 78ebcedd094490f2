"""A vendor whose create the ledger refused, linked by the bookkeeper to a differently named one
without a replay (``linked:``): recorded at once, even while the refused create's outcome is still
on its way; BILL's next change updates the linked vendor with what changed and keeps its name.
A re-decided command that failed before holds nothing back. A disconnected connection's changes
are parked unread ("connection disconnected") and released when it is connected again."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events import OutcomeError, PreferencesChanged, Side, SyncOutcome
from ledgerbridge_common.prefs_client import Mappings
from sync_engine.domain.conflicts import resolve
from tests.unit.sync_engine.builders import change, prefs, vendor
from tests.unit.sync_engine.fakes import FakePrefs, World, send, settle

B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType
VENDOR = "00901CLASH"


@pytest.fixture
def world() -> World:
    w = World(connection_id="conn-link", prefs=FakePrefs(prefs()))
    w.connectors.billcom.put(vendor(VENDOR, name="Clash Co"))
    return w


def refused(cmd: Any) -> SyncOutcome:
    """What posting reports when QuickBooks refuses a duplicate name (6240)."""
    return SyncOutcome(
        command_id=cmd.command_id,
        status="failed",
        object_type=cmd.object_type,
        source_ref=cmd.source_ref,
        source_fingerprint=cmd.source_fingerprint,
        error=OutcomeError(code="6240", message="Duplicate Name Exists Error"),
        decision=cmd.decision,
        reason="names must be unique",
    )


async def linked_by_hand(world: World) -> str:
    keyed = world.connectors.ledger.put(vendor(world.connectors.ledger.new_id(), name="Clash Co (vendor)"))
    assert keyed.id
    world.prefs.maps = Mappings(objects={"vendor": {VENDOR: keyed.id}})
    return keyed.id


async def test_a_link_without_replay_is_recorded_then_the_next_change_updates_what_changed(world: World) -> None:
    [create], _ = await send(world, change(B, T.VENDOR, VENDOR))
    keyed_id = await linked_by_hand(world)
    # the link reaches the engine before the refused create's outcome: it does not wait for it
    posts, outs = await send(world, change(B, T.VENDOR, VENDOR, trigger="replay", delivery_id="linked:7"))
    assert posts == []
    assert [(o.status, o.decision.rule) for o in outs if o.decision] == [("skipped", "in_sync")]
    link = await world.store.get_link(world.connection_id, T.VENDOR, B, VENDOR)
    assert link is not None and (link.ledger_id, link.pending_command_id) == (keyed_id, None)
    await send(world, refused(create))
    assert (await world.store.get_link(world.connection_id, T.VENDOR, B, VENDOR)) == link

    world.connectors.billcom.put(vendor(VENDOR, name="Clash Co", email="ap@clash.example"))
    [update], _ = await send(world, change(B, T.VENDOR, VENDOR))
    assert (update.target_id, update.desired and update.desired["name"]) == (keyed_id, "Clash Co (vendor)")
    assert update.desired and update.desired["email"] == "ap@clash.example"
    await settle(world, [update])
    written = world.connectors.ledger.objects[(T.VENDOR, keyed_id)]
    assert (getattr(written, "name", None), getattr(written, "email", None)) == (
        "Clash Co (vendor)",
        "ap@clash.example",
    )
    assert [k for k in world.connectors.ledger.objects if k[0] is T.VENDOR] == [(T.VENDOR, keyed_id)]


async def test_a_change_after_the_refusal_is_carried_by_the_link(world: World) -> None:
    """BILL changed after the refused create and before the engine got to the link: the link's
    baseline is the refused version, so that change is written, not taken as already in sync."""
    [create], _ = await send(world, change(B, T.VENDOR, VENDOR))
    await send(world, refused(create))
    keyed_id = await linked_by_hand(world)
    world.connectors.billcom.put(vendor(VENDOR, name="Clash Co", email="late@clash.example"))
    posts, _ = await send(world, change(B, T.VENDOR, VENDOR, trigger="replay", delivery_id="linked:8"))
    assert posts == []
    [update], _ = await send(world, change(B, T.VENDOR, VENDOR))
    assert update.target_id == keyed_id and update.desired
    assert (update.desired["name"], update.desired["email"]) == ("Clash Co (vendor)", "late@clash.example")


async def test_the_linked_ledger_object_changing_first_waits_for_the_link_message(world: World) -> None:
    """The hand-keyed vendor's own change (its create) reaches the engine after the bookkeeper's
    link is stored but before the link's message: it waits for the message instead of being
    decided as a first-time match that writes BILL's refused name (and leaves a failed command id
    that BILL's next change would compute again)."""
    [create], _ = await send(world, change(B, T.VENDOR, VENDOR))
    await send(world, refused(create))
    keyed_id = await linked_by_hand(world)
    await send(world, PreferencesChanged(version=2))  # the cached mappings dropped (prefs topic)
    posts, outs = await send(world, change(L, T.VENDOR, keyed_id, operation="created"))
    assert posts == []
    [held] = outs
    assert held.status == "parked" and "link" in (held.reason or "")
    posts, outs = await send(world, change(B, T.VENDOR, VENDOR, trigger="replay", delivery_id="linked:9"))
    assert posts == []  # the link recorded; the released create found in sync
    link = await world.store.get_link(world.connection_id, T.VENDOR, L, keyed_id)
    assert link is not None and (link.billcom_id, link.pending_command_id) == (VENDOR, None)
    assert not world.store.parked
    world.connectors.billcom.put(vendor(VENDOR, name="Clash Co", email="billing@clash.example"))
    [update], _ = await send(world, change(B, T.VENDOR, VENDOR))
    assert update.target_id == keyed_id and update.desired
    assert (update.desired["name"], update.desired["email"]) == ("Clash Co (vendor)", "billing@clash.example")


async def test_a_change_of_the_refused_object_meeting_the_link_first_writes_what_changed(world: World) -> None:
    """BILL's change, published before the link's message but decided once the link is stored,
    waits for the message, then writes only what changed since the refused version."""
    [create], _ = await send(world, change(B, T.VENDOR, VENDOR))
    await send(world, refused(create))
    keyed_id = await linked_by_hand(world)
    await send(world, PreferencesChanged(version=2))
    world.connectors.billcom.put(vendor(VENDOR, name="Clash Co", email="first@clash.example"))
    posts, _ = await send(world, change(B, T.VENDOR, VENDOR))
    assert posts == []
    [update], _ = await send(world, change(B, T.VENDOR, VENDOR, trigger="replay", delivery_id="linked:10"))
    assert update.target_id == keyed_id and update.desired
    assert (update.desired["name"], update.desired["email"]) == ("Clash Co (vendor)", "first@clash.example")
    await settle(world, [update])
    assert [k for k in world.connectors.ledger.objects if k[0] is T.VENDOR] == [(T.VENDOR, keyed_id)]


async def test_a_command_that_failed_before_leaves_nothing_waiting(world: World) -> None:
    [create], _ = await send(world, change(B, T.VENDOR, VENDOR))
    await send(world, refused(create))
    posts, _ = await send(world, change(B, T.VENDOR, VENDOR, trigger="sync_now"))
    assert posts == []  # the same version: not sent again
    link = await world.store.get_link(world.connection_id, T.VENDOR, B, VENDOR)
    assert link is not None and link.pending_command_id is None
    world.connectors.billcom.put(vendor(VENDOR, name="Clash Co Ltd"))
    [renamed], _ = await send(world, change(B, T.VENDOR, VENDOR))
    assert renamed.desired and renamed.desired["name"] == "Clash Co Ltd"


async def test_a_disconnected_connection_parks_changes_unread_until_reconnected(world: World) -> None:
    world.prefs.status = "disconnected"
    reads = world.connectors.reads
    posts, outs = await send(world, change(B, T.VENDOR, VENDOR))
    assert posts == [] and world.connectors.reads == reads
    [parked] = outs
    assert (parked.status, parked.reason) == ("parked", "connection disconnected")
    assert parked.error is not None and parked.error.code == "connection_disconnected"
    posts, _ = await send(world, PreferencesChanged(version=2))  # still disconnected: stays parked
    assert posts == []
    world.prefs.status = "active"
    posts, _ = await send(world, PreferencesChanged(version=3))
    assert [(p.source_ref, p.action) for p in posts] == [(f"billcom:vendor:{VENDOR}", "upsert")]


def test_name_list_fields_neither_side_changed_stay_apart() -> None:
    then_b, then_l = {"name": "Clash Co", "email": None}, {"name": "Clash Co (vendor)", "email": None}
    common = {
        "object_type": "vendor",
        "source_side": B,
        "source_now": {"name": "Clash Co", "email": "ap@x.example"},
        "source_then": then_b,
        "target_now": then_l,
        "target_then": then_l,
        "source_in_target_ids": {"name": "Clash Co", "email": "ap@x.example"},
        "prefs": prefs(),
    }
    kept = resolve(**common, keep_apart=True)
    assert (kept.kept_apart, kept.from_source) == ({"name"}, {"email"})
    assert resolve(**common).from_source == {"name", "email"}  # documents: the source's whole version
