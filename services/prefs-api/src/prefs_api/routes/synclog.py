"""The sync log, the report, the conflicts inbox and replays."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Path, Query

from ledgerbridge_common.canonical.models import ObjectType
from prefs_api.adapters import repository as repo
from prefs_api.adapters import synclog
from prefs_api.deps import Reader, ServicesDep, Writer
from prefs_api.handlers import conflict_pick, sync
from prefs_api.log_schemas import (
    Conflict,
    ConflictPage,
    ConnectionHealth,
    CountRow,
    LogPage,
    PickRequest,
    Replayed,
    ReplayRequest,
    Report,
    Status,
)
from prefs_api.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["sync log"], responses=problem_responses(401, 403, 404, 422))
PageSize = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[int | None, Query(ge=1, le=2**62)]
RowId = Annotated[int, Path(ge=1, le=2**62)]
ConnectionFilter = Annotated[str | None, Query(max_length=64)]


@router.get("/sync-log", response_model=LogPage)
async def read_sync_log(
    services: ServicesDep,
    principal: Reader,
    connection_id: ConnectionFilter = None,
    status: Status | None = None,
    object_type: ObjectType | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_id: Cursor = None,
    limit: PageSize = 50,
) -> LogPage:
    """Sync outcomes, newest first, filtered by connection, status, object type and time."""
    async with services.sessions() as session:
        ids = await sync.visible_ids(session, principal, connection_id)
        rows = await synclog.query_log(
            session,
            ids,
            status=status,
            object_type=object_type.value if object_type else None,
            since=since,
            until=until,
            before_id=before_id,
            limit=limit,
        )
    items = [sync.entry_out(r) for r in rows]
    return LogPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)


@router.get("/sync-report", response_model=Report)
async def read_sync_report(
    services: ServicesDep,
    principal: Reader,
    connection_id: ConnectionFilter = None,
    since: dt.datetime | None = None,
) -> Report:
    """Counts per status and object type, the open errors with their reasons, and the last sync
    and freshness of each connection."""
    now = dt.datetime.now(dt.UTC)
    async with services.sessions() as session:
        ids = await sync.visible_ids(session, principal, connection_id)
        conns = await repo.list_connections(session, ids=ids)
        count_rows = await synclog.counts(session, ids, since)
        last = await synclog.last_syncs(session, ids)
        errors = await synclog.open_problems(session, ids, since)
        open_conflicts = await synclog.list_conflicts(session, ids, status="open", limit=1000, before_id=None)
    per_conn: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in count_rows:
        per_conn[r["connection_id"]][r["status"]] += r["count"]
    health = []
    for c in conns:
        seen = last.get(c["id"], {})
        last_sync = seen.get("last_sync_at")
        health.append(
            ConnectionHealth(
                connection_id=c["id"],
                name=c["name"],
                status=c["status"],
                last_sync_at=last_sync,
                last_outcome_at=seen.get("last_outcome_at"),
                freshness_seconds=(now - last_sync).total_seconds() if last_sync else None,
                counts=dict(per_conn.get(c["id"], {})),
            )
        )
    return Report(
        generated_at=now,
        since=since,
        connections=health,
        counts=[CountRow.model_validate(dict(r)) for r in count_rows],
        errors=[sync.entry_out(r) for r in errors],
        open_conflicts=len(open_conflicts),
    )


@router.post("/sync-log/{entry_id}/replay", response_model=Replayed, responses=problem_responses(409, 503))
async def replay_entry(services: ServicesDep, principal: Writer, entry_id: RowId) -> Replayed:
    """Replay a failed or parked item: the engine re-reads its source object and decides again."""
    return await sync.replay_entry(services, principal, entry_id)


@router.post("/sync-log/replay", response_model=Replayed, responses=problem_responses(409, 503))
async def replay_items(services: ServicesDep, principal: Writer, body: ReplayRequest) -> Replayed:
    """Replay the open failed/parked items of a connection (one per object)."""
    return await sync.replay_many(services, principal, body)


@router.get("/conflicts", response_model=ConflictPage)
async def list_conflicts(
    services: ServicesDep,
    principal: Reader,
    connection_id: ConnectionFilter = None,
    status: Annotated[str | None, Query(pattern="^(open|overridden|dismissed|picked)$")] = "open",
    before_id: Cursor = None,
    limit: PageSize = 50,
) -> ConflictPage:
    """The conflicts inbox: both versions and the rule that decided."""
    async with services.sessions() as session:
        ids = await sync.visible_ids(session, principal, connection_id)
        rows = await synclog.list_conflicts(session, ids, status=status, limit=limit, before_id=before_id)
    items = [Conflict.model_validate(dict(r)) for r in rows]
    return ConflictPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)


@router.get("/conflicts/{conflict_id}", response_model=Conflict)
async def read_conflict(services: ServicesDep, principal: Reader, conflict_id: RowId) -> Conflict:
    """One conflict."""
    async with services.sessions() as session:
        return Conflict.model_validate(dict(await sync.visible_conflict(session, principal, conflict_id)))


@router.post("/conflicts/{conflict_id}/override", response_model=Conflict, responses=problem_responses(409, 503))
async def override_conflict(services: ServicesDep, principal: Writer, conflict_id: RowId) -> Conflict:
    """Let the losing version win: re-posts the losing side's object (ChangeDetected, trigger
    replay, delivery_id conflict-override:<id>)."""
    return await sync.resolve(services, principal, conflict_id, override=True)


@router.post("/conflicts/{conflict_id}/pick", response_model=Conflict, responses=problem_responses(409, 502))
async def pick_conflict(services: ServicesDep, principal: Writer, conflict_id: RowId, body: PickRequest) -> Conflict:
    """An ambiguous first-sync match: link the object to the chosen candidate (one of
    ``losing_version.candidates``) and decide it again; the conflict closes as ``picked``."""
    return await conflict_pick.pick_candidate(services, principal, conflict_id, body)


@router.post("/conflicts/{conflict_id}/dismiss", response_model=Conflict, responses=problem_responses(409))
async def dismiss_conflict(services: ServicesDep, principal: Writer, conflict_id: RowId) -> Conflict:
    """Accept the decision and close the conflict."""
    return await sync.resolve(services, principal, conflict_id, override=False)
