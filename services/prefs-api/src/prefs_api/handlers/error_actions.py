"""Errors the bookkeeper can clear: ignore an object (and un-ignore it), link it to an existing
object on the other side, replay one or many. Each action is a sync-log row (status ``action``)
naming the API key that acted; ignoring or linking also closes the object's open errors or lets
the replay's success close them (``adapters/synclog.close_open``).

The engine reads ignored objects and links through ``Mappings`` (internal API); after each change
prefs-api publishes ``PreferencesChanged`` on the prefs topic, so the services drop their cached
copy, and on the changes topic before answering, so that every change published after the answer
is decided with the new rule (``handlers/connections.publish_prefs_changed``); a replay
that follows a link or un-ignore carries ``delivery_id`` ``link:<action id>`` /
``unignore:<action id>`` so the engine reads the mappings again before deciding; a link without a
replay publishes ``linked:<action id>``, which the engine records as in sync without writing."""

from __future__ import annotations

from sqlalchemy import RowMapping

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.errors import NotFoundError
from ledgerbridge_common.events.models import Side
from ledgerbridge_common.prefs_client import ConnectionInfo
from prefs_api.adapters import error_actions as store
from prefs_api.adapters import repository as repo
from prefs_api.adapters import synclog
from prefs_api.adapters.vendors import vendor_unavailable
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.handlers.connections import publish_prefs_changed, to_info, visible_connection
from prefs_api.handlers.sync import change_for, parse_ref, publish
from prefs_api.log_schemas import ActionDone, IgnoredObject, IgnoreRequest, LinkRequest
from prefs_api.problems import ProblemError, not_found


async def _entry(services: Services, principal: Principal, entry_id: int) -> RowMapping:
    async with services.sessions() as session:
        entry = await synclog.get_entry(session, entry_id)
        if entry is None:
            raise not_found("sync log entry")
        await visible_connection(session, principal, entry["connection_id"])
    if entry["status"] == store.ACTION_STATUS:
        raise ProblemError(409, "Not an object's outcome", "This entry records an action", kind="conflict")
    return entry


async def _caches_changed(services: Services, connection_id: str) -> None:
    async with services.sessions() as session:
        current = await repo.current_version(session, connection_id)
    version = int(current["version"]) if current else 0
    await publish_prefs_changed(services, connection_id, version, in_force=True, required=True)


async def ignore_entry(services: Services, principal: Principal, entry_id: int, body: IgnoreRequest) -> IgnoredObject:
    """Do not sync this entry's object until un-ignored; its open errors close."""
    entry = await _entry(services, principal, entry_id)
    cid, ref = entry["connection_id"], entry["source_ref"]
    parse_ref(ref)
    async with services.sessions.begin() as session:
        actor = await store.actor_name(session, principal.key_id)
        row = await store.ignore(session, cid, ref, entry["object_type"], actor, body.note)
        closed = await synclog.close_open(session, cid, ref, by=actor, reason=f"ignored by {actor}")
        await store.record_action(
            session,
            connection_id=cid,
            source_ref=ref,
            object_type=entry["object_type"],
            action="ignore",
            actor=actor,
            reason=f"Ignored by {actor}: not synced until un-ignored; {len(closed)} open error(s) closed"
            + (f" ({body.note})" if body.note else ""),
            entry_id=entry_id,
        )
    await _caches_changed(services, cid)
    return IgnoredObject.model_validate(dict(row))


async def list_ignored(services: Services, principal: Principal, connection_id: str) -> list[IgnoredObject]:
    async with services.sessions() as session:
        await visible_connection(session, principal, connection_id)
        rows = await store.list_ignored(session, [connection_id])
    return [IgnoredObject.model_validate(dict(r)) for r in rows]


async def unignore(
    services: Services, principal: Principal, connection_id: str, source_ref: str, *, replay: bool
) -> ActionDone:
    """Sync the object again; ``replay`` re-reads and decides it right away."""
    side, object_type, object_id = parse_ref(source_ref)
    async with services.sessions.begin() as session:
        await visible_connection(session, principal, connection_id)
        if not await store.unignore(session, connection_id, source_ref):
            raise not_found("ignored object")
        actor = await store.actor_name(session, principal.key_id)
        action_id = await store.record_action(
            session,
            connection_id=connection_id,
            source_ref=source_ref,
            object_type=object_type,
            action="unignore",
            actor=actor,
            reason=f"Un-ignored by {actor}: synced again" + ("; replayed" if replay else ""),
        )
    await _caches_changed(services, connection_id)
    event_ids: list[str] = []
    if replay:
        env = change_for(connection_id, side, object_type, object_id, f"unignore:{action_id}")
        await publish(services, services.settings.kafka.topics.changes, [env])
        event_ids.append(env.event_id)
    return ActionDone(action_id=action_id, source_ref=source_ref, replay_event_ids=event_ids)


async def link_entry(services: Services, principal: Principal, entry_id: int, body: LinkRequest) -> ActionDone:
    """Link this entry's object to an existing object on the other side (checked there):
    ``replay`` decides it right away (this side's version is written there); without it both
    objects are taken as in sync as they are now and the next change updates that object with
    what changed (``sync_engine/domain/adopt.py``)."""
    entry = await _entry(services, principal, entry_id)
    cid, ref = entry["connection_id"], entry["source_ref"]
    side, object_type, object_id = parse_ref(ref)
    async with services.sessions() as session:
        info = to_info(await visible_connection(session, principal, cid), services.cipher)
    await _must_exist(services, info, side.other, object_type, body.other_id)
    billcom_id, ledger_id = (object_id, body.other_id) if side is Side.BILLCOM else (body.other_id, object_id)
    async with services.sessions.begin() as session:
        actor = await store.actor_name(session, principal.key_id)
        await repo.put_mapping(session, cid, "objects", object_type, billcom_id, ledger_id)
        action_id = await store.record_action(
            session,
            connection_id=cid,
            source_ref=ref,
            object_type=object_type,
            action="link",
            actor=actor,
            reason=f"Linked by {actor} to {side.other.value} {object_type} {body.other_id}: "
            "the next change updates it instead of creating one",
            target_id=body.other_id,
            entry_id=entry_id,
        )
    await _caches_changed(services, cid)
    # without a replay the engine takes both objects as in sync as they are now (``linked:``), before
    # any later change of the connection (the changes topic is keyed by connection)
    env = change_for(cid, side, object_type, object_id, f"{'link' if body.replay else 'linked'}:{action_id}")
    await publish(services, services.settings.kafka.topics.changes, [env])
    return ActionDone(action_id=action_id, source_ref=ref, replay_event_ids=[env.event_id] if body.replay else [])


async def _must_exist(services: Services, info: ConnectionInfo, side: Side, object_type: str, object_id: str) -> None:
    connector: LedgerConnector | BillcomConnector
    connector = services.ledger_factory(info) if side is Side.LEDGER else services.billcom_factory(info)
    try:
        found = await connector.read(ObjectType(object_type), object_id)
    except NotFoundError:
        found = None
    except Exception as exc:  # any vendor/transport failure is a 502 to our caller
        raise vendor_unavailable("The other side", exc) from exc
    if found is None:
        where = "BILL" if side is Side.BILLCOM else "the ledger"
        raise ProblemError(
            409, "No such object", f"There is no {object_type} '{object_id}' in {where} to link to", kind="conflict"
        )
