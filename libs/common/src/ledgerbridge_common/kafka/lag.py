"""Consumer lag, as Kafka's own ``kafka-consumer-groups --describe`` reports it, plus its age.

For every consumer group, topic and partition with a committed offset:

- ``lag_messages`` = log-end offset (high watermark) minus the committed offset — the LAG column
  of ``kafka-consumer-groups``;
- ``lag_seconds`` = now minus the timestamp of the oldest unconsumed record (the record at the
  committed offset), 0 when nothing is waiting.

``measure_lag`` is one look; ``LagMonitor`` is the background task each service runs to keep the
``ledgerbridge_consumer_lag_*`` gauges of its own groups fresh for Prometheus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from ledgerbridge_common.metrics import CONSUMER_LAG_MESSAGES, CONSUMER_LAG_SECONDS
from ledgerbridge_common.settings import KafkaSettings

log = logging.getLogger(__name__)


def connection_options(bootstrap: str | KafkaSettings) -> dict[str, Any]:
    """A bare bootstrap address (ops tools, tests) or the service's settings with TLS and SASL."""
    return {"bootstrap_servers": bootstrap} if isinstance(bootstrap, str) else bootstrap.client_options()


@dataclass(frozen=True)
class LagRow:
    group: str
    topic: str
    partition: int
    end_offset: int
    committed: int
    lag_messages: int
    lag_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class LagProbe:
    """An admin client and a group-less consumer, started once and reused between looks."""

    def __init__(
        self,
        bootstrap: str | KafkaSettings,
        *,
        client_id: str = "ledgerbridge-lag",
        fetch_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._admin = AIOKafkaAdminClient(**connection_options(bootstrap), client_id=client_id)
        self._consumer = AIOKafkaConsumer(
            **connection_options(bootstrap),
            client_id=client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=64 * 1024,
        )
        self._fetch_timeout = fetch_timeout
        self._clock = clock

    async def start(self) -> None:
        await self._admin.start()
        try:
            await self._consumer.start()
        except BaseException:
            await self._admin.close()
            raise

    async def stop(self) -> None:
        try:
            await self._consumer.stop()
        finally:
            await self._admin.close()

    async def groups(self) -> list[str]:
        return sorted({str(entry[0]) for entry in await self._admin.list_consumer_groups()})

    async def measure(self, groups: Sequence[str] | None = None) -> list[LagRow]:
        names = list(groups) if groups is not None else await self.groups()
        existing = await self._consumer.topics()
        committed: dict[str, dict[TopicPartition, int]] = {}
        for group in names:
            offsets = await self._admin.list_consumer_group_offsets(group)
            # A group keeps offsets of topics deleted since: they have no end offset to compare.
            committed[group] = {
                tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0 and tp.topic in existing
            }
        partitions = sorted({tp for by_tp in committed.values() for tp in by_tp})
        if not partitions:
            return []
        ends = await self._end_offsets(partitions)
        committed = {g: {tp: off for tp, off in by_tp.items() if tp in ends} for g, by_tp in committed.items()}
        waiting = {(tp, offset) for by_tp in committed.values() for tp, offset in by_tp.items() if offset < ends[tp]}
        stamps = await self._oldest_timestamps(waiting, ends)
        now = self._clock()
        rows = []
        for group in names:
            for tp, offset in sorted(committed[group].items()):
                lag = max(0, ends[tp] - offset)
                stamp = stamps.get((tp, offset))
                age = max(0.0, now - stamp / 1000) if lag and stamp is not None else 0.0
                rows.append(LagRow(group, tp.topic, tp.partition, ends[tp], offset, lag, age))
        return rows

    async def _end_offsets(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        """End offsets asked topic by topic, concurrently (one request for partitions of many
        topics was seen to take 10 s on a broker with many topics); a topic that does not
        answer in time is left out of this round."""
        by_topic: dict[str, list[TopicPartition]] = {}
        for tp in partitions:
            by_topic.setdefault(tp.topic, []).append(tp)

        async def one(tps: list[TopicPartition]) -> dict[TopicPartition, int]:
            try:
                result: dict[TopicPartition, int] = await asyncio.wait_for(
                    self._consumer.end_offsets(tps), self._fetch_timeout
                )
            except (TimeoutError, KafkaError):
                log.warning("no end offsets for %s this round", tps[0].topic)
                return {}
            return result

        ends: dict[TopicPartition, int] = {}
        for part in await asyncio.gather(*(one(tps) for tps in by_topic.values())):
            ends.update(part)
        return ends

    async def _oldest_timestamps(
        self, wanted: set[tuple[TopicPartition, int]], ends: dict[TopicPartition, int]
    ) -> dict[tuple[TopicPartition, int], int]:
        """Timestamp (ms) of the first record at or after each (partition, offset)."""
        found: dict[tuple[TopicPartition, int], int] = {}
        pending = sorted(wanted, key=lambda item: (item[0], item[1]))
        while pending:
            # One round reads at most one offset per partition (several groups may differ).
            batch: dict[TopicPartition, int] = {}
            rest = []
            for tp, offset in pending:
                if tp in batch:
                    rest.append((tp, offset))
                else:
                    batch[tp] = offset
            found.update(await self._read_first(batch, ends))
            pending = rest
        return found

    async def _read_first(
        self, batch: dict[TopicPartition, int], ends: dict[TopicPartition, int]
    ) -> dict[tuple[TopicPartition, int], int]:
        consumer = self._consumer
        consumer.assign(list(batch))
        for tp, offset in batch.items():
            consumer.seek(tp, offset)
        open_tps = set(batch)
        found: dict[tuple[TopicPartition, int], int] = {}
        deadline = time.monotonic() + self._fetch_timeout
        while open_tps and time.monotonic() < deadline:
            records = await consumer.getmany(*open_tps, timeout_ms=200)
            for tp, recs in records.items():
                if tp in open_tps and recs:
                    found[(tp, batch[tp])] = recs[0].timestamp
                    open_tps.discard(tp)
            for tp in list(open_tps):
                # Only control records (transaction markers) left: nothing to date.
                if await consumer.position(tp) >= ends[tp]:
                    open_tps.discard(tp)
        return found


async def measure_lag(
    bootstrap: str | KafkaSettings, groups: Sequence[str] | None = None, *, clock: Callable[[], float] = time.time
) -> list[LagRow]:
    """One look at the lag of ``groups`` (all groups of the cluster when None)."""
    probe = LagProbe(bootstrap, clock=clock)
    await probe.start()
    try:
        return await probe.measure(groups)
    finally:
        await probe.stop()


def publish_gauges(rows: Sequence[LagRow]) -> None:
    for row in rows:
        labels = (row.group, row.topic, str(row.partition))
        CONSUMER_LAG_MESSAGES.labels(*labels).set(row.lag_messages)
        CONSUMER_LAG_SECONDS.labels(*labels).set(row.lag_seconds)


class LagMonitor:
    """Every ``interval`` seconds, measure the lag of ``groups`` and set the Prometheus gauges.

    Start it in the service's lifespan and stop it on shutdown; Kafka trouble is logged and the
    next round tries again (the gauges keep their last value meanwhile)."""

    def __init__(self, bootstrap: str | KafkaSettings, groups: Sequence[str], *, interval: float = 15.0) -> None:
        self.groups = list(groups)
        self.interval = interval
        self._bootstrap = bootstrap
        self._probe = self._new_probe()
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self.last: list[LagRow] = []

    def _new_probe(self) -> LagProbe:
        return LagProbe(self._bootstrap, client_id="ledgerbridge-lag-monitor")

    async def refresh(self) -> list[LagRow]:
        if not self._started:
            try:
                await self._probe.start()
            except BaseException:
                self._probe = self._new_probe()  # a client that failed to start is not reused
                raise
            self._started = True
        self.last = await self._probe.measure(self.groups)
        publish_gauges(self.last)
        return self.last

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="lag-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._started:
            await self._probe.stop()
            self._started = False

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except (TimeoutError, KafkaError, OSError):
                log.warning("consumer lag measurement failed; retrying next round", exc_info=True)
            await asyncio.sleep(self.interval)
