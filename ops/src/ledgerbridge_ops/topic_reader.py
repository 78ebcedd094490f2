"""Read a whole topic, from its beginning to the end offsets seen at the start (no consumer group)."""

from __future__ import annotations

import time
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from ledgerbridge_common.kafka.lag import connection_options
from ledgerbridge_common.settings import KafkaSettings


async def read_topic(
    bootstrap: str | KafkaSettings, topic: str, *, within: float = 30.0, client_id: str = "ledgerbridge-ops"
) -> list[ConsumerRecord[Any, Any]]:
    """Every record of ``topic`` present when the call starts, ordered by (partition, offset).

    A missing topic reads as empty. Raises TimeoutError if the end is not reached in time."""
    consumer = AIOKafkaConsumer(
        **connection_options(bootstrap),
        client_id=client_id,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topic)
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[Any, Any]] = []
        open_tps = {tp for tp in partitions if ends[tp] > 0}
        deadline = time.monotonic() + within
        while open_tps:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end within {within:.0f} s")
            batch = await consumer.getmany(*open_tps, timeout_ms=300)
            for tp, recs in batch.items():
                records.extend(r for r in recs if r.offset < ends[tp])
            for tp in list(open_tps):
                if await consumer.position(tp) >= ends[tp]:
                    open_tps.discard(tp)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    # aiokafka has no public "describe this topic" on the consumer; its client's metadata call
    # is what ``consumer.topics()`` uses too.
    cluster = await consumer._client.fetch_all_metadata()
    ids = cluster.partitions_for_topic(topic) or set()
    return [TopicPartition(topic, p) for p in sorted(ids)]
