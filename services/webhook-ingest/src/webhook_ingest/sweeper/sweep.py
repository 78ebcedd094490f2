"""One sweep of one connection: QBO CDC (or a full query resync past 30 days) on the ledger side
and ``updatedTime`` polling of every BILL object type, from stored watermarks. Each change goes
out as the same ``ChangeDetected`` a webhook would produce; a watermark moves only after Kafka
acknowledged the changes below it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from ledgerbridge_common.canonical.models import BankAccount, ObjectType
from ledgerbridge_common.connectors.ports import BillcomConnector, ChangePage, ChangeRef, LedgerConnector
from ledgerbridge_common.errors import PermanentError
from ledgerbridge_common.events.models import Side, Trigger, deterministic_id, utcnow
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import ConnectionInfo
from webhook_ingest.adapters.watermarks import SweepStateStore
from webhook_ingest.handlers.produce import Publisher, change_envelope
from webhook_ingest.metrics import CHANGES
from webhook_ingest.parsing.common import VendorChange

log = logging.getLogger(__name__)

SweepTrigger = Literal["sync_now", "schedule", "catch_up"]
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

LEDGER_TYPES: tuple[ObjectType, ...] = (
    ObjectType.VENDOR, ObjectType.CUSTOMER, ObjectType.ACCOUNT, ObjectType.CLASS, ObjectType.LOCATION,
    ObjectType.ITEM, ObjectType.BILL, ObjectType.VENDOR_CREDIT, ObjectType.BILL_PAYMENT,
    ObjectType.INVOICE, ObjectType.RECEIVED_PAYMENT, ObjectType.FUNDS_TRANSFER, ObjectType.JOURNAL_ENTRY,
)  # fmt: skip
"""QBO entities we sync (QBO's Department is the canonical ``location``)."""

BILLCOM_TYPES: tuple[ObjectType, ...] = (
    ObjectType.VENDOR, ObjectType.CUSTOMER, ObjectType.ACCOUNT, ObjectType.CLASS, ObjectType.DEPARTMENT,
    ObjectType.LOCATION, ObjectType.ITEM, ObjectType.BILL, ObjectType.VENDOR_CREDIT,
    ObjectType.BILL_PAYMENT, ObjectType.INVOICE, ObjectType.RECEIVED_PAYMENT, ObjectType.FUNDS_TRANSFER,
)  # fmt: skip
"""Every BILL type, also those BILL sends no webhook for (vendor credits, received payments,
customers, chart of accounts)."""


@runtime_checkable
class FullResync(Protocol):
    """A ledger connector that can list every object of a type changed since a time by query
    (QBO: ``select * from <Entity> where Metadata.LastUpdatedTime >= ...``), for gaps past CDC's
    30 days. ``since=None`` lists everything."""

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage: ...


class ConnectorFactory(Protocol):
    """``ledgerbridge_common.connectors.factory.ConnectorFactory``: connectors from credentials in hand."""

    def ledger_for(self, info: ConnectionInfo) -> LedgerConnector | None: ...

    def billcom_for(self, info: ConnectionInfo) -> BillcomConnector | None: ...


class ConnectionSource(Protocol):
    async def connection(self, connection_id: str) -> ConnectionInfo: ...

    async def report_bank_accounts(self, connection_id: str, accounts: list[BankAccount]) -> None: ...


@dataclass
class SweepReport:
    connection_id: str
    emitted: dict[str, int] = field(default_factory=dict)
    full_resync: bool = False
    skipped_types: list[str] = field(default_factory=list)


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


async def sweep_ledger(
    conn: ConnectionInfo,
    ledger: LedgerConnector,
    trigger: SweepTrigger,
    full: bool,
    deps: SweepDeps,
    report: SweepReport,
) -> None:
    cid, side = conn.connection_id, Side.LEDGER
    marks = await deps.state.watermarks(cid, side.value)
    known = [marks[t] for t in LEDGER_TYPES if t in marks]
    since = min(known) if known and len(known) == len(LEDGER_TYPES) and not full else None
    horizon = deps.clock() - dt.timedelta(days=deps.cdc_max_days) + dt.timedelta(minutes=5)
    emitted = 0
    if since is None or since < horizon:
        report.full_resync = True
        if not isinstance(ledger, FullResync):
            raise PermanentError(f"{conn.ledger_kind} connector cannot resync past CDC's window")
        for object_type in LEDGER_TYPES:
            page = await ledger.query_changed(object_type, None if full else marks.get(object_type))
            emitted += await _emit(cid, side, page.changes, event_trigger(trigger, side), deps)
            await deps.state.set_watermark(cid, side.value, [object_type], page.next_watermark)
    else:
        while True:
            page = await ledger.changes_since(LEDGER_TYPES, since)
            emitted += await _emit(cid, side, page.changes, event_trigger(trigger, side), deps)
            await deps.state.set_watermark(cid, side.value, LEDGER_TYPES, page.next_watermark)
            if page.complete or page.next_watermark <= since:
                break
            since = page.next_watermark
    report.emitted[side.value] = emitted


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
    for object_type in BILLCOM_TYPES:
        try:
            page = await billcom.list_changed(object_type, marks.get(object_type, EPOCH))
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
    connection_id: str, trigger: SweepTrigger, deps: SweepDeps, *, full: bool = False
) -> SweepReport:
    """Sweep both sides of one connection. Errors propagate (the caller records and retries)."""
    conn = await deps.prefs.connection(connection_id)
    report = SweepReport(connection_id)
    billcom = deps.connectors.billcom_for(conn) if conn.billcom is not None else None
    if billcom is not None:
        await sweep_billcom(conn, billcom, trigger, full, deps, report)
    ledger = deps.connectors.ledger_for(conn) if conn.ledger is not None else None
    if ledger is not None:
        await sweep_ledger(conn, ledger, trigger, full, deps, report)
    log.info("sweep done", extra={"trigger": trigger, "emitted": report.emitted, "full": report.full_resync})
    return report
