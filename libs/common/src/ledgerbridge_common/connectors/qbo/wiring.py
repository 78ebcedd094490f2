"""The QBO entry of the connector registry (``connectors.factory.LEDGERS``): a ``QboConnector``
built from a connection's ``QboCredentials``, whose rotated tokens go back to the
``CredentialsStore`` before the new access token is used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerbridge_common.connectors.qbo.auth import QboOAuthClient, QboTokenProvider, QboTokens
from ledgerbridge_common.connectors.qbo.client import PRODUCTION_BASE_URL
from ledgerbridge_common.connectors.qbo.connector import QboConnector
from ledgerbridge_common.errors import AuthRevokedError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, QboCredentials
from ledgerbridge_common.prefs_client import QboTokens as StoredTokens

if TYPE_CHECKING:
    from ledgerbridge_common.connectors.factory import CredentialsStore, LedgerContext

PRODUCTION_OAUTH_URL = "https://oauth.platform.intuit.com"


class ConnectionTokenStore:
    """``QboTokenStore`` over a connection's credentials: loads the tokens it was built with and
    saves a rotation through the ``CredentialsStore``."""

    def __init__(self, info: ConnectionInfo, credentials: QboCredentials, store: CredentialsStore) -> None:
        self.connection_id = info.connection_id
        self.realm_id = info.ledger_company_id
        self.credentials = credentials
        self.store = store

    async def load(self) -> QboTokens | None:
        t = self.credentials.tokens
        if t is None:
            return None
        return QboTokens(
            access_token=t.access_token.get_secret_value(),
            refresh_token=t.refresh_token.get_secret_value(),
            expires_at=t.access_expires_at,
            refresh_expires_at=t.refresh_expires_at,
            realm_id=self.realm_id,
        )

    async def save(self, tokens: QboTokens) -> None:
        stored = StoredTokens(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            access_expires_at=tokens.expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
        )
        self.credentials = self.credentials.model_copy(update={"tokens": stored})
        await self.store.save_ledger_credentials(self.connection_id, self.credentials)


def build_qbo_connector(info: ConnectionInfo, context: LedgerContext) -> QboConnector:
    creds = info.qbo
    if creds is None or creds.tokens is None or not info.ledger_company_id:
        raise AuthRevokedError(f"connection {info.connection_id} is not connected to QuickBooks Online", vendor="qbo")
    endpoint = context.endpoint(LedgerKind.QUICKBOOKS_ONLINE)
    oauth = QboOAuthClient.for_base_url(
        context.http,
        endpoint.auth_url or PRODUCTION_OAUTH_URL,
        client_id=creds.client_id,
        client_secret=creds.client_secret.get_secret_value(),
        redirect_uri="",
    )
    tokens = QboTokenProvider(ConnectionTokenStore(info, creds, context.credentials), oauth)
    return QboConnector(
        context.http,
        info.ledger_company_id,
        tokens,
        base_url=endpoint.base_url or PRODUCTION_BASE_URL,
        limits=endpoint.limits,
        budgets=context.budgets,
        timeout=context.timeout,
    )
