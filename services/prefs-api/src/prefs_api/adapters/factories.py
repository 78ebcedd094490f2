"""The real connector factories: BILL over ``LB_BILLCOM_BASE_URL`` and the ledger (QBO) over
``LB_QBO_BASE_URL``, sharing one ``httpx.AsyncClient`` each; QBO tokens come from (and rotated
ones go back to) the connection's encrypted credentials."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.ports import BillcomConnector, LedgerConnector
from ledgerbridge_common.connectors.qbo import DEFAULT_BUDGETS, QboConnector, QboTokenProvider, RealmBudgets
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo
from prefs_api.adapters.crypto import CredentialCipher
from prefs_api.adapters.qbo_oauth import ConnectionTokenStore, QboOAuth
from prefs_api.adapters.vendors import BillcomFactory, LedgerFactory
from prefs_api.problems import ProblemError


def missing_credentials(vendor: str) -> ProblemError:
    detail = f"Set the {vendor} credentials of this connection first"
    return ProblemError(409, f"{vendor} credentials missing", detail, kind="conflict")


def billcom_factory(http: httpx.AsyncClient) -> BillcomFactory:
    cache: dict[tuple[str, ...], BillcomHttpConnector] = {}

    def make(connection: ConnectionInfo) -> BillcomConnector:
        creds = connection.billcom
        if creds is None:
            raise missing_credentials("BILL")
        key = (
            connection.connection_id,
            creds.username,
            creds.password.get_secret_value(),
            creds.organization_id,
            creds.dev_key.get_secret_value(),
        )
        if key not in cache:
            cache[key] = BillcomHttpConnector(
                http,
                BillcomCredentials(
                    creds.username,
                    creds.password.get_secret_value(),
                    creds.organization_id,
                    creds.dev_key.get_secret_value(),
                ),
            )
        return cache[key]

    return make


def ledger_factory(
    http: httpx.AsyncClient,
    *,
    base_url: str,
    oauth: QboOAuth,
    sessions: async_sessionmaker[AsyncSession],
    cipher: CredentialCipher,
    budgets: RealmBudgets = DEFAULT_BUDGETS,
) -> LedgerFactory:
    def make(connection: ConnectionInfo) -> LedgerConnector:
        if connection.ledger_kind != LedgerKind.QUICKBOOKS_ONLINE:
            detail = f"No connector for {connection.ledger_kind} yet"
            raise ProblemError(503, "Ledger not supported yet", detail, kind="vendor-unavailable")
        if connection.qbo is None or connection.qbo.tokens is None or not connection.ledger_company_id:
            raise missing_credentials("QuickBooks Online")
        store = ConnectionTokenStore(sessions, cipher, connection.connection_id)
        provider = QboTokenProvider(
            store, oauth.client(connection.qbo.client_id, connection.qbo.client_secret.get_secret_value())
        )
        return QboConnector(http, connection.ledger_company_id, provider, base_url=base_url, budgets=budgets)

    return make
