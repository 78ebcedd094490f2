"""The schedule (interval or cron, anchored on the last scheduled sweep: Sync Now never moves it)
and what the sweeps read (BILL from the start date; no type What Syncs takes nothing from)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import ConnectionInfo, ConnectionPreferences
from tests.unit.webhook_ingest.fakes import (
    FakeBillcom,
    FakeConnectors,
    FakeLedger,
    FakePrefs,
    FakePublisher,
    connection,
)
from webhook_ingest.adapters.watermarks import InMemorySweepStateStore, SweepRun
from webhook_ingest.sweeper.scheduler import Sweeper, due_trigger
from webhook_ingest.sweeper.sweep import BILLCOM_TYPES, EPOCH, SweepDeps, sweep_connection

T0 = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


class Schedule:
    def __init__(self, prefs: FakePrefs) -> None:
        self.prefs = prefs

    async def list_connections(self, status: str = "active") -> list[ConnectionInfo]:
        return list(self.prefs.connections.values())

    async def preferences(self, connection_id: str) -> ConnectionPreferences:
        return await self.prefs.preferences(connection_id)


def sweeper(values: dict[str, Any]) -> tuple[Sweeper, InMemorySweepStateStore, Clock, FakeBillcom]:
    clock, state, prefs, bill = Clock(), InMemorySweepStateStore(), FakePrefs([connection("conn-1")]), FakeBillcom()
    prefs.values = values
    deps = SweepDeps(
        prefs=prefs,
        connectors=FakeConnectors(bill, None),
        state=state,
        publisher=FakePublisher(),
        topics=Topics(),
        clock=clock,
    )
    return Sweeper(deps, Schedule(prefs), catch_up_on_start=False), state, clock, bill


async def test_sync_now_never_moves_the_schedule() -> None:
    sweep, state, clock, _ = sweeper({"schedule_interval_minutes": 60})
    await sweep.tick()  # first sweep ever: catch-up, anchors the schedule at T0
    assert state.run_rows["conn-1"].last_trigger == "catch_up"
    clock.now = T0 + dt.timedelta(minutes=40)
    await sweep.sweep("conn-1", "sync_now")
    clock.now = T0 + dt.timedelta(minutes=59)
    await sweep.tick()
    assert state.run_rows["conn-1"].last_trigger == "sync_now"  # not due yet
    clock.now = T0 + dt.timedelta(minutes=60)
    await sweep.tick()
    # due 60 min after the scheduled sweep, not 60 min after Sync Now (that would be T0+100)
    assert state.run_rows["conn-1"].last_trigger == "schedule"
    assert (await state.watermarks("conn-1", "schedule"))["last_scheduled"] == T0 + dt.timedelta(minutes=60)


async def test_a_cron_schedule_fires_at_its_times() -> None:
    sweep, state, clock, _ = sweeper({"schedule_cron": "30 6 * * *"})
    await sweep.tick()
    clock.now = T0 + dt.timedelta(hours=1, minutes=29)
    await sweep.sweep("conn-1", "sync_now")
    await sweep.tick()
    assert state.run_rows["conn-1"].last_trigger == "sync_now"
    clock.now = T0 + dt.timedelta(hours=1, minutes=30)
    await sweep.tick()
    assert state.run_rows["conn-1"].last_trigger == "schedule"


def test_due_trigger_with_cron_ignores_the_interval() -> None:
    prefs = ConnectionPreferences(
        connection_id="c", version=1, ledger_kind="quickbooks_online", ready=True, schedule_cron="0 */2 * * *"
    )
    run = SweepRun("c", "schedule", T0, T0, T0)
    assert due_trigger(run, prefs, T0 + dt.timedelta(minutes=59), 300, anchor=T0) is None
    assert due_trigger(run, prefs, T0 + dt.timedelta(hours=1), 300, anchor=T0) == "schedule"


async def test_bill_is_read_from_the_start_date_and_types_switched_off_are_not_read() -> None:
    bill, ledger = FakeBillcom(), FakeLedger()
    prefs = FakePrefs([connection("conn-1")])
    prefs.values = {"start_date": dt.date(2026, 3, 1), "what_syncs": {"invoice": "off", "vendor": "ledger_to_billcom"}}
    deps = SweepDeps(
        prefs=prefs,
        connectors=FakeConnectors(bill, ledger),
        state=InMemorySweepStateStore(),
        publisher=FakePublisher(),
        topics=Topics(),
        clock=lambda: T0,
    )
    await sweep_connection("conn-1", "sync_now", deps)
    read = dict(bill.list_calls)
    assert ObjectType.INVOICE not in read and ObjectType.VENDOR not in read
    assert set(read) == set(BILLCOM_TYPES) - {ObjectType.INVOICE, ObjectType.VENDOR}
    assert set(read.values()) == {dt.datetime(2026, 3, 1, tzinfo=dt.UTC)}
    ledger_types = {t for t, _ in ledger.query_calls}
    assert ObjectType.INVOICE not in ledger_types and ObjectType.VENDOR in ledger_types
    assert ObjectType.VENDOR_CREDIT in ledger_types  # no choice made: read; the engine's direction rule decides


async def test_without_a_start_date_bill_is_read_from_the_beginning() -> None:
    bill = FakeBillcom()
    deps = SweepDeps(
        prefs=FakePrefs([connection("conn-1")]),
        connectors=FakeConnectors(bill, None),
        state=InMemorySweepStateStore(),
        publisher=FakePublisher(),
        topics=Topics(),
        clock=lambda: T0,
    )
    await sweep_connection("conn-1", "sync_now", deps)
    assert {since for _, since in bill.list_calls} == {EPOCH}
