"""First-time matching of an object with one on the other side (a preference's mapping, a link
the bookkeeper made, the exact name, a document's party, number and amount), and what a link the
bookkeeper made records: the version the failed write of the linked object tried to write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.ports import BillcomConnector, DocumentLookup, LedgerConnector
from ledgerbridge_common.document_match import pick_document
from ledgerbridge_common.errors import NotFoundError
from ledgerbridge_common.events import ChangeDetected, Side
from ledgerbridge_common.prefs_client import Mappings
from sync_engine.adapters.store import EngineStore
from sync_engine.domain.directions import MATCHABLE
from sync_engine.domain.ignore import linked_ids
from sync_engine.domain.model import Baseline, Link, Match, RefKey, Resolution, make_ref

T = ObjectType
Reader = Callable[[Side, ObjectType, str], Awaitable[CanonicalObject | None]]


@dataclass(frozen=True)
class Matcher:
    connection_id: str
    mappings: Mappings
    billcom: BillcomConnector
    ledger: LedgerConnector
    store: EngineStore
    read: Reader

    async def match(self, side: Side, object_type: ObjectType, source: CanonicalObject) -> Match | None:
        """First-time matching: an explicit mapping, else the exact name on the other side."""
        other = side.other
        mapping = {T.VENDOR: self.mappings.vendors, T.CUSTOMER: self.mappings.customers}.get(
            object_type, self.mappings.accounts if object_type is T.ACCOUNT else {}
        )
        mapping = {**mapping, **linked_ids(self.mappings, object_type.value)}
        if side is Side.LEDGER:
            mapping = {ledger: billcom for billcom, ledger in mapping.items()}
        mapped = mapping.get(source.id or "")
        if mapped:
            obj = await self.read(other, object_type, mapped)
            if obj is not None and await self._free(other, object_type, obj):
                return Match(obj=obj, rule="match_by_mapping")
        name = getattr(source, "name", None)
        if not name or object_type not in MATCHABLE:
            return None
        connector: Any = self.billcom if other is Side.BILLCOM else self.ledger
        try:
            obj = await connector.find_by_name(object_type, name)
        except NotFoundError:
            obj = None
        if obj is not None and obj.active and await self._free(other, object_type, obj):
            return Match(obj=obj, rule="match_by_name")
        return None

    async def match_document(
        self, side: Side, object_type: ObjectType, source: CanonicalObject, refs: dict[RefKey, Resolution]
    ) -> Match | None:
        """First-time linking of a document: the other side's document of the same party (in its
        ids), number and amount, through that side's ``DocumentLookup`` capability."""
        other = side.other
        connector = self.billcom if other is Side.BILLCOM else self.ledger
        number = getattr(source, "number", None)
        party_type, party = (T.CUSTOMER, "customer_id") if object_type is T.INVOICE else (T.VENDOR, "vendor_id")
        resolution = refs.get((side, party_type, getattr(source, party, "")))
        if not number or resolution is None or resolution.target_id is None:
            return None
        if not isinstance(connector, DocumentLookup):
            return None
        found = await connector.find_documents(object_type, resolution.target_id, number)
        free = [c for c in found if await self._free(other, object_type, c)]
        pick = pick_document(source, resolution.target_id, free)  # type: ignore[arg-type]
        if pick.match is not None:
            return Match(obj=pick.match, rule="match_by_document")
        if pick.candidates:
            ids = tuple(c.id or "" for c in pick.candidates)
            return Match(obj=pick.candidates[0], rule="ambiguous_match", candidates=ids)
        return None

    async def _free(self, side: Side, object_type: ObjectType, obj: CanonicalObject) -> bool:
        link = await self.store.get_link(self.connection_id, object_type, side, obj.id or "")
        return link is None or link.id_on(side.other) is None

    def bookkeeper_link(
        self, side: Side, otype: ObjectType, source: CanonicalObject | None, match: Match | None
    ) -> bool:
        """The match is a link the bookkeeper made (not a preference's mapping)."""
        if source is None or match is None or match.rule != "match_by_mapping":
            return False
        billcom_id, ledger_id = (source.id, match.obj.id) if side is Side.BILLCOM else (match.obj.id, source.id)
        return linked_ids(self.mappings, otype.value).get(billcom_id or "") == ledger_id

    async def last_attempt(self, change: ChangeDetected, link: Link | None) -> Baseline | None:
        """The source version of the changed object's last write, when it failed (or is still in flight)."""
        return await self._failed_write(change.side, change.object_type, change.object_id, link)

    async def _failed_write(self, side: Side, otype: ObjectType, object_id: str, link: Link | None) -> Baseline | None:
        if link is None or link.last_command_id is None or link.id_on(side.other) is not None:
            return None
        record = await self.store.get_command(link.last_command_id)
        if record is None or record.status == "posted" or record.source_ref != make_ref(side, otype, object_id):
            return None
        return Baseline(side=side, object_id=object_id, fingerprint=record.source_fingerprint, view=record.source_view)
