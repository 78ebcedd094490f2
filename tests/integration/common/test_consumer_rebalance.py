"""ConsumerRunner in a consumer group that changes under it, and at shutdown: a second instance
joining in the middle of a backlog, ``stop()`` with a record in flight, a seek on a partition the
group took away, and a type the routing table does not name."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.events import ChangeDetected, Envelope, SyncRequested
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.common.harness import World, read_all, run_until_handled
from tests.support.builders import bill_changed

pytestmark = pytest.mark.integration


async def count(w: World) -> int:
    async with w.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(w.effects))).scalar_one())


async def until(predicate, timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_an_instance_joining_mid_backlog_loses_and_doubles_nothing(
    kafka_settings: KafkaSettings, w: World
) -> None:
    """A handles a backlog alone; B joins the group while A is in the middle of a poll. A stops
    starting records, finishes the one in flight, commits, and only then lets the group
    reassign, so B starts exactly where A stopped: every record handled once (no re-reads that
    the inbox would have to drop), nothing lost."""
    total = 600
    await w.publisher.publish_many(
        [
            (kafka_settings.topics.changes, Envelope.wrap(bill_changed(f"o{n}"), connection_id=f"conn-{n % 12}"))
            for n in range(total)
        ]
    )

    def handler_of(name: str):
        async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
            await asyncio.sleep(0.05)  # a vendor write (A alone would need ~10 s for the backlog)
            event = envelope.event_as(ChangeDetected)
            await session.execute(
                w.effects.insert().values(connection_id=envelope.connection_id, object_id=event.object_id, runner=name)
            )

        return handler

    group = f"g-{uuid.uuid4().hex[:6]}"
    a = w.runner(handler_of("a"), name="rebalance", group=group, max_records=20)
    b = w.runner(handler_of("b"), name="rebalance", group=group, max_records=20)
    await a.start()
    tasks = [asyncio.create_task(a.run())]
    try:
        await until(lambda: _at_least(w, 40))
        await b.start()
        tasks.append(asyncio.create_task(b.run()))
        await until(lambda: _at_least(w, total), timeout=90)
        await asyncio.sleep(1)  # anything handled twice would show up by now
    finally:
        await a.stop()
        await b.stop()
        for task in tasks:
            task.cancel()
    async with w.engine.connect() as conn:
        rows = (await conn.execute(select(w.effects.c.object_id, w.effects.c.runner))).all()
    objects = [r.object_id for r in rows]
    assert sorted(objects) == sorted(f"o{n}" for n in range(total)), "each record's effect exactly once"
    assert a.released >= 1, "the group took partitions from A"
    assert {r.runner for r in rows} == {"a", "b"}, "both instances did part of the backlog"
    assert a.handled + b.handled == total, (a.handled, b.handled, "records re-read after the rebalance")


async def _at_least(w: World, n: int) -> bool:
    return await count(w) >= n


async def test_stop_lets_the_record_in_flight_finish_and_commits_it(kafka_settings: KafkaSettings, w: World) -> None:
    """SIGTERM path: ``stop()`` while a handler is in the middle of a slow vendor write; the write
    completes, its offset is committed, and the next instance starts after it."""
    entered, group = asyncio.Event(), f"g-{uuid.uuid4().hex[:6]}"

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event_as(ChangeDetected)
        if event.object_id == "slow":
            entered.set()
            await asyncio.sleep(2)
        await session.execute(
            w.effects.insert().values(connection_id=envelope.connection_id, object_id=event.object_id, runner="a")
        )

    for name in ("first", "slow", "after"):
        await w.publisher.publish(kafka_settings.topics.changes, Envelope.wrap(bill_changed(name), connection_id="c1"))
    runner = w.runner(handler, group=group, release_grace_seconds=10)
    await runner.start()
    task = asyncio.create_task(runner.run())
    await asyncio.wait_for(entered.wait(), 30)
    await runner.stop()  # as the lifespan does on SIGTERM, then the task is cancelled
    task.cancel()
    async with w.engine.connect() as conn:
        done = [r.object_id for r in (await conn.execute(select(w.effects.c.object_id).order_by(w.effects.c.seq)))]
    assert done == ["first", "slow"], "the write in flight finished; no new record started"
    assert await committed(kafka_settings, group) == 2, "and its offset was committed"


async def committed(kafka: KafkaSettings, group: str) -> int:
    """The group's committed offsets, summed over the topic's three partitions."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        offsets = [await consumer.committed(TopicPartition(kafka.topics.changes, p)) for p in range(3)]
    finally:
        await consumer.stop()
    return sum(o or 0 for o in offsets)


async def test_a_seek_on_a_partition_taken_away_does_not_end_the_runner(
    kafka_settings: KafkaSettings, w: World
) -> None:
    """A record abandoned (Kafka or PostgreSQL down while stopping) is re-read by seeking back;
    when the group took its partition away meanwhile, the seek is skipped, not raised out of run()."""
    runner = w.runner({})
    await runner.start()
    try:

        async def abandoned(record: ConsumerRecord) -> bool:
            return False

        runner.records.handle_record = abandoned  # type: ignore[method-assign]
        record = ConsumerRecord(kafka_settings.topics.changes, 99, 7, 0, 0, None, b"{}", None, 0, 2, [])
        assert await runner._handle_partition([record]) is None, "nothing handled, nothing to commit"
    finally:
        await runner.stop()


async def test_a_type_the_routing_table_does_not_name_goes_to_the_dlq(kafka_settings: KafkaSettings, w: World) -> None:
    seen: list[str] = []

    async def on_change(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        seen.append(envelope.event_as(ChangeDetected).object_id)

    runner = w.runner({ChangeDetected: on_change})
    topic = kafka_settings.topics.changes
    await w.publisher.publish(topic, Envelope.wrap(SyncRequested(trigger="sync_now"), connection_id="c1"), key="c1")
    await w.publisher.publish(topic, Envelope.wrap(bill_changed("x"), connection_id="c1"), key="c1")
    await run_until_handled(runner, 2)
    assert seen == ["x"]
    (letter,) = await read_all(kafka_settings.bootstrap_servers, kafka_settings.topics.dlq, 1)
    assert "no handler for event type 'SyncRequested'" in letter.event().error  # type: ignore[attr-defined]
