"""Streamed exports of the sync log and the sync report: rows come from a server-side cursor
(``yield_per``) and leave as CSV or JSON text chunk by chunk, never held whole in memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from prefs_api.adapters.orm import sync_log

Format = Literal["csv", "json"]
CHUNK_ROWS = 500
LOG_COLUMNS = (
    "id", "occurred_at", "connection_id", "status", "object_type", "source_ref", "target_side", "target_id",
    "rule", "error_code", "error_message", "reason", "attempts", "producer", "actor", "replayed_at",
    "closed_at", "closed_by", "closed_reason",
)  # fmt: skip
REPORT_COLUMNS = ("connection_id", "status", "object_type", "count", "first_at", "last_at")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _window(
    stmt: Select[Any], connection_ids: Sequence[str], since: dt.datetime | None, until: dt.datetime | None
) -> Select[Any]:
    stmt = stmt.where(sync_log.c.connection_id.in_(list(connection_ids)))
    if since:
        stmt = stmt.where(sync_log.c.occurred_at >= since)
    if until:
        stmt = stmt.where(sync_log.c.occurred_at < until)
    return stmt


def log_query(
    connection_ids: Sequence[str], since: dt.datetime | None, until: dt.datetime | None, status: str | None
) -> Select[Any]:
    stmt = _window(select(sync_log), connection_ids, since, until)
    if status:
        stmt = stmt.where(sync_log.c.status == status)
    return stmt.order_by(sync_log.c.id)


def report_query(connection_ids: Sequence[str], since: dt.datetime | None, until: dt.datetime | None) -> Select[Any]:
    stmt = select(
        sync_log.c.connection_id,
        sync_log.c.status,
        sync_log.c.object_type,
        func.count().label("count"),
        func.min(sync_log.c.occurred_at).label("first_at"),
        func.max(sync_log.c.occurred_at).label("last_at"),
    )
    stmt = _window(stmt, connection_ids, since, until)
    return stmt.group_by(sync_log.c.connection_id, sync_log.c.status, sync_log.c.object_type).order_by(
        sync_log.c.connection_id, sync_log.c.status, sync_log.c.object_type
    )


def log_row(row: Any) -> dict[str, Any]:
    decision = row["decision"] or {}
    return {c: (decision.get("rule") or decision.get("action")) if c == "rule" else row[c] for c in LOG_COLUMNS}


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


async def stream(
    sessions: async_sessionmaker[AsyncSession],
    stmt: Select[Any],
    columns: Sequence[str],
    fmt: Format,
    shape: Any = dict,
) -> AsyncIterator[str]:
    """The rows of ``stmt`` as CSV (a header line first) or a JSON array, ``CHUNK_ROWS`` at a time."""
    async with sessions() as session:
        result = await session.stream(stmt.execution_options(yield_per=CHUNK_ROWS))
        buffer, writer, first = io.StringIO(), None, True
        if fmt == "csv":
            writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n")
            writer.writeheader()
        else:
            buffer.write("[")
        count = 0
        async for row in result.mappings():
            values = {k: _text(v) for k, v in shape(row).items()}
            if writer is not None:
                writer.writerow(values)
            else:
                buffer.write(("" if first else ",") + json.dumps(values, separators=(",", ":")))
                first = False
            count += 1
            if count % CHUNK_ROWS == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if writer is None:
            buffer.write("]")
        yield buffer.getvalue()
