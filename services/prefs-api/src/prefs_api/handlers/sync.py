"""Replays, conflict overrides and log/report reads.

Replay and override publish ``ChangeDetected`` (trigger ``replay``) to the changes topic so the
engine re-reads the object and decides again:

- replay of a failed/parked item: the item's ``source_ref``; ``delivery_id`` = ``replay:<log id>``;
- override of a conflict: the object on the *losing* side (the target the master's version was
  written to), ``delivery_id`` = ``conflict-override:<conflict id>``; the losing version stays in
  the inbox (``losing_version``) for the bookkeeper, and the conflict is marked ``overridden``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import ChangeDetected, Side
from ledgerbridge_common.events.refs import try_parse_ref
from prefs_api.adapters import error_actions as actions
from prefs_api.adapters import synclog
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.handlers.connections import list_visible, visible_connection
from prefs_api.log_schemas import Conflict, LogEntry, Replayed, ReplayRequest
from prefs_api.problems import ProblemError, not_found


async def visible_ids(session: AsyncSession, principal: Principal, connection_id: str | None) -> list[str]:
    if connection_id is not None:
        await visible_connection(session, principal, connection_id)
        return [connection_id]
    return [r["id"] for r in await list_visible(session, principal, None)]


async def publish(services: Services, topic: str, envelopes: list[Envelope]) -> None:
    try:
        await services.publisher.publish_many([(topic, env) for env in envelopes])
    except Exception as exc:  # nothing was marked; the caller may retry
        raise ProblemError(
            503, "Kafka unavailable", "The request could not be queued; retry", kind="unavailable"
        ) from exc


def change_for(connection_id: str, side: Side, object_type: str, object_id: str, delivery_id: str) -> Envelope:
    event = ChangeDetected(
        side=side,
        object_type=ObjectType(object_type),
        object_id=object_id,
        operation="updated",
        source_time=dt.datetime.now(dt.UTC),
        trigger="replay",
        delivery_id=delivery_id,
    )
    return Envelope.wrap(event, connection_id=connection_id)


def parse_ref(source_ref: str) -> tuple[Side, str, str]:
    ref = try_parse_ref(source_ref)
    if ref is None:
        raise ProblemError(
            409, "Cannot replay", f"'{source_ref}' is not a <side>:<object_type>:<id> ref", kind="conflict"
        )
    return ref.side, ref.object_type.value, ref.object_id


async def replay_entry(services: Services, principal: Principal, entry_id: int) -> Replayed:
    async with services.sessions() as session:
        entry = await synclog.get_entry(session, entry_id)
        if entry is None:
            raise not_found("sync log entry")
        await visible_connection(session, principal, entry["connection_id"])
    if entry["status"] not in synclog.PROBLEM_STATUSES:
        raise ProblemError(409, "Nothing to replay", "Only failed or parked items can be replayed", kind="conflict")
    return await _replay(services, [entry], principal)


async def replay_many(services: Services, principal: Principal, body: ReplayRequest) -> Replayed:
    async with services.sessions() as session:
        await visible_connection(session, principal, body.connection_id)
        entries = await synclog.open_problems(
            session,
            [body.connection_id],
            body.since,
            limit=body.limit,
            until=body.until,
            object_type=body.object_type.value if body.object_type else None,
            error_code=body.error_code,
        )
    chosen: dict[str, RowMapping] = {}
    for e in entries:
        if e["status"] in body.statuses:
            chosen.setdefault(e["source_ref"], e)
    return await _replay(services, list(chosen.values()), principal)


async def _replay(services: Services, entries: list[RowMapping], principal: Principal) -> Replayed:
    envelopes = []
    for e in entries:
        side, object_type, object_id = parse_ref(e["source_ref"])
        envelopes.append(change_for(e["connection_id"], side, object_type, object_id, f"replay:{e['id']}"))
    if envelopes:
        await publish(services, services.settings.kafka.topics.changes, envelopes)
        async with services.sessions.begin() as session:
            await synclog.mark_replayed(session, [e["id"] for e in entries])
            actor = await actions.actor_name(session, principal.key_id)
            for e in entries:
                await actions.record_action(
                    session,
                    connection_id=e["connection_id"],
                    source_ref=e["source_ref"],
                    object_type=e["object_type"],
                    action="replay",
                    actor=actor,
                    reason=f"Replayed by {actor}",
                    entry_id=e["id"],
                )
    return Replayed(
        replayed=len(envelopes),
        event_ids=[env.event_id for env in envelopes],
        source_refs=[e["source_ref"] for e in entries],
    )


async def visible_conflict(session: AsyncSession, principal: Principal, conflict_id: int) -> RowMapping:
    row = await synclog.get_conflict(session, conflict_id)
    if row is None:
        raise not_found("conflict")
    await visible_connection(session, principal, row["connection_id"])
    return row


async def resolve(services: Services, principal: Principal, conflict_id: int, *, override: bool) -> Conflict:
    async with services.sessions() as session:
        row = await visible_conflict(session, principal, conflict_id)
    if row["status"] != "open":
        raise ProblemError(409, "Conflict already resolved", f"It was {row['status']}", kind="conflict")
    if override:
        source_side, object_type, source_id = parse_ref(row["source_ref"])
        losing = Side(row["winner"]).other if row["winner"] else Side(row["target_side"] or source_side.other)
        object_id = row["target_id"] if row["target_side"] == losing.value else source_id
        if not object_id:
            raise ProblemError(409, "Cannot override", "The losing side's object id is unknown", kind="conflict")
        env = change_for(row["connection_id"], losing, object_type, object_id, f"conflict-override:{conflict_id}")
        await publish(services, services.settings.kafka.topics.changes, [env])
    async with services.sessions.begin() as session:
        await synclog.resolve_conflict(
            session, conflict_id, "overridden" if override else "dismissed", principal.key_id
        )
        row = await visible_conflict(session, principal, conflict_id)
    return Conflict.model_validate(dict(row))


def entry_out(row: RowMapping) -> LogEntry:
    return LogEntry.model_validate(dict(row))
