"""Running the posting service against real Kafka in tests: produce commands, collect outcomes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PostingRequested, SyncOutcome
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.service import Overrides
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from posting_service.bootstrap import create_app
from posting_service.lifecycle import OpenGate
from posting_service.settings import Settings


def settings_for(kafka: KafkaSettings, database_url: str, **overrides: Any) -> Settings:
    return Settings(
        kafka=kafka,
        database=DatabaseSettings(url=database_url, pool_size=5),
        consumer_group=f"posting-test-{uuid.uuid4().hex[:8]}",
        **({"retry_budget_seconds": 30} | overrides),
    )


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


async def produce(kafka: KafkaSettings, connection_id: str, cmds: Sequence[PostingRequested]) -> None:
    publisher = AiokafkaPublisher(kafka, client_id="posting-test")
    await publisher.start()
    try:
        await publisher.publish_many(
            [(kafka.topics.postings, Envelope.wrap(cmd, connection_id=connection_id)) for cmd in cmds]
        )
    finally:
        await publisher.stop()


class Outcomes:
    """Reads the outcomes topic from the beginning."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.consumer = AIOKafkaConsumer(
            kafka.topics.outcomes,
            bootstrap_servers=kafka.bootstrap_servers,
            group_id=f"outcomes-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
        )
        self.seen: list[SyncOutcome] = []

    async def __aenter__(self) -> Outcomes:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def until(self, predicate: Any, timeout: float = 45) -> list[SyncOutcome]:
        """Collect outcomes until ``predicate(seen)`` holds; fail after ``timeout`` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self.seen):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out; outcomes so far: {[(o.source_ref, o.status) for o in self.seen]}")
            batches = await self.consumer.getmany(timeout_ms=300)
            for records in batches.values():
                for record in records:
                    event = Envelope.from_bytes(record.value).event()
                    assert isinstance(event, SyncOutcome)
                    self.seen.append(event)
        return self.seen

    def by_command(self, command_id: str) -> list[SyncOutcome]:
        return [o for o in self.seen if o.command_id == command_id]


def app_for(settings: Settings, **fakes: Any) -> FastAPI:
    if "connectors" in fakes:  # no prefs-api behind fake connectors: every connection is connected
        fakes.setdefault("gate", OpenGate())
    return create_app(settings, Overrides(fakes=fakes))
