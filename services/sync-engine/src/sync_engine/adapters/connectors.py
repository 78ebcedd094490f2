"""Connectors per connection, built from prefs-api credentials and cached (injectable for tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

from ledgerbridge_common.canonical.models import CompanyInfo
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.connectors.qbo.limits import DEFAULT_BUDGETS, QboLimits, RealmBudgets
from ledgerbridge_common.errors import AuthRevokedError, ValidationError
from ledgerbridge_common.events import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, PrefsClient


@dataclass
class Sides:
    billcom: BillcomConnector
    ledger: LedgerConnector
    company: CompanyInfo | None = None


class ConnectorFactory(Protocol):
    async def for_connection(self, connection_id: str) -> Sides: ...

    def drop(self, connection_id: str) -> None: ...


class HttpConnectorFactory:
    """Builds ``QboConnector`` + ``BillcomHttpConnector`` over shared ``httpx.AsyncClient``s."""

    def __init__(
        self,
        prefs: PrefsClient,
        *,
        qbo_http: httpx.AsyncClient,
        billcom_http: httpx.AsyncClient,
        qbo_base_url: str,
        qbo_oauth_url: str | None = None,
        qbo_limits: QboLimits | None = None,
        qbo_budgets: RealmBudgets = DEFAULT_BUDGETS,
    ) -> None:
        self.qbo_limits = qbo_limits
        self.qbo_budgets = qbo_budgets
        self.qbo_base_url = qbo_base_url
        self.prefs = prefs
        self.qbo_http = qbo_http
        self.billcom_http = billcom_http
        self.qbo_oauth_url = qbo_oauth_url
        self._cache: dict[str, Sides] = {}

    async def for_connection(self, connection_id: str) -> Sides:
        cached = self._cache.get(connection_id)
        if cached is not None:
            return cached
        info = await self.prefs.connection(connection_id)
        if info.billcom is None or (info.ledger_kind is LedgerKind.QUICKBOOKS_ONLINE and info.qbo is None):
            raise AuthRevokedError("connection has no credentials", vendor="prefs-api")
        from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector

        billcom = BillcomHttpConnector(
            self.billcom_http,
            BillcomCredentials(
                username=info.billcom.username,
                password=info.billcom.password.get_secret_value(),
                organization_id=info.billcom.organization_id,
                dev_key=info.billcom.dev_key.get_secret_value(),
            ),
        )
        if info.ledger_kind is not LedgerKind.QUICKBOOKS_ONLINE:
            raise ValidationError(f"ledger kind {info.ledger_kind} is not supported yet")
        ledger = await self._qbo(connection_id, info)
        sides = Sides(billcom=billcom, ledger=ledger)
        self._cache[connection_id] = sides
        return sides

    async def _qbo(self, connection_id: str, info: ConnectionInfo) -> LedgerConnector:
        from sync_engine.adapters.qbo_factory import build_qbo

        return await build_qbo(self, connection_id, info)

    def drop(self, connection_id: str) -> None:
        self._cache.pop(connection_id, None)
