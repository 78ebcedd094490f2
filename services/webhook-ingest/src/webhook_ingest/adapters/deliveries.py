"""The dedupe store: which vendor events were already produced (survives restarts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from webhook_ingest.adapters.orm import deliveries

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


class SqlAlchemyDeliveryStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def known(self, keys: Iterable[Key]) -> set[Key]:
        wanted = list(set(keys))
        if not wanted:
            return set()
        stmt = select(deliveries.c.connection_id, deliveries.c.dedupe_key).where(
            tuple_(deliveries.c.connection_id, deliveries.c.dedupe_key).in_(wanted)
        )
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).all()
        return {(row.connection_id, row.dedupe_key) for row in rows}

    async def record(self, records: Sequence[DeliveryRecord]) -> None:
        if not records:
            return
        stmt = insert(deliveries).on_conflict_do_nothing()
        async with self._sessions() as session, session.begin():
            await session.execute(
                stmt,
                [
                    {
                        "connection_id": r.connection_id,
                        "dedupe_key": r.dedupe_key,
                        "vendor": r.vendor,
                        "event_id": r.event_id,
                        "status": r.status,
                    }
                    for r in records
                ],
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
