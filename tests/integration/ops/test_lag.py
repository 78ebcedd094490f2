"""measure_lag() against Kafka's own ``kafka-consumer-groups --describe``, under a backlog."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata

from ledgerbridge_common.kafka.lag import LagMonitor, measure_lag
from ledgerbridge_common.metrics import CONSUMER_LAG_MESSAGES, CONSUMER_LAG_SECONDS
from tests.conftest import KAFKA

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
PARTITIONS = 3
PER_PARTITION = 40
CONSUMED = {0: 10, 1: 0, 2: 40}  # partition 2 fully caught up, partition 1 untouched
AGE_S = {0: 120.0, 1: 300.0, 2: 0.0}  # age given to the first unconsumed record of each partition


def kafka_tool_describe(group: str) -> dict[tuple[str, int], dict[str, str]]:
    """Rows of ``kafka-consumer-groups --describe --group G``, keyed by (topic, partition)."""
    out = subprocess.run(
        ["bash", str(REPO / "deploy/local/kafka.sh"), "consumer-groups", "--describe", "--group", group],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "LB_KAFKA_PORT": KAFKA.rsplit(":", 1)[1]},
    ).stdout
    lines = [line.split() for line in out.splitlines() if line.strip()]
    header = next(cols for cols in lines if cols[:2] == ["GROUP", "TOPIC"])
    rows = {}
    for cols in lines:
        if cols and cols[0] == group:
            row = dict(zip(header, cols, strict=False))
            rows[(row["TOPIC"], int(row["PARTITION"]))] = row
    return rows


@pytest.fixture
async def backlog_topic():
    topic = f"lagtest.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name=topic, num_partitions=PARTITIONS, replication_factor=1)])
        yield topic
        await admin.delete_topics([topic])
    finally:
        await admin.close()


async def make_backlog(topic: str, group: str) -> float:
    """Produce PER_PARTITION records per partition, with the first unconsumed one dated AGE_S ago;
    consume and commit CONSUMED[p] of them with ``group``. Returns the reference time."""
    now = time.time()
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        futures = []
        for partition in range(PARTITIONS):
            for i in range(PER_PARTITION):
                age = AGE_S[partition] if i == CONSUMED[partition] else 1.0
                stamp = int((now - age - (PER_PARTITION - i) * 0.001) * 1000)
                futures.append(
                    await producer.send(topic, f"{partition}-{i}".encode(), partition=partition, timestamp_ms=stamp)
                )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        bootstrap_servers=KAFKA, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        wanted = {tp: CONSUMED[tp.partition] for tp in tps}
        seen = dict.fromkeys(tps, 0)
        deadline = time.monotonic() + 20
        while any(seen[tp] < wanted[tp] for tp in tps) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for tp, recs in batch.items():
                seen[tp] = min(wanted[tp], seen[tp] + len(recs))
        assert seen == wanted, f"could not consume the planned records: {seen}"
        await consumer.commit({tp: OffsetAndMetadata(wanted[tp], "") for tp in tps})
    finally:
        await consumer.stop()
    return now


async def test_lag_matches_kafka_consumer_groups_tool(backlog_topic):
    group = f"lagtest-{uuid.uuid4().hex[:8]}"
    produced_at = await make_backlog(backlog_topic, group)

    rows = await measure_lag(KAFKA, [group])
    measured_at = time.time()
    tool = await asyncio.to_thread(kafka_tool_describe, group)

    mine = {(r.topic, r.partition): r for r in rows}
    assert set(mine) == set(tool) == {(backlog_topic, p) for p in range(PARTITIONS)}
    for key, row in mine.items():
        theirs = tool[key]
        assert row.group == group
        assert str(row.committed) == theirs["CURRENT-OFFSET"], key
        assert str(row.end_offset) == theirs["LOG-END-OFFSET"], key
        assert str(row.lag_messages) == theirs["LAG"], key
    for partition in range(PARTITIONS):
        row = mine[(backlog_topic, partition)]
        assert row.lag_messages == PER_PARTITION - CONSUMED[partition]
        if row.lag_messages == 0:
            assert row.lag_seconds == 0.0
        else:
            lo = AGE_S[partition] - 1
            hi = AGE_S[partition] + (measured_at - produced_at) + 1
            assert lo <= row.lag_seconds <= hi, (partition, row.lag_seconds)


async def test_all_groups_listing_includes_the_group(backlog_topic):
    group = f"lagtest-{uuid.uuid4().hex[:8]}"
    await make_backlog(backlog_topic, group)
    rows = await measure_lag(KAFKA)
    assert {r.partition for r in rows if r.group == group} == set(range(PARTITIONS))


async def test_lag_monitor_sets_the_prometheus_gauges(backlog_topic):
    group = f"lagtest-{uuid.uuid4().hex[:8]}"
    await make_backlog(backlog_topic, group)
    monitor = LagMonitor(KAFKA, [group], interval=0.2)
    await monitor.start()
    try:
        deadline = time.monotonic() + 15
        while not monitor.last and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        await monitor.stop()
    assert monitor.last
    for partition in range(PARTITIONS):
        labels = (group, backlog_topic, str(partition))
        assert CONSUMER_LAG_MESSAGES.labels(*labels)._value.get() == PER_PARTITION - CONSUMED[partition]
        seconds = CONSUMER_LAG_SECONDS.labels(*labels)._value.get()
        assert (seconds > AGE_S[partition] - 1) if CONSUMED[partition] < PER_PARTITION else seconds == 0
