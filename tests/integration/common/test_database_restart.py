"""The consumer runner when PostgreSQL ends the handler's connection mid-record (what a server
restart does to every open connection): the record is retried once the database answers, never
dead-lettered, and its effects are written exactly once. Real broker, real PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.db.engine import make_engine
from ledgerbridge_common.events import ChangeDetected, Envelope
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.settings import DatabaseSettings
from tests.integration.common.harness import World, read_all, run_until_handled
from tests.support.builders import bill_changed
from tests.support.tcp_gate import TcpGate

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_a_backend_terminated_mid_record_is_retried_not_dead_lettered(w: World, connection_id: str) -> None:
    terminated: list[int] = []

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event_as(ChangeDetected)
        await session.execute(w.effects.insert().values(connection_id=connection_id, object_id=event.object_id))
        if not terminated:  # the server ends this very connection, as a restart ends them all (57P01)
            terminated.append((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    runner = w.runner(handler, name="pg-restart", retry_budget_seconds=0.1)
    envelopes = [Envelope.wrap(bill_changed(f"bill-{n}"), connection_id=connection_id) for n in range(3)]
    for env in envelopes:
        await w.publisher.publish(w.kafka.topics.changes, env)
    await run_until_handled(runner, len(envelopes))

    assert terminated, "the handler's connection was terminated"
    letters = await read_all(w.kafka.bootstrap_servers, w.kafka.topics.dlq, 0, timeout=2)
    assert letters == [], "a connection the server ended is never a dead letter"
    async with w.engine.connect() as conn:
        rows = (await conn.execute(w.effects.select().order_by(w.effects.c.seq))).all()
    assert sorted(r.object_id for r in rows) == ["bill-0", "bill-1", "bill-2"], "each record's effects exactly once"
    assert await w.inbox_rows() == len(envelopes)


async def test_a_server_down_mid_record_is_retried_until_it_is_back(
    w: World, connection_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The restart seen from the client: the connection in use drops, then connects are refused
    (a bare ConnectionRefusedError out of the pool) until the server listens again."""
    real = make_url(w.engine.url)
    gate = TcpGate(real.host or "127.0.0.1", real.port or 5432)
    await gate.up()
    proxied = make_engine(
        DatabaseSettings(url=real.set(host="127.0.0.1", port=gate.port).render_as_string(hide_password=False))
    )
    restarted: list[asyncio.Task[None]] = []

    async def back_up() -> None:
        await asyncio.sleep(1.0)
        await gate.up()

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event_as(ChangeDetected)
        if not restarted:
            await gate.down()
            restarted.append(asyncio.create_task(back_up()))
        await session.execute(w.effects.insert().values(connection_id=connection_id, object_id=event.object_id))

    try:
        runner = dataclasses.replace(w, engine=proxied).runner(handler, name="pg-down", retry_budget_seconds=0.1)
        envelopes = [Envelope.wrap(bill_changed(f"bill-{n}"), connection_id=connection_id) for n in range(3)]
        for env in envelopes:
            await w.publisher.publish(w.kafka.topics.changes, env)
        await run_until_handled(runner, len(envelopes))
        await restarted[0]
    finally:
        await proxied.dispose()
        await gate.down()

    letters = await read_all(w.kafka.bootstrap_servers, w.kafka.topics.dlq, 0, timeout=2)
    assert letters == [], "PostgreSQL down is never a dead letter"
    assert "waiting for PostgreSQL or Kafka" in caplog.text, "the record waited (and said so) while it was down"
    async with w.engine.connect() as conn:
        rows = (await conn.execute(w.effects.select())).all()
    assert sorted(r.object_id for r in rows) == ["bill-0", "bill-1", "bill-2"], "each record's effects exactly once"
