"""Gather what the pure core needs (both sides' objects, links, references, matches) through the
connectors and the store, then call ``decide``. Unlinked dependencies are planned first, so their
commands come out before the command that needs them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ledgerbridge_common.canonical import fingerprint
from ledgerbridge_common.canonical.models import (
    BillPayment,
    CanonicalObject,
    CompanyInfo,
    FundsTransfer,
    ObjectType,
    ReceivedPayment,
)
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.errors import NotFoundError
from ledgerbridge_common.events import ChangeDetected, Side, utcnow
from ledgerbridge_common.metrics import CHANGE_PAYLOADS
from ledgerbridge_common.prefs_client import ConnectionPreferences, Mappings
from sync_engine.adapters.store import EngineStore
from sync_engine.domain.adopt import is_adoption, is_link_message
from sync_engine.domain.decide import decide
from sync_engine.domain.directions import DOCUMENTS, MATCHABLE
from sync_engine.domain.echo import awaits_inflight_creates, echo_skip, is_own_write_echo, wait_for_creates
from sync_engine.domain.first_sync import before_reading
from sync_engine.domain.ignore import ignored_ref, linked_ids, skip_ignored
from sync_engine.domain.model import Inputs, Link, Plan, RefKey, Resolution, make_ref
from sync_engine.domain.money import needs_conversion
from sync_engine.domain.override import with_values
from sync_engine.domain.transfers import payment_type, run_payment_ids
from sync_engine.domain.translate import references
from sync_engine.matching import Matcher

MAX_DEPTH = 4
T = ObjectType


@dataclass(frozen=True)
class Sides:
    """A connection's two connectors, as the planner reads them."""

    billcom: BillcomConnector
    ledger: LedgerConnector


@dataclass
class Planner:
    connection_id: str
    prefs: ConnectionPreferences
    mappings: Mappings
    company: CompanyInfo
    sides: Sides
    store: EngineStore
    resolved: dict[RefKey, Resolution] = field(default_factory=dict)
    objects: dict[str, CanonicalObject | None] = field(default_factory=dict)
    matcher: Matcher = field(init=False)

    def __post_init__(self) -> None:
        sides = self.sides
        self.matcher = Matcher(self.connection_id, self.mappings, sides.billcom, sides.ledger, self.store, self.read)

    async def read(self, side: Side, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        ref = make_ref(side, object_type, object_id)
        if ref in self.objects:
            return self.objects[ref]
        try:
            if side is Side.BILLCOM and object_type is T.FUNDS_TRANSFER:
                obj: CanonicalObject | None = await self.sides.billcom.read_run(object_id)
            elif side is Side.BILLCOM:
                obj = await self.sides.billcom.read(object_type, object_id)
            else:
                obj = await self.sides.ledger.read(object_type, object_id)
        except NotFoundError:
            obj = None
        self.objects[ref] = obj
        return obj

    async def plan(self, change: ChangeDetected, depth: int = 0, override: dict[str, Any] | None = None) -> Plan:
        """``override``: the values this side lost in a conflict the bookkeeper overrode."""
        side, otype, oid = change.side, change.object_type, change.object_id
        deps = Plan()
        link = await self.store.get_link(self.connection_id, otype, side, oid)
        ignored = ignored_ref(change, link, self.mappings)
        if ignored is not None:
            return skip_ignored(self._inputs(change, link), ignored)
        if depth == 0 and not override:
            early = await self._before_reading(change, link)
            if early is not None:
                return early
        if depth == 0 and not override:
            await self._from_payload(change, link)
        source = await self.read(side, otype, oid)
        if source is not None and override:
            source = with_values(source, override)
        other_id = link.id_on(side.other) if link else None
        counterpart = None
        if other_id and not (link and link.pending_command_id):
            counterpart = await self.read(side.other, otype, other_id)
        refs: dict[RefKey, Resolution] = {}
        related: dict[str, CanonicalObject] = {}
        if source is not None:
            for rtype, rid in references(otype, source.model_dump(mode="json")):
                resolution, sub = await self.resolve(side, rtype, rid, depth)
                refs[(side, rtype, rid)] = resolution
                deps = deps.then(sub)
            if counterpart is not None:
                for rtype, rid in references(otype, counterpart.model_dump(mode="json")):
                    refs[(side.other, rtype, rid)] = await self.lookup(side.other, rtype, rid)
            deps = deps.then(await self._money_context(side, source, refs, related, depth))
        if change.merged_into:
            refs[(side, otype, change.merged_into)] = await self.lookup(side, otype, change.merged_into)
        match = None
        matchable = otype in MATCHABLE or bool(linked_ids(self.mappings, otype.value))
        if other_id is None and source is not None and matchable and source.active:
            match = await self.matcher.match(side, otype, source)
        elif other_id is None and source is not None and otype in DOCUMENTS:
            match = await self.matcher.match_document(side, otype, source, refs)
        inflight = side is Side.LEDGER and link is None and match is None
        bookkeeper_link = self.matcher.bookkeeper_link(side, otype, source, match)
        due = bookkeeper_link and not is_link_message(change)
        inputs = Inputs(
            connection_id=self.connection_id,
            change=change,
            source=source,
            counterpart=counterpart,
            link=link,
            prefs=self.prefs,
            mappings=self.mappings,
            company=self.company,
            refs=refs,
            match=match,
            related=related,
            inflight_creates=inflight and await self.store.has_pending(self.connection_id, otype),
            override=bool(override) and source is not None,
            capabilities=self.sides.ledger.capabilities,
            link_message_due=due,
            last_attempt=await self.matcher.last_attempt(change, link) if is_adoption(change) else None,
        )
        return _dependencies_only(deps).then(decide(inputs))

    def _inputs(self, change: ChangeDetected, link: Link | None) -> Inputs:
        """The inputs before anything is read (no source, no counterpart)."""
        return Inputs(
            connection_id=self.connection_id,
            change=change,
            source=None,
            counterpart=None,
            link=link,
            prefs=self.prefs,
            mappings=self.mappings,
            company=self.company,
        )

    async def _before_reading(self, change: ChangeDetected, link: Link | None) -> Plan | None:
        """Decisions that need no vendor read: the echo of our own write (by its last-updated
        time), and a ledger object unknown to us while our creates of its type are in flight
        (probably one of their echoes: it waits, unread, for their outcomes)."""
        if is_own_write_echo(change, link):
            return echo_skip()
        held = before_reading(self._inputs(change, link))
        if held is not None:
            return held
        if awaits_inflight_creates(change, link) and await self.store.has_pending(
            self.connection_id, change.object_type
        ):
            return wait_for_creates(change)
        return None

    async def _from_payload(self, change: ChangeDetected, link: Link | None) -> None:
        """Use the object the change carried instead of reading it back (``CHANGE_PAYLOADS``):
        for an object not linked yet (a new bill, vendor...), or one whose payload is what the link
        already holds (a duplicate or a sweep finding it again). A partial payload, or a change to
        a linked object, is read back: BILL may deliver an older version after a newer one, and
        only a read settles which is current."""
        payload = change.payload
        if change.side is not Side.BILLCOM or not payload or change.operation == "deleted":
            return
        listed = change.trigger != "webhook"
        obj = await self.sides.billcom.from_payload(change.object_type, payload, listed=listed)
        if obj is None or obj.id != change.object_id:
            CHANGE_PAYLOADS.labels("billcom", "partial").inc()
            return
        if link is not None and link.billcom_id and fingerprint(obj) != link.billcom_fingerprint:
            CHANGE_PAYLOADS.labels("billcom", "order_doubt").inc()
            return
        CHANGE_PAYLOADS.labels("billcom", "used").inc()
        self.objects[make_ref(Side.BILLCOM, change.object_type, change.object_id)] = obj

    async def _money_context(
        self,
        side: Side,
        source: CanonicalObject,
        refs: dict[RefKey, Resolution],
        related: dict[str, CanonicalObject],
        depth: int,
    ) -> Plan:
        """Documents whose rates a payment needs; the payments (and their documents) of a run."""
        deps = Plan()
        if side is not Side.BILLCOM:
            return deps
        if isinstance(source, FundsTransfer):
            ptype = payment_type(source)
            await self._read_run_once(ptype, run_payment_ids(source))
            for pid in run_payment_ids(source):
                refs[(side, ptype, pid)], sub = await self.resolve(side, ptype, pid, depth)
                deps = deps.then(sub)
                payment = await self.read(side, ptype, pid)
                if payment is not None:
                    related[make_ref(side, ptype, pid)] = payment
                    await self._documents(payment, related)
        else:
            await self._documents(source, related)
        return deps

    async def _read_run_once(self, ptype: ObjectType, payment_ids: tuple[str, ...]) -> None:
        """A run's payments, then their documents (for their rates, or to sync them first when
        they are not linked yet), in list requests of 100 (one request for most runs) instead of a
        read per payment and per document; whatever a list did not return is read on its own later."""
        await self._read_many(ptype, payment_ids)
        docs: dict[ObjectType, list[str]] = {}
        for pid in payment_ids:
            for dtype, did in _document_refs(self.objects.get(make_ref(Side.BILLCOM, ptype, pid))):
                docs.setdefault(dtype, []).append(did)
        for dtype, ids in docs.items():
            await self._read_many(dtype, ids)

    async def _read_many(self, object_type: ObjectType, object_ids: tuple[str, ...] | list[str]) -> None:
        missing = [i for i in dict.fromkeys(object_ids) if make_ref(Side.BILLCOM, object_type, i) not in self.objects]
        if not missing:
            return
        for object_id, obj in (await self.sides.billcom.read_many(object_type, missing)).items():
            self.objects[make_ref(Side.BILLCOM, object_type, object_id)] = obj

    def _rate_documents(self, payment: CanonicalObject | None) -> list[tuple[ObjectType, str]]:
        """The documents whose exchange rates convert ``payment`` to home currency: none when it
        needs no conversion (then no read of them either)."""
        currency = getattr(payment, "currency", None)
        if not needs_conversion(currency, self.company.home_currency, self.company.multi_currency):
            return []
        return _document_refs(payment)

    async def _documents(self, payment: CanonicalObject, related: dict[str, CanonicalObject]) -> None:
        for dtype, did in self._rate_documents(payment):
            doc = await self.read(Side.BILLCOM, dtype, did)
            if doc is not None:
                related[make_ref(Side.BILLCOM, dtype, did)] = doc

    async def lookup(self, side: Side, object_type: ObjectType, object_id: str) -> Resolution:
        link = await self.store.get_link(self.connection_id, object_type, side, object_id)
        if link is not None and link.id_on(side.other):
            return Resolution(target_id=link.id_on(side.other))
        if link is not None and link.pending_command_id:
            return Resolution(pending_ref=make_ref(side, object_type, object_id))
        return Resolution(reason="it has not synced yet")

    async def resolve(self, side: Side, object_type: ObjectType, object_id: str, depth: int) -> tuple[Resolution, Plan]:
        key = (side, object_type, object_id)
        if key in self.resolved:
            return self.resolved[key], Plan()
        resolution = await self.lookup(side, object_type, object_id)
        sub = Plan()
        if resolution.value is None and object_type is not T.ACCOUNT:
            if depth >= MAX_DEPTH:
                resolution = Resolution(reason="its own dependencies are too deep to sync in one go")
            else:
                sub = await self._plan_dependency(side, object_type, object_id, depth)
                resolution = _resolution_from(sub, make_ref(side, object_type, object_id))
        self.resolved[key] = resolution
        return resolution, sub

    async def _plan_dependency(self, side: Side, object_type: ObjectType, object_id: str, depth: int) -> Plan:
        change = ChangeDetected(
            side=side,
            object_type=object_type,
            object_id=object_id,
            operation="updated",
            source_time=utcnow(),
            trigger="replay",
        )
        return await self.plan(change, depth + 1)


def _document_refs(payment: CanonicalObject | None) -> list[tuple[ObjectType, str]]:
    """The documents whose rates a payment needs (bills and vendor credits, or invoices)."""
    if isinstance(payment, BillPayment):
        docs = [(T.BILL, a.document_id) for a in payment.applied_to]
        return docs + [(T.VENDOR_CREDIT, c.document_id) for c in payment.vendor_credits]
    if isinstance(payment, ReceivedPayment):
        return [(T.INVOICE, a.document_id) for a in payment.applied_to]
    return []


def _resolution_from(sub: Plan, ref: str) -> Resolution:
    for cmd in sub.commands:
        if cmd.source_ref == ref and cmd.action == "upsert":
            return Resolution(target_id=cmd.target_id) if cmd.target_id else Resolution(pending_ref=ref)
    for write in sub.links:
        target = write.ledger_id if ref.startswith("billcom:") else write.billcom_id
        if target and not write.drop:
            return Resolution(target_id=target)
    reason = sub.skipped.split(": ", 1)[-1] if sub.skipped else "it cannot sync yet"
    return Resolution(reason=reason)


def _dependencies_only(plan: Plan) -> Plan:
    """A dependency's commands and links go first; its own skips and parks are not this change's."""
    return replace(plan, outcomes=(), park=None, skipped=None)
