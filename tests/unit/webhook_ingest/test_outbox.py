"""The outbox in front of Kafka: parked only when Kafka fails, 503 only when PostgreSQL fails too,
relayed oldest first and deleted only after Kafka acknowledged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import ChangeDetected, Side
from tests.unit.webhook_ingest.fakes import FakePublisher
from webhook_ingest.adapters.outbox import Item, Lag, OutboxRelay, Parked, ParkingPublisher
from webhook_ingest.adapters.publisher import PublishUnavailableError


class MemoryOutbox:
    def __init__(self) -> None:
        self.rows: dict[int, Item] = {}
        self.next_id = 1
        self.down = False

    async def park(self, items: Sequence[Item]) -> None:
        if self.down:
            raise OSError("database down")
        for item in items:
            self.rows[self.next_id] = item
            self.next_id += 1

    async def oldest(self, limit: int) -> list[Parked]:
        return [Parked(i, t, e) for i, (t, e) in sorted(self.rows.items())[:limit]]

    async def delete(self, ids: Sequence[int]) -> None:
        for i in ids:
            del self.rows[i]

    async def lag(self) -> Lag:
        return Lag(len(self.rows), 0.0)


def change(connection_id: str, object_id: str) -> Item:
    event = ChangeDetected(
        side=Side.LEDGER,
        object_type="bill",
        object_id=object_id,
        operation="updated",
        source_time=dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
        trigger="webhook",
    )
    return "changes", Envelope.wrap(event, connection_id=connection_id, event_id=f"{connection_id}-{object_id}")


async def test_kafka_up_publishes_and_parks_nothing() -> None:
    kafka, outbox = FakePublisher(), MemoryOutbox()
    await ParkingPublisher(kafka, outbox).publish_many([change("c1", "1")])
    assert [e.event_id for e in kafka.on("changes")] == ["c1-1"]
    assert outbox.rows == {}


async def test_kafka_down_parks_the_batch_without_raising() -> None:
    kafka, outbox = FakePublisher(), MemoryOutbox()
    kafka.down = True
    await ParkingPublisher(kafka, outbox).publish_many([change("c1", "1"), change("c1", "2")])
    assert [e.event_id for _, e in outbox.rows.values()] == ["c1-1", "c1-2"]


async def test_kafka_and_postgresql_down_raise_unavailable() -> None:
    kafka, outbox = FakePublisher(), MemoryOutbox()
    kafka.down = outbox.down = True
    with pytest.raises(PublishUnavailableError):
        await ParkingPublisher(kafka, outbox).publish_many([change("c1", "1")])


async def test_relay_sends_oldest_first_and_deletes_only_after_the_ack() -> None:
    kafka, outbox = FakePublisher(), MemoryOutbox()
    await outbox.park([change("c1", "1"), change("c2", "1"), change("c1", "2")])
    relay = OutboxRelay(outbox, kafka, batch=2)
    kafka.down = True
    with pytest.raises(PublishUnavailableError):
        await relay.drain_once()
    assert len(outbox.rows) == 3
    kafka.down = False
    assert await relay.drain_once() == 2
    assert await relay.drain_once() == 1
    assert [e.event_id for e in kafka.on("changes")] == ["c1-1", "c2-1", "c1-2"]
    assert outbox.rows == {}
    assert relay.last_lag == Lag(0, 0.0)


async def test_after_a_failure_changes_queue_behind_the_parked_ones_until_the_outbox_drains() -> None:
    kafka, outbox = FakePublisher(), MemoryOutbox()
    publisher = ParkingPublisher(kafka, outbox)
    relay = OutboxRelay(outbox, kafka, on_drained=publisher.resume)
    kafka.down = True
    await publisher.publish_many([change("c1", "1")])
    kafka.down = False
    await publisher.publish_many([change("c1", "2")])  # Kafka is back, but c1-1 waits: keep the order
    assert kafka.published == [] and len(outbox.rows) == 2
    await relay.drain_once()
    assert not publisher.parking
    await publisher.publish_many([change("c1", "3")])
    assert [e.event_id for e in kafka.on("changes")] == ["c1-1", "c1-2", "c1-3"]
    assert outbox.rows == {}


async def test_while_parking_a_lost_outbox_falls_back_to_kafka() -> None:
    kafka, outbox = FakePublisher(), MemoryOutbox()
    publisher = ParkingPublisher(kafka, outbox)
    kafka.down = True
    await publisher.publish_many([change("c1", "1")])
    kafka.down, outbox.down = False, True
    await publisher.publish_many([change("c1", "2")])
    assert [e.event_id for e in kafka.on("changes")] == ["c1-2"]
    kafka.down = True
    with pytest.raises(PublishUnavailableError):
        await publisher.publish_many([change("c1", "3")])
