"""Every posting process forgets a connection's cached state as soon as prefs-api publishes
``PreferencesChanged`` (disconnect, reconnect, new credentials or preferences). The consumer group
splits the prefs topic's partitions between the processes, and the one that gets the record
releases the parked commands (``handlers.handle_prefs_changed``); besides it, each process reads the
whole prefs topic on its own, without a consumer group (every partition, from its end, no offsets
committed), and drops its cached connection state, credentials and connectors of that connection."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PreferencesChanged
from ledgerbridge_common.settings import KafkaSettings

log = logging.getLogger(__name__)


class PrefsListener:
    """Calls ``forget(connection_id)`` for each ``PreferencesChanged`` on the prefs topic."""

    def __init__(
        self,
        kafka: KafkaSettings,
        forget: Callable[[str], None],
        *,
        name: str,
        poll_ms: int = 500,
        start_timeout_seconds: float = 30.0,
        retry_seconds: float = 2.0,
    ) -> None:
        self._kafka = kafka
        self._forget = forget
        self._name = name
        self._poll_ms = poll_ms
        self._start_timeout = start_timeout_seconds
        self._retry_seconds = retry_seconds
        self.started = asyncio.Event()
        """Set once the listener reads from the end of every partition (tests wait for it)."""

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            self._kafka.topics.prefs,
            **self._kafka.client_options(),
            group_id=None,
            client_id=f"{self._kafka.client_id_prefix}-{self._name}",
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )

    async def run(self) -> None:
        """Until cancelled; a broken connection to Kafka is retried after ``retry_seconds``."""
        while True:
            consumer = self._consumer()
            try:
                await asyncio.wait_for(consumer.start(), self._start_timeout)
                await asyncio.wait_for(self._positioned(consumer), self._start_timeout)
                self.started.set()
                while True:
                    for records in (await consumer.getmany(timeout_ms=self._poll_ms)).values():
                        for record in records:
                            self.handle(record.value)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("prefs listener %s: reading the prefs topic failed; retrying", self._name)
                await asyncio.sleep(self._retry_seconds)
            finally:
                await consumer.stop()

    @staticmethod
    async def _positioned(consumer: AIOKafkaConsumer) -> None:
        """Resolve the end offset of every assigned partition, so nothing published from now on is missed."""
        while not consumer.assignment():  # noqa: ASYNC110 - aiokafka has no event for it; the caller bounds the wait
            await asyncio.sleep(0.05)
        for partition in consumer.assignment():
            await consumer.position(partition)

    def handle(self, value: bytes | None) -> None:
        if value is None:
            return
        try:
            envelope = Envelope.from_bytes(value)
        except (ValidationError, ValueError):
            log.warning("prefs listener %s: a record that is not an envelope, skipped", self._name)
            return
        if envelope.type == PreferencesChanged.event_type:
            self._forget(envelope.connection_id)
