"""A fake LedgerConnector with a ledger in memory and injectable faults (timeouts after commit,
stale SyncTokens, rate limits, refusals)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import Account, CanonicalObject, CompanyInfo, ObjectType
from ledgerbridge_common.connectors.ports import BatchItem, BatchResult, ChangePage
from ledgerbridge_common.connectors.qbo.connector import QBO_CAPABILITIES
from ledgerbridge_common.errors import (
    ConnectorError,
    DuplicateError,
    NotFoundError,
    OutcomeUnknownError,
    StaleObjectError,
    ValidationError,
)


class FakeLedger:
    ledger_kind = "quickbooks_online"
    capabilities = QBO_CAPABILITIES

    def __init__(self) -> None:
        self.objects: dict[tuple[ObjectType, str], CanonicalObject] = {}
        self.tags: dict[tuple[ObjectType, str], str] = {}
        self.ids = itertools.count(100)
        self.calls: list[str] = []
        self.faults: dict[str, list[Any]] = {}
        """op → queue of faults: an exception to raise before acting, or "timeout_after_commit"."""
        self.batches: list[list[BatchItem]] = []

    # --- faults ------------------------------------------------------------------------------

    def inject(self, op: str, *faults: Any) -> None:
        self.faults.setdefault(op, []).extend(faults)

    def _fault(self, op: str) -> Any:
        queue = self.faults.get(op)
        if not queue:
            return None
        fault = queue.pop(0)
        if isinstance(fault, ConnectorError):
            raise fault
        return fault

    # --- helpers -----------------------------------------------------------------------------

    def of_type(self, object_type: ObjectType) -> list[CanonicalObject]:
        return [o for (t, _), o in self.objects.items() if t == object_type]

    def _store(self, obj: CanonicalObject, tag: str | None, *, token: int) -> CanonicalObject:
        stored = obj.model_copy(update={"concurrency_token": str(token)})
        assert stored.id is not None
        self.objects[(obj.object_type, stored.id)] = stored
        if tag:
            self.tags[(obj.object_type, tag)] = stored.id
        return stored

    def touch(self, object_type: ObjectType, object_id: str) -> None:
        """Someone edits the object in the ledger UI: its SyncToken goes up."""
        obj = self.objects[(object_type, object_id)]
        self.objects[(object_type, object_id)] = obj.model_copy(
            update={"concurrency_token": str(int(obj.concurrency_token or "0") + 1)}
        )

    # --- LedgerConnector ---------------------------------------------------------------------

    async def company_info(self) -> CompanyInfo:
        return CompanyInfo(company_id="fake", name="Fake Co")

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        self.calls.append("read")
        self._fault("read")
        return self.objects.get((object_type, object_id))

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
        if object_type in (ObjectType.BILL, ObjectType.VENDOR_CREDIT, ObjectType.JOURNAL_ENTRY):
            raise ValidationError("QBO has no void for this entity; delete it instead", code="void")
        current = self.objects[(object_type, object_id)]
        update: dict[str, Any] = {"concurrency_token": str(int(current.concurrency_token or "0") + 1)}
        if "voided" in type(current).model_fields:
            update |= {"voided": True, "amount": Decimal(0)}
        voided = current.model_copy(update=update)
        self.objects[(object_type, object_id)] = voided
        return voided

    async def delete(self, object_type: ObjectType, object_id: str, *, request_id: str) -> None:
        self.calls.append("delete")
        del self.objects[(object_type, object_id)]

    async def deactivate(self, object_type: ObjectType, object_id: str, *, request_id: str) -> CanonicalObject:
        self.calls.append("deactivate")
        self._fault("deactivate")
        current = self.objects[(object_type, object_id)]
        obj = current.model_copy(
            update={"active": False, "concurrency_token": str(int(current.concurrency_token or "0") + 1)}
        )
        self.objects[(object_type, object_id)] = obj
        return obj

    async def find_by_tag(self, object_type: ObjectType, tag: str) -> CanonicalObject | None:
        self.calls.append("find_by_tag")
        object_id = self.tags.get((object_type, tag))
        return None if object_id is None else self.objects.get((object_type, object_id))

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        self.calls.append("find_by_name")
        return next((o for o in self.of_type(object_type) if getattr(o, "name", None) == name), None)

    async def list_accounts(self) -> list[Account]:
        return [o for o in self.of_type(ObjectType.ACCOUNT) if isinstance(o, Account)]

    async def batch(self, items: Sequence[BatchItem], *, request_id: str) -> list[BatchResult]:
        self.calls.append("batch")
        self._fault("batch")
        assert len(items) <= 30
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
        return ChangePage(changes=[], next_watermark=since)


class FakeConnectors:
    def __init__(self, ledger: FakeLedger | None = None) -> None:
        self.ledger_ = ledger or FakeLedger()
        self.dropped: list[str] = []

    async def ledger(self, connection_id: str) -> FakeLedger:
        return self.ledger_

    async def billcom(self, connection_id: str) -> Any:
        raise AssertionError("this fake world has no BILL side: the test posted to BILL unexpectedly")

    async def company(self, connection_id: str) -> CompanyInfo:
        return await self.ledger_.company_info()

    def drop(self, connection_id: str) -> None:
        self.dropped.append(connection_id)


class FakeBillcom:
    """A fake BILL organization (name lists only)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[ObjectType, str], CanonicalObject] = {}
        self.ids = itertools.count(1)
        self.calls: list[str] = []

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        self.calls.append("read")
        return self.objects.get((object_type, object_id))

    async def create(self, obj: CanonicalObject) -> CanonicalObject:
        self.calls.append("create")
        stored = obj.model_copy(update={"id": f"00901{next(self.ids):015d}"})
        self.objects[(obj.object_type, stored.id)] = stored  # type: ignore[index]
        return stored

    async def update(self, obj: CanonicalObject) -> CanonicalObject:
        self.calls.append("update")
        self.objects[(obj.object_type, obj.id)] = obj  # type: ignore[index]
        return obj

    async def archive(self, object_type: ObjectType, object_id: str) -> CanonicalObject:
        self.calls.append("archive")
        obj = self.objects[(object_type, object_id)].model_copy(update={"active": False})
        self.objects[(object_type, object_id)] = obj
        return obj

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        self.calls.append("find_by_name")
        return next(
            (o for (t, _), o in self.objects.items() if t == object_type and getattr(o, "name", None) == name),
            None,
        )
