"""The ledgers the contract suite runs against: one "ledger under test" per ledger kind, each a
sandbox, a way to build the connector on one of its companies, sample objects, and the sandbox's
fault injection. Adding a ledger is one module with a ``LedgerUnderTest`` and one entry in
:data:`LEDGERS_UNDER_TEST`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager, ExitStack
from typing import Protocol

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.budget import LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.ports import LedgerConnector


class LedgerUnderTest(Protocol):
    """One fresh company in a ledger's sandbox, and what the contract needs to drive it."""

    kind: str
    object_types: Sequence[ObjectType]
    """Every type the contract round-trips (create, read, update, void/delete or deactivate)."""
    feed_types: Sequence[ObjectType]
    """A name-list type and a transaction type the change-feed test creates and retires."""

    def connector(
        self,
        *,
        timeout: float = 5.0,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets | None = None,
        page_size: int | None = None,
    ) -> LedgerConnector:
        """A connector on this company (``page_size``: the vendor's page size, shrunk)."""
        ...

    async def sample(self, connector: LedgerConnector, object_type: ObjectType, name: str) -> CanonicalObject:
        """A new object of ``object_type`` ready to create (its references created first)."""
        ...

    def edit(self, obj: CanonicalObject) -> CanonicalObject:
        """A changed copy of ``obj`` (same id and concurrency token)."""
        ...

    def edited(self, obj: CanonicalObject) -> bool:
        """Whether ``obj`` (read back) carries the change :meth:`edit` made."""
        ...

    def voided(self, obj: CanonicalObject) -> bool:
        """Whether ``obj`` (read back) is voided, as this ledger shows it."""
        ...

    async def count(self, object_type: ObjectType) -> int:
        """Objects of that type in the sandbox company (its control API, not the connector)."""
        ...

    async def timeout_after_commit(self, seconds: float) -> None:
        """The next write is committed but answered only after ``seconds`` (or never)."""
        ...

    async def settle(self) -> None:
        """Wait until a write held back by :meth:`timeout_after_commit` has finished."""
        ...

    def shrunk_limits(self, window_seconds: float) -> LedgerLimits:
        """The connector's declared limits with the minute shrunk to ``window_seconds``."""
        ...

    async def enforce_limits(self, limits: LedgerLimits) -> None:
        """The sandbox refuses requests past ``limits`` from now on, counting from zero."""
        ...

    async def over_limit_answers(self) -> int:
        """Requests the sandbox refused for a limit (QBO 429, Intacct ``GW-0010``...)."""
        ...


class Sandboxes:
    """Each ledger's sandbox, started once per test session on first use."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._urls: dict[str, str] = {}

    def url(self, kind: str, start: Callable[[], AbstractContextManager[str]]) -> str:
        if kind not in self._urls:
            self._urls[kind] = self._stack.enter_context(start())
        return self._urls[kind]


def sandboxes() -> Iterator[Sandboxes]:
    with ExitStack() as stack:
        yield Sandboxes(stack)


LedgerFactory = Callable[[Sandboxes], AbstractAsyncContextManager[LedgerUnderTest]]


def _qbo(sandboxes: Sandboxes) -> AbstractAsyncContextManager[LedgerUnderTest]:
    from tests.integration.ledger_contract.qbo import qbo_under_test

    return qbo_under_test(sandboxes)


def _intacct(sandboxes: Sandboxes) -> AbstractAsyncContextManager[LedgerUnderTest]:
    from tests.integration.ledger_contract.intacct import intacct_under_test

    return intacct_under_test(sandboxes)


def _netsuite(sandboxes: Sandboxes) -> AbstractAsyncContextManager[LedgerUnderTest]:
    from tests.integration.ledger_contract.netsuite import netsuite_under_test

    return netsuite_under_test(sandboxes)


LEDGERS_UNDER_TEST: dict[str, LedgerFactory] = {
    "quickbooks_online": _qbo,
    "sage_intacct": _intacct,
    "oracle_netsuite": _netsuite,
}
