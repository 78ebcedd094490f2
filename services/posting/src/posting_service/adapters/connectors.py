"""Building the connectors of a connection: QBO (the ledger) and BILL, from prefs-api credentials.

``ConnectorFactory`` is the port the handlers use; tests pass a fake. Rotated QBO tokens are saved
back to prefs-api (``PrefsTokenStore``) before the new access token is used. Rate limiting lives
in the QBO connector (one limiter per realm per process); posting does not add its own.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from ledgerbridge_common.connectors import qbo
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.errors import PermanentError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import PrefsClient
from ledgerbridge_common.prefs_client import QboTokens as StoredTokens


class ConnectorFactory(Protocol):
    async def ledger(self, connection_id: str) -> LedgerConnector: ...

    async def billcom(self, connection_id: str) -> BillcomConnector: ...

    def drop(self, connection_id: str) -> None:
        """Forget a connection's connectors (credentials or preferences changed)."""
        ...


class PrefsTokenStore:
    """``QboTokenStore`` over prefs-api: loads the tokens it was built with, saves rotations."""

    def __init__(self, prefs: PrefsClient, connection_id: str, realm_id: str, tokens: StoredTokens | None) -> None:
        self.prefs = prefs
        self.connection_id = connection_id
        self.realm_id = realm_id
        self._tokens = tokens

    async def load(self) -> qbo.QboTokens | None:
        t = self._tokens
        if t is None:
            return None
        return qbo.QboTokens(
            access_token=t.access_token.get_secret_value(),
            refresh_token=t.refresh_token.get_secret_value(),
            expires_at=t.access_expires_at,
            refresh_expires_at=t.refresh_expires_at,
            realm_id=self.realm_id,
        )

    async def save(self, tokens: qbo.QboTokens) -> None:
        stored = StoredTokens(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            access_expires_at=tokens.expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
        )
        await self.prefs.save_qbo_tokens(self.connection_id, stored)
        self._tokens = stored


class VendorConnectorFactory:
    def __init__(
        self,
        prefs: PrefsClient,
        http: httpx.AsyncClient,
        billcom_http: httpx.AsyncClient,
        *,
        qbo_base_url: str,
        qbo_oauth_url: str,
        qbo_limits: qbo.QboLimits | None = None,
        qbo_budgets: qbo.RealmBudgets = qbo.DEFAULT_BUDGETS,
        timeout: float = 30.0,
    ) -> None:
        self.prefs = prefs
        self.http = http
        self.qbo_base_url = qbo_base_url
        self.qbo_oauth_url = qbo_oauth_url
        self.billcom_http = billcom_http
        self.qbo_limits = qbo_limits
        self.qbo_budgets = qbo_budgets
        self.timeout = timeout
        self._ledgers: dict[str, LedgerConnector] = {}
        self._billcom: dict[str, BillcomConnector] = {}

    async def ledger(self, connection_id: str) -> LedgerConnector:
        if connection_id in self._ledgers:
            return self._ledgers[connection_id]
        info = await self.prefs.connection(connection_id)
        if info.ledger_kind is not LedgerKind.QUICKBOOKS_ONLINE or info.qbo is None:
            raise PermanentError(f"no QuickBooks Online credentials for connection {connection_id}", code="auth")
        creds = info.qbo
        oauth = qbo.QboOAuthClient.for_base_url(
            self.http,
            self.qbo_oauth_url,
            client_id=creds.client_id,
            client_secret=creds.client_secret.get_secret_value(),
            redirect_uri="",
        )
        store = PrefsTokenStore(self.prefs, connection_id, info.ledger_company_id, creds.tokens)
        connector = qbo.QboConnector(
            self.http,
            info.ledger_company_id,
            qbo.QboTokenProvider(store, oauth),
            base_url=self.qbo_base_url,
            limits=self.qbo_limits,
            budgets=self.qbo_budgets,
            timeout=self.timeout,
        )
        self._ledgers[connection_id] = connector
        return connector

    async def billcom(self, connection_id: str) -> BillcomConnector:
        if connection_id in self._billcom:
            return self._billcom[connection_id]
        info = await self.prefs.connection(connection_id)
        if info.billcom is None:
            raise PermanentError(f"no BILL credentials for connection {connection_id}", code="auth")
        creds = info.billcom
        connector = BillcomHttpConnector(
            self.billcom_http,
            BillcomCredentials(
                username=creds.username,
                password=creds.password.get_secret_value(),
                organization_id=creds.organization_id,
                dev_key=creds.dev_key.get_secret_value(),
            ),
        )
        self._billcom[connection_id] = connector
        return connector

    def drop(self, connection_id: str) -> None:
        self._ledgers.pop(connection_id, None)
        self._billcom.pop(connection_id, None)
