"""Turn vendor changes into ``ChangeDetected`` envelopes and produce them durably.

Order: skip keys already stored, produce the rest and await every acknowledgement, only then
store their keys. A crash between the two re-produces on the vendor's retry; the envelope is
identical (deterministic event id) and the engine's inbox drops the copy."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import ChangeDetected, DeadLetter, Side, Trigger, deterministic_id
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.logging import correlation_scope, current_correlation_id
from webhook_ingest.adapters.deliveries import DeliveryRecord, DeliveryStore
from webhook_ingest.metrics import CHANGES, DEAD_LETTERED, DUPLICATES, PRODUCE_LATENCY
from webhook_ingest.parsing.common import VendorChange

log = logging.getLogger(__name__)


class Publisher(Protocol):
    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None: ...


@dataclass(frozen=True)
class Routed:
    connection_id: str
    change: VendorChange


MAX_RECORD_BYTES = 900_000
"""Below the broker's and producer's default limit of 1 MiB per record (``max.message.bytes``,
``max_request_size``): a larger envelope would be refused by Kafka for good, not for a while."""
DLQ_VALUE_CHARS = 100_000
"""A dead letter keeps this much of a body too large to keep whole (JSON escaping can grow a
character to six bytes), with the body's size and SHA-256."""


@dataclass
class Produced:
    count: int = 0
    rejects: list[str] = field(default_factory=list)
    """Changes that could not become a record (the delivery is dead-lettered with these reasons)."""


def bounded_key(key: str) -> str:
    return key if len(key) <= 300 else f"{key[:200]}#{hashlib.sha256(key.encode()).hexdigest()}"


def stable_uuid(seed: str) -> str:
    return str(uuid.UUID(hex=deterministic_id("correlation", seed)))


def change_envelope(
    connection_id: str,
    side: Side,
    change: VendorChange,
    *,
    trigger: Trigger,
    event_id: str,
    occurred_at: dt.datetime,
) -> Envelope:
    event = ChangeDetected(
        side=side,
        object_type=change.object_type,
        object_id=change.object_id,
        operation=change.operation,
        merged_into=change.merged_into,
        source_time=change.source_time,
        trigger=trigger,
        delivery_id=change.dedupe_key,
        payload=change.payload,
    )
    return Envelope(
        event_id=event_id,
        type=event.event_type,
        schema_version=event.schema_version,
        connection_id=connection_id,
        occurred_at=occurred_at,
        correlation_id=stable_uuid(event_id),
        payload=event.model_dump(mode="json"),
    )


async def produce_changes(
    routed: Sequence[Routed],
    *,
    vendor: str,
    side: Side,
    received_at: dt.datetime,
    store: DeliveryStore,
    publisher: Publisher,
    topics: Topics,
) -> Produced:
    """Produce the changes not produced before; return how many, and why some could not be.
    Raises ``PublishUnavailableError`` when Kafka did not acknowledge (then nothing is stored)."""
    keyed = {(r.connection_id, bounded_key(r.change.dedupe_key)): r for r in routed}
    try:
        known = await store.known(keyed)
    except Exception:  # PostgreSQL down: produce anyway, Kafka's ack is what counts
        log.exception("dedupe store unreachable; producing without the duplicate check")
        known = set()
    duplicates = len(routed) - len(keyed) + len(known)
    if duplicates:
        DUPLICATES.labels(vendor).inc(duplicates)
    result = Produced()
    fresh, items = [], []
    for (connection_id, key), r in keyed.items():
        if (connection_id, key) in known:
            continue
        event_id = deterministic_id("webhook", connection_id, key)
        try:
            env = change_envelope(
                connection_id, side, r.change, trigger="webhook", event_id=event_id, occurred_at=received_at
            )
            size = len(env.to_bytes())
        except (ValueError, TypeError, OverflowError) as exc:  # pydantic's ValidationError is a ValueError
            result.rejects.append(f"{r.change.object_type}:{r.change.object_id[:80]}: {exc!r}"[:500])
            continue
        if size > MAX_RECORD_BYTES:
            result.rejects.append(f"{r.change.object_type}: change record of {size} bytes is too large")
            continue
        fresh.append(((connection_id, key), r))
        items.append((topics.changes, env))
    started = time.perf_counter()
    await publisher.publish_many(items)
    if items:
        PRODUCE_LATENCY.labels(vendor).observe(time.perf_counter() - started)
        CHANGES.labels(side.value, "webhook").inc(len(items))
    current_delivery_id = current_correlation_id()
    for _, env in items:
        with correlation_scope(env.correlation_id, env.connection_id):
            log.info(
                "change produced",
                extra={
                    "event_id": env.event_id,
                    "delivery_correlation_id": current_delivery_id,
                    "object": f"{env.payload['object_type']}:{env.payload['object_id']}",
                },
            )
    records = [
        DeliveryRecord(connection_id, key, vendor, env.event_id, "produced")
        for ((connection_id, key), _), (_, env) in zip(fresh, items, strict=True)
    ]
    try:
        await store.record(records)
    except Exception:  # the events are durable; a retry re-produces identical envelopes
        log.exception("dedupe store unreachable; %d keys not stored", len(records))
    result.count = len(items)
    return result


async def dead_letter(
    raw: bytes,
    *,
    vendor: str,
    error: str,
    connection_id: str | None,
    headers: dict[str, str],
    publisher: Publisher,
    topics: Topics,
) -> None:
    """Keep a well-signed delivery we could not read (raises ``PublishUnavailableError``)."""
    digest = hashlib.sha256(raw).hexdigest()
    value = raw.decode(errors="replace")

    def envelope(value: str, error: str) -> Envelope:
        letter = DeadLetter(
            original_topic=f"webhook:{vendor}",
            partition=-1,
            offset=-1,
            key=connection_id,
            value=value,
            headers=headers,
            error=error[:4000],
            consumer="webhook-ingest",
        )
        return Envelope.wrap(
            letter,
            connection_id=connection_id or "unknown",
            event_id=deterministic_id("webhook-dlq", vendor, digest),
        )

    env = envelope(value, error)
    if len(env.to_bytes()) > MAX_RECORD_BYTES:
        note = f"body of {len(raw)} bytes (sha256 {digest}) cut to its first {DLQ_VALUE_CHARS} characters; "
        env = envelope(value[:DLQ_VALUE_CHARS], note + error)
    await publisher.publish_many([(topics.dlq, env)])
    DEAD_LETTERED.labels(vendor).inc()
    log.warning("delivery dead-lettered", extra={"vendor": vendor, "error": error, "sha256": digest})
