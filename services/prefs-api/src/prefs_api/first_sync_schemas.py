"""Bodies of the first-sync routes (preview, start) and of the What Syncs matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.what_syncs import SyncDirection


class PreviewItem(BaseModel):
    billcom_id: str
    label: str = Field(description="Name or document number")
    date: dt.date | None = None
    amount: Decimal | None = None
    verdict: Literal["create", "link", "skip", "conflict"]
    reason: str = Field(examples=["dated 2026-10-31, before the start date 2026-11-01"])
    ledger_id: str | None = Field(default=None, description="The ledger object it will be linked to")
    candidates: list[str] = Field(default_factory=list, description="Ledger documents that match equally")


class TypePreview(BaseModel):
    object_type: ObjectType
    direction: SyncDirection
    create: int = 0
    link: int = 0
    skip: int = 0
    conflict: int = 0
    examples: list[PreviewItem] = Field(description="Up to 5 per verdict")


class FirstSyncPreview(BaseModel):
    connection_id: str
    version: int = Field(description="The preferences version the preview was computed from")
    start_date: dt.date | None = Field(description="Nothing dated before it is created on either side")
    first_sync_started: bool
    types: list[TypePreview]
    notes: list[str]


class FirstSyncStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: dt.date | None = Field(
        default=None, description="Change the start date as the sync starts; omitted: the current one"
    )


class FirstSyncStarted(BaseModel):
    connection_id: str
    version: int
    start_date: dt.date | None
    detail: str


class WhatSyncsCell(BaseModel):
    object_type: ObjectType
    allowed: list[SyncDirection] = Field(description="The directions BILL offers for this ledger")
    default: SyncDirection
    chosen: SyncDirection
    unpaid_only_from_ledger: bool = Field(description="From the ledger only new, unpaid documents are taken")


class WhatSyncsView(BaseModel):
    connection_id: str
    ledger_kind: LedgerKind
    version: int
    cells: list[WhatSyncsCell]
