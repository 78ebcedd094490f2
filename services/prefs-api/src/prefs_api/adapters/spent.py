"""Single-use tokens: an OAuth ``state`` is spent when its callback runs, a status-page session
when its visitor signs out. Rows are kept until the token would have expired anyway, then
dropped in small batches."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from prefs_api.adapters.orm import spent_tokens

PURGE_BATCH = 500


async def spend(session: AsyncSession, kind: str, token_id: str, expires_at: dt.datetime) -> bool:
    """True the first time ``token_id`` is spent, False if it already was."""
    await _purge(session)
    stmt = (
        insert(spent_tokens)
        .values(kind=kind, token_id=token_id, expires_at=expires_at)
        .on_conflict_do_nothing()
        .returning(spent_tokens.c.token_id)
    )
    return (await session.execute(stmt)).first() is not None


async def is_spent(session: AsyncSession, kind: str, token_id: str) -> bool:
    query = select(exists().where(spent_tokens.c.kind == kind, spent_tokens.c.token_id == token_id))
    return bool((await session.execute(query)).scalar())


async def _purge(session: AsyncSession) -> None:
    now = dt.datetime.now(dt.UTC)
    batch = select(spent_tokens.c.token_id).where(spent_tokens.c.expires_at < now).limit(PURGE_BATCH)
    await session.execute(
        delete(spent_tokens).where(
            spent_tokens.c.expires_at < now, spent_tokens.c.token_id.in_(batch.scalar_subquery())
        )
    )
