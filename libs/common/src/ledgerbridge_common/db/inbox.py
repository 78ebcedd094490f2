"""The inbox: one row per handled message id, written in the handler's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "processed_messages",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("message_id", String(100), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


_INSERTS: dict[Table, Any] = {}


def _insert(table: Table) -> Any:
    """The insert statement, built once per table (its SQL is compiled and cached once)."""
    if table not in _INSERTS:
        _INSERTS[table] = insert(table).on_conflict_do_nothing().returning(table.c.message_id)
    return _INSERTS[table]


async def record_message(session: AsyncSession, table: Table, consumer: str, message_id: str) -> bool:
    """Insert the message id; False when it was already there (a duplicate)."""
    params = {"consumer": consumer, "message_id": message_id, "processed_at": dt.datetime.now(dt.UTC)}
    result = await session.execute(_insert(table), params)
    return result.first() is not None
