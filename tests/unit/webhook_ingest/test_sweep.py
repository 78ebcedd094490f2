import datetime as dt

from ledgerbridge_common.canonical.models import BankAccount, ObjectType
from ledgerbridge_common.connectors.ports import ChangeRef
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import ConnectionPreferences
from tests.support.fake_billcom import FakeBillcom
from tests.support.fake_ledger import FakeLedger
from tests.unit.webhook_ingest.fakes import (
    FakeConnectors,
    FakePrefs,
    FakePublisher,
    connection,
)
from webhook_ingest.adapters.watermarks import InMemorySweepStateStore, SweepRun
from webhook_ingest.sweeper.ledger_sweep import LEDGER_TYPES
from webhook_ingest.sweeper.scheduler import due_trigger
from webhook_ingest.sweeper.sweep import SweepDeps, sweep_connection

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TOPICS = Topics()


def world(billcom=None, ledger=None):
    state = InMemorySweepStateStore()
    publisher = FakePublisher()
    prefs = FakePrefs([connection("conn-1")])
    deps = SweepDeps(
        prefs=prefs,
        connectors=FakeConnectors(billcom, ledger),
        state=state,
        publisher=publisher,
        topics=TOPICS,
        clock=lambda: NOW,
        chunk=2,
    )
    return deps, state, publisher, prefs


def emitted(publisher):
    return [
        (e.payload["side"], e.payload["object_type"], e.payload["object_id"], e.payload["trigger"])
        for e in publisher.on(TOPICS.changes)
    ]


async def test_bill_sweep_polls_every_type_including_those_without_webhooks():
    bill = FakeBillcom()
    bill.add(ObjectType.VENDOR_CREDIT, "vcr1", NOW - dt.timedelta(hours=2))
    bill.add(ObjectType.RECEIVED_PAYMENT, "0rp1", NOW - dt.timedelta(hours=1))
    bill.add(ObjectType.CUSTOMER, "0cu1", NOW - dt.timedelta(hours=1))
    bill.add(ObjectType.ACCOUNT, "0ca1", NOW - dt.timedelta(hours=1))
    bill.banks = [BankAccount(id="bac1", name="Checking", last4="1234")]
    deps, state, publisher, prefs = world(billcom=bill)
    await sweep_connection("conn-1", "sync_now", deps)
    assert sorted(emitted(publisher)) == [
        ("billcom", "account", "0ca1", "sync_now"),
        ("billcom", "customer", "0cu1", "sync_now"),
        ("billcom", "received_payment", "0rp1", "sync_now"),
        ("billcom", "vendor_credit", "vcr1", "sync_now"),
    ]
    assert (await state.watermarks("conn-1", "billcom"))["vendor_credit"] == NOW - dt.timedelta(hours=2)
    assert prefs.bank_reports == [("conn-1", bill.banks)]


async def test_the_next_bill_sweep_starts_from_the_watermark():
    bill = FakeBillcom()
    bill.add(ObjectType.BILL, "00n1", NOW - dt.timedelta(hours=3))
    deps, _, publisher, _ = world(billcom=bill)
    await sweep_connection("conn-1", "catch_up", deps)
    bill.add(ObjectType.BILL, "00n2", NOW - dt.timedelta(hours=1))
    await sweep_connection("conn-1", "schedule", deps)
    last_bill_since = [since for t, since in bill.list_calls if t == ObjectType.BILL][-1]
    assert last_bill_since == NOW - dt.timedelta(hours=3)
    ids = [e.payload["object_id"] for e in publisher.on(TOPICS.changes)]
    # the boundary object comes again with the same event id (the engine's inbox drops it)
    assert ids == ["00n1", "00n1", "00n2"]
    envs = publisher.on(TOPICS.changes)
    assert envs[0].event_id == envs[1].event_id
    assert [e.payload["trigger"] for e in envs] == ["poll", "schedule", "schedule"]


async def test_qbo_cdc_follows_the_connectors_pages_until_complete():
    ledger = FakeLedger(cap=2)
    start = NOW - dt.timedelta(days=3)
    for n in range(5):
        ledger.changes.append(ChangeRef(ObjectType.BILL, str(n), "updated", start + dt.timedelta(hours=n + 1)))
    deps, state, publisher, _ = world(ledger=ledger)
    await state.set_watermark("conn-1", "ledger", LEDGER_TYPES, start)
    report = await sweep_connection("conn-1", "catch_up", deps)
    assert [e.payload["object_id"] for e in publisher.on(TOPICS.changes)] == ["0", "1", "2", "3", "4"]
    assert ledger.cdc_calls == [start, start + dt.timedelta(hours=2), start + dt.timedelta(hours=4)]
    assert report.full_resync is False
    assert (await state.watermarks("conn-1", "ledger"))["bill"] == start + dt.timedelta(hours=5)


async def test_a_qbo_watermark_older_than_30_days_falls_back_to_a_full_query_resync():
    ledger = FakeLedger()
    old = NOW - dt.timedelta(days=45)
    ledger.changes.append(ChangeRef(ObjectType.VENDOR, "v1", "updated", NOW - dt.timedelta(days=40)))
    deps, state, publisher, _ = world(ledger=ledger)
    await state.set_watermark("conn-1", "ledger", LEDGER_TYPES, old)
    report = await sweep_connection("conn-1", "catch_up", deps)
    assert report.full_resync is True
    assert ledger.cdc_calls == []
    assert (ObjectType.VENDOR, old) in ledger.query_calls
    assert emitted(publisher) == [("ledger", "vendor", "v1", "cdc")]


async def test_a_watermark_does_not_move_when_kafka_refuses_the_changes():
    bill = FakeBillcom()
    bill.add(ObjectType.VENDOR, "009a", NOW - dt.timedelta(hours=1))
    deps, state, publisher, _ = world(billcom=bill)
    publisher.down = True
    try:
        await sweep_connection("conn-1", "schedule", deps)
    except Exception as exc:
        assert "broker down" in str(exc)
    else:
        raise AssertionError("the sweep should fail")
    assert await state.watermarks("conn-1", "billcom") == {}


def prefs(auto: bool = True, minutes: int = 60) -> ConnectionPreferences:
    return ConnectionPreferences(
        connection_id="c",
        version=1,
        ledger_kind="quickbooks_online",
        ready=True,
        sync_automatically=auto,
        schedule_interval_minutes=minutes,
    )


def test_due_trigger_covers_first_sweep_schedule_and_retry_after_failure():
    ok = SweepRun(
        "c",
        "schedule",
        NOW - dt.timedelta(minutes=61),
        NOW - dt.timedelta(minutes=61),
        NOW - dt.timedelta(minutes=61),
    )
    recent = SweepRun("c", "schedule", NOW - dt.timedelta(minutes=5), NOW, NOW - dt.timedelta(minutes=5))
    failed = SweepRun("c", "schedule", NOW - dt.timedelta(minutes=10), NOW - dt.timedelta(minutes=10), None, "boom")
    assert due_trigger(None, prefs(), NOW, 300) == "catch_up"
    assert due_trigger(ok, prefs(), NOW, 300) == "schedule"
    assert due_trigger(ok, prefs(auto=False), NOW, 300) is None
    assert due_trigger(recent, prefs(), NOW, 300) is None
    assert due_trigger(failed, prefs(), NOW, 300) == "catch_up"
    assert due_trigger(failed, prefs(), NOW, 3600) is None
