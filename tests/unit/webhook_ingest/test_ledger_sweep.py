"""The ledger sweep for ledgers without webhooks (modified-since feeds: Intacct, NetSuite) and the
cadence that runs it."""

import datetime as dt
from collections.abc import Sequence

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.capabilities import ChangeFeed, ChangeFeedKind, DeletionsSource
from ledgerbridge_common.connectors.intacct import INTACCT_CAPABILITIES
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef
from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import ConnectionPreferences
from tests.unit.webhook_ingest.fakes import FakeConnectors, FakeLedger, FakePrefs, FakePublisher, connection
from webhook_ingest.adapters.watermarks import InMemorySweepStateStore
from webhook_ingest.sweeper.cadence import ledger_sweep_due
from webhook_ingest.sweeper.scheduler import Sweeper
from webhook_ingest.sweeper.sweep import SweepDeps, sweep_connection

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
OVERLAP = dt.timedelta(minutes=2)
TOPICS = Topics()
T = ObjectType


class ModifiedSinceLedger:
    """A ledger without webhooks: every read starts ``OVERLAP`` before ``since`` (as the Intacct
    and NetSuite connectors do for clock skew), deletions come from a separate list."""

    ledger_kind = "sage_intacct"
    capabilities = INTACCT_CAPABILITIES

    def __init__(self) -> None:
        self.rows: list[ChangeRef] = []
        self.deletions: list[ChangeRef] = []
        self.feed_calls: list[tuple[tuple[ObjectType, ...], dt.datetime]] = []
        self.query_calls: list[tuple[ObjectType, dt.datetime | None]] = []

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        self.feed_calls.append((tuple(object_types), since))
        found = [
            c for c in self.rows + self.deletions if c.object_type in object_types and c.source_time >= since - OVERLAP
        ]
        mark = max((c.source_time for c in found), default=since)
        return ChangePage(changes=found, next_watermark=max(mark, since))

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        self.query_calls.append((object_type, since))
        found = [c for c in self.rows if c.object_type == object_type and (since is None or c.source_time >= since)]
        return ChangePage(changes=found, next_watermark=max((c.source_time for c in found), default=since or EPOCH))


def world(ledger: object) -> tuple[SweepDeps, InMemorySweepStateStore, FakePublisher]:
    state, publisher = InMemorySweepStateStore(), FakePublisher()
    deps = SweepDeps(
        prefs=FakePrefs([connection("conn-1")]),
        connectors=FakeConnectors(None, ledger),  # type: ignore[arg-type]
        state=state,
        publisher=publisher,
        topics=TOPICS,
        clock=lambda: NOW,
    )
    return deps, state, publisher


def published(publisher: FakePublisher) -> list[tuple[str, str, str]]:
    return [
        (e.payload["object_type"], e.payload["object_id"], e.payload["operation"]) for e in publisher.on(TOPICS.changes)
    ]


async def test_a_ledger_is_asked_only_for_the_types_its_connector_syncs():
    ledger = ModifiedSinceLedger()
    ledger.rows.append(ChangeRef(T.VENDOR, "V-1", "updated", NOW - dt.timedelta(hours=1)))
    deps, state, publisher = world(ledger)
    report = await sweep_connection("conn-1", "sync_now", deps, billcom_side=False)
    asked = [t for t, _ in ledger.query_calls]
    assert T.ITEM not in asked and T.FUNDS_TRANSFER not in asked  # Intacct syncs neither
    assert T.DEPARTMENT in asked  # Intacct's own department list
    assert set(asked) == set(INTACCT_CAPABILITIES.swept_types or ())
    assert report.full_resync is True  # no watermark yet: everything by query
    assert published(publisher) == [("vendor", "V-1", "updated")]
    marks = await state.watermarks("conn-1", "ledger")
    assert marks["vendor"] == NOW - dt.timedelta(hours=1)
    assert marks["customer"] == NOW - dt.timedelta(minutes=10)  # nothing to list: read up to now, less skew
    await sweep_connection("conn-1", "schedule", deps, billcom_side=False)
    assert ledger.feed_calls[-1][1] == NOW - dt.timedelta(hours=1)  # not from the feed's epoch


async def test_the_overlapping_window_publishes_each_change_once_but_keeps_late_commits():
    ledger = ModifiedSinceLedger()
    edge = NOW - dt.timedelta(minutes=30)
    ledger.rows.append(ChangeRef(T.BILL, "11", "updated", edge))
    deps, state, publisher = world(ledger)
    await sweep_connection("conn-1", "catch_up", deps, billcom_side=False)
    assert published(publisher) == [("bill", "11", "updated")]

    # committed late: stamped a minute before the watermark, so only the overlap finds it
    ledger.rows.append(ChangeRef(T.BILL, "12", "updated", edge - dt.timedelta(minutes=1)))
    ledger.deletions.append(ChangeRef(T.BILL, "10", "deleted", edge + dt.timedelta(minutes=5)))
    await sweep_connection("conn-1", "schedule", deps, billcom_side=False)

    assert ledger.feed_calls[-1][1] == edge  # from the watermark; the connector overlaps it
    assert published(publisher) == [
        ("bill", "11", "updated"),
        ("bill", "12", "updated"),
        ("bill", "10", "deleted"),
    ]
    assert (await state.watermarks("conn-1", "ledger"))["bill"] == edge + dt.timedelta(minutes=5)
    assert [e.payload["trigger"] for e in publisher.on(TOPICS.changes)] == ["cdc", "schedule", "schedule"]


async def test_an_edit_of_an_object_already_published_is_published_again():
    ledger = ModifiedSinceLedger()
    first = NOW - dt.timedelta(minutes=10)
    ledger.rows.append(ChangeRef(T.VENDOR, "V-1", "updated", first))
    deps, _, publisher = world(ledger)
    await sweep_connection("conn-1", "catch_up", deps, billcom_side=False)
    ledger.rows.append(ChangeRef(T.VENDOR, "V-1", "updated", first + dt.timedelta(seconds=40)))
    await sweep_connection("conn-1", "schedule", deps, billcom_side=False)
    assert published(publisher) == [("vendor", "V-1", "updated"), ("vendor", "V-1", "updated")]
    ids = {e.event_id for e in publisher.on(TOPICS.changes)}
    assert len(ids) == 2


def prefs(*, auto: bool = True, minutes: int = 5) -> ConnectionPreferences:
    return ConnectionPreferences(
        connection_id="c",
        version=1,
        ledger_kind="sage_intacct",
        ready=True,
        sync_automatically=auto,
        ledger_sweep_minutes=minutes,
    )


def test_ledger_sweep_cadence_defaults_to_five_minutes_and_only_without_webhooks():
    feed = INTACCT_CAPABILITIES.change_feed
    pushed = ChangeFeed(ChangeFeedKind.CDC, DeletionsSource.IN_FEED, pushed=True)
    assert (
        ConnectionPreferences(connection_id="c", version=1, ledger_kind="sage_intacct", ready=True).ledger_sweep_minutes
        == 5
    )
    assert ledger_sweep_due(None, prefs(), feed, NOW) is True
    assert ledger_sweep_due(NOW - dt.timedelta(minutes=5), prefs(), feed, NOW) is True
    assert ledger_sweep_due(NOW - dt.timedelta(minutes=4), prefs(), feed, NOW) is False
    assert ledger_sweep_due(NOW - dt.timedelta(minutes=4), prefs(minutes=2), feed, NOW) is True
    assert ledger_sweep_due(NOW - dt.timedelta(hours=1), prefs(auto=False), feed, NOW) is False
    assert ledger_sweep_due(NOW - dt.timedelta(hours=1), prefs(), pushed, NOW) is False


class SchedulePrefs:
    def __init__(self, deps: SweepDeps, preferences: ConnectionPreferences) -> None:
        self.deps = deps
        self.prefs = preferences

    async def list_connections(self, status: str = "active") -> list:
        return list(self.deps.prefs.connections.values())  # type: ignore[attr-defined]

    async def preferences(self, connection_id: str) -> ConnectionPreferences:
        return self.prefs


async def test_the_scheduler_sweeps_only_the_ledger_between_daily_sweeps_and_not_for_pushed_ledgers():
    clock = [NOW]
    ledger = ModifiedSinceLedger()
    deps, state, _ = world(ledger)
    deps.clock = lambda: clock[0]
    # the daily sweep ran a minute ago
    await state.start_run("conn-1", "schedule", NOW - dt.timedelta(minutes=1))
    await state.finish_run("conn-1", NOW - dt.timedelta(minutes=1), None)
    sweeper = Sweeper(deps, SchedulePrefs(deps, prefs().model_copy(update={"schedule_interval_minutes": 1440})))
    sweeper.ledger_sweeps.swept("conn-1", NOW - dt.timedelta(minutes=1))

    await sweeper.tick()
    assert ledger.query_calls == [] and ledger.feed_calls == []  # 5 minutes not up yet

    clock[0] = NOW + dt.timedelta(minutes=5)
    await sweeper.tick()
    assert ledger.query_calls  # the ledger side was swept (first time: by query)
    run = (await state.runs())["conn-1"]
    # not a run: "Sync Automatically" (BILL side included) stays due a day after the last one
    assert (run.last_trigger, run.last_succeeded_at) == ("schedule", NOW - dt.timedelta(minutes=1))
    assert sweeper.ledger_sweeps.last["conn-1"] == NOW + dt.timedelta(minutes=5)

    qbo = FakeLedger()
    deps_qbo, state_qbo, _ = world(qbo)
    sweeper_qbo = Sweeper(deps_qbo, SchedulePrefs(deps_qbo, prefs()))
    await state_qbo.start_run("conn-1", "schedule", NOW)
    await state_qbo.finish_run("conn-1", NOW, None)
    sweeper_qbo.ledger_sweeps.swept("conn-1", NOW - dt.timedelta(hours=2))
    await sweeper_qbo.tick()
    assert qbo.cdc_calls == [] and qbo.query_calls == []  # QBO pushes webhooks: no extra sweeps


class DownLedger(ModifiedSinceLedger):
    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        raise RetryableError("Intacct is down", vendor="intacct")


async def test_a_failed_ledger_sweep_is_logged_and_left_to_the_next_cadence():
    deps, state, publisher = world(DownLedger())
    sweeper = Sweeper(deps, SchedulePrefs(deps, prefs()))
    assert await sweeper.sweep_ledger("conn-1") is None
    assert sweeper.ledger_sweeps.last["conn-1"] == NOW  # tried now: next try in 5 minutes, not every tick
    assert await state.runs() == {} and publisher.on(TOPICS.changes) == []
