"""How the consumer runner handles records: one at a time (inbox, retries with backoff, the
dead-letter topic), or a run of them in one transaction (a savepoint each)."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Callable
from typing import Any, Protocol, TypeAlias

from aiokafka import ConsumerRecord
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_delay, wait_exponential

from ledgerbridge_common import tracing
from ledgerbridge_common.db.inbox import record_message
from ledgerbridge_common.db.unavailable import database_unavailable
from ledgerbridge_common.errors import BudgetSpentError, InfrastructureError, RateLimitedError, RetryableError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import DeadLetter, deterministic_id
from ledgerbridge_common.kafka.emitter import Emitter, Handler
from ledgerbridge_common.kafka.producer import EventPublisher
from ledgerbridge_common.logging import correlation_scope
from ledgerbridge_common.metrics import DEAD_LETTERS, MESSAGE_HANDLE_SECONDS, MESSAGES_CONSUMED

log = logging.getLogger(__name__)

Record: TypeAlias = "ConsumerRecord[Any, Any]"


class GroupBreaks(Protocol):
    def __call__(self, envelope: Envelope, group: list[Envelope]) -> bool: ...


class RecordHandling:
    """The per-record work of one consumer: ``config.name`` names its inbox rows and metrics."""

    def __init__(
        self,
        name: str,
        dlq_topic: str,
        retry_budget_seconds: float,
        handler: Handler,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        publisher: EventPublisher,
        stopping: asyncio.Event,
    ) -> None:
        self.name = name
        self.dlq_topic = dlq_topic
        self.retry_budget_seconds = retry_budget_seconds
        self.handler = handler
        self.sessions = sessions
        self.inbox = inbox
        self.publisher = publisher
        self.stopping = stopping
        self.handled = 0

    async def handle_group(self, records: list[Record], breaks: GroupBreaks) -> tuple[int, bool]:
        """Handle the leading records that can share one transaction: how many were handled and
        committed (0: none, the caller takes the first one alone), and whether the next one must
        go alone (its handler raised here)."""
        envelopes: list[Envelope] = []
        for record in records:
            try:
                envelope = Envelope.from_bytes(record.value)
            except ValueError:
                break
            if envelopes and breaks(envelope, envelopes):
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
                    emitter = Emitter(source=envelope, consumer=self.name)
                    try:
                        with (
                            correlation_scope(envelope.correlation_id, envelope.connection_id),
                            tracing.consume_span(self.name, record.topic, record.headers, envelope),
                        ):
                            async with session.begin_nested():
                                result = "duplicate"
                                if await record_message(session, self.inbox, self.name, envelope.event_id):
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
                self.count(record, envelope, result, seconds)
        if pause:
            await asyncio.sleep(pause)
        return len(results), failed

    def count(self, record: Record, envelope: Envelope, result: str, seconds: float) -> None:
        extra = {"consumer": self.name, "type": envelope.type, "event_id": envelope.event_id}
        extra.update(topic=record.topic, partition=record.partition, offset=record.offset)
        log.info("message %s", result, extra=extra)
        MESSAGES_CONSUMED.labels(self.name, record.topic, result).inc()
        MESSAGE_HANDLE_SECONDS.labels(self.name, record.topic).observe(seconds)
        self.handled += 1

    async def handle_record(self, record: Record) -> bool:
        """Handle one record; False when it was abandoned because the runner is stopping while
        Kafka or PostgreSQL is unreachable (its offset must not be committed)."""
        topic = record.topic
        started = time.perf_counter()
        try:
            envelope = Envelope.from_bytes(record.value)
        except ValueError as exc:
            if not await self._dead_letter(record, f"unreadable envelope: {exc}"):
                return False
            MESSAGES_CONSUMED.labels(self.name, topic, "dead_letter").inc()
            return True
        with (
            correlation_scope(envelope.correlation_id, envelope.connection_id),
            tracing.consume_span(self.name, topic, record.headers, envelope),
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
            self.count(record, envelope, result, time.perf_counter() - started)
        return True

    async def _handle_with_retries(self, envelope: Envelope) -> str:
        result = "handled"
        budget = stop_after_delay(self.retry_budget_seconds)

        def give_up(state: RetryCallState) -> bool:
            # Our own infrastructure being down is no reason to dead-letter a message: keep the
            # partition where it is until Kafka / PostgreSQL are back (or the runner stops).
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, InfrastructureError | BudgetSpentError):
                # a vendor's spent hour is a wait, not a failure: the record waits for it to resume
                return self.stopping.is_set()
            return budget(state)

        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(RetryableError),
            wait=_wait_for(wait_exponential(multiplier=0.2, max=10)),
            stop=give_up,
            before_sleep=_note_outage,
            reraise=True,
        ):
            with attempt:
                result = await self._handle_once(envelope)
        return result

    async def _handle_once(self, envelope: Envelope) -> str:
        try:
            return await self._handle_in_transaction(envelope)
        except (DBAPIError, ConnectionError, PoolTimeoutError) as exc:
            if database_unavailable(exc):
                raise InfrastructureError(f"PostgreSQL unavailable: {exc}", code="database") from exc
            raise

    async def _handle_in_transaction(self, envelope: Envelope) -> str:
        emitter = Emitter(source=envelope, consumer=self.name)
        async with self.sessions() as session, session.begin():
            if not await record_message(session, self.inbox, self.name, envelope.event_id):
                return "duplicate"
            try:
                await self.handler(envelope, session, emitter)
            except BudgetSpentError as exc:
                log.info("parked: %s", exc.message, extra={"consumer": self.name, "event_id": envelope.event_id})
                raise
            except RateLimitedError as exc:
                if exc.retry_after:
                    await asyncio.sleep(min(exc.retry_after, 60))
                raise
            if emitter.items:
                await self.publisher.publish_many(emitter.items)
        return "handled"

    async def _dead_letter(self, record: Record, error: str) -> bool:
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
            consumer=self.name,
        )
        env = Envelope.wrap(
            letter,
            connection_id=key or "unknown",
            event_id=deterministic_id("dlq", self.name, record.topic, str(record.partition), str(record.offset)),
        )
        try:
            await self.publisher.publish(self.dlq_topic, env, key=key or "unknown")
        except InfrastructureError:
            log.warning("dead-letter topic unreachable; the record will be re-read")
            return False
        DEAD_LETTERS.labels(self.name, record.topic).inc()
        return True


def _note_outage(state: RetryCallState) -> None:
    """Say that a record waits for our own PostgreSQL or Kafka (once an attempt, backoff between)."""
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, InfrastructureError):
        log.warning("waiting for PostgreSQL or Kafka (attempt %d): %s", state.attempt_number, error.message[:200])


def _wait_for(backoff: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
    """``backoff`` between attempts, except after a spent vendor budget: until it resumes (looked
    at again at least every minute, outside any transaction)."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, BudgetSpentError):
            return min(max(error.retry_after or 0.0, 0.05), 60.0)
        return backoff(state)

    return wait
