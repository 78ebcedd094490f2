"""The dedupe store: which vendor events were already produced (survives restarts)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ledgerbridge_common.db.engine import pooled_engine
from webhook_ingest.adapters.batching import Coalescer

Key = tuple[str, str]
"""(connection_id, dedupe_key)"""


@dataclass(frozen=True)
class DeliveryRecord:
    connection_id: str
    dedupe_key: str
    vendor: str
    event_id: str | None
    status: str  # "produced" | "ignored" | "dead_lettered"


class DeliveryStore(Protocol):
    async def known(self, keys: Iterable[Key]) -> set[Key]: ...

    async def record(self, records: Sequence[DeliveryRecord]) -> None: ...


# Arrays keep the statement text constant whatever the batch size (one prepared statement).
KNOWN_SQL = text(
    "select d.connection_id, d.dedupe_key from ingest.deliveries d"
    " join unnest(cast(:connection_ids as text[]), cast(:dedupe_keys as text[])) as k(connection_id, dedupe_key)"
    " on d.connection_id = k.connection_id and d.dedupe_key = k.dedupe_key"
)
RECORD_SQL = text(
    "insert into ingest.deliveries (connection_id, dedupe_key, vendor, event_id, status)"
    " select * from unnest(cast(:connection_ids as text[]), cast(:dedupe_keys as text[]),"
    " cast(:vendors as text[]), cast(:event_ids as text[]), cast(:statuses as text[]))"
    " on conflict do nothing"
)


class SqlDeliveryStore:
    """One statement per call on an autocommit engine (no BEGIN/COMMIT round trips)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def known(self, keys: Iterable[Key]) -> set[Key]:
        wanted = list(set(keys))
        if not wanted:
            return set()
        params = {"connection_ids": [k[0] for k in wanted], "dedupe_keys": [k[1] for k in wanted]}
        async with self._engine.connect() as conn:
            rows = (await conn.execute(KNOWN_SQL, params)).all()
        return {(row[0], row[1]) for row in rows}

    async def record(self, records: Sequence[DeliveryRecord]) -> None:
        if not records:
            return
        ordered = sorted(records, key=lambda r: (r.connection_id, r.dedupe_key))  # one lock order
        params = {
            "connection_ids": [r.connection_id for r in ordered],
            "dedupe_keys": [r.dedupe_key for r in ordered],
            "vendors": [r.vendor for r in ordered],
            "event_ids": [r.event_id for r in ordered],
            "statuses": [r.status for r in ordered],
        }
        async with self._engine.connect() as conn:
            await conn.execute(RECORD_SQL, params)


class BatchedDeliveryStore:
    """Concurrent deliveries' look-ups go out as one statement, and so do their records."""

    def __init__(self, inner: DeliveryStore, *, max_keys: int = 1000) -> None:
        self._known: Coalescer[Key, set[Key]] = Coalescer(inner.known, max_items=max_keys)
        self._record: Coalescer[DeliveryRecord, None] = Coalescer(inner.record, max_items=max_keys)

    async def known(self, keys: Iterable[Key]) -> set[Key]:
        wanted = set(keys)
        if not wanted:
            return set()
        return wanted & await self._known.submit(list(wanted))

    async def record(self, records: Sequence[DeliveryRecord]) -> None:
        if records:
            await self._record.submit(records)


class TimeBoundDeliveryStore:
    """Every look-up and record answers within ``timeout_seconds`` or raises ``TimeoutError``: a
    hung PostgreSQL (slow, not refusing) must not hold a webhook answer past the vendor's deadline
    (QBO: 3 s). The caller then produces without the check; the engine's inbox stays exact."""

    def __init__(self, inner: DeliveryStore, *, timeout_seconds: float) -> None:
        self._inner = inner
        self._timeout = timeout_seconds

    async def known(self, keys: Iterable[Key]) -> set[Key]:
        return await asyncio.wait_for(self._inner.known(keys), self._timeout)

    async def record(self, records: Sequence[DeliveryRecord]) -> None:
        await asyncio.wait_for(self._inner.record(records), self._timeout)


def bounded_engine(url: str, *, pool_size: int, timeout_seconds: float) -> AsyncEngine:
    """An autocommit engine whose every wait is bounded: pool checkout, connect, and each statement
    (client-side ``command_timeout`` and the server's ``statement_timeout``)."""
    return pooled_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_size=pool_size,
        pool_timeout=timeout_seconds,
        connect_args={
            "timeout": timeout_seconds,
            "command_timeout": timeout_seconds,
            "server_settings": {"statement_timeout": str(int(timeout_seconds * 1000))},
        },
    )


class InMemoryDeliveryStore:
    def __init__(self) -> None:
        self.records: dict[Key, DeliveryRecord] = {}
        self.fail = False

    async def known(self, keys: Iterable[Key]) -> set[Key]:
        if self.fail:
            raise OSError("database down")
        return {k for k in keys if k in self.records}

    async def record(self, records: Sequence[DeliveryRecord]) -> None:
        if self.fail:
            raise OSError("database down")
        for r in records:
            self.records.setdefault((r.connection_id, r.dedupe_key), r)
