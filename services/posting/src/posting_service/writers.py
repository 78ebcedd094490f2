"""Exactly-once writes to one side: upsert by source ref, void, deactivate.

Ledger: a known object is read by id and fully updated with the concurrency token it was read with
(a stale one → re-read and retry); nothing is written when the read-back already matches. An
unknown object is first looked up by the tag we write (``LB:<source_ref>``) and, for name lists, by
exact name (adopted instead of duplicated); only then created, with a deterministic request id that
the connector turns into its ledger's idempotency mechanism. After a timeout whose outcome is
unknown the lookup runs again before any second write. A void of a type the ledger does not void
(``capabilities.voids``) is a delete.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from ledgerbridge_common.canonical.fingerprint import fingerprint
from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.errors import NotFoundError, OutcomeUnknownError, StaleObjectError
from ledgerbridge_common.events.models import deterministic_id
from ledgerbridge_common.events.refs import NAME_LISTS

OnAttempt = Callable[[], Awaitable[int]]
"""Journals one more attempt before a write is sent; answers the attempts journaled so far."""


@dataclass(frozen=True)
class KnownRef:
    target_id: str
    concurrency_token: str | None = None


@dataclass(frozen=True)
class WriteResult:
    obj: CanonicalObject
    """The object as the target returned it (read back)."""
    wrote: bool
    adopted: bool = False


class Writer(Protocol):
    async def upsert(
        self,
        desired: CanonicalObject,
        *,
        known: KnownRef | None,
        request_id: str,
        tag: str,
        lookup_tag: bool = True,
    ) -> WriteResult: ...

    async def void(self, object_type: ObjectType, target_id: str, *, request_id: str) -> WriteResult: ...

    async def deactivate(self, object_type: ObjectType, target_id: str, *, request_id: str) -> WriteResult: ...

    @property
    def attempts(self) -> int:
        """The attempts journaled for the command once a write was sent (or the count it started with)."""


class _Attempts:
    """What the writers share: ``attempts`` is the journaled count after this writer's last write
    (``start`` until it sends one)."""

    def __init__(self, on_attempt: OnAttempt | None, start: int) -> None:
        self._on_attempt = on_attempt
        self.attempts = start

    async def on_attempt(self) -> None:
        self.attempts = await self._on_attempt() if self._on_attempt else self.attempts + 1


def _same(a: CanonicalObject, b: CanonicalObject) -> bool:
    return fingerprint(a) == fingerprint(b)


class LedgerWriter(_Attempts):
    def __init__(
        self,
        connector: LedgerConnector,
        *,
        stale_retries: int = 3,
        on_attempt: OnAttempt | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(on_attempt, attempts)
        self.connector = connector
        self.stale_retries = stale_retries

    async def _read(self, object_type: ObjectType, target_id: str) -> CanonicalObject:
        current = await self.connector.read(object_type, target_id)
        if current is None:
            raise NotFoundError(f"{object_type.value} {target_id} no longer exists in the ledger", code="610")
        return current

    async def _lookup(self, desired: CanonicalObject, tag: str, *, by_tag: bool = True) -> CanonicalObject | None:
        found = await self.connector.find_by_tag(desired.object_type, tag) if by_tag else None
        name = getattr(desired, "name", None)
        if found is None and desired.object_type in NAME_LISTS and name:
            found = await self.connector.find_by_name(desired.object_type, name)
        return found

    async def _update_from(
        self, current: CanonicalObject, desired: CanonicalObject, *, request_id: str, tag: str
    ) -> WriteResult:
        for _ in range(self.stale_retries + 1):
            if _same(current, desired):
                return WriteResult(current, wrote=False)
            assert current.id is not None
            obj = desired.model_copy(update={"id": current.id, "concurrency_token": current.concurrency_token})
            # same content → same request id (a safe retry); a new concurrency token is new content
            rid = deterministic_id(request_id, "update", current.concurrency_token or "")
            await self.on_attempt()
            try:
                return WriteResult(await self.connector.update(obj, request_id=rid, tag=tag), wrote=True)
            except (StaleObjectError, OutcomeUnknownError):
                current = await self._read(desired.object_type, current.id)
        raise StaleObjectError(f"{desired.object_type.value} {current.id} kept changing under us")

    async def upsert(
        self,
        desired: CanonicalObject,
        *,
        known: KnownRef | None,
        request_id: str,
        tag: str,
        lookup_tag: bool = True,
    ) -> WriteResult:
        """``lookup_tag=False`` only when the journal proves no write was ever sent for this
        source (the tag lookup scans recent objects: skipping it keeps backlogs cheap)."""
        if known is not None:
            current = await self._read(desired.object_type, known.target_id)
            return await self._update_from(current, desired, request_id=request_id, tag=tag)
        found = await self._lookup(desired, tag, by_tag=lookup_tag)
        if found is None:
            await self.on_attempt()
            try:
                return WriteResult(
                    await self.connector.create(desired, request_id=request_id[:32], tag=tag), wrote=True
                )
            except OutcomeUnknownError:
                found = await self._lookup(desired, tag)
                if found is None:
                    raise
        result = await self._update_from(found, desired, request_id=request_id, tag=tag)
        return WriteResult(result.obj, wrote=result.wrote, adopted=True)

    async def void(self, object_type: ObjectType, target_id: str, *, request_id: str) -> WriteResult:
        current = await self._read(object_type, target_id)
        if getattr(current, "voided", False):
            return WriteResult(current, wrote=False)
        if object_type not in self.connector.capabilities.voids:  # the ledger deletes this type instead
            await self.on_attempt()
            await self.connector.delete(object_type, target_id, request_id=request_id[:32])
            return WriteResult(current, wrote=True)
        for _ in range(self.stale_retries + 1):
            await self.on_attempt()
            try:
                return WriteResult(
                    await self.connector.void(object_type, target_id, request_id=request_id[:32]), wrote=True
                )
            except (StaleObjectError, OutcomeUnknownError):
                current = await self._read(object_type, target_id)
                if getattr(current, "voided", False):
                    return WriteResult(current, wrote=True)
        raise StaleObjectError(f"{object_type.value} {target_id} kept changing under us")

    async def deactivate(self, object_type: ObjectType, target_id: str, *, request_id: str) -> WriteResult:
        current = await self._read(object_type, target_id)
        for _ in range(self.stale_retries + 1):
            if not current.active:
                return WriteResult(current, wrote=False)
            await self.on_attempt()
            try:
                obj = await self.connector.deactivate(object_type, target_id, request_id=request_id[:32])
                return WriteResult(obj, wrote=True)
            except (StaleObjectError, OutcomeUnknownError):
                current = await self._read(object_type, target_id)
        raise StaleObjectError(f"{object_type.value} {target_id} kept changing under us")


class BillcomWriter(_Attempts):
    """BILL has no request ids nor notes to tag: name lists are matched by exact name."""

    def __init__(self, connector: BillcomConnector, *, on_attempt: OnAttempt | None = None, attempts: int = 0) -> None:
        super().__init__(on_attempt, attempts)
        self.connector = connector

    async def _lookup(self, desired: CanonicalObject) -> CanonicalObject | None:
        name = getattr(desired, "name", None)
        if desired.object_type in NAME_LISTS and name:
            return await self.connector.find_by_name(desired.object_type, name)
        return None

    async def _update_from(self, current: CanonicalObject, desired: CanonicalObject) -> WriteResult:
        if _same(current, desired):
            return WriteResult(current, wrote=False)
        await self.on_attempt()
        obj = desired.model_copy(update={"id": current.id, "concurrency_token": current.concurrency_token})
        return WriteResult(await self.connector.update(obj), wrote=True)

    async def upsert(
        self,
        desired: CanonicalObject,
        *,
        known: KnownRef | None,
        request_id: str,
        tag: str,
        lookup_tag: bool = True,
    ) -> WriteResult:
        if known is not None:
            current = await self.connector.read(desired.object_type, known.target_id)
            if current is None:
                raise NotFoundError(f"{desired.object_type.value} {known.target_id} no longer exists in BILL")
            return await self._update_from(current, desired)
        found = await self._lookup(desired)
        if found is None:
            await self.on_attempt()
            try:
                return WriteResult(await self.connector.create(desired), wrote=True)
            except OutcomeUnknownError:
                found = await self._lookup(desired)
                if found is None:
                    raise
        result = await self._update_from(found, desired)
        return WriteResult(result.obj, wrote=result.wrote, adopted=True)

    async def _archive(self, object_type: ObjectType, target_id: str) -> WriteResult:
        current = await self.connector.read(object_type, target_id)
        if current is not None and not current.active:
            return WriteResult(current, wrote=False)
        await self.on_attempt()
        return WriteResult(await self.connector.archive(object_type, target_id), wrote=True)

    async def void(self, object_type: ObjectType, target_id: str, *, request_id: str) -> WriteResult:
        return await self._archive(object_type, target_id)

    async def deactivate(self, object_type: ObjectType, target_id: str, *, request_id: str) -> WriteResult:
        return await self._archive(object_type, target_id)
