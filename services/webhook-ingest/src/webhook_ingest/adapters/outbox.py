"""The webhook outbox: where a verified change waits in PostgreSQL while Kafka cannot take it.

``ParkingPublisher`` tries Kafka first (bounded by ``ResilientPublisher``); when Kafka does not
acknowledge, it writes the whole batch to ``ingest.outbox`` in one INSERT, bounded like the dedupe
store, and the webhook is answered 200. Only when PostgreSQL refuses too does the caller see
``PublishUnavailableError`` (503: the vendor retries).

``OutboxRelay`` drains the table to Kafka oldest first (by ``id``, so per connection in the order
received; while rows wait, this process parks new changes behind them) and deletes rows only after
Kafka acknowledged them. A crash between the ack and the
delete sends a row twice; that is harmless: the envelope's ``event_id`` is deterministic
(``deterministic_id("webhook", connection_id, dedupe_key)``) and the engine's inbox drops the copy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ledgerbridge_common.events.envelope import Envelope
from webhook_ingest.adapters.publisher import PublishUnavailableError
from webhook_ingest.metrics import OUTBOX_OLDEST_SECONDS, OUTBOX_PARKED, OUTBOX_RELAYED, OUTBOX_ROWS

log = logging.getLogger(__name__)

Item = tuple[str, Envelope]
"""(topic, envelope), as ``publish_many`` takes them."""


class KafkaPublisher(Protocol):
    async def publish_many(self, items: Sequence[Item]) -> None: ...


@dataclass(frozen=True)
class Parked:
    id: int
    topic: str
    envelope: Envelope


@dataclass(frozen=True)
class Lag:
    rows: int
    oldest_seconds: float


INSERT_SQL = text(
    "insert into ingest.outbox (connection_id, topic, event_id, envelope)"
    " select c, t, e, v from unnest(cast(:connection_ids as text[]), cast(:topics as text[]),"
    " cast(:event_ids as text[]), cast(:envelopes as text[])) with ordinality as k(c, t, e, v, n) order by n"
)
OLDEST_SQL = text("select id, topic, envelope from ingest.outbox order by id limit :limit")
DELETE_SQL = text("delete from ingest.outbox where id = any(cast(:ids as bigint[]))")
LAG_SQL = text("select count(*), coalesce(extract(epoch from now() - min(created_at)), 0) from ingest.outbox")


class Outbox(Protocol):
    async def park(self, items: Sequence[Item]) -> None: ...

    async def oldest(self, limit: int) -> list[Parked]: ...

    async def delete(self, ids: Sequence[int]) -> None: ...

    async def lag(self) -> Lag: ...


class SqlOutbox:
    """One statement per call on an autocommit engine whose every wait is bounded
    (``deliveries.bounded_engine``), plus an overall ``timeout_seconds`` on each call."""

    def __init__(self, engine: AsyncEngine, *, timeout_seconds: float) -> None:
        self._engine = engine
        self._timeout = timeout_seconds

    async def park(self, items: Sequence[Item]) -> None:
        params = {
            "connection_ids": [env.connection_id for _, env in items],
            "topics": [topic for topic, _ in items],
            "event_ids": [env.event_id for _, env in items],
            "envelopes": [env.to_bytes().decode() for _, env in items],
        }
        async with asyncio.timeout(self._timeout), self._engine.connect() as conn:
            await conn.execute(INSERT_SQL, params)

    async def oldest(self, limit: int) -> list[Parked]:
        async with asyncio.timeout(self._timeout), self._engine.connect() as conn:
            rows = (await conn.execute(OLDEST_SQL, {"limit": limit})).all()
        return [Parked(row[0], row[1], Envelope.from_bytes(row[2].encode())) for row in rows]

    async def delete(self, ids: Sequence[int]) -> None:
        async with asyncio.timeout(self._timeout), self._engine.connect() as conn:
            await conn.execute(DELETE_SQL, {"ids": list(ids)})

    async def lag(self) -> Lag:
        async with asyncio.timeout(self._timeout), self._engine.connect() as conn:
            rows, oldest = (await conn.execute(LAG_SQL)).one()
        return Lag(int(rows), float(oldest))


class ParkingPublisher:
    """Kafka if it acknowledges, else the outbox; ``PublishUnavailableError`` only if neither.

    Once a batch is parked, later batches go straight to the outbox (no 2 s wait on a dead
    broker per delivery, and no change overtakes an older parked one of its connection) until
    the relay has emptied it (``resume``); should PostgreSQL refuse meanwhile, Kafka is tried again."""

    def __init__(self, kafka: KafkaPublisher, outbox: Outbox) -> None:
        self._kafka = kafka
        self._outbox = outbox
        self.parking = False

    async def publish_many(self, items: Sequence[Item]) -> None:
        if not items:
            return
        if not self.parking:
            try:
                await self._kafka.publish_many(items)
                return
            except PublishUnavailableError as kafka_error:
                await self._park(items, kafka_error)
                self.parking = True
                return
        try:
            await self._park(items, PublishUnavailableError("the outbox is unreachable"))
        except PublishUnavailableError:  # PostgreSQL lost while parking: Kafka may be back
            await self._kafka.publish_many(items)

    async def _park(self, items: Sequence[Item], kafka_error: PublishUnavailableError) -> None:
        try:
            await self._outbox.park(items)
        except Exception as exc:  # PostgreSQL down or hung too: the vendor must retry
            log.warning("outbox unreachable too: %r", exc)
            raise kafka_error from exc
        OUTBOX_PARKED.inc(len(items))
        log.warning("Kafka unavailable; %d records parked in the outbox", len(items))

    def resume(self) -> None:
        if self.parking:
            log.info("outbox drained; publishing to Kafka again")
        self.parking = False


class OutboxRelay:
    """Drains the outbox to Kafka; supervised: any failure is logged and retried after a pause."""

    def __init__(
        self,
        outbox: Outbox,
        kafka: KafkaPublisher,
        *,
        batch: int = 500,
        idle_seconds: float = 1.0,
        retry_seconds: float = 2.0,
        on_drained: Callable[[], None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._kafka = kafka
        self._batch = batch
        self._idle = idle_seconds
        self._retry = retry_seconds
        self._on_drained = on_drained
        self.last_lag: Lag | None = None

    async def drain_once(self) -> int:
        """Relay one batch of the oldest rows; return how many were relayed. ``on_drained`` is
        called whenever the outbox is found empty (Kafka took all of it, here or in another process)."""
        parked = await self._outbox.oldest(self._batch)
        if parked:
            await self._kafka.publish_many([(p.topic, p.envelope) for p in parked])
            await self._outbox.delete([p.id for p in parked])
            OUTBOX_RELAYED.inc(len(parked))
            log.info("relayed %d outbox records to Kafka", len(parked))
        lag = await self._outbox.lag()
        self.last_lag = lag
        OUTBOX_ROWS.set(lag.rows)
        OUTBOX_OLDEST_SECONDS.set(lag.oldest_seconds)
        if not lag.rows and self._on_drained is not None:
            self._on_drained()
        return len(parked)

    async def run_forever(self) -> None:
        while True:
            try:
                relayed = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Kafka or PostgreSQL away: try again later
                log.info("outbox relay paused: %r", exc)
                await asyncio.sleep(self._retry)
                continue
            if relayed < self._batch:
                await asyncio.sleep(self._idle)
