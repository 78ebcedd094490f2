"""A publisher that never lets a dead broker hang a webhook answer.

The producer is started lazily (the service starts even when Kafka is down), every publish is
bounded in time, and after a failure the producer is replaced: records buffered for the dead
broker are dropped with it, so they cannot land later *in addition to* the vendor's retry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from aiokafka.errors import KafkaError, KafkaTimeoutError

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.settings import KafkaSettings

log = logging.getLogger(__name__)


class PublishUnavailableError(Exception):
    """Kafka did not acknowledge in time: nothing may be acknowledged to the vendor."""


class Producer(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def discard(self) -> None:
        """Stop without delivering what is still buffered."""
        ...

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None: ...


class DiscardablePublisher(AiokafkaPublisher):
    """aiokafka's ``stop()`` flushes, and a batch whose partition leader is known but down never
    expires: records of a delivery we answered 503 would reach the broker when it returns, *and*
    again with the vendor's retry. ``discard`` cancels the sender first, then fails what is left."""

    async def discard(self) -> None:
        producer = self._producer
        sender = producer._sender
        if sender is not None:
            await sender.close()
        producer._message_accumulator.fail_all(KafkaTimeoutError("discarded after a failed publish"))
        await producer.stop()


class ResilientPublisher:
    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        client_id: str,
        timeout_seconds: float,
        factory: Callable[[], Producer] | None = None,
    ) -> None:
        self._factory = factory or (lambda: DiscardablePublisher(kafka, client_id=client_id))
        self._timeout = timeout_seconds
        self._producer: Producer | None = None
        self._lock = asyncio.Lock()
        self._retiring: set[asyncio.Task[None]] = set()

    async def _ensure(self) -> Producer:
        async with self._lock:
            if self._producer is None:
                producer = self._factory()
                try:
                    await asyncio.wait_for(producer.start(), self._timeout)
                except (KafkaError, OSError, TimeoutError) as exc:
                    self._retire(producer)
                    raise PublishUnavailableError(f"Kafka unreachable: {exc!r}") from exc
                self._producer = producer
            return self._producer

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        """Return once every record is acknowledged; else raise ``PublishUnavailableError``."""
        if not items:
            return
        producer = await self._ensure()
        try:
            await asyncio.wait_for(producer.publish_many(items), self._timeout)
        except (KafkaError, OSError, TimeoutError) as exc:
            await self._reset(producer)
            raise PublishUnavailableError(f"Kafka did not acknowledge: {exc!r}") from exc

    async def publish(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        await self.publish_many([(topic, envelope)])

    async def ready(self) -> bool:
        try:
            await self._ensure()
        except PublishUnavailableError:
            return False
        return True

    async def _reset(self, failed: Producer) -> None:
        async with self._lock:
            if self._producer is failed:
                self._producer = None
                self._retire(failed)

    def _retire(self, producer: Producer) -> None:
        task = asyncio.create_task(self._stop_quietly(producer))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _stop_quietly(self, producer: Producer, *, discard: bool = True) -> None:
        try:
            await asyncio.wait_for(producer.discard() if discard else producer.stop(), 30)
        except Exception:
            log.debug("retired producer did not stop cleanly", exc_info=True)

    async def stop(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            await self._stop_quietly(producer, discard=False)
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)
