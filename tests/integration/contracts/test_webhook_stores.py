"""One contract each for webhook-ingest's ``DeliveryStore`` (dedupe) and ``SweepStateStore``
(watermarks, sweep runs): the PostgreSQL adapters and the in-memory fakes behave the same."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest

from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.settings import DatabaseSettings
from webhook_ingest.adapters.deliveries import (
    BatchedDeliveryStore,
    DeliveryRecord,
    DeliveryStore,
    InMemoryDeliveryStore,
    SqlDeliveryStore,
)
from webhook_ingest.adapters.watermarks import (
    InMemorySweepStateStore,
    SqlAlchemySweepStateStore,
    SweepRun,
    SweepStateStore,
)

pytestmark = pytest.mark.integration
T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["postgresql", "postgresql_batched", "in_memory"])
async def deliveries(request: pytest.FixtureRequest, db_settings: DatabaseSettings) -> AsyncIterator[DeliveryStore]:
    if request.param == "in_memory":
        yield InMemoryDeliveryStore()
        return
    engine = make_engine(db_settings)
    store: DeliveryStore = SqlDeliveryStore(engine.execution_options(isolation_level="AUTOCOMMIT"))
    yield BatchedDeliveryStore(store) if request.param == "postgresql_batched" else store
    await engine.dispose()


@pytest.fixture(params=["postgresql", "in_memory"])
async def sweeps(request: pytest.FixtureRequest, db_settings: DatabaseSettings) -> AsyncIterator[SweepStateStore]:
    if request.param == "in_memory":
        yield InMemorySweepStateStore()
        return
    engine = make_engine(db_settings)
    yield SqlAlchemySweepStateStore(make_sessionmaker(engine))
    await engine.dispose()


@pytest.fixture
def conn() -> str:
    return f"conn-{uuid.uuid4().hex[:10]}"


def delivery(conn: str, key: str, status: str = "produced") -> DeliveryRecord:
    return DeliveryRecord(conn, key, "qbo", f"evt-{key}", status)


async def test_known_answers_only_recorded_keys_of_that_connection(deliveries: DeliveryStore, conn: str) -> None:
    assert await deliveries.known([]) == set()
    await deliveries.record([delivery(conn, "k1"), delivery(conn, "k2", "dead_lettered")])
    await deliveries.record([])
    asked = [(conn, "k1"), (conn, "k2"), (conn, "k3"), (f"{conn}-other", "k1"), (conn, "k1")]
    assert await deliveries.known(asked) == {(conn, "k1"), (conn, "k2")}


async def test_recording_a_key_again_keeps_the_first_record(deliveries: DeliveryStore, conn: str) -> None:
    await deliveries.record([delivery(conn, "k1"), delivery(conn, "k1", "ignored")])
    await deliveries.record([delivery(conn, "k1", "dead_lettered")])
    assert await deliveries.known([(conn, "k1")]) == {(conn, "k1")}


async def test_watermarks_are_per_side_and_move_only_for_the_types_named(sweeps: SweepStateStore, conn: str) -> None:
    assert await sweeps.watermarks(conn, "ledger") == {}
    await sweeps.set_watermark(conn, "ledger", ["bill", "vendor"], T0)
    await sweeps.set_watermark(conn, "billcom", ["bill"], T0 - dt.timedelta(hours=1))
    await sweeps.set_watermark(conn, "ledger", ["bill"], T0 + dt.timedelta(minutes=5))
    await sweeps.set_watermark(conn, "ledger", [], T0 + dt.timedelta(days=1))
    assert await sweeps.watermarks(conn, "ledger") == {"bill": T0 + dt.timedelta(minutes=5), "vendor": T0}
    assert await sweeps.watermarks(conn, "billcom") == {"bill": T0 - dt.timedelta(hours=1)}


async def test_a_run_records_start_failure_and_last_success(sweeps: SweepStateStore, conn: str) -> None:
    await sweeps.start_run(conn, "catch_up", T0)
    await sweeps.finish_run(conn, T0 + dt.timedelta(seconds=5), None)
    await sweeps.start_run(conn, "schedule", T0 + dt.timedelta(minutes=1))
    await sweeps.finish_run(conn, T0 + dt.timedelta(minutes=2), "vendor down")
    runs = await sweeps.runs()
    assert runs[conn] == SweepRun(
        connection_id=conn,
        last_trigger="schedule",
        last_started_at=T0 + dt.timedelta(minutes=1),
        last_finished_at=T0 + dt.timedelta(minutes=2),
        last_succeeded_at=T0 + dt.timedelta(seconds=5),
        last_error="vendor down",
    )


async def test_a_mark_is_claimed_once_per_interval(sweeps: SweepStateStore, conn: str) -> None:
    every = dt.timedelta(minutes=5)
    assert await sweeps.claim_mark(conn, "poll", "last_started", T0, every)
    assert not await sweeps.claim_mark(conn, "poll", "last_started", T0 + dt.timedelta(minutes=4), every)
    assert await sweeps.claim_mark(conn, "poll", "last_started", T0 + every, every)
    assert await sweeps.watermarks(conn, "poll") == {"last_started": T0 + every}
    assert await sweeps.claim_mark(f"{conn}-other", "poll", "last_started", T0, every)
