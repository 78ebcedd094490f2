"""Build a ``QboConnector`` for one connection: tokens from prefs-api, refreshed tokens saved back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledgerbridge_common.connectors.ports import LedgerConnector
from ledgerbridge_common.prefs_client import ConnectionInfo, PrefsClient, QboTokens

if TYPE_CHECKING:
    from sync_engine.adapters.connectors import HttpConnectorFactory


class PrefsTokenStore:
    """QBO token store backed by prefs-api (rotated refresh tokens are written back)."""

    def __init__(self, prefs: PrefsClient, info: ConnectionInfo) -> None:
        self.prefs = prefs
        self.info = info

    async def load(self) -> Any:
        from ledgerbridge_common.connectors.qbo.auth import QboTokens as ConnectorTokens

        tokens = self.info.qbo.tokens if self.info.qbo else None
        if tokens is None:
            return None
        return ConnectorTokens(
            access_token=tokens.access_token.get_secret_value(),
            refresh_token=tokens.refresh_token.get_secret_value(),
            expires_at=tokens.access_expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
            realm_id=self.info.ledger_company_id,
        )

    async def save(self, tokens: Any) -> None:
        fresh = QboTokens(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            access_expires_at=tokens.expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
        )
        await self.prefs.save_qbo_tokens(self.info.connection_id, fresh)
        assert self.info.qbo is not None
        self.info = self.info.model_copy(update={"qbo": self.info.qbo.model_copy(update={"tokens": fresh})})


async def build_qbo(factory: HttpConnectorFactory, connection_id: str, info: ConnectionInfo) -> LedgerConnector:
    from ledgerbridge_common.connectors.qbo import QboConnector
    from ledgerbridge_common.connectors.qbo.auth import QboOAuthClient, QboTokenProvider

    assert info.qbo is not None
    credentials = {
        "client_id": info.qbo.client_id,
        "client_secret": info.qbo.client_secret.get_secret_value(),
        "redirect_uri": "http://127.0.0.1/callback",
    }
    if factory.qbo_oauth_url:
        oauth = QboOAuthClient.for_base_url(factory.qbo_http, factory.qbo_oauth_url, **credentials)
    else:
        oauth = QboOAuthClient(
            factory.qbo_http,
            client_id=info.qbo.client_id,
            client_secret=info.qbo.client_secret.get_secret_value(),
            redirect_uri="http://127.0.0.1/callback",
        )
    tokens = QboTokenProvider(PrefsTokenStore(factory.prefs, info), oauth)
    connector: LedgerConnector = QboConnector(
        factory.qbo_http,
        info.ledger_company_id,
        tokens,
        base_url=factory.qbo_base_url,
        limits=factory.qbo_limits,
        budgets=factory.qbo_budgets,
    )
    return connector
