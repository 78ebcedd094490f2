"""Values the pure decision core works on: links, reference resolutions, inputs and plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ledgerbridge_common.canonical.models import CanonicalObject, CompanyInfo, ObjectType
from ledgerbridge_common.connectors.capabilities import Flow, LedgerCapabilities
from ledgerbridge_common.events import ChangeDetected, PostingRequested, Side, SyncOutcome
from ledgerbridge_common.events.refs import PLACEHOLDER_PREFIX, make_ref, parse_ref, placeholder
from ledgerbridge_common.prefs_client import ConnectionPreferences, Mappings

__all__ = ["PLACEHOLDER_PREFIX", "make_ref", "parse_ref", "placeholder"]  # the contract lives in events.refs


@dataclass(frozen=True)
class Link:
    """One object known on both sides, with what each side looked like at the last sync."""

    object_type: ObjectType
    billcom_id: str | None = None
    ledger_id: str | None = None
    billcom_fingerprint: str | None = None
    ledger_fingerprint: str | None = None
    billcom_view: dict[str, Any] | None = None
    ledger_view: dict[str, Any] | None = None
    last_command_id: str | None = None
    pending_command_id: str | None = None
    billcom_written_at: dt.datetime | None = None
    ledger_written_at: dt.datetime | None = None
    """The vendor's last-updated time of the object as we last wrote it on that side: its
    webhook or CDC echo carries that same time (recognised without reading the object)."""
    stored_at: dt.datetime | None = field(default=None, compare=False)
    """When the link itself was last written (our database clock; read-only): a payload older
    than that may be older than what the link already holds."""

    def id_on(self, side: Side) -> str | None:
        return self.billcom_id if side is Side.BILLCOM else self.ledger_id

    def written_at_on(self, side: Side) -> dt.datetime | None:
        return self.billcom_written_at if side is Side.BILLCOM else self.ledger_written_at

    def with_written_at(self, side: Side, when: dt.datetime | None) -> Link:
        if side is Side.BILLCOM:
            return replace(self, billcom_written_at=when)
        return replace(self, ledger_written_at=when)

    def fingerprint_on(self, side: Side) -> str | None:
        return self.billcom_fingerprint if side is Side.BILLCOM else self.ledger_fingerprint

    def view_on(self, side: Side) -> dict[str, Any] | None:
        return self.billcom_view if side is Side.BILLCOM else self.ledger_view

    def with_id(self, side: Side, object_id: str | None) -> Link:
        if side is Side.BILLCOM:
            return replace(self, billcom_id=object_id)
        return replace(self, ledger_id=object_id)

    def with_baseline(self, side: Side, fingerprint: str | None, view: dict[str, Any] | None) -> Link:
        if side is Side.BILLCOM:
            return replace(self, billcom_fingerprint=fingerprint, billcom_view=view)
        return replace(self, ledger_fingerprint=fingerprint, ledger_view=view)


@dataclass(frozen=True)
class Resolution:
    """How a reference (``vendor_id``, a line's ``account_id``...) reads on the other side:
    a known id, a placeholder for an object being created by an earlier command, or a reason
    why it cannot be resolved yet."""

    target_id: str | None = None
    pending_ref: str | None = None
    reason: str | None = None

    @property
    def value(self) -> str | None:
        if self.target_id is not None:
            return self.target_id
        return placeholder(self.pending_ref) if self.pending_ref else None


RefKey = tuple[Side, ObjectType, str]
"""(side the id lives on, object type, id)."""


@dataclass(frozen=True)
class Match:
    """A first-time match of an unlinked object with an object on the other side: a name-list
    object by mapping or name, a document by party, number and amount (``candidates`` when
    several match equally: ambiguous, nothing is chosen)."""

    obj: CanonicalObject
    rule: Literal["match_by_name", "match_by_mapping", "match_by_document", "ambiguous_match"]
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inputs:
    connection_id: str
    change: ChangeDetected
    source: CanonicalObject | None
    """The changed object re-read through its connector (None: gone)."""
    counterpart: CanonicalObject | None
    link: Link | None
    prefs: ConnectionPreferences
    mappings: Mappings
    company: CompanyInfo
    refs: Mapping[RefKey, Resolution] = field(default_factory=dict)
    match: Match | None = None
    related: Mapping[str, CanonicalObject] = field(default_factory=dict)
    """Other objects the rules need, by source ref (a payment's bills, a run's payments)."""
    inflight_creates: bool = False
    """Commands creating objects of this type are still waiting for their outcome."""
    failed_commands: frozenset[str] = frozenset()
    override: bool = False
    """The bookkeeper overrode a conflict: ``source`` carries the values its side had lost."""
    capabilities: LedgerCapabilities | None = None
    """What the connection's ledger connector declares (flows, payment currency)."""
    link_message_due: bool = False
    """The change met a link the bookkeeper made before prefs-api's message of it (``domain/adopt.py``)."""
    last_attempt: Baseline | None = None
    """The source version the link's last write tried to write, when that write failed
    (read for a bookkeeper's link only, ``domain/adopt.py``)."""

    @property
    def flows(self) -> Mapping[ObjectType, Flow] | None:
        return self.capabilities.flows if self.capabilities is not None else None


@dataclass(frozen=True)
class Baseline:
    """What one side looks like now, recorded as 'last synced' on the link."""

    side: Side
    object_id: str | None
    fingerprint: str | None
    view: dict[str, Any] | None


@dataclass(frozen=True)
class LinkWrite:
    object_type: ObjectType
    billcom_id: str | None
    ledger_id: str | None
    baselines: tuple[Baseline, ...] = ()
    pending_command_id: str | None = None
    drop: bool = False
    settled: bool = False
    """The write in flight no longer matters (a bookkeeper's link replaced it): nothing waits for it."""


@dataclass(frozen=True)
class Park:
    waiting_for: str
    """``<source ref>`` of a dependency, ``command:<id>``, ``inflight:<object type>`` or ``prefs``."""
    reason: str


@dataclass(frozen=True)
class Plan:
    """What to do for one change: commands (dependencies first), outcomes for the sync log,
    link writes, and possibly a parked change."""

    commands: tuple[PostingRequested, ...] = ()
    outcomes: tuple[SyncOutcome, ...] = ()
    links: tuple[LinkWrite, ...] = ()
    park: Park | None = None
    skipped: str | None = None
    """Reason when nothing is done (echo, filtered...), for logs and tests."""
    source_views: Mapping[str, tuple[str | None, dict[str, Any] | None]] = field(default_factory=dict)
    """command id → (fingerprint, view) of the side the command's data came from."""

    def then(self, other: Plan) -> Plan:
        return Plan(
            commands=self.commands + other.commands,
            outcomes=self.outcomes + other.outcomes,
            links=self.links + other.links,
            park=other.park or self.park,
            skipped=other.skipped,
            source_views={**self.source_views, **other.source_views},
        )
