"""The one connector factory: a connection's BILL connector and its ledger connector, built from the
connection's credentials, for every service (engine, posting, ingest's sweeper, prefs-api).

Ledgers are added through :data:`LEDGERS`, a registry from ledger kind to a :data:`LedgerBuilder`;
a new ledger adds its credentials model to ``prefs_client.LedgerCredentials``, its endpoint to the
services' :class:`LedgerContext` and one entry here. A kind without an entry raises
:class:`UnsupportedLedgerError` (permanent).

Usage in a composition root::

    context = LedgerContext(
        http=vendor_http,
        budgets=PostgresLedgerBudgets.for_url(url),
        credentials=prefs,  # rotated credentials go back to prefs-api
        endpoints={LedgerKind.QUICKBOOKS_ONLINE: LedgerEndpoint(base_url=..., auth_url=...)},
    )
    connectors = ConnectorFactory(
        prefs, context, billcom_http=billcom_http, billcom_budgets=PostgresBillBudgets(budgets)
    )
    ledger = await connectors.ledger(connection_id)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from ledgerbridge_common.canonical.models import CompanyInfo
from ledgerbridge_common.connectors.billcom import DEFAULT_BILL_BUDGETS, BillBudgets, BillcomHttpConnector, BillLimits
from ledgerbridge_common.connectors.billcom import BillcomCredentials as BillcomLogin
from ledgerbridge_common.connectors.budget import DEFAULT_BUDGETS, LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.errors import AuthRevokedError, PermanentError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, LedgerCredentials


class UnsupportedLedgerError(PermanentError):
    """No connector is registered for the connection's ledger kind."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"no connector for ledger kind {kind!r}", vendor="ledgerbridge", code="unsupported_ledger")
        self.kind = kind


class CredentialsStore(Protocol):
    """Where a connection's rotated ledger credentials are kept (prefs-api: its encrypted row;
    the other services: prefs-api's internal API)."""

    async def save_ledger_credentials(self, connection_id: str, credentials: LedgerCredentials) -> None: ...


class ConnectionSource(Protocol):
    async def connection(self, connection_id: str) -> ConnectionInfo: ...


@dataclass(frozen=True)
class LedgerEndpoint:
    """Where one ledger kind's API is (the vendor's, or its sandbox in tests and the demo)."""

    base_url: str
    auth_url: str | None = None
    """Token endpoint base (OAuth ledgers)."""
    limits: LedgerLimits | None = None
    """Override of the connector's declared limits (tests shrink the window)."""


@dataclass
class LedgerContext:
    """What every ledger builder gets: the shared HTTP client and budget, where rotated
    credentials go, and each ledger kind's endpoint."""

    http: httpx.AsyncClient
    credentials: CredentialsStore
    endpoints: Mapping[LedgerKind, LedgerEndpoint]
    budgets: LedgerBudgets = DEFAULT_BUDGETS
    timeout: float = 30.0

    def endpoint(self, kind: LedgerKind) -> LedgerEndpoint:
        endpoint = self.endpoints.get(kind)
        if endpoint is None:
            raise UnsupportedLedgerError(kind)
        return endpoint


class VendorUrls(Protocol):
    """The ledger endpoints of a service's settings (``LB_QBO_BASE_URL``, ``LB_QBO_OAUTH_URL``,
    ``LB_INTACCT_URL``, ``LB_NETSUITE_URL``)."""

    qbo_base_url: str
    qbo_oauth_url: str
    intacct_url: str
    netsuite_url: str


def ledger_endpoints(
    settings: VendorUrls, *, limits: Mapping[LedgerKind, LedgerLimits] | None = None
) -> dict[LedgerKind, LedgerEndpoint]:
    """Every registered ledger's endpoint from a service's settings (``limits``: overrides)."""
    limits = limits or {}
    endpoints = {
        LedgerKind.QUICKBOOKS_ONLINE: LedgerEndpoint(
            settings.qbo_base_url, settings.qbo_oauth_url, limits.get(LedgerKind.QUICKBOOKS_ONLINE)
        ),
        LedgerKind.SAGE_INTACCT: LedgerEndpoint(settings.intacct_url, None, limits.get(LedgerKind.SAGE_INTACCT)),
        LedgerKind.ORACLE_NETSUITE: LedgerEndpoint(settings.netsuite_url, None, limits.get(LedgerKind.ORACLE_NETSUITE)),
    }
    return endpoints


LedgerBuilder = Callable[[ConnectionInfo, LedgerContext], LedgerConnector]
"""Builds a connection's ledger connector; raises ``AuthRevokedError`` without usable credentials."""


def _build_qbo(info: ConnectionInfo, context: LedgerContext) -> LedgerConnector:
    from ledgerbridge_common.connectors.qbo.wiring import build_qbo_connector

    return build_qbo_connector(info, context)


def _build_intacct(info: ConnectionInfo, context: LedgerContext) -> LedgerConnector:
    from ledgerbridge_common.connectors.intacct.wiring import build_intacct_connector

    return build_intacct_connector(info, context)


def _build_netsuite(info: ConnectionInfo, context: LedgerContext) -> LedgerConnector:
    from ledgerbridge_common.connectors.netsuite.wiring import build_netsuite_connector

    return build_netsuite_connector(info, context)


LEDGERS: dict[LedgerKind, LedgerBuilder] = {
    LedgerKind.QUICKBOOKS_ONLINE: _build_qbo,
    LedgerKind.SAGE_INTACCT: _build_intacct,
    LedgerKind.ORACLE_NETSUITE: _build_netsuite,
}
"""Ledger kind → builder: the only place that knows which ledgers exist."""


def build_ledger(info: ConnectionInfo, context: LedgerContext) -> LedgerConnector:
    builder = LEDGERS.get(info.ledger_kind)
    if builder is None:
        raise UnsupportedLedgerError(info.ledger_kind)
    if info.ledger is None or info.ledger.kind != info.ledger_kind:
        raise AuthRevokedError(
            f"connection {info.connection_id} has no {info.ledger_kind} credentials", vendor="ledger"
        )
    return builder(info, context)


def build_billcom(
    info: ConnectionInfo,
    http: httpx.AsyncClient,
    budgets: BillBudgets = DEFAULT_BILL_BUDGETS,
    limits: BillLimits | None = None,
) -> BillcomConnector:
    """``budgets``: where the devKey's hour and the organization's slots are counted (the services
    pass ``PostgresBillBudgets``, shared by every process that calls BILL)."""
    creds = info.billcom
    if creds is None:
        raise AuthRevokedError(f"connection {info.connection_id} has no BILL credentials", vendor="billcom")
    return BillcomHttpConnector(
        http,
        BillcomLogin(
            creds.username,
            creds.password.get_secret_value(),
            creds.organization_id,
            creds.dev_key.get_secret_value(),
        ),
        budgets=budgets,
        limits=limits,
    )


class Connectors(Protocol):
    """Port the handlers use (tests pass fakes): a connection's connectors by connection id."""

    async def ledger(self, connection_id: str) -> LedgerConnector: ...

    async def billcom(self, connection_id: str) -> BillcomConnector: ...

    async def company(self, connection_id: str) -> CompanyInfo: ...

    def drop(self, connection_id: str) -> None:
        """Forget a connection's connectors (credentials or preferences changed)."""
        ...


@dataclass
class _Built:
    ledger: LedgerConnector | None = None
    billcom: BillcomConnector | None = None
    company: CompanyInfo | None = None
    info: ConnectionInfo | None = None


@dataclass
class ConnectorFactory:
    """A connection's connectors, built once and cached until :meth:`drop` (credentials or
    preferences changed). ``ledger_for``/``billcom_for`` build from a ``ConnectionInfo`` in hand
    (cached while its credentials are unchanged)."""

    connections: ConnectionSource
    context: LedgerContext
    billcom_http: httpx.AsyncClient
    billcom_budgets: BillBudgets = DEFAULT_BILL_BUDGETS
    billcom_limits: BillLimits | None = None
    _built: dict[str, _Built] = field(default_factory=dict)

    async def _info(self, connection_id: str) -> ConnectionInfo:
        built = self._built.setdefault(connection_id, _Built())
        if built.info is None:
            built.info = await self.connections.connection(connection_id)
        return built.info

    async def ledger(self, connection_id: str) -> LedgerConnector:
        return self.ledger_for(await self._info(connection_id))

    async def billcom(self, connection_id: str) -> BillcomConnector:
        return self.billcom_for(await self._info(connection_id))

    async def company(self, connection_id: str) -> CompanyInfo:
        """The ledger company's facts (home currency...), read once per connection."""
        ledger = await self.ledger(connection_id)
        built = self._built[connection_id]
        if built.company is None:
            built.company = await ledger.company_info()
        return built.company

    def ledger_for(self, info: ConnectionInfo) -> LedgerConnector:
        built = self._current(info)
        if built.ledger is None:
            built.ledger = build_ledger(info, self.context)
        return built.ledger

    def billcom_for(self, info: ConnectionInfo) -> BillcomConnector:
        built = self._current(info)
        if built.billcom is None:
            built.billcom = build_billcom(info, self.billcom_http, self.billcom_budgets, self.billcom_limits)
        return built.billcom

    def _current(self, info: ConnectionInfo) -> _Built:
        built = self._built.get(info.connection_id)
        if built is None or (built.info is not None and _credentials(built.info) != _credentials(info)):
            built = self._built[info.connection_id] = _Built(info=info)
        elif built.info is None:
            built.info = info
        return built

    def drop(self, connection_id: str) -> None:
        """Forget a connection's connectors (credentials or preferences changed)."""
        self._built.pop(connection_id, None)


def _credentials(info: ConnectionInfo) -> tuple[object, ...]:
    """What a connector is built from: a reconnect (new tokens, new company) builds a new one."""
    return (info.ledger_kind, info.ledger_company_id, info.billcom, info.ledger)
