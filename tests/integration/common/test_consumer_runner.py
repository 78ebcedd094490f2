"""ConsumerRunner against the real broker and database: inbox, emit, DLQ, retries."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text

from ledgerbridge_common.db.engine import make_engine, make_metadata, make_sessionmaker
from ledgerbridge_common.db.inbox import inbox_table
from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events import ChangeDetected, Envelope, SyncRequested
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner, Emitter
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from tests.support.builders import bill_changed

pytestmark = pytest.mark.integration


async def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 15) -> list[Envelope]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"reader-{uuid.uuid4().hex[:6]}",
    )
    await consumer.start()
    out: list[Envelope] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(out) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            out.extend(Envelope.from_bytes(r.value) for recs in batch.values() for r in recs)
        await asyncio.sleep(0.3)
        batch = await consumer.getmany(timeout_ms=300)
        out.extend(Envelope.from_bytes(r.value) for recs in batch.values() for r in recs)
    finally:
        await consumer.stop()
    return out


async def test_handles_once_emits_and_dead_letters(kafka_settings, db_settings, connection_id):
    schema = f"t_{uuid.uuid4().hex[:8]}"
    metadata = make_metadata(schema)
    inbox = inbox_table(metadata)
    engine = make_engine(db_settings)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    sessions = make_sessionmaker(engine)
    topics = kafka_settings.topics
    publisher = AiokafkaPublisher(kafka_settings, client_id="test")
    await publisher.start()
    seen: list[str] = []
    flaky = {"count": 0}

    async def handler(envelope: Envelope, session, emitter: Emitter) -> None:
        event = envelope.event()
        assert isinstance(event, ChangeDetected)
        if event.object_id == "poison":
            raise ValueError("cannot handle this one")
        if event.object_id == "flaky" and flaky["count"] < 2:
            flaky["count"] += 1
            raise RetryableError("vendor hiccup")
        seen.append(event.object_id)
        emitter.emit(topics.outcomes, SyncRequested(trigger="sync_now"))

    runner = ConsumerRunner(
        ConsumerConfig(
            name="test",
            group_id=f"g-{uuid.uuid4().hex[:6]}",
            topics=[topics.changes],
            dlq_topic=topics.dlq,
            retry_budget_seconds=10,
        ),
        kafka_settings,
        handler,
        sessions,
        inbox,
        publisher,
    )
    first = Envelope.wrap(bill_changed("a"), connection_id=connection_id)
    for env in (
        first,
        first,
        Envelope.wrap(bill_changed("poison"), connection_id=connection_id),
        Envelope.wrap(bill_changed("flaky"), connection_id=connection_id),
        Envelope.wrap(bill_changed("b"), connection_id=connection_id),
    ):
        await publisher.publish(topics.changes, env)
    await runner.start()
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(30):
            while runner.handled < 5:
                await asyncio.sleep(0.1)
    finally:
        await runner.stop()
        task.cancel()
    assert seen == ["a", "flaky", "b"], "duplicate dropped by the inbox, order kept, retryable retried"
    emitted = await read_all(kafka_settings.bootstrap_servers, topics.outcomes, 3)
    assert len(emitted) == 3
    assert all(e.correlation_id for e in emitted)
    assert emitted[0].causation_id == first.event_id and emitted[0].correlation_id == first.correlation_id
    letters = await read_all(kafka_settings.bootstrap_servers, topics.dlq, 1)
    assert len(letters) == 1
    letter = letters[0].event()
    assert letter.consumer == "test" and "cannot handle" in letter.error  # type: ignore[attr-defined]
    async with sessions() as session:
        count = (await session.execute(text(f'SELECT count(*) FROM "{schema}".processed_messages'))).scalar()
    assert count == 3, "a dead-lettered record leaves no inbox row, so its replay is handled"
    await publisher.stop()
    await engine.dispose()


async def test_database_outage_is_retried_past_the_budget_not_dead_lettered(kafka_settings, db_settings, connection_id):
    from sqlalchemy.exc import OperationalError

    schema = f"t_{uuid.uuid4().hex[:8]}"
    metadata = make_metadata(schema)
    inbox = inbox_table(metadata)
    engine = make_engine(db_settings)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    publisher = AiokafkaPublisher(kafka_settings, client_id="test")
    await publisher.start()
    failures = {"left": 3}
    handled: list[str] = []

    async def handler(envelope: Envelope, session, emitter: Emitter) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("the database system is shutting down"))
        handled.append(envelope.event_id)

    topics = kafka_settings.topics
    runner = ConsumerRunner(
        ConsumerConfig(
            name="outage",
            group_id=f"g-{uuid.uuid4().hex[:6]}",
            topics=[topics.changes],
            dlq_topic=topics.dlq,
            retry_budget_seconds=0.1,
        ),
        kafka_settings,
        handler,
        make_sessionmaker(engine),
        inbox,
        publisher,
    )
    env = Envelope.wrap(bill_changed("during-outage"), connection_id=connection_id)
    await publisher.publish(topics.changes, env)
    await runner.start()
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(30):
            while runner.handled < 1:
                await asyncio.sleep(0.1)
    finally:
        await runner.stop()
        task.cancel()
        await publisher.stop()
        await engine.dispose()
    assert handled == [env.event_id], "handled once the database answered again"
    assert failures["left"] == 0
    letters = await read_all(kafka_settings.bootstrap_servers, topics.dlq, 0, timeout=2)
    assert letters == [], "an outage of our own database is never a dead letter"
