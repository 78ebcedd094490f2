"""Bodies of the sync log, report, conflicts and replay routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerbridge_common.canonical.models import ObjectType

Status = Literal["posted", "skipped", "failed", "parked", "action"]
"""``action``: a bookkeeper's action on an object (ignore, un-ignore, link, replay); ``actor``
names the API key."""


class LogEntry(BaseModel):
    id: int
    connection_id: str
    command_id: str
    status: Status
    object_type: str
    source_ref: str = Field(examples=["billcom:bill:00n01ABCDEFGHIJKLMNO"])
    target_side: str | None
    target_id: str | None
    error_code: str | None
    error_message: str | None
    reason: str | None = Field(examples=["Vendor 'Acme Supplies' is not in QuickBooks yet; waiting for it"])
    attempts: int
    decision: dict[str, Any] | None
    producer: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    replayed_at: dt.datetime | None
    actor: str | None = Field(default=None, description="The API key name of a bookkeeper's action.")
    closed_at: dt.datetime | None = Field(default=None, description="When this error stopped being open.")
    closed_by: str | None = Field(default=None, description="An API key name, or 'auto' (a later attempt succeeded).")
    closed_reason: str | None = None


class LogPage(BaseModel):
    items: list[LogEntry]
    next_before_id: int | None = Field(description="Pass as before_id for the next (older) page.")


class CountRow(BaseModel):
    connection_id: str
    status: Status
    object_type: str
    count: int


class ConnectionHealth(BaseModel):
    connection_id: str
    name: str
    status: str
    last_sync_at: dt.datetime | None
    last_outcome_at: dt.datetime | None
    freshness_seconds: float | None = Field(description="Seconds since the last posted/skipped outcome.")
    counts: dict[str, int]


class Report(BaseModel):
    generated_at: dt.datetime
    since: dt.datetime | None
    connections: list[ConnectionHealth]
    counts: list[CountRow]
    errors: list[LogEntry] = Field(description="Failed and parked items not replayed since, with their reasons.")
    open_conflicts: int


class Conflict(BaseModel):
    id: int
    connection_id: str
    sync_log_id: int
    command_id: str
    object_type: str
    source_ref: str
    target_side: str | None
    target_id: str | None
    rule: str = Field(examples=["master"])
    winner: str | None = Field(examples=["billcom"])
    reason: str
    changed_fields: list[str]
    winning_version: dict[str, Any] | None
    losing_version: dict[str, Any]
    status: Literal["open", "overridden", "dismissed", "picked"]
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None


class ConflictPage(BaseModel):
    items: list[Conflict]
    next_before_id: int | None


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    connection_id: str = Field(min_length=1, max_length=64)
    statuses: list[Literal["failed", "parked"]] = Field(default=["failed", "parked"], min_length=1)
    object_type: ObjectType | None = None
    error_code: str | None = Field(default=None, min_length=1, max_length=100, pattern=r"^[^\x00]*$")
    since: dt.datetime | None = Field(default=None, description="Errors that occurred at or after this time.")
    until: dt.datetime | None = Field(default=None, description="Errors that occurred before this time.")
    limit: int = Field(default=100, ge=1, le=1000)


class Replayed(BaseModel):
    replayed: int
    event_ids: list[str]
    source_refs: list[str]


class IgnoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=500, pattern=r"^[^\x00]*$")


class IgnoredObject(BaseModel):
    connection_id: str
    source_ref: str
    object_type: str
    ignored_by: str = Field(description="The API key name that ignored it.")
    note: str | None
    created_at: dt.datetime


class PickRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    candidate_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00/]+$",
        description="One of the conflict's candidates (``losing_version.candidates``): the existing document to link.",
        examples=["145"],
    )


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00/]+$",
        description="The id of the existing object on the other side (the ledger for a BILL object).",
        examples=["145"],
    )
    replay: bool = Field(default=True, description="Decide the object again right away.")


class ActionDone(BaseModel):
    action_id: int = Field(description="The sync-log row of the action.")
    source_ref: str
    replay_event_ids: list[str]
