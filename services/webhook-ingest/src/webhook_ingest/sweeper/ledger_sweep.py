"""The ledger side of a sweep, for any ledger, by the change feed its connector declares
(``capabilities.change_feed``); nothing here knows which ledger it talks to.

- **CDC** (QBO): one call for every type from the oldest watermark, following the connector's pages
  until complete; a watermark older than the feed's ``max_lookback`` falls back to a query resync.
- **Modified since** (Intacct ``WHENMODIFIED`` + ``AUDITHISTORY``, NetSuite ``lastmodifieddate`` +
  ``DeletedRecord``): the same call from the oldest watermark. The connector reads the zone-less
  stamps in the company's time zone and starts its window early (clock skew), so the changes at the
  window's edge come again: :class:`EdgeMemory` drops those this process already published (after a
  restart their deterministic event ids let the engine's inbox drop them).

Without watermarks (first sweep) or for ``full``, every object of each type is listed by query.
Only the types the connector syncs (``capabilities.swept_types``) are asked for. A watermark moves
only after Kafka acknowledged the changes below it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.capabilities import ChangeFeedKind
from ledgerbridge_common.connectors.ports import ChangeRef, LedgerConnector
from ledgerbridge_common.events.models import Side, Trigger
from ledgerbridge_common.prefs_client import ConnectionInfo

if TYPE_CHECKING:
    from webhook_ingest.sweeper.sweep import SweepDeps, SweepReport, SweepTrigger

LEDGER_TYPES: tuple[ObjectType, ...] = (
    ObjectType.VENDOR, ObjectType.CUSTOMER, ObjectType.ACCOUNT, ObjectType.CLASS, ObjectType.LOCATION,
    ObjectType.ITEM, ObjectType.BILL, ObjectType.VENDOR_CREDIT, ObjectType.BILL_PAYMENT,
    ObjectType.INVOICE, ObjectType.RECEIVED_PAYMENT, ObjectType.FUNDS_TRANSFER, ObjectType.JOURNAL_ENTRY,
)  # fmt: skip
"""The types swept for a connector that does not declare its own (``capabilities.swept_types``):
QBO's entities (its Department is the canonical ``location``)."""

EDGE_KEEP = dt.timedelta(hours=1)
"""How far behind the watermark :class:`EdgeMemory` remembers published changes (far more than
any connector's overlap)."""

QUIET_MARGIN = dt.timedelta(minutes=10)
"""A type with nothing to list is marked as read up to the sweep's start less this margin (clock
skew), not left at the feed's epoch, so later sweeps do not re-read the whole history."""

Emit = Callable[[Sequence[ChangeRef], Trigger], Awaitable[int]]


def ledger_types(ledger: LedgerConnector) -> tuple[ObjectType, ...]:
    declared = ledger.capabilities.swept_types
    return LEDGER_TYPES if declared is None else tuple(t for t in ObjectType if t in declared)


@dataclass
class EdgeMemory:
    """The changes each connection's last ledger sweeps published near the watermark, so that an
    overlapping window does not publish them twice."""

    seen: dict[str, dict[tuple[str, str, str, str], dt.datetime]] = field(default_factory=dict)

    def fresh(self, connection_id: str, changes: Sequence[ChangeRef]) -> list[ChangeRef]:
        """``changes`` without those already published and without repeats within the page."""
        known = self.seen.get(connection_id, {})
        out: list[ChangeRef] = []
        keys: set[tuple[str, str, str, str]] = set()
        for ref in changes:
            key = _key(ref)
            if key not in known and key not in keys:
                keys.add(key)
                out.append(ref)
        return out

    def remember(self, connection_id: str, changes: Sequence[ChangeRef], watermark: dt.datetime) -> None:
        known = self.seen.setdefault(connection_id, {})
        known.update({_key(ref): ref.source_time for ref in changes})
        horizon = watermark - EDGE_KEEP
        for key in [k for k, when in known.items() if when < horizon]:
            del known[key]


def _taken_from_ledger(conn: ConnectionInfo, object_type: ObjectType, report: SweepReport) -> bool:
    """The bookkeeper's What Syncs choice (if any) takes this type from the ledger; without a choice
    the type is read and the connector's flows decide it in the engine."""
    way = report.what_syncs.get(object_type)
    return way is None or way.takes_from(Side.LEDGER)


def _key(ref: ChangeRef) -> tuple[str, str, str, str]:
    return (ref.object_type.value, ref.object_id, ref.operation, ref.source_time.isoformat())


def event_trigger(trigger: SweepTrigger) -> Trigger:
    """A catch-up of the ledger side reads the ledger's change feed ("cdc")."""
    return "cdc" if trigger == "catch_up" else trigger


async def sweep_ledger(
    conn: ConnectionInfo,
    ledger: LedgerConnector,
    trigger: SweepTrigger,
    full: bool,
    deps: SweepDeps,
    report: SweepReport,
    emit: Emit,
) -> None:
    """Publish the ledger's changes since the stored watermarks (``emit`` publishes and answers how
    many), moving each watermark after its changes were acknowledged."""
    cid, side = conn.connection_id, Side.LEDGER.value
    feed = ledger.capabilities.change_feed
    types = tuple(t for t in ledger_types(ledger) if _taken_from_ledger(conn, t, report))
    if not types:
        return
    marks = await deps.state.watermarks(cid, side)
    known = [marks[t] for t in types if t in marks]
    since = min(known) if known and len(known) == len(types) and not full else None
    lookback = min(feed.max_lookback, dt.timedelta(days=deps.cdc_max_days)) if feed.max_lookback else None
    too_old = since is not None and lookback is not None and since < deps.clock() - lookback + dt.timedelta(minutes=5)
    memory = deps.ledger_edges
    started = deps.clock()
    emitted = 0
    if since is None or too_old:
        report.full_resync = True
        for object_type in types:
            page = await ledger.query_changed(object_type, None if full else marks.get(object_type))
            emitted += await emit(memory.fresh(cid, page.changes), event_trigger(trigger))
            mark = page.next_watermark if page.changes else max(page.next_watermark, started - QUIET_MARGIN)
            memory.remember(cid, page.changes, mark)
            await deps.state.set_watermark(cid, side, [object_type], mark)
    else:
        while True:
            page = await ledger.changes_since(types, since)
            overlapping = feed.kind is ChangeFeedKind.MODIFIED_SINCE
            emitted += await emit(
                memory.fresh(cid, page.changes) if overlapping else page.changes, event_trigger(trigger)
            )
            if overlapping:
                memory.remember(cid, page.changes, page.next_watermark)
            await deps.state.set_watermark(cid, side, types, page.next_watermark)
            if page.complete or page.next_watermark <= since:
                break
            since = page.next_watermark
    report.emitted[side] = emitted
