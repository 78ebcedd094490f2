"""Persistence of connections, API keys, preference versions, bank accounts and mappings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import RowMapping, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.prefs_client import Mappings
from prefs_api.adapters.orm import (
    api_keys,
    bank_accounts,
    connections,
    ignored_objects,
    mappings,
    preference_versions,
)
from prefs_api.domain.rules import BankAccountView


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- connections --------------------------------------------------------------------------------


async def insert_connection(session: AsyncSession, **values: Any) -> None:
    await session.execute(connections.insert().values(**values))


async def get_connection(session: AsyncSession, connection_id: str, *, lock: bool = False) -> RowMapping | None:
    stmt = select(connections).where(connections.c.id == connection_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).mappings().first()


async def list_connections(
    session: AsyncSession,
    *,
    tenant_id: str | None = None,
    ids: Iterable[str] | None = None,
    status: str | None = None,
) -> Sequence[RowMapping]:
    stmt = select(connections).order_by(connections.c.created_at, connections.c.id)
    if tenant_id is not None:
        stmt = stmt.where(connections.c.tenant_id == tenant_id)
    if ids is not None:
        stmt = stmt.where(connections.c.id.in_(list(ids)))
    if status is not None:
        stmt = stmt.where(connections.c.status == status)
    return (await session.execute(stmt)).mappings().all()


async def update_connection(session: AsyncSession, connection_id: str, **values: Any) -> None:
    stmt = update(connections).where(connections.c.id == connection_id).values(**values, updated_at=_now())
    await session.execute(stmt)


# --- API keys -----------------------------------------------------------------------------------


async def insert_key(session: AsyncSession, **values: Any) -> None:
    await session.execute(api_keys.insert().values(**values))


async def get_key(session: AsyncSession, key_id: str) -> RowMapping | None:
    return (await session.execute(select(api_keys).where(api_keys.c.id == key_id))).mappings().first()


async def list_keys(session: AsyncSession, tenant_id: str) -> Sequence[RowMapping]:
    stmt = select(api_keys).where(api_keys.c.tenant_id == tenant_id).order_by(api_keys.c.created_at)
    return (await session.execute(stmt)).mappings().all()


async def revoke_key(session: AsyncSession, key_id: str) -> None:
    await session.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=_now()))


# --- preference versions ------------------------------------------------------------------------


async def current_version(session: AsyncSession, connection_id: str) -> RowMapping | None:
    stmt = (
        select(preference_versions)
        .where(preference_versions.c.connection_id == connection_id)
        .order_by(preference_versions.c.version.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).mappings().first()


async def get_version(session: AsyncSession, connection_id: str, version: int) -> RowMapping | None:
    stmt = select(preference_versions).where(
        preference_versions.c.connection_id == connection_id, preference_versions.c.version == version
    )
    return (await session.execute(stmt)).mappings().first()


async def list_versions(
    session: AsyncSession, connection_id: str, *, limit: int, offset: int
) -> tuple[int, Sequence[RowMapping]]:
    where = preference_versions.c.connection_id == connection_id
    total = (await session.execute(select(func.count()).where(where))).scalar_one()
    stmt = (
        select(preference_versions)
        .where(where)
        .order_by(preference_versions.c.version.desc())
        .limit(limit)
        .offset(offset)
    )
    return int(total), (await session.execute(stmt)).mappings().all()


async def insert_version(
    session: AsyncSession,
    connection_id: str,
    version: int,
    values: PreferenceValues,
    changes: list[dict[str, Any]],
    changed_by: str,
) -> RowMapping:
    stmt = (
        preference_versions.insert()
        .values(
            connection_id=connection_id,
            version=version,
            values=values.model_dump(mode="json"),
            changes=changes,
            changed_by=changed_by,
            created_at=_now(),
        )
        .returning(*preference_versions.c)
    )
    return (await session.execute(stmt)).mappings().one()


# --- bank accounts ------------------------------------------------------------------------------


async def list_banks(session: AsyncSession, connection_id: str) -> dict[str, BankAccountView]:
    stmt = select(bank_accounts).where(bank_accounts.c.connection_id == connection_id)
    return {
        r["bank_account_id"]: BankAccountView(
            id=r["bank_account_id"],
            name=r["name"],
            last4=r["last4"],
            chart_of_account_id=r["chart_of_account_id"],
            archived=r["archived"],
        )
        for r in (await session.execute(stmt)).mappings()
    }


async def upsert_bank(session: AsyncSession, connection_id: str, bank: BankAccountView) -> None:
    values = {
        "name": bank.name,
        "last4": bank.last4,
        "chart_of_account_id": bank.chart_of_account_id,
        "archived": bank.archived,
        "updated_at": _now(),
    }
    stmt = insert(bank_accounts).values(connection_id=connection_id, bank_account_id=bank.id, **values)
    stmt = stmt.on_conflict_do_update(index_elements=["connection_id", "bank_account_id"], set_=values)
    await session.execute(stmt)


# --- mappings -----------------------------------------------------------------------------------


async def load_mappings(session: AsyncSession, connection_id: str) -> Mappings:
    rows = (await session.execute(select(mappings).where(mappings.c.connection_id == connection_id))).mappings()
    out: dict[str, Any] = {"accounts": {}, "vendors": {}, "customers": {}, "fields": {}, "objects": {}}
    for r in rows:
        if r["kind"] in ("fields", "objects"):
            out[r["kind"]].setdefault(r["scope"], {})[r["source"]] = r["target"]
        else:
            out[r["kind"]][r["source"]] = r["target"]
    ignored = select(ignored_objects.c.source_ref).where(ignored_objects.c.connection_id == connection_id)
    out["ignored"] = sorted((await session.execute(ignored)).scalars().all())
    return Mappings.model_validate(out)


async def put_mapping(
    session: AsyncSession, connection_id: str, kind: str, scope: str, source: str, target: str
) -> None:
    stmt = insert(mappings).values(
        connection_id=connection_id, kind=kind, scope=scope, source=source, target=target, updated_at=_now()
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["connection_id", "kind", "scope", "source"],
        set_={"target": target, "updated_at": _now()},
    )
    await session.execute(stmt)


async def delete_mapping(session: AsyncSession, connection_id: str, kind: str, scope: str, source: str) -> bool:
    stmt = delete(mappings).where(
        mappings.c.connection_id == connection_id,
        mappings.c.kind == kind,
        mappings.c.scope == scope,
        mappings.c.source == source,
    )
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))
