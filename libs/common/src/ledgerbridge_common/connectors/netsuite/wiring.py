"""The NetSuite entry of the connector registry (``connectors.factory.LEDGERS``): a
``NetSuiteConnector`` built from a connection's ``NetSuiteCredentials`` (TBA, no token rotation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerbridge_common.connectors.netsuite.client import TbaCredentials
from ledgerbridge_common.connectors.netsuite.connector import NetSuiteConnector
from ledgerbridge_common.errors import AuthRevokedError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, NetSuiteCredentials

if TYPE_CHECKING:
    from ledgerbridge_common.connectors.factory import LedgerContext

PRODUCTION_URL = "https://{account}.suitetalk.api.netsuite.com"


def build_netsuite_connector(info: ConnectionInfo, context: LedgerContext) -> NetSuiteConnector:
    creds = info.ledger
    if not isinstance(creds, NetSuiteCredentials):
        raise AuthRevokedError(f"connection {info.connection_id} is not connected to NetSuite", vendor="netsuite")
    endpoint = context.endpoint(LedgerKind.ORACLE_NETSUITE)
    tba = TbaCredentials(
        creds.account_id,
        creds.consumer_key,
        creds.consumer_secret.get_secret_value(),
        creds.token_id,
        creds.token_secret.get_secret_value(),
    )
    return NetSuiteConnector(
        context.http,
        tba,
        subsidiary_id=creds.subsidiary_id,
        base_url=endpoint.base_url or PRODUCTION_URL,
        limits=endpoint.limits,
        budgets=context.budgets,
        timeout=context.timeout,
    )
