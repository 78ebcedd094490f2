"""The versioned messages of the five topics (ARCHITECTURE.md §3).

Every message travels inside an :class:`Envelope`; ``Envelope.payload`` is the JSON of one of
the event models below, chosen by ``Envelope.type`` and ``Envelope.schema_version``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType, parse_canonical


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Side(StrEnum):
    BILLCOM = "billcom"
    LEDGER = "ledger"

    @property
    def other(self) -> Side:
        return Side.LEDGER if self is Side.BILLCOM else Side.BILLCOM


class LedgerKind(StrEnum):
    QUICKBOOKS_ONLINE = "quickbooks_online"
    QUICKBOOKS_DESKTOP = "quickbooks_desktop"
    SAGE_INTACCT = "sage_intacct"
    ORACLE_NETSUITE = "oracle_netsuite"
    XERO = "xero"


class Event(BaseModel):
    """Base of every message body: frozen, with a type name and a schema version."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


Operation = Literal["created", "updated", "deleted", "voided", "merged", "archived", "restored"]
Trigger = Literal["webhook", "cdc", "poll", "sync_now", "schedule", "replay"]


class ChangeDetected(Event):
    event_type: ClassVar[str] = "ChangeDetected"
    side: Side
    object_type: ObjectType
    object_id: str
    operation: Operation
    merged_into: str | None = None
    source_time: dt.datetime
    trigger: Trigger
    delivery_id: str | None = None
    payload: dict[str, Any] | None = None
    """The object as the vendor sent it (a BILL webhook's entity, a list page's row), when it
    came with the change: the engine uses it instead of reading the object back when it can."""


Action = Literal["upsert", "void", "delete", "deactivate", "transfer", "journal"]


DecisionRule = Literal[
    # a write
    "first_sync",
    "one_side_changed",
    "merge",
    "master",
    "field_master",
    "match_by_name",
    "match_by_mapping",
    "match_by_document",
    "money_movement",
    "fx_gain_loss",
    "void",
    "void_refund",
    "deactivate",
    "conflict_override",
    # nothing written
    "echo",
    "in_sync",
    "immutable",
    "direction",
    "approval",
    "removed_unsynced",
    "invalid",
    "conflict",
    "ignored",
    "what_syncs",
    "start_date",
    "ambiguous_match",
    # held back
    "parked",
    "in_flight",
    "dependency",
    "not_ready",
    "vendor_error",
    "manual",
    "first_sync_pending",
]
"""Every rule that can decide a change (ARCHITECTURE.md, docs/CONVENTIONS.md): the engine's
``decide`` names one of these in each ``Decision`` and ``SyncOutcome``."""


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    rule: DecisionRule
    """Which rule decided (see ``DecisionRule``)."""
    master: Side | None = None
    reason: str
    changed_fields: list[str] = Field(default_factory=list)
    overridden: dict[str, Any] | None = None
    """The losing version's synced fields, for the conflicts inbox."""


class PostingRequested(Event):
    """A command to write one object to ``target_side``. ``command_id`` is deterministic
    (connection, source object, source version): a replay produces the same id."""

    event_type: ClassVar[str] = "PostingRequested"
    command_id: str
    target_side: Side
    action: Action
    object_type: ObjectType
    source_ref: str
    """``<side>:<object_type>:<id>`` of the object this command comes from."""
    target_id: str | None = None
    desired: dict[str, Any] | None = None
    """The canonical object to write, with references already in the target side's ids."""
    depends_on: list[str] = Field(default_factory=list)
    decision: Decision
    source_fingerprint: str | None = None

    def desired_object(self) -> CanonicalObject | None:
        return None if self.desired is None else parse_canonical(self.object_type, self.desired)


OutcomeStatus = Literal["posted", "skipped", "failed", "parked"]


class TargetRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    side: Side
    id: str
    concurrency_token: str | None = None


class OutcomeError(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    message: str
    retryable: bool = False


class SyncOutcome(Event):
    event_type: ClassVar[str] = "SyncOutcome"
    command_id: str
    status: OutcomeStatus
    object_type: ObjectType
    source_ref: str
    target_ref: TargetRef | None = None
    fingerprint: str | None = None
    """Fingerprint of what was written, as the target side will report it back (echo detection)."""
    source_fingerprint: str | None = None
    written: dict[str, Any] | None = None
    """The canonical JSON of the object as read back from the target after the write."""
    error: OutcomeError | None = None
    attempts: int = 1
    decision: Decision | None = None
    reason: str | None = None
    """Human-readable reason for skipped/parked/failed, in a bookkeeper's words."""
    producer: Literal["sync-engine", "posting"] = "posting"


class PreferencesChanged(Event):
    event_type: ClassVar[str] = "PreferencesChanged"
    version: int


class SyncRequested(Event):
    """Sync Now / schedule / catch-up: asks the sweeper to sweep a connection."""

    event_type: ClassVar[str] = "SyncRequested"
    trigger: Literal["sync_now", "schedule", "catch_up"]
    full: bool = False


class DeadLetter(Event):
    event_type: ClassVar[str] = "DeadLetter"
    original_topic: str
    partition: int
    offset: int
    key: str | None
    value: str
    headers: dict[str, str] = Field(default_factory=dict)
    error: str
    consumer: str
    failed_at: dt.datetime = Field(default_factory=utcnow)


EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type: cls
    for cls in (
        ChangeDetected,
        PostingRequested,
        SyncOutcome,
        PreferencesChanged,
        SyncRequested,
        DeadLetter,
    )
}


def deterministic_id(*parts: str) -> str:
    """A stable id from its parts (used for command ids and request ids)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def new_id() -> str:
    return str(uuid.uuid4())
