"""Ports the sync engine, posting and the sweeper use to talk to each side.

Adapters: ``ledgerbridge_common.connectors.qbo.QboConnector`` (ledger kind
``quickbooks_online``) and ``ledgerbridge_common.connectors.billcom.BillcomConnector``.
Every adapter takes an injected ``httpx.AsyncClient`` and raises only the typed errors of
``ledgerbridge_common.errors``. Ids are the side's own ids; references inside canonical objects
passed to ``create``/``update`` must already be ids of the side being written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ledgerbridge_common.canonical.models import (
    Account,
    BankAccount,
    CanonicalObject,
    CompanyInfo,
    FundsTransfer,
    ObjectType,
)

Operation = Literal["created", "updated", "deleted", "voided", "merged", "archived", "restored"]


@dataclass(frozen=True)
class ChangeRef:
    """One changed object found by a sweep (CDC, list polling)."""

    object_type: ObjectType
    object_id: str
    operation: Operation
    source_time: dt.datetime
    merged_into: str | None = None


@dataclass(frozen=True)
class BatchItem:
    """One write in a batch: create when ``obj.id`` is None, else update (needs sync_token)."""

    item_id: str
    obj: CanonicalObject
    tag: str | None = None


@dataclass(frozen=True)
class BatchResult:
    item_id: str
    obj: CanonicalObject | None = None
    error: Exception | None = None


@dataclass(frozen=True)
class ChangePage:
    changes: Sequence[ChangeRef]
    next_watermark: dt.datetime
    complete: bool = True
    extra: dict[str, str] = field(default_factory=dict)


class LedgerConnector(Protocol):
    """A ledger company (QBO realm). ``tag`` is LedgerBridge's marker for the source object
    (e.g. ``LB:billcom:bill:00n...``), written where the ledger keeps a note (PrivateNote) so that
    after a timeout the object can be found again before writing twice."""

    ledger_kind: str

    async def company_info(self) -> CompanyInfo: ...

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None: ...

    async def create(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject: ...

    async def update(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        """Full update; ``obj.id`` and ``obj.sync_token`` must be set (stale → StaleObjectError)."""
        ...

    async def void(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject: ...

    async def deactivate(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        """Name lists are made inactive, never deleted."""
        ...

    async def find_by_tag(self, object_type: ObjectType, tag: str) -> CanonicalObject | None: ...

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        """Exact-name match for name-list objects (QBO: names unique across vendor/customer/employee)."""
        ...

    async def list_accounts(self) -> list[Account]: ...

    async def batch(self, items: Sequence[BatchItem], *, request_id: str) -> list[BatchResult]:
        """Independent writes in one call (QBO /batch: at most 30 items)."""
        ...

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        """Changed objects since ``since`` (QBO CDC: 30-day window, 1,000 objects per call)."""
        ...


class BillcomConnector(Protocol):
    """A BILL organization."""

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None: ...

    async def create(self, obj: CanonicalObject) -> CanonicalObject: ...

    async def update(self, obj: CanonicalObject) -> CanonicalObject: ...

    async def archive(self, object_type: ObjectType, object_id: str) -> CanonicalObject: ...

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None: ...

    async def list_changed(self, object_type: ObjectType, since: dt.datetime) -> ChangePage:
        """Objects whose ``updatedTime`` is at or after ``since`` (all pages)."""
        ...

    async def list_bank_accounts(self) -> list[BankAccount]: ...

    async def update_bank_account_gl(self, bank_account_id: str, chart_of_account_id: str | None) -> BankAccount: ...

    async def read_run(self, run_id: str) -> FundsTransfer | None:
        """A disbursement or deposit run: the lump sum BILL moved to or from a bank account."""
        ...
