"""What the consumer-runner tests share: a schema of their own (inbox + effects tables), its
engine and a started publisher (the ``w`` fixture in conftest.py), a runner on the changes topic,
running it until it handled enough, and reading a topic back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ledgerbridge_common.db.engine import make_engine, make_metadata, make_sessionmaker
from ledgerbridge_common.db.inbox import inbox_table
from ledgerbridge_common.events import Envelope
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner, Handler
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.kafka.routing import Routes
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings


def effects_table(metadata: MetaData) -> Table:
    """One row per effect a handler had; no unique key, so a record handled twice shows twice."""
    return Table(
        "effects",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("connection_id", String(100), nullable=False),
        Column("object_id", String(100), nullable=False),
        Column("txid", String(40)),
        Column("runner", String(20)),
    )


@dataclass
class World:
    schema: str
    inbox: Table
    effects: Table
    engine: AsyncEngine
    publisher: AiokafkaPublisher
    kafka: KafkaSettings

    def runner(
        self, handler: Handler | Routes, *, name: str = "test", group: str | None = None, **config: Any
    ) -> ConsumerRunner:
        """A runner on the changes topic, in a group of its own unless ``group`` is given."""
        topics = self.kafka.topics
        settings = ConsumerConfig(
            name=name,
            group_id=group or f"g-{uuid.uuid4().hex[:6]}",
            topics=[topics.changes],
            dlq_topic=topics.dlq,
            **config,
        )
        return ConsumerRunner(settings, self.kafka, handler, make_sessionmaker(self.engine), self.inbox, self.publisher)

    async def inbox_rows(self) -> int:
        async with self.engine.connect() as conn:
            return int(
                (await conn.execute(text(f'SELECT count(*) FROM "{self.schema}".processed_messages'))).scalar_one()
            )


async def world(kafka: KafkaSettings, db: DatabaseSettings) -> AsyncIterator[World]:
    schema = f"t_{uuid.uuid4().hex[:8]}"
    metadata = make_metadata(schema)
    inbox, effects = inbox_table(metadata), effects_table(metadata)
    engine = make_engine(db.model_copy(update={"pool_size": 10}))
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    publisher = AiokafkaPublisher(kafka, client_id="test")
    await publisher.start()
    try:
        yield World(schema, inbox, effects, engine, publisher, kafka)
    finally:
        await publisher.stop()
        await engine.dispose()


async def run_until_handled(runner: ConsumerRunner, expected: int, timeout: float = 30) -> None:
    """Start ``runner``, let it run until it handled ``expected`` records, then stop it."""
    await runner.start()
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(timeout):
            while runner.handled < expected:
                await asyncio.sleep(0.05)
    finally:
        await runner.stop()
        task.cancel()


async def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 15) -> list[Envelope]:
    """Every record of ``topic`` from the start: at least ``expected`` (or all there are once
    ``timeout`` passed), and whatever arrives in the 0.3 s after."""
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
