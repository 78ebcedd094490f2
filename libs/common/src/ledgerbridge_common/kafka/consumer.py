"""The consumer runner: handle each record in a DB transaction that records its id, publish what
the handler emitted, commit the transaction, then commit the offset.

With ``group_records`` > 1, consecutive records of one partition and one connection that a poll
brought together share one transaction (each in its own savepoint, in order): one commit and one
wait for Kafka's acknowledgements instead of one per record. A record whose handler raises is
rolled back to its savepoint; the ones before it are published and committed, and it takes the
one-at-a-time path (retries, dead-letter topic) from there.

Per partition, records are handled one at a time, in order; partitions run concurrently. A record
whose envelope cannot be read, or whose handler raises a non-retryable error, goes to the
dead-letter topic on purpose. A ``RetryableError`` is retried with backoff (the offset is not
committed meanwhile, so order per connection holds) until ``retry_budget_seconds`` runs out; then
the record goes to the dead-letter topic too.

Outgoing event ids are derived from the incoming event id, so re-handling a record after a crash
re-publishes the same ids and downstream inboxes drop the copies.

Rebalances and shutdown: when the group takes partitions away (another instance joined, or this
one is stopping), the runner stops starting new records of those partitions, lets the one in
flight finish (at most ``release_grace_seconds``), commits what is done and only then lets the
rebalance go on, so the next owner starts exactly where this one stopped. ``stop()`` does the same
for every partition: no new fetch, the records in flight finish (bounded), offsets are committed,
then the consumer leaves the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.kafka.emitter import Emitter, Handler
from ledgerbridge_common.kafka.producer import EventPublisher
from ledgerbridge_common.kafka.records import GroupBreaks, Record, RecordHandling
from ledgerbridge_common.kafka.routing import Router, Routes
from ledgerbridge_common.settings import KafkaSettings

log = logging.getLogger(__name__)
__all__ = ["ConsumerConfig", "ConsumerRunner", "Emitter", "Handler", "PartitionPrepass"]


class PartitionPrepass(Protocol):
    """A pass over one partition's fetched records before they are handled one by one (posting's
    batch writes). It returns the offset of the first record to leave for the next poll, if any."""

    async def prepare(self, records: Sequence[Record], *, more_waiting: bool = False) -> int | None: ...


@dataclass
class ConsumerConfig:
    name: str
    group_id: str
    topics: list[str]
    dlq_topic: str
    retry_budget_seconds: float = 60.0
    max_records: int = 200
    auto_offset_reset: str = "earliest"
    group_records: int = 1
    """At most this many records of one partition and one connection per transaction."""
    release_grace_seconds: float = 20.0
    """How long a rebalance or ``stop()`` waits for the records in flight before committing."""


class ConsumerRunner:
    """Polls its topics and hands each partition's records to ``RecordHandling`` (see module doc)."""

    def __init__(
        self,
        config: ConsumerConfig,
        kafka: KafkaSettings,
        handler: Handler | Routes,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        publisher: EventPublisher,
        *,
        prepass: PartitionPrepass | None = None,
        group_breaks: GroupBreaks | None = None,
    ) -> None:
        """``handler`` is a routing table ``{EventType: handler}`` (a type it does not name goes to
        the dead-letter topic) or one handler for every record. ``group_breaks`` adds reasons for
        a record to start a new transaction (with ``group_records`` > 1)."""
        self.config = config
        self.prepass = prepass
        self._extra_breaks = group_breaks
        self._stopping = asyncio.Event()
        self.records = RecordHandling(
            config.name,
            config.dlq_topic,
            config.retry_budget_seconds,
            Router(handler) if isinstance(handler, Mapping) else handler,
            sessions,
            inbox,
            publisher,
            self._stopping,
        )
        self._kafka = kafka
        self.consumer: AIOKafkaConsumer
        """Made at ``start()``: aiokafka clients belong to the running loop."""
        self._idle = asyncio.Event()
        self._idle.set()
        self._running = False
        self._finished = asyncio.Event()
        self._revoking: set[TopicPartition] = set()
        self.released = 0
        """How many rebalances took partitions away from this runner (for tests and logs)."""

    @property
    def handled(self) -> int:
        """Records handled so far (handled, duplicate or dead-lettered)."""
        return self.records.handled

    def new_consumer(self) -> AIOKafkaConsumer:
        """This runner's Kafka consumer (the settings' TLS and SASL options included), not started."""
        return AIOKafkaConsumer(
            **self._kafka.client_options(),
            group_id=self._kafka.group(self.config.group_id),
            client_id=f"{self._kafka.client_id_prefix}-{self.config.name}",
            enable_auto_commit=False,
            auto_offset_reset=self.config.auto_offset_reset,
            max_poll_interval_ms=600_000,
        )

    async def start(self) -> None:
        self.consumer = self.new_consumer()
        self.consumer.subscribe(self.config.topics, listener=_ReleaseOnRevoke(self))
        await self.consumer.start()

    async def stop(self) -> None:
        """Stop fetching, let the records in flight finish (at most ``release_grace_seconds``),
        commit their offsets, then leave the group."""
        self._stopping.set()
        if not hasattr(self, "consumer"):
            return
        if self._running:
            try:
                async with asyncio.timeout(self.config.release_grace_seconds):
                    await self._finished.wait()
            except TimeoutError:
                log.warning("records still in flight after %.0f s; stopping anyway", self.config.release_grace_seconds)
        await self.consumer.stop()

    async def run(self) -> None:
        """Poll until stopped. Start first."""
        self._running = True
        try:
            while not self._stopping.is_set():
                try:
                    batches = await self.consumer.getmany(timeout_ms=500, max_records=self.config.max_records)
                    if batches:
                        await self._top_up(batches)
                except KafkaError:
                    log.exception("poll failed; retrying")
                    await asyncio.sleep(1)
                    continue
                if batches and not self._stopping.is_set():
                    self._idle.clear()
                    try:
                        await self._handle_poll(batches)
                    finally:
                        self._idle.set()
        finally:
            self._finished.set()

    async def _handle_poll(self, batches: dict[TopicPartition, list[Record]]) -> None:
        results = await asyncio.gather(*(self._handle_fetched(tp, records) for tp, records in batches.items()))
        offsets = {tp: off for tp, off in zip(batches, results, strict=True) if off is not None}
        if offsets:
            try:
                await self.consumer.commit(offsets)
            except (CommitFailedError, KafkaError):
                log.warning("offset commit failed; records will be re-handled (idempotent)")

    async def release(self, revoked: set[TopicPartition]) -> None:
        """The group takes ``revoked`` away: no new record of them starts, the one in flight
        finishes (bounded) and the poll's offsets are committed before the rebalance goes on."""
        self._revoking |= revoked
        try:
            async with asyncio.timeout(self.config.release_grace_seconds):
                await self._idle.wait()
        except TimeoutError:
            log.warning("partitions %s revoked with a record still in flight; its next owner may re-read it", revoked)
        self._revoking -= revoked
        self.released += 1

    def _leaving(self, partition: TopicPartition) -> bool:
        return self._stopping.is_set() or partition in self._revoking

    def _seek(self, partition: TopicPartition, offset: int) -> None:
        """Re-read from ``offset`` on the next poll, unless the partition was revoked meanwhile
        (its next owner starts from the committed offset)."""
        with contextlib.suppress(IllegalStateError):
            self.consumer.seek(partition, offset)

    async def _handle_fetched(self, partition: TopicPartition, records: list[Record]) -> int | None:
        """Run the pre-pass (if any), then handle the records it did not leave for the next poll."""
        if self.prepass is None or self._leaving(partition) or not records:
            return await self._handle_partition(records)
        highwater = self.consumer.highwater(partition)
        more_waiting = highwater is not None and highwater > records[-1].offset + 1
        try:
            defer_from = await self.prepass.prepare(records, more_waiting=more_waiting)
        except Exception:
            log.exception("partition pre-pass failed; handling records one by one")
            defer_from = None
        if defer_from is None:
            return await self._handle_partition(records)
        kept = [r for r in records if r.offset < defer_from]
        last = await self._handle_partition(kept) if kept else None
        if not kept or last == kept[-1].offset + 1:
            self._seek(partition, defer_from)  # the rest waits for the next poll
        return last

    async def _top_up(self, batches: dict[TopicPartition, list[Record]]) -> None:
        """A poll is filled from one partition's buffer first; add what the other assigned
        partitions already have buffered, so that partitions (connections) progress side by side
        instead of taking turns."""
        for partition in self.consumer.assignment():
            if partition not in batches:
                more = await self.consumer.getmany(partition, timeout_ms=0, max_records=self.config.max_records)
                batches.update(more)

    async def _handle_partition(self, records: list[Record]) -> int | None:
        last: int | None = None
        index, alone = 0, False
        partition = TopicPartition(records[0].topic, records[0].partition) if records else None
        while index < len(records) and partition is not None and not self._leaving(partition):
            done = 0
            if self.config.group_records > 1 and index + 1 < len(records) and not alone:
                done, alone = await self.records.handle_group(
                    records[index : index + self.config.group_records], self.group_breaks
                )
            if done == 0:
                alone = False
                record = records[index]
                if not await self.records.handle_record(record):
                    # Not handled and not dead-lettered (Kafka or PostgreSQL down): read it again.
                    self._seek(partition, record.offset)
                    await asyncio.sleep(1)
                    break
                done = 1
            index += done
            last = records[index - 1].offset + 1
        return last

    def group_breaks(self, envelope: Envelope, group: list[Envelope]) -> bool:
        """True when ``envelope`` must start a new transaction rather than join ``group``: another
        connection (a transaction holds one connection's locks only), or a reason the service added."""
        if envelope.connection_id != group[0].connection_id:
            return True
        return self._extra_breaks is not None and self._extra_breaks(envelope, group)


class _ReleaseOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka ships no types
    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if revoked:
            await self.runner.release(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("partitions assigned to %s: %s", self.runner.config.name, sorted(map(str, assigned)))
