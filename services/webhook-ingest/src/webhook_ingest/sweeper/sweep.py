"""One sweep of one connection: the ledger's change feed on the ledger side (``ledger_sweep.py``)
and ``updatedTime`` polling of every BILL object type, from stored watermarks. Each change goes
out as the same ``ChangeDetected`` a webhook would produce; a watermark moves only after Kafka
acknowledged the changes below it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Literal, Protocol

from ledgerbridge_common.canonical.models import BankAccount, ObjectType
from ledgerbridge_common.connectors.ports import BillcomConnector, ChangeRef, LedgerConnector
from ledgerbridge_common.errors import PermanentError
from ledgerbridge_common.events.models import Side, Trigger, deterministic_id, utcnow
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import ConnectionInfo, ConnectionPreferences
from ledgerbridge_common.what_syncs import WhatSyncs
from webhook_ingest.adapters.watermarks import SweepStateStore
from webhook_ingest.handlers.produce import Publisher, change_envelope
from webhook_ingest.metrics import CHANGES
from webhook_ingest.parsing.common import VendorChange
from webhook_ingest.sweeper.ledger_sweep import EdgeMemory, sweep_ledger

log = logging.getLogger(__name__)

SweepTrigger = Literal["sync_now", "schedule", "catch_up"]
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

BILLCOM_TYPES: tuple[ObjectType, ...] = (
    ObjectType.VENDOR, ObjectType.CUSTOMER, ObjectType.ACCOUNT, ObjectType.CLASS, ObjectType.DEPARTMENT,
    ObjectType.LOCATION, ObjectType.ITEM, ObjectType.BILL, ObjectType.VENDOR_CREDIT,
    ObjectType.BILL_PAYMENT, ObjectType.INVOICE, ObjectType.RECEIVED_PAYMENT, ObjectType.FUNDS_TRANSFER,
)  # fmt: skip
"""Every BILL type, also those BILL sends no webhook for (vendor credits, received payments,
customers, chart of accounts)."""


class ConnectorFactory(Protocol):
    """``ledgerbridge_common.connectors.factory.ConnectorFactory``: connectors from credentials in hand."""

    def ledger_for(self, info: ConnectionInfo) -> LedgerConnector | None: ...

    def billcom_for(self, info: ConnectionInfo) -> BillcomConnector | None: ...


class ConnectionSource(Protocol):
    async def connection(self, connection_id: str) -> ConnectionInfo: ...

    async def preferences(self, connection_id: str) -> ConnectionPreferences: ...

    async def report_bank_accounts(self, connection_id: str, accounts: list[BankAccount]) -> None: ...


@dataclass
class SweepReport:
    connection_id: str
    emitted: dict[str, int] = field(default_factory=dict)
    full_resync: bool = False
    skipped_types: list[str] = field(default_factory=list)
    what_syncs: WhatSyncs = field(default_factory=dict)
    """The connection's What Syncs: a side is read only for the types taken from it."""
    read_from: dt.datetime = EPOCH
    """Where BILL is first read from: the connection's start date (else ``EPOCH``)."""


@dataclass
class SweepDeps:
    prefs: ConnectionSource
    connectors: ConnectorFactory
    state: SweepStateStore
    publisher: Publisher
    topics: Topics
    clock: Callable[[], dt.datetime] = utcnow
    chunk: int = 500
    cdc_max_days: int = 30
    """At most this far back a change feed is read; older watermarks resync by query."""
    ledger_edges: EdgeMemory = field(default_factory=EdgeMemory)
    """What recent ledger sweeps published near their watermarks (``ledger_sweep.py``)."""


def _taken_from(what_syncs: WhatSyncs, object_type: ObjectType, side: Side) -> bool:
    """The bookkeeper's What Syncs choice (if any) takes this type from ``side``; a type without a
    choice is read, and the engine's direction rules decide it."""
    way = what_syncs.get(object_type)
    return way is None or way.takes_from(side)


def start_of(day: dt.date | None) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else EPOCH


def event_trigger(trigger: SweepTrigger, side: Side) -> Trigger:
    if trigger == "catch_up":
        return "cdc" if side is Side.LEDGER else "poll"
    return trigger


async def _emit(connection_id: str, side: Side, changes: Sequence[ChangeRef], trigger: Trigger, deps: SweepDeps) -> int:
    now = deps.clock()
    items = []
    for ref in changes:
        stamp = ref.source_time.isoformat()
        event_id = deterministic_id("sweep", connection_id, side.value, ref.object_type, ref.object_id, stamp)
        change = VendorChange(
            company_id="",
            object_type=ref.object_type,
            object_id=ref.object_id,
            operation=ref.operation,
            source_time=ref.source_time,
            dedupe_key=f"sweep:{side.value}:{ref.object_type}:{ref.object_id}:{stamp}",
            merged_into=ref.merged_into,
            payload=ref.payload,
        )
        env = change_envelope(connection_id, side, change, trigger=trigger, event_id=event_id, occurred_at=now)
        items.append((deps.topics.changes, env))
    for start in range(0, len(items), deps.chunk):
        await deps.publisher.publish_many(items[start : start + deps.chunk])
    if items:
        CHANGES.labels(side.value, trigger).inc(len(items))
    return len(items)


async def sweep_billcom(
    conn: ConnectionInfo,
    billcom: BillcomConnector,
    trigger: SweepTrigger,
    full: bool,
    deps: SweepDeps,
    report: SweepReport,
) -> None:
    cid, side = conn.connection_id, Side.BILLCOM
    marks = {} if full else await deps.state.watermarks(cid, side.value)
    emitted = 0
    for object_type in (t for t in BILLCOM_TYPES if _taken_from(report.what_syncs, t, side)):
        try:
            page = await billcom.list_changed(object_type, marks.get(object_type, report.read_from))
        except PermanentError as exc:  # a type this organization cannot list: do the others
            log.warning("BILL sweep skipped %s: %s", object_type, exc)
            report.skipped_types.append(str(object_type))
            continue
        emitted += await _emit(cid, side, page.changes, event_trigger(trigger, side), deps)
        await deps.state.set_watermark(cid, side.value, [object_type], page.next_watermark)
    report.emitted[side.value] = emitted
    accounts = await billcom.list_bank_accounts()
    if accounts:
        await deps.prefs.report_bank_accounts(cid, accounts)


async def sweep_connection(
    connection_id: str, trigger: SweepTrigger, deps: SweepDeps, *, full: bool = False, billcom_side: bool = True
) -> SweepReport:
    """Sweep both sides of one connection (only the ledger's without ``billcom_side``). Errors
    propagate (the caller records and retries)."""
    conn = await deps.prefs.connection(connection_id)
    prefs = await deps.prefs.preferences(connection_id)
    report = SweepReport(connection_id, what_syncs=prefs.what_syncs, read_from=start_of(prefs.start_date))
    billcom = deps.connectors.billcom_for(conn) if conn.billcom is not None and billcom_side else None
    if billcom is not None:
        await sweep_billcom(conn, billcom, trigger, full, deps, report)
    ledger = deps.connectors.ledger_for(conn) if conn.ledger is not None else None
    if ledger is not None:
        emit = partial(_emit, conn.connection_id, Side.LEDGER, deps=deps)
        await sweep_ledger(conn, ledger, trigger, full, deps, report, emit)
    log.info("sweep done", extra={"trigger": trigger, "emitted": report.emitted, "full": report.full_resync})
    return report
