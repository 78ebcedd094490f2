"""Handlers of the three topics the engine consumes: changes, outcomes (links), prefs (cache);
``routes`` is the engine's routing table."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.canonical.models import (
    BillPayment,
    CanonicalObject,
    CompanyInfo,
    ObjectType,
    ReceivedPayment,
)
from ledgerbridge_common.connectors.factory import Connectors
from ledgerbridge_common.errors import NotFoundError, PermanentError
from ledgerbridge_common.events import (
    ChangeDetected,
    Envelope,
    PreferencesChanged,
    Side,
    SyncOutcome,
    SyncRequested,
    Topics,
)
from ledgerbridge_common.kafka.emitter import Emitter
from ledgerbridge_common.kafka.routing import Routes
from ledgerbridge_common.prefs_client import ConflictInfo, ConnectionInfo, ConnectionPreferences, Mappings
from sync_engine.adapters.store import CommandRecord, EngineStore
from sync_engine.domain.adopt import is_link_message, linking_key
from sync_engine.domain.decide import decide
from sync_engine.domain.first_sync import MANUAL_KEY, released_for_sync_now
from sync_engine.domain.links import linked_by_outcome, merge_link
from sync_engine.domain.model import Baseline, Inputs, Link, LinkWrite, Plan, make_ref, parse_ref
from sync_engine.domain.override import losing_values, override_id
from sync_engine.domain.plans import (
    DISCONNECTED,
    INFLIGHT_PREFIX,
    disconnected_key,
    inflight_key,
    park,
    park_disconnected,
)
from sync_engine.planner import Planner, Sides

log = logging.getLogger(__name__)
BOOKKEEPER_ACTIONS = ("replay:", "link:", "linked:", "unignore:")
"""Delivery ids of replays a bookkeeper asked for in prefs-api (sync log actions)."""


class PrefsSource(Protocol):
    async def connection(self, connection_id: str) -> ConnectionInfo: ...
    async def preferences(self, connection_id: str) -> ConnectionPreferences: ...
    async def mappings(self, connection_id: str) -> Mappings: ...
    def drop_cached(self, connection_id: str) -> None: ...
    async def conflict(self, conflict_id: int) -> ConflictInfo: ...


@dataclass
class Deps:
    prefs: PrefsSource
    connectors: Connectors
    topics: Topics
    store_factory: Callable[[AsyncSession], EngineStore]
    state_seconds: float = 300.0
    _mappings: dict[str, Mappings] = field(default_factory=dict)
    _status: dict[str, tuple[float, str]] = field(default_factory=dict)

    async def disconnected(self, connection_id: str) -> bool:
        """The connection's state as prefs-api has it, kept until ``PreferencesChanged`` (prefs-api
        publishes one on disconnect and on reconnect) or, should that record be lost, ``state_seconds``."""
        known = self._status.get(connection_id)
        if known is None or time.monotonic() - known[0] >= self.state_seconds:
            known = (time.monotonic(), (await self.prefs.connection(connection_id)).status)
            self._status[connection_id] = known
        return known[1] == DISCONNECTED

    async def mappings(self, connection_id: str) -> Mappings:
        if connection_id not in self._mappings:
            self._mappings[connection_id] = await self.prefs.mappings(connection_id)
        return self._mappings[connection_id]

    def drop_mappings(self, connection_id: str) -> None:
        self._mappings.pop(connection_id, None)

    def drop(self, connection_id: str) -> None:
        self.prefs.drop_cached(connection_id)
        self._mappings.pop(connection_id, None)
        self._status.pop(connection_id, None)
        self.connectors.drop(connection_id)


def routes(deps: Deps) -> Routes:
    """What the engine does with each type its three topics carry."""
    return {
        ChangeDetected: partial(on_change, deps=deps),
        SyncOutcome: partial(on_outcome, deps=deps),
        PreferencesChanged: partial(on_preferences_changed, deps=deps),
        SyncRequested: partial(on_sync_requested, deps=deps),
    }


async def _locked_store(envelope: Envelope, session: AsyncSession, deps: Deps) -> EngineStore:
    """The connection's store, holding its lock for this transaction (the runner's)."""
    store = deps.store_factory(session)
    await store.lock(envelope.connection_id)
    return store


async def on_change(envelope: Envelope, session: AsyncSession, emitter: Emitter, *, deps: Deps) -> None:
    store = await _locked_store(envelope, session, deps)
    await decide_change(envelope.connection_id, envelope.event_as(ChangeDetected), store, emitter, deps)


async def on_outcome(envelope: Envelope, session: AsyncSession, emitter: Emitter, *, deps: Deps) -> None:
    store = await _locked_store(envelope, session, deps)
    await handle_outcome(envelope.connection_id, envelope.event_as(SyncOutcome), store, emitter, deps)


async def on_preferences_changed(envelope: Envelope, session: AsyncSession, emitter: Emitter, *, deps: Deps) -> None:
    """Forget the connection's cached preferences, mappings and state; re-decide what waited for
    them (what waited for the connection too, once it is connected again)."""
    store = await _locked_store(envelope, session, deps)
    cid = envelope.connection_id
    deps.drop(cid)
    try:
        active = not await deps.disconnected(cid)
    except NotFoundError:  # the connection is gone: nothing of it is decided again
        return
    await release(cid, ["prefs", disconnected_key(cid)] if active else ["prefs"], store, emitter, deps)


async def on_sync_requested(envelope: Envelope, session: AsyncSession, emitter: Emitter, *, deps: Deps) -> None:
    """Sync Now (or a schedule) writes what manual mode held back; the sweeper sweeps besides."""
    store = await _locked_store(envelope, session, deps)
    for raw in await store.unpark(envelope.connection_id, [MANUAL_KEY]):
        change = released_for_sync_now(raw)
        await decide_change(envelope.connection_id, change, store, emitter, deps)


async def decide_change(
    connection_id: str, change: ChangeDetected, store: EngineStore, emitter: Emitter, deps: Deps
) -> Plan:
    if change.trigger == "replay" and (change.delivery_id or "").startswith(BOOKKEEPER_ACTIONS):
        deps.drop_mappings(connection_id)  # the link or un-ignore it follows may be seconds old
    prefs = await deps.prefs.preferences(connection_id)
    run_id: str | None = None
    if await deps.disconnected(connection_id):
        plan = park_disconnected(_bare_inputs(connection_id, change, prefs))
    elif not prefs.ready:
        plan = decide(_bare_inputs(connection_id, change, prefs))
    else:
        try:
            connectors = deps.connectors
            sides = Sides(
                billcom=await connectors.billcom(connection_id), ledger=await connectors.ledger(connection_id)
            )
            company = await connectors.company(connection_id)
            planner = Planner(connection_id, prefs, await deps.mappings(connection_id), company, sides, store)
            plan = await planner.plan(change, override=await _override(change, deps))
            run_id = _run_of(change, planner.objects.get(make_ref(change.side, change.object_type, change.object_id)))
        except PermanentError as exc:
            inputs = _bare_inputs(connection_id, change, prefs)
            plan = park(inputs, "prefs", f"cannot read from the vendor: {exc}", rule="vendor_error")
    waited = await store.unpark(connection_id, _linking_keys(change, plan)) if is_link_message(change) else []
    await apply_plan(connection_id, change, plan, store, emitter, deps)
    await _release_changes(connection_id, waited, store, emitter, deps)  # they met the link before its message
    if run_id and await store.get_link(connection_id, ObjectType.FUNDS_TRANSFER, Side.BILLCOM, run_id) is None:
        # BILL sends no webhook for money-movement runs: decide the run as soon as one of its
        # payments shows it, instead of waiting for the next sweep to find it.
        run_change = ChangeDetected(
            side=Side.BILLCOM,
            object_type=ObjectType.FUNDS_TRANSFER,
            object_id=run_id,
            operation="updated",
            source_time=change.source_time,
            trigger="replay",
            delivery_id=f"run-of:{change.object_id}",
        )
        await decide_change(connection_id, run_change, store, emitter, deps)
    return plan


def _linking_keys(change: ChangeDetected, plan: Plan) -> list[str]:
    """What the changes that met this link before its message wait for (taken before the message's
    own plan clears what is parked for its object, so that they are decided again, not dropped)."""
    ids = {write.billcom_id for write in plan.links if write.billcom_id}
    if change.side is Side.BILLCOM:
        ids.add(change.object_id)
    return [linking_key(change.object_type, billcom_id) for billcom_id in sorted(ids)]


async def _override(change: ChangeDetected, deps: Deps) -> dict[str, Any] | None:
    """For a conflict override: the values the change's side lost (prefs-api's conflicts inbox)."""
    conflict_id = override_id(change)
    if conflict_id is None:
        return None
    conflict = await deps.prefs.conflict(conflict_id)
    return losing_values(change, conflict.losing_version) or None


def _run_of(change: ChangeDetected, source: CanonicalObject | None) -> str | None:
    """The money-movement run a BILL payment went out in (or, once voided, the run refunding it)."""
    if change.side is not Side.BILLCOM or not isinstance(source, BillPayment | ReceivedPayment):
        return None
    if source.voided:
        refund = source.side_status.get("voidMoneyMovementId")
        return str(refund) if refund else None
    if getattr(source, "paid_outside", False):
        return None
    return source.run_id


def _bare_inputs(connection_id: str, change: ChangeDetected, prefs: ConnectionPreferences) -> Inputs:
    return Inputs(
        connection_id=connection_id,
        change=change,
        source=None,
        counterpart=None,
        link=None,
        prefs=prefs,
        mappings=Mappings(),
        company=CompanyInfo(company_id="", name=""),
    )


async def _existing(store: EngineStore, connection_id: str, write: LinkWrite) -> Link | None:
    found = None
    if write.billcom_id:
        found = await store.get_link(connection_id, write.object_type, Side.BILLCOM, write.billcom_id)
    if found is None and write.ledger_id:
        found = await store.get_link(connection_id, write.object_type, Side.LEDGER, write.ledger_id)
    return found


async def apply_plan(
    connection_id: str, change: ChangeDetected, plan: Plan, store: EngineStore, emitter: Emitter, deps: Deps
) -> None:
    ref = make_ref(change.side, change.object_type, change.object_id)
    await store.clear_parked(connection_id, ref)
    failed_before: set[str] = set()
    for cmd in plan.commands:
        fp, view = plan.source_views.get(cmd.command_id, (cmd.source_fingerprint, None))
        _, link_type, _ = parse_ref(cmd.source_ref)
        added = await store.add_command(
            CommandRecord(
                command_id=cmd.command_id,
                connection_id=connection_id,
                object_type=cmd.object_type.value,
                action=cmd.action,
                source_ref=cmd.source_ref,
                target_side=cmd.target_side,
                link_object_type=link_type,
                source_fingerprint=fp,
                source_view=view,
                status="pending",
            )
        )
        if not added and (known := await store.get_command(cmd.command_id)) and known.status == "failed":
            log.warning("command %s failed before; not re-sent (replay it after fixing)", cmd.command_id)
            failed_before.add(cmd.command_id)
            continue
        emitter.emit(deps.topics.postings, cmd, connection_id=connection_id)
    for write in plan.links:
        existing = await _existing(store, connection_id, write)
        if write.drop:
            if existing is not None:
                await store.drop_link(connection_id, existing)
            continue
        if write.pending_command_id in failed_before:
            # not sent again: waiting for it would hold every later change of the object
            write = replace(write, baselines=(), pending_command_id=None)
        await store.put_link(connection_id, merge_link(existing, write))
    for out in plan.outcomes:
        emitter.emit(deps.topics.outcomes, out, connection_id=connection_id)
    if plan.park is not None:
        await store.park(connection_id, ref, plan.park.waiting_for, plan.park.reason, change.model_dump(mode="json"))
    if plan.skipped:
        log.info("%s %s: %s", change.object_type.value, change.object_id, plan.skipped)


async def handle_outcome(
    connection_id: str, out: SyncOutcome, store: EngineStore, emitter: Emitter, deps: Deps
) -> None:
    """Keep links up to date from posting's outcomes, then release what waited for them."""
    if out.producer == "sync-engine":
        return
    succeeded = out.status == "posted" or (out.status == "skipped" and out.target_ref is not None)
    record = await store.finish_command(out.command_id, "posted" if succeeded else "failed")
    source_side, link_type, source_id = parse_ref(record.source_ref if record else out.source_ref)
    if record is not None:
        link_type = record.link_object_type
    target_side = record.target_side if record else source_side.other
    link = await store.get_link(connection_id, link_type, source_side, source_id)
    if succeeded and out.target_ref is not None:
        fp, view = (record.source_fingerprint, record.source_view) if record else (out.source_fingerprint, None)
        source = Baseline(side=source_side, object_id=source_id, fingerprint=fp, view=view)
        link = linked_by_outcome(link or Link(object_type=link_type), out, source_side, source_id, target_side, source)
        await store.put_link(connection_id, link)
    elif link is not None and link.pending_command_id == out.command_id:
        # the write did not happen: forget the source baseline so the next change syncs again
        cleared = replace(link, pending_command_id=None).with_baseline(source_side, None, None)
        await store.put_link(connection_id, cleared)
    keys = [f"command:{out.command_id}"]
    if out.target_ref is not None and out.target_ref.side is Side.LEDGER:
        keys.append(inflight_key(link_type, out.target_ref.id))
    if succeeded:
        keys.append(out.source_ref)
    await release(connection_id, keys, store, emitter, deps)
    inflight = f"{INFLIGHT_PREFIX}{link_type.value}:"
    parked = await store.unpark_prefix_if_idle(connection_id, inflight, link_type)
    await _release_changes(connection_id, parked, store, emitter, deps)


async def release(connection_id: str, keys: list[str], store: EngineStore, emitter: Emitter, deps: Deps) -> None:
    """Re-decide the changes parked on any of ``keys`` (they read both sides afresh)."""
    await _release_changes(connection_id, await store.unpark(connection_id, keys), store, emitter, deps)


async def _release_changes(
    connection_id: str, parked: list[dict[str, Any]], store: EngineStore, emitter: Emitter, deps: Deps
) -> None:
    for raw in parked:
        change = ChangeDetected.model_validate(raw)
        log.info("releasing parked %s %s", change.object_type.value, change.object_id)
        await decide_change(connection_id, change, store, emitter, deps)
