"""The NetSuite entry of the connector registry (``connectors.factory.LEDGERS``): a
``NetSuiteConnector`` built from a connection's ``NetSuiteCredentials``: TBA (no rotation), an
OAuth 2.0 access token refreshed once on a 401 (the new one stored through the ``CredentialsStore``
before it is used again), or OAuth 2.0 client credentials (M2M: tokens asked for with a signed JWT,
nothing stored) (reference netsuite-api.md §1.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from ledgerbridge_common.connectors.netsuite.client import Credentials, OAuth2Credentials, OnRefresh, TbaCredentials
from ledgerbridge_common.connectors.netsuite.connector import NetSuiteConnector
from ledgerbridge_common.connectors.netsuite.m2m import M2MCredentials
from ledgerbridge_common.errors import AuthRevokedError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, NetSuiteCredentials

if TYPE_CHECKING:
    from ledgerbridge_common.connectors.factory import CredentialsStore, LedgerContext

PRODUCTION_URL = "https://{account}.suitetalk.api.netsuite.com"


def client_credentials(creds: NetSuiteCredentials) -> Credentials:
    """The connector's credentials from the stored ones (TBA or OAuth 2.0)."""
    o = creds.oauth2
    if o is not None and o.certificate_id and o.private_key:
        return M2MCredentials(creds.account_id, o.client_id, o.certificate_id, o.private_key.get_secret_value())
    if o is not None and o.access_token:
        return OAuth2Credentials(
            creds.account_id,
            o.access_token.get_secret_value(),
            o.refresh_token.get_secret_value() if o.refresh_token else None,
            o.client_id,
            o.client_secret.get_secret_value() if o.client_secret else None,
        )
    if not (creds.consumer_key and creds.consumer_secret and creds.token_id and creds.token_secret):
        raise AuthRevokedError("the NetSuite credentials are incomplete", vendor="netsuite", code="credentials")
    return TbaCredentials(
        creds.account_id,
        creds.consumer_key,
        creds.consumer_secret.get_secret_value(),
        creds.token_id,
        creds.token_secret.get_secret_value(),
    )


def keep_refreshed(connection_id: str, stored: NetSuiteCredentials, store: CredentialsStore) -> OnRefresh:
    """Where a refreshed access token goes: the connection's stored OAuth 2.0 block."""

    async def save(refreshed: OAuth2Credentials) -> None:
        nonlocal stored
        if stored.oauth2 is None:
            return
        oauth2 = stored.oauth2.model_copy(update={"access_token": SecretStr(refreshed.access_token)})
        stored = stored.model_copy(update={"oauth2": oauth2})
        await store.save_ledger_credentials(connection_id, stored)

    return save


def build_netsuite_connector(info: ConnectionInfo, context: LedgerContext) -> NetSuiteConnector:
    creds = info.ledger
    if not isinstance(creds, NetSuiteCredentials):
        raise AuthRevokedError(f"connection {info.connection_id} is not connected to NetSuite", vendor="netsuite")
    endpoint = context.endpoint(LedgerKind.ORACLE_NETSUITE)
    refreshed = creds.oauth2 is not None and not creds.oauth2.m2m  # M2M tokens are asked for, not stored
    on_refresh = keep_refreshed(info.connection_id, creds, context.credentials) if refreshed else None
    return NetSuiteConnector(
        context.http,
        client_credentials(creds),
        subsidiary_id=creds.subsidiary_id,
        base_url=endpoint.base_url or PRODUCTION_URL,
        limits=endpoint.limits,
        budgets=context.budgets,
        timeout=context.timeout,
        on_refresh=on_refresh,
    )
