"""ConsumerRunner with ``group_records`` > 1 against the real broker and database: records of one
connection share a transaction, a failing record is rolled back to its savepoint and takes the
one-at-a-time path (retries, DLQ), and every effect still happens exactly once, in order."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.db.engine import make_sessionmaker
from ledgerbridge_common.errors import RateLimitedError, RetryableError
from ledgerbridge_common.events import ChangeDetected, Envelope, SyncRequested
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.common.harness import World, read_all, run_until_handled
from tests.support.builders import bill_changed

pytestmark = pytest.mark.integration


async def test_grouped_records_commit_together_and_failures_go_alone(
    kafka_settings: KafkaSettings, w: World, connection_id: str
) -> None:
    effects, engine, publisher = w.effects, w.engine, w.publisher
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

    runner = w.runner(handler, name="grouped", retry_budget_seconds=10, group_records=50)
    first = Envelope.wrap(bill_changed("a"), connection_id=connection_id)
    names = ["a", "a", "b", "poison", "c", "flaky", "d", "e"]
    for name in names:
        env = first if name == "a" else Envelope.wrap(bill_changed(name), connection_id=connection_id)
        await publisher.publish(topics.changes, env)
    await run_until_handled(runner, len(names))

    async with sessions() as session:
        rows = (await session.execute(effects.select().order_by(effects.c.seq))).all()
    inbox_rows = await w.inbox_rows()
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
    effects, engine, publisher = w.effects, w.engine, w.publisher
    sessions = make_sessionmaker(engine)
    topics = kafka_settings.topics

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event()
        assert isinstance(event, ChangeDetected)
        txid = str((await session.execute(text("SELECT txid_current()"))).scalar_one())
        await session.execute(
            effects.insert().values(connection_id=envelope.connection_id, object_id=event.object_id, txid=txid)
        )

    runner = w.runner(handler, name="grouped", group_records=50)
    # two connections on one partition (same key), in runs: A A A B B A
    key = f"conn-{uuid.uuid4().hex[:6]}"
    plan = [("A", "1"), ("A", "2"), ("A", "3"), ("B", "4"), ("B", "5"), ("A", "6")]
    for conn_name, object_id in plan:
        env = Envelope.wrap(bill_changed(object_id), connection_id=f"{key}-{conn_name}")
        await publisher.publish(topics.changes, env, key=key)
    await run_until_handled(runner, len(plan))

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
    publisher = w.publisher
    topics = kafka_settings.topics
    attempts: dict[str, list[float]] = {}
    loop = asyncio.get_running_loop()

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        event = envelope.event()
        assert isinstance(event, ChangeDetected)
        attempts.setdefault(event.object_id, []).append(loop.time())
        if event.object_id == "limited" and len(attempts["limited"]) == 1:
            raise RateLimitedError("429", retry_after=1.0)

    runner = w.runner(handler, name="grouped", retry_budget_seconds=10, group_records=50)
    for name in ("x", "limited", "y"):
        await publisher.publish(topics.changes, Envelope.wrap(bill_changed(name), connection_id=connection_id))
    await run_until_handled(runner, 3)
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
    publisher = w.publisher
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
    runner = w.runner(handler, name="sides", max_records=100)
    await run_until_handled(runner, 600)
    head = order[:300]
    assert len(order) == 600
    assert min(head.count(first), head.count(second)) >= 50, (head.count(first), head.count(second))
