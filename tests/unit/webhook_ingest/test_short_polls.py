"""Short polls of the BILL types without webhook events: only those types, from their
watermarks, on each connection's planned interval; the plan stretches every interval of a devKey
when its connections together would poll more than their share of the devKey's hour."""

from __future__ import annotations

import datetime as dt

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.billcom.budget import BillLimits
from ledgerbridge_common.connectors.billcom.events import EVENTLESS_TYPES, POLL_SHARE, poll_plan
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import BillcomCredentials, ConnectionPreferences
from tests.unit.webhook_ingest.fakes import FakeBillcom, FakeConnectors, FakePrefs, FakePublisher, connection
from webhook_ingest.adapters.watermarks import InMemorySweepStateStore
from webhook_ingest.sweeper.polls import ShortPolls, plans
from webhook_ingest.sweeper.sweep import SweepDeps

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TOPICS = Topics()


def prefs(cid: str, **kw: object) -> ConnectionPreferences:
    return ConnectionPreferences(connection_id=cid, version=1, ledger_kind="quickbooks_online", ready=True, **kw)


async def test_polls_only_eventless_types_from_their_watermarks_on_the_interval() -> None:
    billcom, state, publisher = FakeBillcom(), InMemorySweepStateStore(), FakePublisher()
    conn = connection("conn-1")
    deps = SweepDeps(FakePrefs([conn]), FakeConnectors(billcom, None), state, publisher, TOPICS, clock=lambda: NOW)  # type: ignore[arg-type]
    marks = NOW - dt.timedelta(hours=1)
    await state.set_watermark("conn-1", "billcom", [t for t in EVENTLESS_TYPES if t is not ObjectType.ITEM], marks)
    await state.set_watermark("conn-1", "billcom", [ObjectType.BILL], marks)
    billcom.add(ObjectType.CUSTOMER, "0cu01NEW", NOW - dt.timedelta(minutes=2))
    billcom.add(ObjectType.BILL, "00n01HASWEBHOOK", NOW - dt.timedelta(minutes=2))
    polls = ShortPolls(deps)
    connections = [(conn, prefs("conn-1", poll_interval_minutes=5))]

    assert await polls.run_due(connections, NOW) == ["conn-1"]
    polled = {t for t, _ in billcom.list_calls}
    assert polled == set(EVENTLESS_TYPES) - {ObjectType.ITEM}, "no watermark yet: waits for the first sweep"
    changes = [
        (e.payload["object_type"], e.payload["object_id"], e.payload["trigger"]) for e in publisher.on(TOPICS.changes)
    ]
    assert changes == [("customer", "0cu01NEW", "poll")]

    billcom.list_calls.clear()
    assert await polls.run_due(connections, NOW + dt.timedelta(minutes=4)) == []
    assert await polls.run_due(connections, NOW + dt.timedelta(minutes=5)) == ["conn-1"]
    assert len(billcom.list_calls) == len(EVENTLESS_TYPES) - 1

    off = [(conn, prefs("conn-1", sync_automatically=False))]
    assert await polls.run_due(off, NOW + dt.timedelta(hours=1)) == []


def test_the_plan_stretches_a_crowded_devkey_and_leaves_others_alone() -> None:
    limits = BillLimits()
    budget = limits.hourly * POLL_SHARE
    many = {f"conn-{n}": 5.0 for n in range(100)}  # 100 × 9 types × 12 polls an hour = 10,800 > 5,000
    plan = poll_plan("key", many, limits)
    assert plan.stretched and plan.requests_per_hour <= budget
    assert all(m > 5 for m in plan.planned_minutes.values())
    few = poll_plan("key", {"a": 5.0, "b": 1.0}, limits)
    assert not few.stretched and few.planned_minutes == {"a": 5.0, "b": 1.0}
    assert few.requests_per_hour == len(EVENTLESS_TYPES) * (12 + 60)


def test_one_plan_per_devkey() -> None:
    a, b = connection("a"), connection("b")
    creds = BillcomCredentials(username="u", password="p", organization_id="00801ABC", dev_key="other")
    other = connection("c").model_copy(update={"billcom": creds})
    made = plans([(a, None), (b, prefs("b", poll_interval_minutes=10)), (other, None)])
    assert sorted(len(p.asked_minutes) for p in made) == [1, 2]
    assert {c: m for p in made for c, m in p.asked_minutes.items()} == {"a": 5, "b": 10, "c": 5}
