"""Ports the sync engine, posting and the sweeper use to talk to each side.

The ledger port is shaped by capability, not by one vendor: each ledger connector declares its
:class:`~ledgerbridge_common.connectors.capabilities.LedgerCapabilities` (idempotency strategy,
change feed, batch size, limits) and callers branch on those, never on the ledger kind. Ledger
connectors are built by :mod:`ledgerbridge_common.connectors.factory` (one registry entry per
ledger kind); today ``ledgerbridge_common.connectors.qbo.QboConnector`` (``quickbooks_online``).
The BILL side is ``ledgerbridge_common.connectors.billcom.BillcomHttpConnector``.

Every adapter takes an injected ``httpx.AsyncClient`` and raises only the typed errors of
``ledgerbridge_common.errors``. Ids are the side's own ids; references inside canonical objects
passed to ``create``/``update`` must already be ids of the side being written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from ledgerbridge_common.canonical.models import (
    Account,
    BankAccount,
    CanonicalObject,
    CompanyInfo,
    FundsTransfer,
    ObjectType,
)
from ledgerbridge_common.connectors.capabilities import LedgerCapabilities

Operation = Literal["created", "updated", "deleted", "voided", "merged", "archived", "restored"]


@dataclass(frozen=True)
class ChangeRef:
    """One changed object found by a sweep (CDC, list polling)."""

    object_type: ObjectType
    object_id: str
    operation: Operation
    source_time: dt.datetime
    merged_into: str | None = None
    payload: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """The object as the list page carried it (BILL: the same fields as its GET), so the engine
    need not read it again."""


@dataclass(frozen=True)
class BatchItem:
    """One write in a batch: create when ``obj.id`` is None, else update (with the object's
    ``concurrency_token`` when the ledger declares one)."""

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
    """One ledger company. ``tag`` is LedgerBridge's marker for the source object (e.g.
    ``LB:billcom:bill:00n...``), written where the ledger keeps a note (QBO ``PrivateNote``) so that
    after a timeout the object can be found again before writing twice. ``request_id`` is the
    command's deterministic id; the connector turns it into the ledger's idempotency mechanism
    (``capabilities.idempotency``)."""

    ledger_kind: str
    capabilities: LedgerCapabilities

    async def company_info(self) -> CompanyInfo: ...

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None: ...

    async def create(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject: ...

    async def update(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        """Full update; ``obj.id`` must be set, and ``obj.concurrency_token`` as last read when
        ``capabilities.concurrency_token`` (a stale one → ``StaleObjectError``)."""
        ...

    async def void(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        """Only for the types in ``capabilities.voids``; the others are deleted."""
        ...

    async def delete(self, object_type: ObjectType, object_id: str, *, request_id: str) -> None:
        """Removes a transaction the ledger does not void (see ``capabilities.voids``)."""
        ...

    async def deactivate(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        """Name lists are made inactive, never deleted."""
        ...

    async def find_by_tag(self, object_type: ObjectType, tag: str) -> CanonicalObject | None: ...

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        """Exact-name match for name-list objects."""
        ...

    async def list_accounts(self) -> list[Account]: ...

    async def batch(self, items: Sequence[BatchItem], *, request_id: str) -> list[BatchResult]:
        """Independent writes in one call, at most ``capabilities.batch_size`` of them (only when
        that is not ``None``)."""
        ...

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        """Changed objects since ``since``, deletions included, per ``capabilities.change_feed``.
        A ``since`` older than its ``max_lookback`` is moved up to it and the page says so in
        ``extra["window_clamped_from"]`` (the caller resyncs the rest by query)."""
        ...

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        """Every object of a type modified at or after ``since`` (all of them for ``None``), by
        query: the full resync for gaps the change feed no longer reaches."""
        ...


@runtime_checkable
class DocumentLookup(Protocol):
    """A side that can list its transactions of a type by party and document number: what a first
    sync links to instead of creating a duplicate (``ledgerbridge_common.document_match``)."""

    async def find_documents(self, object_type: ObjectType, party_id: str, number: str) -> list[CanonicalObject]:
        """Bills / vendor credits of vendor ``party_id``, invoices of customer ``party_id``, whose
        document number is ``number`` (the caller compares amounts and dates)."""
        ...


@runtime_checkable
class DocumentAttachments(Protocol):
    """A ledger that keeps files on its transactions (QBO: ``Attachable`` uploads): where a bill's
    documents from BILL go. ``tag`` marks each upload so that, after a timeout, the file is found on
    the transaction instead of attached twice. A ledger without it does not take documents."""

    attachment_max_bytes: int
    """The largest file the ledger takes."""

    async def find_attachment(self, object_type: ObjectType, object_id: str, tag: str) -> str | None:
        """The id of the file attached to the object under ``tag``, if any."""
        ...

    async def attach_file(
        self,
        object_type: ObjectType,
        object_id: str,
        *,
        file_name: str,
        content_type: str,
        content: bytes,
        tag: str,
        request_id: str,
    ) -> str:
        """Attach ``content`` to the object; the attachment's id."""
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

    async def read_many(self, object_type: ObjectType, object_ids: Sequence[str]) -> dict[str, CanonicalObject]:
        """Several objects of one type by id, in as few requests as the API allows."""
        ...

    async def from_payload(
        self, object_type: ObjectType, raw: dict[str, Any], *, listed: bool
    ) -> CanonicalObject | None:
        """The object a webhook payload (``listed=False``) or a list page row (``listed=True``)
        carried, without a read; ``None`` when it cannot be trusted alone (a partial payload)."""
        ...
