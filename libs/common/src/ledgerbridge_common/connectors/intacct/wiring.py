"""The Intacct entry of the connector registry (``connectors.factory.LEDGERS``): an
``IntacctConnector`` built from a connection's ``IntacctCredentials``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerbridge_common.connectors.intacct.client import PRODUCTION_ENDPOINT, IntacctLogin
from ledgerbridge_common.connectors.intacct.connector import IntacctConnector
from ledgerbridge_common.errors import AuthRevokedError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, IntacctCredentials

if TYPE_CHECKING:
    from ledgerbridge_common.connectors.factory import LedgerContext


def build_intacct_connector(info: ConnectionInfo, context: LedgerContext) -> IntacctConnector:
    creds = info.ledger
    if not isinstance(creds, IntacctCredentials) or not info.ledger_company_id:
        raise AuthRevokedError(f"connection {info.connection_id} is not connected to Sage Intacct", vendor="intacct")
    endpoint = context.endpoint(LedgerKind.SAGE_INTACCT)
    login = IntacctLogin(
        sender_id=creds.sender_id,
        sender_password=creds.sender_password.get_secret_value(),
        user_id=creds.user_id,
        user_password=creds.user_password.get_secret_value(),
        company_id=info.ledger_company_id,
        entity_id=creds.entity_id or "",
    )
    return IntacctConnector(
        context.http,
        login,
        endpoint=endpoint.base_url or PRODUCTION_ENDPOINT,
        limits=endpoint.limits,
        budgets=context.budgets,
        timeout=context.timeout,
    )
