"""The vendors as prefs-api sees them: the ledger's chart of accounts (through the
``LedgerConnector`` port, cached per connection) and BILL's bank accounts (``BillcomConnector``).
Factories are injected so unit tests pass fakes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from ledgerbridge_common.canonical.models import Account
from ledgerbridge_common.connectors.factory import ConnectorFactory, UnsupportedLedgerError
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.errors import AuthRevokedError, ConnectorError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo
from prefs_api.adapters.typed_chart import typed_chart
from prefs_api.problems import ProblemError


class LedgerFactory(Protocol):
    def __call__(self, connection: ConnectionInfo) -> LedgerConnector: ...


class BillcomFactory(Protocol):
    def __call__(self, connection: ConnectionInfo) -> BillcomConnector: ...


LEDGER_NAMES = {
    LedgerKind.QUICKBOOKS_ONLINE: "QuickBooks Online",
    LedgerKind.SAGE_INTACCT: "Sage Intacct",
    LedgerKind.ORACLE_NETSUITE: "Oracle NetSuite",
}


def missing_credentials(vendor: str) -> ProblemError:
    detail = f"Set the {vendor} credentials of this connection first"
    return ProblemError(409, f"{vendor} credentials missing", detail, kind="conflict")


def as_problems(connectors: ConnectorFactory) -> tuple[LedgerFactory, BillcomFactory]:
    """The shared factory's ``ledger_for``/``billcom_for``, with its errors as problem answers."""

    def ledger(connection: ConnectionInfo) -> LedgerConnector:
        try:
            return connectors.ledger_for(connection)
        except UnsupportedLedgerError as exc:
            detail = f"No connector for {exc.kind} yet"
            raise ProblemError(503, "Ledger not supported yet", detail, kind="vendor-unavailable") from exc
        except AuthRevokedError as exc:
            raise missing_credentials(LEDGER_NAMES.get(connection.ledger_kind, "ledger")) from exc

    def billcom(connection: ConnectionInfo) -> BillcomConnector:
        try:
            return connectors.billcom_for(connection)
        except AuthRevokedError as exc:
            raise missing_credentials("BILL") from exc

    return ledger, billcom


def vendor_unavailable(what: str, exc: Exception) -> ProblemError:
    detail = f"{what} cannot be reached right now ({type(exc).__name__}); try again shortly"
    if isinstance(exc, ConnectorError):
        detail = f"{what} answered with an error: {exc.message[:200]}"
    return ProblemError(502, "A vendor could not be reached", detail, kind="vendor-unavailable")


class ChartOfAccounts:
    """The ledger's accounts by id, read through the connector and kept ``ttl`` seconds."""

    def __init__(self, factory: LedgerFactory, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._factory = factory
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, Account]]] = {}

    async def get(self, connection: ConnectionInfo) -> dict[str, Account]:
        cached = self._cache.get(connection.connection_id)
        if cached and self._clock() - cached[0] < self._ttl:
            return cached[1]
        connector = self._factory(connection)  # a ProblemError here (no credentials) passes as is
        try:
            chart = await typed_chart(connector, await connector.list_accounts())
        except Exception as exc:  # any vendor/transport failure is a 502 to our caller
            raise vendor_unavailable("The ledger's chart of accounts", exc) from exc
        self._cache[connection.connection_id] = (self._clock(), chart)
        return chart

    async def get_or_none(self, connection: ConnectionInfo) -> dict[str, Account] | None:
        try:
            return await self.get(connection)
        except ProblemError:
            return None

    def drop(self, connection_id: str) -> None:
        self._cache.pop(connection_id, None)


def unavailable_ledger(connection: ConnectionInfo) -> LedgerConnector:
    raise ProblemError(
        503,
        "Ledger connector unavailable",
        f"No connector for ledger kind {connection.ledger_kind} is installed",
        kind="vendor-unavailable",
    )


def unavailable_billcom(connection: ConnectionInfo) -> BillcomConnector:
    raise ProblemError(
        503, "BILL connector unavailable", "The BILL connector is not installed", kind="vendor-unavailable"
    )
