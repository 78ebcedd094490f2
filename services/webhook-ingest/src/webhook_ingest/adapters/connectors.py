"""Builds the vendor connectors a sweep needs from a connection's credentials."""

from __future__ import annotations

from typing import cast

import httpx

from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.connectors.qbo.limits import DEFAULT_BUDGETS, QboLimits, RealmBudgets
from ledgerbridge_common.prefs_client import ConnectionInfo, PrefsClient
from webhook_ingest.adapters.qbo import qbo_sweep_source


class HttpConnectorFactory:
    """One shared ``httpx.AsyncClient`` per vendor (base URLs from settings)."""

    def __init__(
        self,
        *,
        billcom_http: httpx.AsyncClient,
        qbo_http: httpx.AsyncClient,
        qbo_base_url: str,
        qbo_oauth_url: str,
        prefs: PrefsClient,
        qbo_limits: QboLimits | None = None,
        qbo_budgets: RealmBudgets = DEFAULT_BUDGETS,
    ) -> None:
        self.qbo_limits = qbo_limits
        self.qbo_budgets = qbo_budgets
        self.qbo_base_url = qbo_base_url
        self.billcom_http = billcom_http
        self.qbo_http = qbo_http
        self.qbo_oauth_url = qbo_oauth_url
        self.prefs = prefs

    def billcom(self, connection: ConnectionInfo) -> BillcomConnector | None:
        creds = connection.billcom
        if creds is None:
            return None
        return BillcomHttpConnector(
            self.billcom_http,
            BillcomCredentials(
                creds.username,
                creds.password.get_secret_value(),
                creds.organization_id,
                creds.dev_key.get_secret_value(),
            ),
        )

    def ledger(self, connection: ConnectionInfo) -> LedgerConnector | None:
        source = qbo_sweep_source(
            connection,
            http=self.qbo_http,
            base_url=self.qbo_base_url,
            oauth_url=self.qbo_oauth_url,
            prefs=self.prefs,
            limits=self.qbo_limits,
            budgets=self.qbo_budgets,
        )
        return cast("LedgerConnector | None", source)
