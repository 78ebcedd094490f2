"""Each posting process reads the prefs topic on its own (no consumer group): a ``PreferencesChanged``
reaches every process, not only the one its partition is assigned to, so each forgets the
connection's cached state at once. Other records on the topic are left alone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from ledgerbridge_common.events import Envelope, PreferencesChanged, SyncRequested
from ledgerbridge_common.settings import KafkaSettings
from posting_service.prefs_listener import PrefsListener

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@contextlib.asynccontextmanager
async def running(listener: PrefsListener) -> AsyncIterator[None]:
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.wait_for(listener.started.wait(), 30)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def publish(kafka: KafkaSettings, *envelopes: Envelope) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        for env in envelopes:
            await producer.send_and_wait(kafka.topics.prefs, env.to_bytes(), key=env.connection_id.encode())
    finally:
        await producer.stop()


async def until(check: list[str], want: set[str], timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not want <= set(check):
        assert asyncio.get_running_loop().time() < deadline, f"only {check} in {timeout:.0f}s"
        await asyncio.sleep(0.1)


async def test_every_process_forgets_a_connection_when_its_preferences_change(
    kafka_settings: KafkaSettings, connection_id: str
) -> None:
    first: list[str] = []
    second: list[str] = []
    other = f"{connection_id}-other"
    async with (
        running(PrefsListener(kafka_settings, first.append, name="posting-a")),
        running(PrefsListener(kafka_settings, second.append, name="posting-b")),
    ):
        await publish(
            kafka_settings,
            Envelope.wrap(SyncRequested(trigger="sync_now"), connection_id=other),
            Envelope.wrap(PreferencesChanged(version=2), connection_id=connection_id),
        )
        await until(first, {connection_id})
        await until(second, {connection_id})
    assert first == second == [connection_id]
