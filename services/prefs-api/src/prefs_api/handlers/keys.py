"""API keys: created with a tenant and scopes, stored hashed, shown once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from prefs_api.adapters import repository as repo
from prefs_api.domain.access import Principal, Scope, hash_secret, new_key
from prefs_api.problems import ProblemError, not_found
from prefs_api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut


def to_out(row: RowMapping) -> ApiKeyOut:
    return ApiKeyOut(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        scopes=[Scope(s) for s in row["scopes"]],
        connection_ids=row["connection_ids"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


async def create_key(
    sessions: async_sessionmaker[AsyncSession],
    *,
    tenant_id: str,
    name: str,
    scopes: list[Scope],
    connection_ids: list[str] | None = None,
) -> ApiKeyCreated:
    """Used by the API (admin keys, own tenant only) and by ``python -m prefs_api create-key``."""
    key_id, key = new_key()
    now = dt.datetime.now(dt.UTC)
    async with sessions.begin() as session:
        await repo.insert_key(
            session,
            id=key_id,
            tenant_id=tenant_id,
            name=name,
            scopes=sorted({s.value for s in scopes}),
            connection_ids=sorted(set(connection_ids)) if connection_ids is not None else None,
            secret_hash=hash_secret(key),
            created_at=now,
        )
        row = await repo.get_key(session, key_id)
    assert row is not None
    return ApiKeyCreated(**to_out(row).model_dump(), key=key)


async def create_key_for(
    sessions: async_sessionmaker[AsyncSession], principal: Principal, body: ApiKeyCreate
) -> ApiKeyCreated:
    if principal.connection_ids is not None:
        bound = set(body.connection_ids or ())
        if body.connection_ids is None or not bound <= principal.connection_ids:
            raise ProblemError(
                403,
                "Forbidden",
                "A key bound to connections can only create keys bound to those",
                kind="forbidden",
            )
    return await create_key(
        sessions,
        tenant_id=principal.tenant_id,
        name=body.name,
        scopes=body.scopes,
        connection_ids=body.connection_ids,
    )


def within_reach(principal: Principal, row: RowMapping) -> bool:
    """A key manages keys of its tenant; a key bound to connections only keys bound to a subset
    of them (never a key that sees every connection, nor one bound elsewhere)."""
    if row["tenant_id"] != principal.tenant_id:
        return False
    if principal.connection_ids is None:
        return True
    bound = row["connection_ids"]
    return bound is not None and set(bound) <= principal.connection_ids


async def list_keys(sessions: async_sessionmaker[AsyncSession], principal: Principal) -> list[ApiKeyOut]:
    async with sessions() as session:
        rows = await repo.list_keys(session, principal.tenant_id)
    return [to_out(r) for r in rows if within_reach(principal, r)]


async def revoke_key(sessions: async_sessionmaker[AsyncSession], principal: Principal, key_id: str) -> None:
    async with sessions.begin() as session:
        row = await repo.get_key(session, key_id)
        if row is None or not within_reach(principal, row):
            raise not_found("API key")
        await repo.revoke_key(session, key_id)
