"""Publishing envelopes to Kafka: the ``EventPublisher`` port and its aiokafka adapter."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from opentelemetry.trace import Span

from ledgerbridge_common import tracing
from ledgerbridge_common.errors import InfrastructureError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.metrics import MESSAGES_PRODUCED, PRODUCE_SECONDS
from ledgerbridge_common.settings import KafkaSettings


class EventPublisher(Protocol):
    async def publish(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        """Return only once the broker acknowledged the record (acks=all)."""
        ...

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None: ...


def traceparent(envelope: Envelope) -> str:
    """W3C traceparent derived from the correlation id (trace) and the event id (span)."""
    trace = envelope.correlation_id.replace("-", "")[:32].ljust(32, "0")
    span = envelope.event_id.replace("-", "")[:16].ljust(16, "0")
    return f"00-{trace}-{span}-01"


def envelope_headers(envelope: Envelope, span: Span | None = None) -> list[tuple[str, bytes]]:
    """``span``: the record's publish span (``tracing.start_produce``), whose context travels on."""
    return [
        ("type", envelope.type.encode()),
        ("correlation_id", envelope.correlation_id.encode()),
        ("traceparent", (tracing.traceparent_of(span) or traceparent(envelope)).encode()),
    ]


class AiokafkaPublisher:
    """Idempotent producer with acks=all. Start and stop it in a lifespan / try-finally."""

    def __init__(self, settings: KafkaSettings, *, client_id: str) -> None:
        self._settings = settings
        self._client_id = client_id
        self._producer = self._new_producer()
        self._started = False

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            **self._settings.client_options(),
            client_id=f"{self._settings.client_id_prefix}-{self._client_id}",
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
            request_timeout_ms=self._settings.request_timeout_ms,
        )

    async def start(self) -> None:
        await self._producer.start()
        self._started = True

    async def _ensure_started(self) -> None:
        """A producer whose start failed (Kafka was down when it was replaced) would wait forever
        for metadata on its first send: start it first, or fail now with a retryable error."""
        if self._started:
            return
        try:
            await asyncio.wait_for(self._producer.start(), 10)
        except Exception as exc:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._producer.stop(), 5)
            self._producer = self._new_producer()
            raise InfrastructureError(f"Kafka unreachable: {exc!r}", code="kafka") from exc
        self._started = True

    async def stop(self) -> None:
        await self._producer.stop()

    async def _replace_producer(self, cause: BaseException) -> InfrastructureError:
        """After a broker failure the idempotent producer can be left unusable (e.g.
        OutOfOrderSequenceNumber after a broker restart): drop it and start a fresh one. Records
        the old one still held may arrive later; consumers' inboxes drop such copies by event id."""
        old, self._producer = self._producer, self._new_producer()
        self._started = False
        with contextlib.suppress(Exception):
            await asyncio.wait_for(old.stop(), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._producer.start(), 10)
            self._started = True
        return InfrastructureError(f"Kafka did not acknowledge: {cause!r}", code="kafka")

    async def publish(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        """Bounded by ``publish_timeout_seconds``: past it (a partition leader that is known but
        down never lets a batch expire) the producer is replaced and ``InfrastructureError`` raised."""
        await self._ensure_started()
        started = time.perf_counter()
        span = tracing.start_produce(topic, envelope)
        try:
            await asyncio.wait_for(
                self._producer.send_and_wait(
                    topic,
                    envelope.to_bytes(),
                    key=(key or envelope.connection_id).encode(),
                    headers=envelope_headers(envelope, span),
                ),
                self._settings.publish_timeout_seconds,
            )
        except (KafkaError, TimeoutError) as exc:
            tracing.end(span, exc)
            raise await self._replace_producer(exc) from exc
        tracing.end(span)
        PRODUCE_SECONDS.labels(topic).observe(time.perf_counter() - started)
        MESSAGES_PRODUCED.labels(topic).inc()

    async def _send_all(self, items: Sequence[tuple[str, Envelope]], spans: Sequence[Span | None]) -> list[object]:
        futures = [
            await self._producer.send(
                topic, env.to_bytes(), key=env.connection_id.encode(), headers=envelope_headers(env, span)
            )
            for (topic, env), span in zip(items, spans, strict=True)
        ]
        results: list[object] = await asyncio.gather(*futures, return_exceptions=True)
        return results

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        """Send all, then wait for every acknowledgement (ordered per partition); bounded like
        ``publish``."""
        await self._ensure_started()
        started = time.perf_counter()
        spans = [tracing.start_produce(topic, env) for topic, env in items]
        try:
            results = await asyncio.wait_for(self._send_all(items, spans), self._settings.publish_timeout_seconds)
        except (KafkaError, TimeoutError) as exc:
            for span in spans:
                tracing.end(span, exc)
            raise await self._replace_producer(exc) from exc
        for span, result in zip(spans, results, strict=True):
            tracing.end(span, result if isinstance(result, BaseException) else None)
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise await self._replace_producer(failed) from failed
        for topic, _ in items:
            MESSAGES_PRODUCED.labels(topic).inc()
            PRODUCE_SECONDS.labels(topic).observe(time.perf_counter() - started)

    async def send_raw(
        self, topic: str, value: bytes, *, key: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        """Re-send a record as it was (dead-letter replay)."""
        await self._ensure_started()
        try:
            await asyncio.wait_for(
                self._producer.send_and_wait(topic, value, key=key, headers=headers or []),
                self._settings.publish_timeout_seconds,
            )
        except (KafkaError, TimeoutError) as exc:
            raise await self._replace_producer(exc) from exc


class InMemoryPublisher:
    """Fake for unit tests: keeps what was published."""

    def __init__(self) -> None:
        self.published: list[tuple[str, Envelope]] = []

    async def publish(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        self.published.append((topic, envelope))

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        self.published.extend(items)
