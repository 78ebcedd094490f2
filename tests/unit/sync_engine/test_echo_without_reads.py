"""The echo of our own write is recognised by its last-updated time, before any vendor read: the
link keeps the time posting read back after the write, and a webhook or CDC change carrying that
time (to the second) is skipped silently. Sweeps, Sync Now and replays still read; a pending
write still waits; a create's echo that beats its outcome waits unread and is then skipped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ledgerbridge_common.events import ChangeDetected, Side
from ledgerbridge_common.events.models import Trigger
from sync_engine.domain.echo import is_own_write_echo, whole_second, written_at
from sync_engine.domain.model import Link, LinkWrite, Plan
from sync_engine.handlers import decide_change, merge_link
from tests.unit.sync_engine.builders import T, change, prefs, vendor
from tests.unit.sync_engine.fakes import FakePrefs, World, emitter_for, send

B, L = Side.BILLCOM, Side.LEDGER
PDT = dt.timezone(dt.timedelta(hours=-7))


@pytest.fixture
def world() -> World:
    w = World(connection_id="conn-echo", prefs=FakePrefs(prefs()))
    w.connectors.billcom.put(vendor("00901ACME", email="ap@acme.test"))
    return w


async def decided(world: World, ch: ChangeDetected) -> tuple[Plan, int]:
    """The plan for ``ch`` and how many vendor reads it took."""
    before = world.connectors.reads
    _, emitter = emitter_for(world.connection_id, ch)
    plan = await decide_change(world.connection_id, ch, world.store, emitter, world.deps)
    world.collect(emitter)
    return plan, world.connectors.reads - before


async def synced_vendor(world: World) -> Link:
    """The BILL vendor created in the ledger by us, its outcome applied (company info read)."""
    posts, _ = await send(world, change(B, T.VENDOR, "00901ACME"))
    for cmd in posts:
        await send(world, world.post(cmd))
    link = await world.store.get_link(world.connection_id, T.VENDOR, B, "00901ACME")
    assert link is not None and link.ledger_id and link.ledger_written_at is not None
    return link


async def test_outcome_records_the_written_time_on_the_target_side(world: World) -> None:
    link = await synced_vendor(world)
    written = world.connectors.ledger.objects[(T.VENDOR, link.ledger_id or "")]
    assert link.ledger_written_at == written.updated_at == world.clock
    assert link.billcom_written_at is None


@pytest.mark.parametrize(
    "as_sent",
    [
        pytest.param(lambda t: t, id="same-milliseconds"),
        pytest.param(lambda t: t.replace(microsecond=0).astimezone(PDT), id="seconds-at-offset"),
        pytest.param(lambda t: t.replace(microsecond=999_000), id="other-milliseconds-same-second"),
    ],
)
async def test_echo_with_our_written_time_is_skipped_without_any_read(world: World, as_sent: Any) -> None:
    link = await synced_vendor(world)
    assert link.ledger_written_at is not None
    for trigger in ("webhook", "cdc"):
        echo = change(L, T.VENDOR, link.ledger_id or "", source_time=as_sent(link.ledger_written_at), trigger=trigger)
        plan, reads = await decided(world, echo)
        assert reads == 0
        assert plan.skipped and plan.skipped.startswith("echo: echo of our own write"), plan.skipped
        assert plan.commands == () and plan.outcomes == () and plan.park is None
    assert world.postings[-1].target_side is L and len(world.postings) == 1


async def test_a_change_one_second_later_is_read_and_decided(world: World) -> None:
    link = await synced_vendor(world)
    assert link.ledger_written_at is not None and link.ledger_id
    ledger = world.connectors.ledger
    ledger.put(ledger.objects[(T.VENDOR, link.ledger_id)].model_copy(update={"phone": "555-0199"}))
    later = whole_second(link.ledger_written_at) + dt.timedelta(seconds=1)
    plan, reads = await decided(world, change(L, T.VENDOR, link.ledger_id, source_time=later))
    assert reads >= 2, "the object and its counterpart are read"
    assert [(c.target_side, c.desired and c.desired["phone"]) for c in plan.commands] == [(B, "555-0199")]


async def test_an_unchanged_object_one_second_off_is_still_an_echo_after_reading(world: World) -> None:
    link = await synced_vendor(world)
    assert link.ledger_written_at is not None and link.ledger_id
    earlier = whole_second(link.ledger_written_at) - dt.timedelta(milliseconds=1)
    plan, reads = await decided(world, change(L, T.VENDOR, link.ledger_id, source_time=earlier))
    assert reads >= 1
    assert plan.skipped and plan.skipped.startswith("echo: echo of our own write (or no synced field")


@pytest.mark.parametrize("trigger", ["sync_now", "schedule", "replay", "poll"])
async def test_sweeps_sync_now_and_replays_read_even_at_our_written_time(world: World, trigger: Trigger) -> None:
    link = await synced_vendor(world)
    assert link.ledger_written_at is not None and link.ledger_id
    ledger = world.connectors.ledger
    # a human edit within the same second as our write: only a full read can see it
    ledger.put(ledger.objects[(T.VENDOR, link.ledger_id)].model_copy(update={"phone": "555-0142"}))
    ch = change(L, T.VENDOR, link.ledger_id, source_time=link.ledger_written_at, trigger=trigger)
    plan, reads = await decided(world, ch)
    assert reads >= 2
    assert [(c.target_side, c.desired and c.desired["phone"]) for c in plan.commands] == [(B, "555-0142")]


async def test_a_pending_write_on_the_link_is_not_short_circuited(world: World) -> None:
    link = await synced_vendor(world)
    assert link.ledger_written_at is not None and link.ledger_id
    world.connectors.billcom.put(vendor("00901ACME", email="billing@acme.test"))
    posts, _ = await send(world, change(B, T.VENDOR, "00901ACME"))
    assert [p.target_side for p in posts] == [L]
    pending = await world.store.get_link(world.connection_id, T.VENDOR, L, link.ledger_id)
    assert pending and pending.pending_command_id == posts[0].command_id
    assert pending.ledger_written_at == link.ledger_written_at
    plan, reads = await decided(world, change(L, T.VENDOR, link.ledger_id, source_time=link.ledger_written_at))
    assert reads >= 1
    assert plan.park is not None and plan.park.waiting_for == f"command:{posts[0].command_id}"


async def test_create_echo_before_its_outcome_waits_unread_then_is_skipped_unread(world: World) -> None:
    posts, _ = await send(world, change(B, T.VENDOR, "00901ACME"))
    [create] = posts
    outcome = world.post(create)  # written in the ledger; its outcome not reported yet
    assert outcome.target_ref is not None and outcome.written
    new_id, stamp = outcome.target_ref.id, world.clock
    reads = world.connectors.reads
    echo_posts, echo_outs = await send(world, change(L, T.VENDOR, new_id, "created", source_time=stamp))
    assert (echo_posts, echo_outs) == ([], []), "waiting for our own create is quiet"
    assert [v[0] for v in world.store.parked.values()] == [f"inflight:vendor:{new_id}"]
    released_posts, released_outs = await send(world, outcome)
    assert world.connectors.reads == reads, "neither the parked echo nor its release read anything"
    assert released_posts == [] and released_outs == [] and not world.store.parked
    link = await world.store.get_link(world.connection_id, T.VENDOR, L, new_id)
    assert link and link.billcom_id == "00901ACME" and link.ledger_written_at == stamp


async def test_unknown_ledger_object_without_pending_creates_is_read_and_matched(world: World) -> None:
    world.connectors.ledger.put(vendor("58", email="ap@acme.test"))
    plan, reads = await decided(world, change(L, T.VENDOR, "58", source_time=dt.datetime.now(dt.UTC)))
    assert reads >= 2 and plan.park is None
    assert any(w.billcom_id == "00901ACME" and w.ledger_id == "58" for w in plan.links)


# --- the pure predicate ---------------------------------------------------------------------------

T0 = dt.datetime(2026, 3, 2, 10, 0, 1, 250_000, tzinfo=dt.UTC)
LINKED = Link(object_type=T.VENDOR, billcom_id="00901ACME", ledger_id="58", ledger_written_at=T0)


@pytest.mark.parametrize(
    ("ch", "link", "expected"),
    [
        (change(L, T.VENDOR, "58", source_time=T0), LINKED, True),
        (change(L, T.VENDOR, "58", "created", source_time=T0.replace(tzinfo=None)), LINKED, True),
        (change(L, T.VENDOR, "58", source_time=T0 + dt.timedelta(seconds=1)), LINKED, False),
        (change(L, T.VENDOR, "58", "deleted", source_time=T0), LINKED, False),
        (change(L, T.VENDOR, "58", "voided", source_time=T0), LINKED, False),
        (change(B, T.VENDOR, "00901ACME", source_time=T0), LINKED, False),
        (change(L, T.VENDOR, "61", source_time=T0), LINKED, False),
        (change(L, T.VENDOR, "58", source_time=T0), Link(object_type=T.VENDOR, ledger_id="58"), False),
        (change(L, T.VENDOR, "58", source_time=T0), None, False),
    ],
    ids=[
        "same-time",
        "naive-means-utc",
        "next-second",
        "deleted",
        "voided",
        "other-side-has-no-written-time",
        "other-object",
        "never-written",
        "no-link",
    ],
)
def test_own_write_echo_predicate(ch: ChangeDetected, link: Link | None, expected: bool) -> None:
    assert is_own_write_echo(ch, link) is expected


def test_written_at_reads_the_outcome_json_and_tolerates_its_absence() -> None:
    assert written_at({"updated_at": "2026-03-02T03:00:01.250-07:00"}) == T0
    assert written_at({"updated_at": "2026-03-02T10:00:01Z"}) == T0.replace(microsecond=0)
    assert written_at({"updated_at": None}) is None
    assert written_at({"updated_at": "yesterday"}) is None
    assert written_at(None) is None


def test_relinking_a_side_forgets_its_written_time() -> None:
    merged = merge_link(LINKED, LinkWrite(T.VENDOR, billcom_id="00901ACME", ledger_id="61"))
    assert merged.ledger_id == "61" and merged.ledger_written_at is None
    same = merge_link(LINKED, LinkWrite(T.VENDOR, billcom_id="00901ACME", ledger_id="58"))
    assert same.ledger_written_at == T0
