"""The sync log (one row per SyncOutcome), the conflicts inbox and the report queries. Kept free
of HTTP so the operator status page can reuse them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.events.models import SyncOutcome
from prefs_api.adapters.orm import conflicts, sync_log
from prefs_api.prefs_schemas import AffectedObject

OK_STATUSES = ("posted", "skipped")
PROBLEM_STATUSES = ("failed", "parked")
CONFLICT_RULES = ("master", "field_master", "ambiguous_match")


async def record_outcome(
    session: AsyncSession,
    *,
    event_id: str,
    connection_id: str,
    occurred_at: dt.datetime,
    outcome: SyncOutcome,
) -> int | None:
    """Insert one log row (idempotent by event id); add a conflict when a master rule overrode a
    version. Returns the log row id, or None for a duplicate."""
    decision = outcome.decision.model_dump(mode="json") if outcome.decision else None
    stmt = (
        insert(sync_log)
        .values(
            event_id=event_id,
            connection_id=connection_id,
            command_id=outcome.command_id,
            status=outcome.status,
            object_type=str(outcome.object_type),
            source_ref=outcome.source_ref,
            target_side=str(outcome.target_ref.side) if outcome.target_ref else None,
            target_id=outcome.target_ref.id if outcome.target_ref else None,
            error_code=outcome.error.code if outcome.error else None,
            error_message=outcome.error.message if outcome.error else None,
            reason=outcome.reason,
            attempts=outcome.attempts,
            decision=decision,
            written=outcome.written,
            producer=outcome.producer,
            occurred_at=occurred_at,
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(sync_log.c.id)
    )
    log_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    if log_id is not None and succeeded(outcome):
        await close_open(
            session,
            connection_id,
            outcome.source_ref,
            by="auto",
            reason=f"a later attempt succeeded (sync log entry {log_id})",
            before_id=log_id,
        )
    d = outcome.decision
    if log_id is not None and d is not None and d.rule in CONFLICT_RULES and d.overridden is not None:
        await session.execute(
            conflicts.insert().values(
                connection_id=connection_id,
                sync_log_id=log_id,
                command_id=outcome.command_id,
                object_type=str(outcome.object_type),
                source_ref=outcome.source_ref,
                target_side=str(outcome.target_ref.side) if outcome.target_ref else None,
                target_id=outcome.target_ref.id if outcome.target_ref else None,
                rule=d.rule,
                winner=str(d.master) if d.master else None,
                reason=d.reason,
                changed_fields=list(d.changed_fields),
                winning_version=outcome.written,
                losing_version=d.overridden,
                created_at=occurred_at,
            )
        )
    return log_id


def succeeded(outcome: SyncOutcome) -> bool:
    """Posted, or found already in sync with its counterpart (a skip that names the target)."""
    return outcome.status == "posted" or (outcome.status == "skipped" and outcome.target_ref is not None)


async def close_open(
    session: AsyncSession,
    connection_id: str,
    source_ref: str,
    *,
    by: str,
    reason: str,
    before_id: int | None = None,
) -> list[int]:
    """Close the open failed/parked entries of one object; returns their ids."""
    stmt = update(sync_log).where(
        sync_log.c.connection_id == connection_id,
        sync_log.c.source_ref == source_ref,
        sync_log.c.status.in_(PROBLEM_STATUSES),
        sync_log.c.closed_at.is_(None),
    )
    if before_id is not None:
        stmt = stmt.where(sync_log.c.id < before_id)
    stmt = stmt.values(closed_at=dt.datetime.now(dt.UTC), closed_by=by, closed_reason=reason).returning(sync_log.c.id)
    return list((await session.execute(stmt)).scalars().all())


async def query_log(
    session: AsyncSession,
    connection_ids: Sequence[str],
    *,
    status: str | None = None,
    object_type: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[RowMapping]:
    """Newest first; page with ``before_id`` = the last id of the previous page."""
    stmt = select(sync_log).where(sync_log.c.connection_id.in_(list(connection_ids)))
    if status:
        stmt = stmt.where(sync_log.c.status == status)
    if object_type:
        stmt = stmt.where(sync_log.c.object_type == object_type)
    if since:
        stmt = stmt.where(sync_log.c.occurred_at >= since)
    if until:
        stmt = stmt.where(sync_log.c.occurred_at < until)
    if before_id:
        stmt = stmt.where(sync_log.c.id < before_id)
    stmt = stmt.order_by(sync_log.c.id.desc()).limit(limit)
    return list((await session.execute(stmt)).mappings().all())


async def get_entry(session: AsyncSession, entry_id: int) -> RowMapping | None:
    return (await session.execute(select(sync_log).where(sync_log.c.id == entry_id))).mappings().first()


async def mark_replayed(session: AsyncSession, entry_ids: Iterable[int]) -> None:
    now = dt.datetime.now(dt.UTC)
    await session.execute(update(sync_log).where(sync_log.c.id.in_(list(entry_ids))).values(replayed_at=now))


async def counts(session: AsyncSession, connection_ids: Sequence[str], since: dt.datetime | None) -> list[RowMapping]:
    stmt = select(
        sync_log.c.connection_id, sync_log.c.status, sync_log.c.object_type, func.count().label("count")
    ).where(sync_log.c.connection_id.in_(list(connection_ids)))
    if since:
        stmt = stmt.where(sync_log.c.occurred_at >= since)
    stmt = stmt.group_by(sync_log.c.connection_id, sync_log.c.status, sync_log.c.object_type)
    return list((await session.execute(stmt)).mappings().all())


async def last_syncs(session: AsyncSession, connection_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    ok = func.max(sync_log.c.occurred_at).filter(sync_log.c.status.in_(OK_STATUSES))
    stmt = (
        select(
            sync_log.c.connection_id,
            ok.label("last_sync_at"),
            func.max(sync_log.c.occurred_at).label("last_outcome_at"),
        )
        .where(sync_log.c.connection_id.in_(list(connection_ids)))
        .group_by(sync_log.c.connection_id)
    )
    return {r["connection_id"]: dict(r) for r in (await session.execute(stmt)).mappings()}


async def open_problems(
    session: AsyncSession,
    connection_ids: Sequence[str],
    since: dt.datetime | None,
    limit: int = 100,
    *,
    until: dt.datetime | None = None,
    object_type: str | None = None,
    error_code: str | None = None,
) -> list[RowMapping]:
    """Latest failed/parked entries neither replayed since nor closed (by a later success, an
    ignore, or a link)."""
    stmt = select(sync_log).where(
        sync_log.c.connection_id.in_(list(connection_ids)),
        sync_log.c.status.in_(PROBLEM_STATUSES),
        sync_log.c.replayed_at.is_(None),
        sync_log.c.closed_at.is_(None),
    )
    if since:
        stmt = stmt.where(sync_log.c.occurred_at >= since)
    if until:
        stmt = stmt.where(sync_log.c.occurred_at < until)
    if object_type:
        stmt = stmt.where(sync_log.c.object_type == object_type)
    if error_code:
        stmt = stmt.where(sync_log.c.error_code == error_code)
    stmt = stmt.order_by(sync_log.c.id.desc()).limit(limit)
    return list((await session.execute(stmt)).mappings().all())


async def list_conflicts(
    session: AsyncSession,
    connection_ids: Sequence[str],
    *,
    status: str | None,
    limit: int,
    before_id: int | None,
) -> list[RowMapping]:
    stmt = select(conflicts).where(conflicts.c.connection_id.in_(list(connection_ids)))
    if status:
        stmt = stmt.where(conflicts.c.status == status)
    if before_id:
        stmt = stmt.where(conflicts.c.id < before_id)
    stmt = stmt.order_by(conflicts.c.id.desc()).limit(limit)
    return list((await session.execute(stmt)).mappings().all())


async def get_conflict(session: AsyncSession, conflict_id: int) -> RowMapping | None:
    return (await session.execute(select(conflicts).where(conflicts.c.id == conflict_id))).mappings().first()


async def resolve_conflict(session: AsyncSession, conflict_id: int, status: str, by: str) -> None:
    await session.execute(
        update(conflicts)
        .where(conflicts.c.id == conflict_id)
        .values(status=status, resolved_at=dt.datetime.now(dt.UTC), resolved_by=by)
    )


def _references(value: Any, accounts: set[str], path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if key.endswith("account_id") and isinstance(item, str) and item in accounts:
                found.append((sub, item))
            else:
                found += _references(item, accounts, sub)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _references(item, accounts, f"{path}[{i}]")
    return found


async def posted_referencing(
    session: AsyncSession, connection_id: str, accounts: set[str], scan: int = 1000
) -> list[Any]:
    """The latest posted version of each object whose written form references one of ``accounts``."""
    if not accounts:
        return []
    stmt = (
        select(sync_log)
        .where(
            sync_log.c.connection_id == connection_id,
            sync_log.c.status == "posted",
            sync_log.c.written.isnot(None),
        )
        .order_by(sync_log.c.id.desc())
        .limit(scan)
    )
    seen: set[str] = set()
    out = []
    for row in (await session.execute(stmt)).mappings():
        if row["source_ref"] in seen:
            continue
        seen.add(row["source_ref"])
        for field, account in _references(row["written"], accounts):
            out.append(
                AffectedObject(
                    object_type=row["object_type"],
                    source_ref=row["source_ref"],
                    target_id=row["target_id"],
                    field=field,
                    account_id=account,
                    last_synced_at=row["occurred_at"],
                )
            )
    return out


async def posted_targets(session: AsyncSession, connection_id: str, object_type: str) -> dict[str, str]:
    """BILL id -> the ledger id LedgerBridge last posted it as, for one document type."""
    stmt = (
        select(sync_log.c.source_ref, sync_log.c.target_id)
        .where(
            sync_log.c.connection_id == connection_id,
            sync_log.c.object_type == object_type,
            sync_log.c.status == "posted",
            sync_log.c.target_side == "ledger",
            sync_log.c.target_id.isnot(None),
            sync_log.c.source_ref.startswith(f"billcom:{object_type}:"),
        )
        .order_by(sync_log.c.id)
    )
    return {ref.rsplit(":", 1)[1]: str(target) for ref, target in (await session.execute(stmt)).all()}
