"""ConsumerRunner against the real broker and database: inbox, emit, DLQ, retries."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.connectors.billcom.budget import spent_error
from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events import ChangeDetected, Envelope, SyncRequested
from ledgerbridge_common.kafka.consumer import Emitter
from tests.integration.common.harness import World, read_all, run_until_handled
from tests.support.builders import bill_changed

pytestmark = pytest.mark.integration


async def test_handles_once_emits_and_dead_letters(w: World, connection_id: str) -> None:
    topics = w.kafka.topics
    seen: list[str] = []
    flaky = {"count": 0}

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event_as(ChangeDetected)
        if event.object_id == "poison":
            raise ValueError("cannot handle this one")
        if event.object_id == "flaky" and flaky["count"] < 2:
            flaky["count"] += 1
            raise RetryableError("vendor hiccup")
        seen.append(event.object_id)
        emitter.emit(topics.outcomes, SyncRequested(trigger="sync_now"))

    runner = w.runner(handler, retry_budget_seconds=10)
    first = Envelope.wrap(bill_changed("a"), connection_id=connection_id)
    for env in (
        first,
        first,
        Envelope.wrap(bill_changed("poison"), connection_id=connection_id),
        Envelope.wrap(bill_changed("flaky"), connection_id=connection_id),
        Envelope.wrap(bill_changed("b"), connection_id=connection_id),
    ):
        await w.publisher.publish(topics.changes, env)
    await run_until_handled(runner, 5)
    assert seen == ["a", "flaky", "b"], "duplicate dropped by the inbox, order kept, retryable retried"
    emitted = await read_all(w.kafka.bootstrap_servers, topics.outcomes, 3)
    assert len(emitted) == 3
    assert all(e.correlation_id for e in emitted)
    assert emitted[0].causation_id == first.event_id and emitted[0].correlation_id == first.correlation_id
    letters = await read_all(w.kafka.bootstrap_servers, topics.dlq, 1)
    assert len(letters) == 1
    letter = letters[0].event()
    assert letter.consumer == "test" and "cannot handle" in letter.error  # type: ignore[attr-defined]
    assert await w.inbox_rows() == 3, "a dead-lettered record leaves no inbox row, so its replay is handled"


async def test_database_outage_is_retried_past_the_budget_not_dead_lettered(w: World, connection_id: str) -> None:
    failures = {"left": 3}
    handled: list[str] = []

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("the database system is shutting down"))
        handled.append(envelope.event_id)

    runner = w.runner(handler, name="outage", retry_budget_seconds=0.1)
    env = Envelope.wrap(bill_changed("during-outage"), connection_id=connection_id)
    await w.publisher.publish(w.kafka.topics.changes, env)
    await run_until_handled(runner, 1)
    assert handled == [env.event_id], "handled once the database answered again"
    assert failures["left"] == 0
    letters = await read_all(w.kafka.bootstrap_servers, w.kafka.topics.dlq, 0, timeout=2)
    assert letters == [], "an outage of our own database is never a dead letter"


async def test_a_spent_vendor_hour_waits_past_the_budget_and_is_never_a_failure(w: World, connection_id: str) -> None:

    spent_until = {"at": time.time() + 1.5}  # a short "hour": the handler is parked until then
    refusals: list[str] = []
    handled: list[str] = []

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        if time.time() < spent_until["at"]:
            error = spent_error(spent_until["at"])
            refusals.append(error.message)
            raise error
        handled.append(envelope.event_id)

    runner = w.runner(handler, name="bill-hour", retry_budget_seconds=0.1)
    env = Envelope.wrap(bill_changed("after-the-hour"), connection_id=connection_id)
    await w.publisher.publish(w.kafka.topics.changes, env)
    await run_until_handled(runner, 1)
    assert handled == [env.event_id], "handled by itself once the hour turned"
    assert refusals and all(r.startswith("BILL's hourly request limit; resumes at ") for r in refusals)
    assert len(refusals) <= 3, "it waited for the resume time instead of retrying in a loop"
    letters = await read_all(w.kafka.bootstrap_servers, w.kafka.topics.dlq, 0, timeout=2)
    assert letters == [], "a spent hour is never a dead letter"
