"""A safe first sync: the preview (what the first sync will create, link or skip, per BILL
object type, read through both connectors), starting it (until then the engine writes nothing),
and the What Syncs matrix of a connection."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar, runtime_checkable

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.ports import DocumentLookup, LedgerConnector
from ledgerbridge_common.document_match import pick_document
from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import Side, SyncRequested
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.events.refs import NAME_LISTS
from ledgerbridge_common.prefs_client import ConnectionInfo
from ledgerbridge_common.what_syncs import chosen, matrix
from prefs_api.adapters import repository as repo
from prefs_api.adapters.vendors import vendor_unavailable
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.domain.first_sync import DOCUMENTS, PREVIEWED, Item, skip_reason, verdict
from prefs_api.first_sync_schemas import (
    FirstSyncPreview,
    FirstSyncStarted,
    PreviewItem,
    TypePreview,
    WhatSyncsCell,
    WhatSyncsView,
)
from prefs_api.handlers import sync
from prefs_api.handlers.connections import publish_prefs_changed, to_info, visible_connection
from prefs_api.problems import ProblemError, not_found

log = logging.getLogger(__name__)
EXAMPLES = 5
PREVIEW_ATTEMPTS = 5
T = TypeVar("T")
LEDGER_SIDE_NOTE = (
    "From the ledger, new unpaid bills and invoices dated on or after the start date are copied to BILL "
    "where What Syncs says 'both'; a document already in BILL (same vendor, number and amount) is linked."
)

NO_LOOKUP_NOTE = (
    "This ledger's connector cannot look up existing bills, vendor credits or invoices by number: they are "
    "not linked, and 'will create' may include documents already keyed into the ledger."
)


@runtime_checkable
class BillcomLister(Protocol):
    """A BILL connector that lists every object of a type (``BillcomHttpConnector.list_objects``)."""

    async def list_objects(self, object_type: ObjectType, filters: str | None = None) -> list[CanonicalObject]: ...


async def _state(
    services: Services, principal: Principal, connection_id: str
) -> tuple[ConnectionInfo, int, PreferenceValues]:
    async with services.sessions() as session:
        info = to_info(await visible_connection(session, principal, connection_id), services.cipher)
        current = await repo.current_version(session, connection_id)
    if current is None:
        raise not_found("preferences")
    return info, current["version"], PreferenceValues.model_validate(current["values"])


async def _patiently(call: Callable[[], Awaitable[T]]) -> T:
    """A preview reads many objects: an over-limit answer (the shared budget then cools down) or
    another retryable error is tried again, at most ``PREVIEW_ATTEMPTS`` times in all."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(RetryableError),
        stop=stop_after_attempt(PREVIEW_ATTEMPTS),
        wait=wait_exponential(multiplier=0.5, max=8),
        reraise=True,
    ):
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity reraises the last error")


class _Ledger:
    """What the preview asks the ledger, once per name (parties are shared by many documents)."""

    def __init__(self, connector: LedgerConnector) -> None:
        self.connector = connector
        self.names: dict[tuple[ObjectType, str], CanonicalObject | None] = {}

    async def by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        key = (object_type, name)
        if key not in self.names:
            self.names[key] = await _patiently(lambda: self.connector.find_by_name(object_type, name))
        return self.names[key]

    async def documents(self, obj: CanonicalObject, party_id: str) -> list[CanonicalObject]:
        number = getattr(obj, "number", None)
        if not number or not isinstance(self.connector, DocumentLookup):
            return []
        lookup = self.connector
        return await _patiently(lambda: lookup.find_documents(obj.object_type, party_id, number))


async def _judge(
    prefs: PreferenceValues, info: ConnectionInfo, obj: CanonicalObject, ledger: _Ledger, parties: dict[str, str]
) -> Item:
    kind = info.ledger_kind
    if skip_reason(prefs, kind, obj) is not None:
        return verdict(prefs, kind, obj)
    if obj.object_type in NAME_LISTS:
        return verdict(prefs, kind, obj, name_match=await ledger.by_name(obj.object_type, getattr(obj, "name", "")))
    if obj.object_type in DOCUMENTS:
        party_type = ObjectType.CUSTOMER if obj.object_type is ObjectType.INVOICE else ObjectType.VENDOR
        name = parties.get(str(getattr(obj, "vendor_id", None) or getattr(obj, "customer_id", "")))
        party = await ledger.by_name(party_type, name) if name else None
        if party is not None and party.id:
            found = await ledger.documents(obj, party.id)
            return verdict(prefs, kind, obj, document=pick_document(obj, party.id, found))  # type: ignore[arg-type]
    return verdict(prefs, kind, obj)


def _summary(object_type: ObjectType, prefs: PreferenceValues, info: ConnectionInfo, items: list[Item]) -> TypePreview:
    counts: dict[str, int] = defaultdict(int)
    examples: list[PreviewItem] = []
    for item in items:
        counts[item.verdict] += 1
        if counts[item.verdict] <= EXAMPLES:
            examples.append(
                PreviewItem(
                    billcom_id=item.billcom_id,
                    label=item.label,
                    date=item.date,
                    amount=item.amount,
                    verdict=item.verdict,
                    reason=item.reason,
                    ledger_id=item.ledger_id,
                    candidates=list(item.candidates),
                )
            )
    return TypePreview(
        object_type=object_type,
        direction=chosen(info.ledger_kind, object_type, prefs.what_syncs),
        examples=examples,
        **counts,
    )


async def preview(services: Services, principal: Principal, connection_id: str) -> FirstSyncPreview:
    """Read BILL's objects and the ledger's matches; nothing is written."""
    info, version, prefs = await _state(services, principal, connection_id)
    billcom, ledger = services.billcom_factory(info), _Ledger(services.ledger_factory(info))
    if not isinstance(billcom, BillcomLister):
        raise ProblemError(503, "Preview unavailable", "This BILL connector cannot list objects", kind="unavailable")
    parties: dict[str, str] = {}
    types: list[TypePreview] = []
    try:
        for object_type in PREVIEWED:
            if not chosen(info.ledger_kind, object_type, prefs.what_syncs).takes_from(Side.BILLCOM):
                types.append(_summary(object_type, prefs, info, []))  # switched off: not even read
                continue
            began = time.monotonic()
            objects = await billcom.list_objects(object_type)
            listed = time.monotonic()
            if object_type in (ObjectType.VENDOR, ObjectType.CUSTOMER):
                parties.update({o.id or "": getattr(o, "name", "") for o in objects})
            items = [await _judge(prefs, info, obj, ledger, parties) for obj in objects]
            types.append(_summary(object_type, prefs, info, items))
            log.info(
                "first-sync preview: %s %s listed in %.1f s, judged in %.1f s",
                len(objects),
                object_type.value,
                listed - began,
                time.monotonic() - listed,
            )
    except ProblemError:
        raise
    except Exception as exc:
        raise vendor_unavailable("BILL or the ledger", exc) from exc
    notes = [LEDGER_SIDE_NOTE]
    if not isinstance(ledger.connector, DocumentLookup):
        notes.append(NO_LOOKUP_NOTE)
    return FirstSyncPreview(
        connection_id=connection_id,
        version=version,
        start_date=prefs.start_date,
        first_sync_started=prefs.first_sync_started,
        types=types,
        notes=notes,
    )


async def start(
    services: Services, principal: Principal, connection_id: str, start_date: dt.date | None
) -> FirstSyncStarted:
    """Mark the first sync started (a new preferences version: the engine re-decides what it held)
    and ask for a sweep now."""
    async with services.sessions.begin() as session:
        row = await visible_connection(session, principal, connection_id, lock=True)
        current = await repo.current_version(session, connection_id)
        if current is None:
            raise not_found("preferences")
        values = PreferenceValues.model_validate(current["values"])
        if values.first_sync_started:
            raise ProblemError(409, "First sync already started", "This connection syncs already", kind="conflict")
        if row["status"] != "active":
            raise ProblemError(409, "Connection disabled", "Enable the connection first", kind="conflict")
        changes = [{"preference": "first_sync_started", "old": False, "new": True}]
        if start_date is not None and start_date != values.start_date:
            old = values.start_date.isoformat() if values.start_date else None
            changes.append({"preference": "start_date", "old": old, "new": start_date.isoformat()})
        new = values.model_copy(update={"first_sync_started": True, "start_date": start_date or values.start_date})
        saved = await repo.insert_version(
            session, connection_id, current["version"] + 1, new, changes, principal.key_id
        )
    await publish_prefs_changed(services, connection_id, saved["version"], in_force=True)
    env = Envelope.wrap(SyncRequested(trigger="sync_now"), connection_id=connection_id)
    await sync.publish(services, services.settings.kafka.topics.prefs, [env])
    return FirstSyncStarted(
        connection_id=connection_id,
        version=saved["version"],
        start_date=new.start_date,
        detail="First sync started: what was held is decided now, and a sweep reads both sides",
    )


async def what_syncs(services: Services, principal: Principal, connection_id: str) -> WhatSyncsView:
    info, version, prefs = await _state(services, principal, connection_id)
    cells = [
        WhatSyncsCell(
            object_type=object_type,
            allowed=sorted(cell.allowed),
            default=cell.default,
            chosen=chosen(info.ledger_kind, object_type, prefs.what_syncs),
            unpaid_only_from_ledger=cell.unpaid_only_from_ledger,
        )
        for object_type, cell in matrix(info.ledger_kind).items()
    ]
    return WhatSyncsView(connection_id=connection_id, ledger_kind=info.ledger_kind, version=version, cells=cells)
