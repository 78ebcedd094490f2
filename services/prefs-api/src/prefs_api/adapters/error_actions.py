"""Persistence of what a bookkeeper does with sync-log errors: ignored objects, and one
sync-log row (status ``action``) per action, naming the API key that acted."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import RowMapping, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from prefs_api.adapters.orm import api_keys, ignored_objects, sync_log

ACTION_STATUS = "action"


async def actor_name(session: AsyncSession, key_id: str) -> str:
    """The name of the API key that acts (the bootstrap key has none of its own)."""
    name = (await session.execute(select(api_keys.c.name).where(api_keys.c.id == key_id))).scalar_one_or_none()
    return name or key_id


async def record_action(
    session: AsyncSession,
    *,
    connection_id: str,
    source_ref: str,
    object_type: str,
    action: str,
    actor: str,
    reason: str,
    target_id: str | None = None,
    entry_id: int | None = None,
) -> int:
    """One sync-log row for a bookkeeper's action on an object; returns its id."""
    stmt = (
        insert(sync_log)
        .values(
            event_id=f"action:{uuid.uuid4().hex}",
            connection_id=connection_id,
            command_id=f"action:{action}",
            status=ACTION_STATUS,
            object_type=object_type,
            source_ref=source_ref,
            target_side=None,
            target_id=target_id,
            reason=reason,
            attempts=0,
            decision={"action": action, "by": actor, "entry_id": entry_id},
            producer="prefs-api",
            occurred_at=dt.datetime.now(dt.UTC),
            actor=actor,
        )
        .returning(sync_log.c.id)
    )
    return int((await session.execute(stmt)).scalar_one())


async def ignore(
    session: AsyncSession, connection_id: str, source_ref: str, object_type: str, by: str, note: str | None
) -> RowMapping:
    stmt = (
        insert(ignored_objects)
        .values(connection_id=connection_id, source_ref=source_ref, object_type=object_type, ignored_by=by, note=note)
        .on_conflict_do_nothing(index_elements=["connection_id", "source_ref"])
    )
    await session.execute(stmt)
    row = await get_ignored(session, connection_id, source_ref)
    assert row is not None
    return row


async def get_ignored(session: AsyncSession, connection_id: str, source_ref: str) -> RowMapping | None:
    stmt = select(ignored_objects).where(
        ignored_objects.c.connection_id == connection_id, ignored_objects.c.source_ref == source_ref
    )
    return (await session.execute(stmt)).mappings().first()


async def list_ignored(session: AsyncSession, connection_ids: Sequence[str]) -> list[RowMapping]:
    stmt = (
        select(ignored_objects)
        .where(ignored_objects.c.connection_id.in_(list(connection_ids)))
        .order_by(ignored_objects.c.created_at.desc())
    )
    return list((await session.execute(stmt)).mappings().all())


async def ignored_refs(session: AsyncSession, connection_id: str) -> list[str]:
    stmt = select(ignored_objects.c.source_ref).where(ignored_objects.c.connection_id == connection_id)
    return sorted((await session.execute(stmt)).scalars().all())


async def unignore(session: AsyncSession, connection_id: str, source_ref: str) -> bool:
    stmt = delete(ignored_objects).where(
        ignored_objects.c.connection_id == connection_id, ignored_objects.c.source_ref == source_ref
    )
    return bool(getattr(await session.execute(stmt), "rowcount", 0))
