"""Consumer-group lag of one run's topics through one admin client and one consumer kept for the
run, instead of a new pair (two bootstraps) per topic and measurement: a run measures its lag
about twice a second while it settles. A measurement that fails or is cut by its caller's bound
drops both clients; the next one starts new ones (a broker restarted mid-run)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


def lag_of(ends: Mapping[TopicPartition, int], committed: Mapping[TopicPartition, int], topics: Iterable[str]) -> int:
    """Records of ``topics`` written but not committed: end offsets minus committed offsets (a
    partition with no commit, or a negative one, counts from 0)."""
    wanted = set(topics)
    written = sum(end for tp, end in ends.items() if tp.topic in wanted)
    done = sum(offset for tp, offset in committed.items() if tp.topic in wanted and offset >= 0)
    return int(written - done)


class LagProbe:
    def __init__(self, bootstrap: str, partitions: int) -> None:
        self.bootstrap = bootstrap
        self.partitions = partitions
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            await self.reset()
            admin, consumer = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap), None
            try:
                await admin.start()
                consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
                await consumer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await admin.close()
                    if consumer is not None:
                        await consumer.stop()
                raise
            self._admin, self._consumer = admin, consumer
        return self._admin, self._consumer

    async def ends(self, topics: Iterable[str]) -> dict[TopicPartition, int]:
        """End offsets of every partition of ``topics`` (all ``partitions``: a consumer has no
        metadata for a topic it never read)."""
        async with self._lock:
            _, consumer = await self._clients()
            parts = [TopicPartition(t, p) for t in topics for p in range(self.partitions)]
            return dict(await consumer.end_offsets(parts))

    async def committed(self, group: str) -> dict[TopicPartition, int]:
        async with self._lock:
            admin, _ = await self._clients()
            offsets = await admin.list_consumer_group_offsets(group)
            return {tp: meta.offset for tp, meta in offsets.items()}

    async def lag(self, groups: Mapping[str, Iterable[str]]) -> int:
        """Summed lag of each group on its topics. Commits are read before end offsets: a record
        written and committed between the two reads then never makes the lag look smaller."""
        wanted = {group: list(topics) for group, topics in groups.items()}
        committed = {group: await self.committed(group) for group in wanted}
        ends = await self.ends({t for topics in wanted.values() for t in topics})
        return sum(lag_of(ends, committed[group], topics) for group, topics in wanted.items())

    async def reset(self) -> None:
        """Drop both clients (bounded: a client of a dead broker may take long to close)."""
        admin, consumer, self._admin, self._consumer = self._admin, self._consumer, None, None
        for close in (admin.close if admin else None, consumer.stop if consumer else None):
            if close is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(close(), 5)
