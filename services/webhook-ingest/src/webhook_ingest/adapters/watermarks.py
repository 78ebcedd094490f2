"""Sweep watermarks (per connection, side, object type) and the last sweep of each connection.

The same rows hold marks that are times of our own rather than a vendor's (the schedule's anchor,
the last short poll); :meth:`SweepStateStore.claim_mark` moves one only when it is old enough, in
one statement, so that of several processes asking at once exactly one gets it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from webhook_ingest.adapters.orm import sweep_runs, sweep_watermarks


@dataclass(frozen=True)
class SweepRun:
    connection_id: str
    last_trigger: str
    last_started_at: dt.datetime
    last_finished_at: dt.datetime | None = None
    last_succeeded_at: dt.datetime | None = None
    last_error: str | None = None


class SweepStateStore(Protocol):
    async def watermarks(self, connection_id: str, side: str) -> dict[str, dt.datetime]: ...

    async def set_watermark(
        self, connection_id: str, side: str, object_types: Iterable[str], watermark: dt.datetime
    ) -> None: ...

    async def claim_mark(self, connection_id: str, side: str, mark: str, at: dt.datetime, every: dt.timedelta) -> bool:
        """Set the mark to ``at`` when it is unset or at least ``every`` older; whether it was
        set (of several callers at once, one is answered ``True``)."""
        ...

    async def runs(self) -> dict[str, SweepRun]: ...

    async def start_run(self, connection_id: str, trigger: str, at: dt.datetime) -> None: ...

    async def finish_run(self, connection_id: str, at: dt.datetime, error: str | None) -> None: ...


class SqlAlchemySweepStateStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def watermarks(self, connection_id: str, side: str) -> dict[str, dt.datetime]:
        stmt = select(sweep_watermarks.c.object_type, sweep_watermarks.c.watermark).where(
            sweep_watermarks.c.connection_id == connection_id, sweep_watermarks.c.side == side
        )
        async with self._sessions() as session:
            return {row.object_type: row.watermark for row in (await session.execute(stmt)).all()}

    async def set_watermark(
        self, connection_id: str, side: str, object_types: Iterable[str], watermark: dt.datetime
    ) -> None:
        rows = [
            {"connection_id": connection_id, "side": side, "object_type": t, "watermark": watermark}
            for t in object_types
        ]
        if not rows:
            return
        stmt = insert(sweep_watermarks)
        stmt = stmt.on_conflict_do_update(
            index_elements=["connection_id", "side", "object_type"],
            set_={"watermark": stmt.excluded.watermark, "updated_at": dt.datetime.now(dt.UTC)},
        )
        async with self._sessions() as session, session.begin():
            await session.execute(stmt, rows)

    async def claim_mark(self, connection_id: str, side: str, mark: str, at: dt.datetime, every: dt.timedelta) -> bool:
        row = insert(sweep_watermarks).values(connection_id=connection_id, side=side, object_type=mark, watermark=at)
        claim = row.on_conflict_do_update(
            index_elements=["connection_id", "side", "object_type"],
            set_={"watermark": row.excluded.watermark, "updated_at": dt.datetime.now(dt.UTC)},
            where=sweep_watermarks.c.watermark <= at - every,
        ).returning(sweep_watermarks.c.watermark)
        async with self._sessions() as session, session.begin():
            return (await session.execute(claim)).first() is not None

    async def runs(self) -> dict[str, SweepRun]:
        async with self._sessions() as session:
            rows = (await session.execute(select(sweep_runs))).mappings().all()
        return {row["connection_id"]: SweepRun(**row) for row in rows}

    async def start_run(self, connection_id: str, trigger: str, at: dt.datetime) -> None:
        stmt = insert(sweep_runs).values(connection_id=connection_id, last_trigger=trigger, last_started_at=at)
        stmt = stmt.on_conflict_do_update(
            index_elements=["connection_id"], set_={"last_trigger": trigger, "last_started_at": at}
        )
        async with self._sessions() as session, session.begin():
            await session.execute(stmt)

    async def finish_run(self, connection_id: str, at: dt.datetime, error: str | None) -> None:
        values: dict[str, object] = {"last_finished_at": at, "last_error": error}
        if error is None:
            values["last_succeeded_at"] = at
        async with self._sessions() as session, session.begin():
            await session.execute(
                sweep_runs.update().where(sweep_runs.c.connection_id == connection_id).values(**values)
            )


class InMemorySweepStateStore:
    def __init__(self) -> None:
        self.marks: dict[tuple[str, str, str], dt.datetime] = {}
        self.run_rows: dict[str, SweepRun] = {}

    async def watermarks(self, connection_id: str, side: str) -> dict[str, dt.datetime]:
        return {t: w for (c, s, t), w in self.marks.items() if c == connection_id and s == side}

    async def set_watermark(
        self, connection_id: str, side: str, object_types: Iterable[str], watermark: dt.datetime
    ) -> None:
        for t in object_types:
            self.marks[(connection_id, side, t)] = watermark

    async def claim_mark(self, connection_id: str, side: str, mark: str, at: dt.datetime, every: dt.timedelta) -> bool:
        last = self.marks.get((connection_id, side, mark))
        if last is not None and last > at - every:
            return False
        self.marks[(connection_id, side, mark)] = at
        return True

    async def runs(self) -> dict[str, SweepRun]:
        return dict(self.run_rows)

    async def start_run(self, connection_id: str, trigger: str, at: dt.datetime) -> None:
        old = self.run_rows.get(connection_id)
        base = old or SweepRun(connection_id, trigger, at)
        self.run_rows[connection_id] = replace(base, last_trigger=trigger, last_started_at=at)

    async def finish_run(self, connection_id: str, at: dt.datetime, error: str | None) -> None:
        run = self.run_rows[connection_id]
        self.run_rows[connection_id] = replace(
            run,
            last_finished_at=at,
            last_error=error,
            last_succeeded_at=at if error is None else run.last_succeeded_at,
        )
