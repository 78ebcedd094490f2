"""One fake ledger connector for every test tier: a ledger company in memory that implements
:class:`ledgerbridge_common.connectors.ports.LedgerConnector` with QBO's capabilities.

It keeps objects and tags, answers the change feed from ``changes`` (at most ``cap`` per call, as
the connector splits a window), answers a full query (``query_changed`` with no ``since``) with every
object it holds as well, and takes injected faults (an error raised before acting, or
``"timeout_after_commit"``/``"stale"``)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import Account, CanonicalObject, CompanyInfo, ObjectType
from ledgerbridge_common.connectors.ports import BatchItem, BatchResult, ChangePage, ChangeRef
from ledgerbridge_common.connectors.qbo.connector import QBO_CAPABILITIES
from ledgerbridge_common.errors import (
    ConnectorError,
    DuplicateError,
    NotFoundError,
    OutcomeUnknownError,
    StaleObjectError,
    ValidationError,
)

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def qbo_chart() -> list[Account]:
    """A QBO sample company's chart of accounts (one inactive bank)."""
    rows = [
        ("33", "Accounts Payable (A/P)", "Accounts Payable", True),
        ("84", "Accounts Receivable (A/R)", "Accounts Receivable", True),
        ("7", "Office Expenses", "Expense", True),
        ("81", "Exchange Gain or Loss", "Other Expense", True),
        ("79", "Sales of Product Income", "Income", True),
        ("91", "BILL Money Out Clearing", "Bank", True),
        ("92", "BILL Money In Clearing", "Bank", True),
        ("35", "Checking", "Bank", True),
        ("36", "Savings", "Bank", True),
        ("4", "Undeposited Funds", "Other Current Asset", True),
        ("50", "Old Bank", "Bank", False),
    ]
    return [Account(id=i, name=n, account_type=t, active=a) for i, n, t, a in rows]


def factory(fake: Any) -> Callable[[Any], Any]:
    """A connector factory that hands ``fake`` out for every connection."""
    return lambda connection: fake


class FakeLedger:
    ledger_kind = "quickbooks_online"
    capabilities = QBO_CAPABILITIES

    def __init__(self, objects: Iterable[CanonicalObject] = (), *, cap: int = 1000) -> None:
        self.objects: dict[tuple[ObjectType, str], CanonicalObject] = {}
        self.tags: dict[tuple[ObjectType, str], str] = {}
        self.ids = itertools.count(100)
        self.calls: list[str] = []
        self.faults: dict[str, list[Any]] = {}
        """op → queue of faults: an exception to raise before acting, or "timeout_after_commit"."""
        self.batches: list[list[BatchItem]] = []
        self.changes: list[ChangeRef] = []
        """What the change feed and the resync query report (independent of ``objects``)."""
        self.cap = cap
        self.cdc_calls: list[dt.datetime] = []
        self.query_calls: list[tuple[ObjectType, dt.datetime | None]] = []
        for obj in objects:
            self.put(obj)

    # --- arranging ---------------------------------------------------------------------------

    def put(self, obj: CanonicalObject) -> CanonicalObject:
        """Someone creates (or replaces) the object in the ledger UI."""
        assert obj.id is not None
        self.objects[(obj.object_type, obj.id)] = obj
        return obj

    def inject(self, op: str, *faults: Any) -> None:
        self.faults.setdefault(op, []).extend(faults)

    def touch(self, object_type: ObjectType, object_id: str) -> None:
        """Someone edits the object in the ledger UI: its SyncToken goes up."""
        obj = self.objects[(object_type, object_id)]
        self.objects[(object_type, object_id)] = obj.model_copy(update={"concurrency_token": _next_token(obj)})

    def of_type(self, object_type: ObjectType) -> list[CanonicalObject]:
        return [o for (t, _), o in self.objects.items() if t == object_type]

    def _fault(self, op: str) -> Any:
        queue = self.faults.get(op)
        if not queue:
            return None
        fault = queue.pop(0)
        if isinstance(fault, ConnectorError):
            raise fault
        return fault

    def _store(self, obj: CanonicalObject, tag: str | None, *, token: int) -> CanonicalObject:
        stored = self.put(obj.model_copy(update={"concurrency_token": str(token)}))
        if tag:
            self.tags[(obj.object_type, tag)] = stored.id or ""
        return stored

    def _check_unique(self, obj: CanonicalObject) -> None:
        name = getattr(obj, "name", None)
        if name and any(getattr(o, "name", None) == name for o in self.of_type(obj.object_type)):
            raise DuplicateError("Duplicate Name Exists Error", code="6240", vendor="qbo")
        number = getattr(obj, "number", None)
        vendor = getattr(obj, "vendor_id", None)
        for other in self.of_type(obj.object_type):
            same = number and other.id != obj.id and getattr(other, "number", None) == number
            if same and getattr(other, "vendor_id", None) == vendor:
                raise DuplicateError(
                    "Duplicate Document Number Error",
                    code="6140",
                    vendor="qbo",
                    detail=f"DocNumber={number} is assigned to TxnType=Bill with TxnId={other.id}",
                )

    # --- LedgerConnector ---------------------------------------------------------------------

    async def company_info(self) -> CompanyInfo:
        return CompanyInfo(company_id="fake", name="Fake Co")

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        self.calls.append("read")
        self._fault("read")
        return self.objects.get((object_type, object_id))

    async def create(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        self.calls.append("create")
        fault = self._fault("create")
        self._check_unique(obj)
        stored = self._store(obj.model_copy(update={"id": str(next(self.ids))}), tag, token=0)
        if fault == "timeout_after_commit":
            raise OutcomeUnknownError("read timed out after the write was sent")
        return stored

    async def update(self, obj: CanonicalObject, *, request_id: str, tag: str | None = None) -> CanonicalObject:
        self.calls.append("update")
        fault = self._fault("update")
        assert obj.id is not None
        current = self.objects.get((obj.object_type, obj.id))
        if current is None:
            raise NotFoundError("Object Not Found", code="610")
        if fault == "stale" or current.concurrency_token != obj.concurrency_token:
            raise StaleObjectError("Stale Object Error", code="5010")
        stored = self._store(obj, tag, token=int(current.concurrency_token or "0") + 1)
        if fault == "timeout_after_commit":
            raise OutcomeUnknownError("read timed out after the write was sent")
        return stored

    async def void(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        self.calls.append("void")
        self._fault("void")
        if object_type not in self.capabilities.voids:
            raise ValidationError("QBO has no void for this entity; delete it instead", code="void")
        current = self.objects[(object_type, object_id)]
        update: dict[str, Any] = {"concurrency_token": _next_token(current)}
        if "voided" in type(current).model_fields:
            update |= {"voided": True, "amount": Decimal(0)}
        return self.put(current.model_copy(update=update))

    async def delete(self, object_type: ObjectType, object_id: str, *, request_id: str) -> None:
        self.calls.append("delete")
        del self.objects[(object_type, object_id)]

    async def deactivate(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        self.calls.append("deactivate")
        self._fault("deactivate")
        current = self.objects[(object_type, object_id)]
        return self.put(current.model_copy(update={"active": False, "concurrency_token": _next_token(current)}))

    async def find_by_tag(self, object_type: ObjectType, tag: str) -> CanonicalObject | None:
        self.calls.append("find_by_tag")
        object_id = self.tags.get((object_type, tag))
        return None if object_id is None else self.objects.get((object_type, object_id))

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        self.calls.append("find_by_name")
        return next((o for o in self.of_type(object_type) if getattr(o, "name", None) == name), None)

    async def list_accounts(self) -> list[Account]:
        self.calls.append("list_accounts")
        return [o for o in self.of_type(ObjectType.ACCOUNT) if isinstance(o, Account)]

    async def batch(self, items: Sequence[BatchItem], *, request_id: str) -> list[BatchResult]:
        self.calls.append("batch")
        self._fault("batch")
        assert self.capabilities.batch_size is not None and len(items) <= self.capabilities.batch_size
        self.batches.append(list(items))
        results = []
        for item in items:
            try:
                obj = await self.create(item.obj, request_id=f"{request_id}{item.item_id}", tag=item.tag)
                results.append(BatchResult(item.item_id, obj=obj))
            except ConnectorError as exc:
                results.append(BatchResult(item.item_id, error=exc))
        return results

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        self.cdc_calls.append(since)
        found = sorted(
            (c for c in self.changes if c.source_time > since and c.object_type in object_types),
            key=lambda c: c.source_time,
        )
        page = found[: self.cap]
        mark = page[-1].source_time if page else since
        return ChangePage(changes=page, next_watermark=mark, complete=len(found) <= self.cap)

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        self.query_calls.append((object_type, since))
        found = [c for c in self.changes if c.object_type == object_type and (since is None or c.source_time >= since)]
        if since is None:
            found += held(self.of_type(object_type))
        mark = max([c.source_time for c in found], default=since or EPOCH)
        return ChangePage(changes=found, next_watermark=mark)


def held(objects: Iterable[CanonicalObject]) -> list[ChangeRef]:
    """Held objects as a listing reports them: updated at ``updated_at`` (``EPOCH`` when unset)."""
    return [ChangeRef(o.object_type, o.id or "", "updated", o.updated_at or EPOCH) for o in objects]


def _next_token(obj: CanonicalObject) -> str:
    return str(int(obj.concurrency_token or "0") + 1)
