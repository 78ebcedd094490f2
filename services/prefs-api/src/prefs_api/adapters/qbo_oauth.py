"""QBO OAuth 2.0 for prefs-api: the authorize URL and the code → token exchange, through the
shared ``QboOAuthClient`` (token endpoint ``{LB_QBO_OAUTH_URL}/oauth2/v1/tokens/bearer``), and the
credentials store (rotated tokens) backed by the connection's encrypted credentials."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.connectors.qbo import QboOAuthClient
from ledgerbridge_common.connectors.qbo import QboTokens as OAuthTokens
from ledgerbridge_common.connectors.qbo.auth import REVOKE_URL
from ledgerbridge_common.errors import ConnectorError
from ledgerbridge_common.prefs_client import LedgerCredentials, NetSuiteCredentials, QboCredentials, QboTokens
from prefs_api.adapters import repository as repo
from prefs_api.adapters.crypto import CredentialCipher
from prefs_api.problems import ProblemError

TOKEN_PATH = "/oauth2/v1/tokens/bearer"


class QboOAuth:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        oauth_url: str,
        authorize_url: str,
        redirect_uri: str,
        revoke_url: str = REVOKE_URL,
    ) -> None:
        self._http = http
        self.token_url = oauth_url.rstrip("/") + TOKEN_PATH
        self.revoke_url = revoke_url
        self._authorize_url = authorize_url
        self.redirect_uri = redirect_uri

    def client(self, client_id: str, client_secret: str) -> QboOAuthClient:
        return QboOAuthClient(
            self._http,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=self.redirect_uri,
            token_url=self.token_url,
            authorize_endpoint=self._authorize_url,
            revoke_url=self.revoke_url,
        )

    def authorize_url(self, client_id: str, state: str) -> str:
        return self.client(client_id, "").authorize_url(state)

    async def exchange(self, client_id: str, client_secret: str, code: str, realm_id: str) -> QboTokens:
        try:
            tokens = await self.client(client_id, client_secret).exchange_code(code, realm_id)
        except ConnectorError as exc:
            status = 502 if exc.retryable else 400
            raise ProblemError(
                status, "QuickBooks refused the authorization code", exc.message[:200], kind="oauth-failed"
            ) from exc
        return to_stored(tokens)


def to_stored(tokens: OAuthTokens) -> QboTokens:
    return QboTokens(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        access_expires_at=tokens.expires_at,
        refresh_expires_at=tokens.refresh_expires_at,
    )


class SealedCredentialsStore:
    """The connector factory's ``CredentialsStore`` inside prefs-api: rotated ledger credentials
    are sealed into the connection's encrypted row."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], cipher: CredentialCipher) -> None:
        self._sessions = sessions
        self._cipher = cipher

    async def save_ledger_credentials(self, connection_id: str, credentials: LedgerCredentials) -> None:
        if not isinstance(credentials, QboCredentials | NetSuiteCredentials):
            return  # OAuth tokens (QBO, NetSuite OAuth 2.0) are refreshed; Intacct's logins are not
        async with self._sessions.begin() as session:
            row = await repo.get_connection(session, connection_id, lock=True)
            if row is None:
                return
            billcom, _ = self._cipher.open(row["credentials"])
            sealed = self._cipher.seal(billcom, credentials)
            await repo.update_connection(session, connection_id, credentials=sealed)
