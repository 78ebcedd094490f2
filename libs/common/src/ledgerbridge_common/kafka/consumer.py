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
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_delay, wait_exponential

from ledgerbridge_common import tracing
from ledgerbridge_common.db.inbox import record_message
from ledgerbridge_common.errors import InfrastructureError, RateLimitedError, RetryableError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import DeadLetter, Event, deterministic_id
from ledgerbridge_common.kafka.producer import EventPublisher
from ledgerbridge_common.logging import correlation_scope
from ledgerbridge_common.metrics import DEAD_LETTERS, MESSAGE_HANDLE_SECONDS, MESSAGES_CONSUMED
from ledgerbridge_common.settings import KafkaSettings

log = logging.getLogger(__name__)


@dataclass
class Emitter:
    """Collects the events a handler emits; the runner publishes them after the handler returns."""

    source: Envelope
    consumer: str
    items: list[tuple[str, Envelope]] = field(default_factory=list)

    def emit(self, topic: str, event: Event, *, connection_id: str | None = None) -> Envelope:
        env = Envelope.wrap(
            event,
            connection_id=connection_id or self.source.connection_id,
            correlation_id=self.source.correlation_id,
            causation_id=self.source.event_id,
            event_id=deterministic_id(self.source.event_id, self.consumer, str(len(self.items))),
        )
        tracing.remember(env)
        self.items.append((topic, env))
        return env


Handler = Callable[[Envelope, AsyncSession, Emitter], Awaitable[None]]
"""``async def handle(envelope, session, emitter)``; services bind their other dependencies
with functools.partial / closures in their composition root."""


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


class ConsumerRunner:
    def __init__(
        self,
        config: ConsumerConfig,
        kafka: KafkaSettings,
        handler: Handler,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        publisher: EventPublisher,
    ) -> None:
        self.config = config
        self.handler = handler
        self.sessions = sessions
        self.inbox = inbox
        self.publisher = publisher
        self.consumer = AIOKafkaConsumer(
            *config.topics,
            bootstrap_servers=kafka.bootstrap_servers,
            group_id=config.group_id,
            client_id=f"{kafka.client_id_prefix}-{config.name}",
            enable_auto_commit=False,
            auto_offset_reset=config.auto_offset_reset,
            max_poll_interval_ms=600_000,
        )
        self._stopping = asyncio.Event()
        self.handled = 0

    async def start(self) -> None:
        await self.consumer.start()

    async def stop(self) -> None:
        self._stopping.set()
        await self.consumer.stop()

    async def run(self) -> None:
        """Poll until stopped. Start first."""
        while not self._stopping.is_set():
            try:
                batches = await self.consumer.getmany(timeout_ms=500, max_records=self.config.max_records)
                if batches:
                    await self._top_up(batches)
            except KafkaError:
                log.exception("poll failed; retrying")
                await asyncio.sleep(1)
                continue
            if not batches:
                continue
            results = await asyncio.gather(*(self._handle_partition(records) for records in batches.values()))
            offsets = {tp: off for tp, off in zip(batches, results, strict=True) if off is not None}
            if offsets:
                try:
                    await self.consumer.commit(offsets)
                except (CommitFailedError, KafkaError):
                    log.warning("offset commit failed; records will be re-handled (idempotent)")

    async def _top_up(self, batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        """A poll is filled from one partition's buffer first; add what the other assigned
        partitions already have buffered, so that partitions (connections) progress side by side
        instead of taking turns."""
        for partition in self.consumer.assignment():
            if partition not in batches:
                more = await self.consumer.getmany(partition, timeout_ms=0, max_records=self.config.max_records)
                batches.update(more)

    async def _handle_partition(self, records: list[ConsumerRecord[Any, Any]]) -> int | None:
        last: int | None = None
        index, alone = 0, False
        while index < len(records) and not self._stopping.is_set():
            done = 0
            if self.config.group_records > 1 and index + 1 < len(records) and not alone:
                done, alone = await self._handle_group(records[index : index + self.config.group_records])
            if done == 0:
                alone = False
                record = records[index]
                if not await self.handle_record(record):
                    # Not handled and not dead-lettered (Kafka or PostgreSQL down): read it again.
                    self.consumer.seek(TopicPartition(record.topic, record.partition), record.offset)
                    await asyncio.sleep(1)
                    break
                done = 1
            index += done
            last = records[index - 1].offset + 1
        return last

    def group_breaks(self, envelope: Envelope, group: list[Envelope]) -> bool:
        """True when ``envelope`` must start a new transaction rather than join ``group``: another
        connection (a transaction holds one connection's locks only). Services may add reasons."""
        return envelope.connection_id != group[0].connection_id

    async def _handle_group(self, records: list[ConsumerRecord[Any, Any]]) -> tuple[int, bool]:
        """Handle the leading records that can share one transaction: how many were handled and
        committed (0: none, the caller takes the first one alone), and whether the next one must
        go alone (its handler raised here)."""
        envelopes: list[Envelope] = []
        for record in records:
            try:
                envelope = Envelope.from_bytes(record.value)
            except ValueError:
                break
            if envelopes and self.group_breaks(envelope, envelopes):
                break
            envelopes.append(envelope)
        if len(envelopes) < 2:
            return 0, False
        results: list[tuple[str, float]] = []
        items: list[tuple[str, Envelope]] = []
        failed, pause = False, 0.0
        try:
            async with self.sessions() as session, session.begin():
                for record, envelope in zip(records, envelopes, strict=False):
                    started = time.perf_counter()
                    emitter = Emitter(source=envelope, consumer=self.config.name)
                    try:
                        with (
                            correlation_scope(envelope.correlation_id, envelope.connection_id),
                            tracing.consume_span(self.config.name, record.topic, record.headers, envelope),
                        ):
                            async with session.begin_nested():
                                result = "duplicate"
                                if await record_message(session, self.inbox, self.config.name, envelope.event_id):
                                    await self.handler(envelope, session, emitter)
                                    result = "handled"
                    except Exception as exc:  # rolled back to its savepoint; it goes alone next
                        log.debug("record left to the one-at-a-time path", exc_info=True)
                        failed = True
                        if isinstance(exc, RateLimitedError) and exc.retry_after:
                            pause = min(exc.retry_after, 60)  # as the one-at-a-time path would
                        break
                    items.extend(emitter.items)
                    results.append((result, time.perf_counter() - started))
                if items:
                    await self.publisher.publish_many(items)
        except Exception:
            log.warning("grouped transaction failed; handling the records one at a time", exc_info=True)
            return 0, False
        for record, envelope, (result, seconds) in zip(records, envelopes, results, strict=False):
            with correlation_scope(envelope.correlation_id, envelope.connection_id):
                self._count(record, envelope, result, seconds)
        if pause:
            await asyncio.sleep(pause)
        return len(results), failed

    def _count(self, record: ConsumerRecord[Any, Any], envelope: Envelope, result: str, seconds: float) -> None:
        extra = {"consumer": self.config.name, "type": envelope.type, "event_id": envelope.event_id}
        extra.update(topic=record.topic, partition=record.partition, offset=record.offset)
        log.info("message %s", result, extra=extra)
        MESSAGES_CONSUMED.labels(self.config.name, record.topic, result).inc()
        MESSAGE_HANDLE_SECONDS.labels(self.config.name, record.topic).observe(seconds)
        self.handled += 1

    async def handle_record(self, record: ConsumerRecord[Any, Any]) -> bool:
        """Handle one record; False when it was abandoned because the runner is stopping while
        Kafka or PostgreSQL is unreachable (its offset must not be committed)."""
        topic = record.topic
        started = time.perf_counter()
        try:
            envelope = Envelope.from_bytes(record.value)
        except ValueError as exc:
            if not await self._dead_letter(record, f"unreadable envelope: {exc}"):
                return False
            MESSAGES_CONSUMED.labels(self.config.name, topic, "dead_letter").inc()
            return True
        with (
            correlation_scope(envelope.correlation_id, envelope.connection_id),
            tracing.consume_span(self.config.name, topic, record.headers, envelope),
        ):
            try:
                result = await self._handle_with_retries(envelope)
            except InfrastructureError:
                log.warning("stopping while Kafka or PostgreSQL is unreachable; the record will be re-read")
                return False
            except Exception as exc:
                log.exception("handler failed; sending to dead-letter topic")
                if not await self._dead_letter(record, "".join(traceback.format_exception_only(exc)).strip()):
                    return False
                result = "dead_letter"
            self._count(record, envelope, result, time.perf_counter() - started)
        return True

    async def _handle_with_retries(self, envelope: Envelope) -> str:
        result = "handled"
        budget = stop_after_delay(self.config.retry_budget_seconds)

        def give_up(state: RetryCallState) -> bool:
            # Our own infrastructure being down is no reason to dead-letter a message: keep the
            # partition where it is until Kafka / PostgreSQL are back (or the runner stops).
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, InfrastructureError):
                return self._stopping.is_set()
            return budget(state)

        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(RetryableError),
            wait=wait_exponential(multiplier=0.2, max=10),
            stop=give_up,
            reraise=True,
        ):
            with attempt:
                result = await self._handle_once(envelope)
        return result

    async def _handle_once(self, envelope: Envelope) -> str:
        try:
            return await self._handle_in_transaction(envelope)
        except (OperationalError, InterfaceError) as exc:
            raise InfrastructureError(f"PostgreSQL unavailable: {exc}", code="database") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise InfrastructureError(f"PostgreSQL connection lost: {exc}", code="database") from exc
            raise

    async def _handle_in_transaction(self, envelope: Envelope) -> str:
        emitter = Emitter(source=envelope, consumer=self.config.name)
        async with self.sessions() as session, session.begin():
            if not await record_message(session, self.inbox, self.config.name, envelope.event_id):
                return "duplicate"
            try:
                await self.handler(envelope, session, emitter)
            except RateLimitedError as exc:
                if exc.retry_after:
                    await asyncio.sleep(min(exc.retry_after, 60))
                raise
            if emitter.items:
                await self.publisher.publish_many(emitter.items)
        return "handled"

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], error: str) -> bool:
        """Send the record to the DLQ; False when Kafka would not take it (then it is re-read)."""
        key = record.key.decode() if isinstance(record.key, bytes) else None
        value = record.value.decode(errors="replace") if isinstance(record.value, bytes) else ""
        headers = {k: v.decode(errors="replace") for k, v in (record.headers or [])}
        letter = DeadLetter(
            original_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=key,
            value=value,
            headers=headers,
            error=error[:4000],
            consumer=self.config.name,
        )
        env = Envelope.wrap(
            letter,
            connection_id=key or "unknown",
            event_id=deterministic_id("dlq", self.config.name, record.topic, str(record.partition), str(record.offset)),
        )
        try:
            await self.publisher.publish(self.config.dlq_topic, env, key=key or "unknown")
        except InfrastructureError:
            log.warning("dead-letter topic unreachable; the record will be re-read")
            return False
        DEAD_LETTERS.labels(self.config.name, record.topic).inc()
        return True
