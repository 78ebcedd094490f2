"""Dead-letter replay on the real broker and database: a letter replayed after the fix is handled
once; a replay command sends each letter's original record exactly once; a forced second replay
is dropped downstream by the inbox (same event id)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text

from ledgerbridge_common.db.engine import make_engine, make_metadata, make_sessionmaker
from ledgerbridge_common.db.inbox import inbox_table
from ledgerbridge_common.events import Envelope
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_ops import actions
from ledgerbridge_ops.dlq import REPLAY_HEADER
from ledgerbridge_ops.settings import OpsSettings
from tests.support.builders import bill_changed

pytestmark = pytest.mark.integration


async def wait_for(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def records_on(bootstrap: str, topic: str) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    out: list = []
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            if not batch and out:
                break
            out.extend(r for recs in batch.values() for r in recs)
    finally:
        await consumer.stop()
    return out


def run_cli(settings: OpsSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LB_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "LB_KAFKA__TOPICS__DLQ": settings.kafka.topics.dlq,
    }
    return subprocess.run(
        [sys.executable, "-m", "ledgerbridge_ops", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


async def test_replay_after_fix_posts_once(kafka_settings, db_settings, connection_id):
    schema = f"t_{uuid.uuid4().hex[:8]}"
    metadata = make_metadata(schema)
    inbox = inbox_table(metadata)
    engine = make_engine(db_settings)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    topics = kafka_settings.topics
    settings = OpsSettings(kafka=kafka_settings)
    publisher = AiokafkaPublisher(kafka_settings, client_id="test")
    await publisher.start()

    fixed = {"value": False}
    posted: list[str] = []

    async def handler(envelope: Envelope, session, emitter) -> None:
        if not fixed["value"]:
            raise ValueError("bug: cannot map this bill")
        posted.append(envelope.event_id)

    runner = ConsumerRunner(
        ConsumerConfig(
            name="replaytest",
            group_id=f"g-{uuid.uuid4().hex[:6]}",
            topics=[topics.changes],
            dlq_topic=topics.dlq,
        ),
        kafka_settings,
        handler,
        make_sessionmaker(engine),
        inbox,
        publisher,
    )
    await runner.start()
    task = asyncio.create_task(runner.run())
    try:
        originals = [Envelope.wrap(bill_changed(f"bill-{i}"), connection_id=connection_id) for i in range(2)]
        for env in originals:
            await publisher.publish(topics.changes, env)

        async def two_letters() -> bool:
            letters, _ = await actions.load_letters(settings)
            return len(letters) == 2

        await wait_for(two_letters, what="two dead letters")
        letters, problems = await actions.load_letters(settings)
        assert problems == []
        assert {s.envelope.payload["original_topic"] for s in letters} == {topics.changes}
        assert not any(s.replayed for s in letters)
        assert posted == []

        fixed["value"] = True  # the fix is deployed
        first = letters[0]
        done, notes = await actions.replay(settings, [first.ref])
        assert [d["id"] for d in done] == [str(first.ref)] and notes == []
        first_event_id = json.loads(first.letter.value)["event_id"]
        await wait_for(lambda: _async(posted == [first_event_id]), what="the replayed letter handled")

        # The record on the original topic is the original one (key, value, headers), once.
        changes = await records_on(kafka_settings.bootstrap_servers, topics.changes)
        replayed = [r for r in changes if REPLAY_HEADER in dict(r.headers)]
        assert len(replayed) == 1
        original = next(r for r in changes if r.offset == first.letter.offset and r.partition == first.letter.partition)
        assert replayed[0].key == original.key
        assert replayed[0].value == original.value
        assert [h for h in replayed[0].headers if h[0] != REPLAY_HEADER] == list(original.headers)

        # Replaying the same letter again is refused without --force.
        done, notes = await actions.replay(settings, [first.ref])
        assert done == [] and "already replayed" in notes[0]

        # --all (through the real command) replays only the other letter, once.
        cli = await asyncio.to_thread(run_cli, settings, "dlq", "replay", "--all", "--json")
        assert cli.returncode == 0, cli.stderr
        assert [d["id"] for d in json.loads(cli.stdout)] == [str(letters[1].ref)]
        await wait_for(lambda: _async(len(posted) == 2), what="the second letter handled")
        assert sorted(posted) == sorted(e.event_id for e in originals)

        cli = await asyncio.to_thread(run_cli, settings, "dlq", "replay", "--all", "--json")
        assert cli.returncode == 0 and json.loads(cli.stdout) == []

        listing = await asyncio.to_thread(run_cli, settings, "dlq", "list", "--json")
        assert all(row["replayed_at"] for row in json.loads(listing.stdout))

        # A forced replay sends the record again; the consumer's inbox drops it (same event id).
        handled_before = runner.handled
        done, _ = await actions.replay(settings, [first.ref], force=True)
        assert done[0]["replays"] == 2
        await wait_for(lambda: _async(runner.handled > handled_before), what="the forced copy consumed")
        assert sorted(posted) == sorted(e.event_id for e in originals)  # still one post per event
        changes = await records_on(kafka_settings.bootstrap_servers, topics.changes)
        assert len([r for r in changes if REPLAY_HEADER in dict(r.headers)]) == 3
    finally:
        await runner.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await publisher.stop()
        await engine.dispose()
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_settings.bootstrap_servers)
        await admin.start()
        try:
            if settings.replay_log_topic in await admin.list_topics():
                await admin.delete_topics([settings.replay_log_topic])
        finally:
            await admin.close()


async def _async(value: bool) -> bool:
    return value
