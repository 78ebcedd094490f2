"""ConsumerRunner with ``group_records`` > 1 against the real broker and database: records of one
connection share a transaction, a failing record is rolled back to its savepoint and takes the
one-at-a-time path (retries, DLQ), and every effect still happens exactly once, in order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ledgerbridge_common.db.engine import make_engine, make_metadata, make_sessionmaker
from ledgerbridge_common.db.inbox import inbox_table
from ledgerbridge_common.errors import RateLimitedError, RetryableError
from ledgerbridge_common.events import ChangeDetected, Envelope, SyncRequested
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner, Emitter
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from tests.integration.common.test_consumer_runner import read_all
from tests.support.builders import bill_changed

pytestmark = pytest.mark.integration


def effects_table(metadata: MetaData) -> Table:
    return Table(
        "effects",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("connection_id", String(100), nullable=False),
        Column("object_id", String(100), nullable=False),
        Column("txid", String(40), nullable=False),
    )


@dataclass
class World:
    """A schema of its own (inbox + effects tables), its engine, and a started publisher."""

    schema: str
    inbox: Table
    effects: Table
    engine: AsyncEngine
    publisher: AiokafkaPublisher


@pytest.fixture
async def w(kafka_settings: KafkaSettings, db_settings: DatabaseSettings) -> AsyncIterator[World]:
    schema = f"t_{uuid.uuid4().hex[:8]}"
    metadata = make_metadata(schema)
    inbox, effects = inbox_table(metadata), effects_table(metadata)
    engine = make_engine(db_settings)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    publisher = AiokafkaPublisher(kafka_settings, client_id="test")
    await publisher.start()
    yield World(schema, inbox, effects, engine, publisher)
    await publisher.stop()
    await engine.dispose()


async def _run(runner: ConsumerRunner, expected: int) -> None:
    await runner.start()
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(30):
            while runner.handled < expected:
                await asyncio.sleep(0.05)
    finally:
        await runner.stop()
        task.cancel()


async def test_grouped_records_commit_together_and_failures_go_alone(
    kafka_settings: KafkaSettings, w: World, connection_id: str
) -> None:
    schema, inbox, effects, engine, publisher = w.schema, w.inbox, w.effects, w.engine, w.publisher
    sessions = make_sessionmaker(engine)
    topics = kafka_settings.topics
    flaky = {"count": 0}

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event()
        assert isinstance(event, ChangeDetected)
        txid = str((await session.execute(text("SELECT txid_current()"))).scalar_one())
        # the effect is written first, so a failure below must roll it back (savepoint)
        await session.execute(
            effects.insert().values(connection_id=envelope.connection_id, object_id=event.object_id, txid=txid)
        )
        emitter.emit(topics.outcomes, SyncRequested(trigger="sync_now"))
        if event.object_id == "poison":
            raise ValueError("cannot handle this one")
        if event.object_id == "flaky" and flaky["count"] < 2:
            flaky["count"] += 1
            raise RetryableError("vendor hiccup")

    runner = ConsumerRunner(
        ConsumerConfig(
            name="grouped",
            group_id=f"g-{uuid.uuid4().hex[:6]}",
            topics=[topics.changes],
            dlq_topic=topics.dlq,
            retry_budget_seconds=10,
            group_records=50,
        ),
        kafka_settings,
        handler,
        sessions,
        inbox,
        publisher,
    )
    first = Envelope.wrap(bill_changed("a"), connection_id=connection_id)
    names = ["a", "a", "b", "poison", "c", "flaky", "d", "e"]
    for name in names:
        env = first if name == "a" else Envelope.wrap(bill_changed(name), connection_id=connection_id)
        await publisher.publish(topics.changes, env)
    await _run(runner, len(names))

    async with sessions() as session:
        rows = (await session.execute(effects.select().order_by(effects.c.seq))).all()
        inbox_rows = (await session.execute(text(f'SELECT count(*) FROM "{schema}".processed_messages'))).scalar()
    assert [r.object_id for r in rows] == ["a", "b", "c", "flaky", "d", "e"], "once each, in order"
    txids = {r.object_id: r.txid for r in rows}
    assert txids["a"] == txids["b"], "a and b were committed in one transaction"
    assert txids["c"] != txids["a"] and txids["flaky"] != txids["c"], "a failed record is handled alone"
    assert inbox_rows == 6, "one inbox row per handled record; the duplicate and the dead letter leave none"
    emitted = await read_all(kafka_settings.bootstrap_servers, topics.outcomes, 6)
    assert len(emitted) == 6, "a rolled-back record's emits were not published"
    assert emitted[0].causation_id == first.event_id
    letters = await read_all(kafka_settings.bootstrap_servers, topics.dlq, 1)
    assert len(letters) == 1 and "cannot handle" in letters[0].event().error  # type: ignore[attr-defined]


async def test_a_group_holds_one_connection_only(kafka_settings: KafkaSettings, w: World) -> None:
    inbox, effects, engine, publisher = w.inbox, w.effects, w.engine, w.publisher
    sessions = make_sessionmaker(engine)
    topics = kafka_settings.topics

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event()
        assert isinstance(event, ChangeDetected)
        txid = str((await session.execute(text("SELECT txid_current()"))).scalar_one())
        await session.execute(
            effects.insert().values(connection_id=envelope.connection_id, object_id=event.object_id, txid=txid)
        )

    runner = ConsumerRunner(
        ConsumerConfig(
            name="grouped",
            group_id=f"g-{uuid.uuid4().hex[:6]}",
            topics=[topics.changes],
            dlq_topic=topics.dlq,
            group_records=50,
        ),
        kafka_settings,
        handler,
        sessions,
        inbox,
        publisher,
    )
    # two connections on one partition (same key), in runs: A A A B B A
    key = f"conn-{uuid.uuid4().hex[:6]}"
    plan = [("A", "1"), ("A", "2"), ("A", "3"), ("B", "4"), ("B", "5"), ("A", "6")]
    for conn_name, object_id in plan:
        env = Envelope.wrap(bill_changed(object_id), connection_id=f"{key}-{conn_name}")
        await publisher.publish(topics.changes, env, key=key)
    await _run(runner, len(plan))

    async with sessions() as session:
        rows = (await session.execute(effects.select().order_by(effects.c.seq))).all()
    assert [r.object_id for r in rows] == [object_id for _, object_id in plan]
    by_tx: dict[str, set[str]] = {}
    for r in rows:
        by_tx.setdefault(r.txid, set()).add(r.connection_id)
    assert all(len(conns) == 1 for conns in by_tx.values()), "no transaction mixes connections"
    assert len(by_tx) == 3, "runs of one connection share a transaction: A A A | B B | A"


async def test_a_rate_limited_record_in_a_group_waits_before_going_alone(
    kafka_settings: KafkaSettings, w: World, connection_id: str
) -> None:
    inbox, engine, publisher = w.inbox, w.engine, w.publisher
    topics = kafka_settings.topics
    attempts: dict[str, list[float]] = {}
    loop = asyncio.get_running_loop()

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event()
        assert isinstance(event, ChangeDetected)
        attempts.setdefault(event.object_id, []).append(loop.time())
        if event.object_id == "limited" and len(attempts["limited"]) == 1:
            raise RateLimitedError("429", retry_after=1.0)

    runner = ConsumerRunner(
        ConsumerConfig(
            name="grouped",
            group_id=f"g-{uuid.uuid4().hex[:6]}",
            topics=[topics.changes],
            dlq_topic=topics.dlq,
            retry_budget_seconds=10,
            group_records=50,
        ),
        kafka_settings,
        handler,
        make_sessionmaker(engine),
        inbox,
        publisher,
    )
    for name in ("x", "limited", "y"):
        await publisher.publish(topics.changes, Envelope.wrap(bill_changed(name), connection_id=connection_id))
    await _run(runner, 3)
    first, second = attempts["limited"]
    assert second - first >= 0.9, "the vendor's Retry-After is honoured before the record is tried alone"
    assert [len(attempts[n]) for n in ("x", "y")] == [1, 1]
    assert attempts["y"][0] > second, "order kept: y after the limited record"


def _on_partitions(count: int = 3) -> tuple[str, str]:
    """Two connection ids whose records land on different partitions."""
    from aiokafka.partitioner import DefaultPartitioner

    partitioner, parts = DefaultPartitioner(), list(range(count))
    first = f"conn-{uuid.uuid4().hex[:8]}"
    while True:
        other = f"conn-{uuid.uuid4().hex[:8]}"
        if partitioner(other.encode(), parts, parts) != partitioner(first.encode(), parts, parts):
            return first, other


async def test_partitions_progress_side_by_side_not_by_turns(kafka_settings: KafkaSettings, w: World) -> None:
    """A poll is filled from one partition's buffer first; the runner tops it up from the other
    partitions, so a second connection does not wait for the first one's backlog (300 records
    each, 100 per poll: without the top-up the first 300 handled are all the first connection's)."""
    inbox, engine, publisher = w.inbox, w.engine, w.publisher
    topics = kafka_settings.topics
    order: list[str] = []

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        await asyncio.sleep(0.002)
        order.append(envelope.connection_id)

    first, second = _on_partitions()
    for conn in (first, second):
        await publisher.publish_many(
            [(topics.changes, Envelope.wrap(bill_changed(f"b{n}"), connection_id=conn)) for n in range(300)]
        )
    config = ConsumerConfig(
        name="sides", group_id=f"g-{uuid.uuid4().hex[:6]}", topics=[topics.changes], dlq_topic=topics.dlq,
        max_records=100,
    )  # fmt: skip
    runner = ConsumerRunner(config, kafka_settings, handler, make_sessionmaker(engine), inbox, publisher)
    await _run(runner, 600)
    head = order[:300]
    assert len(order) == 600
    assert min(head.count(first), head.count(second)) >= 50, (head.count(first), head.count(second))
