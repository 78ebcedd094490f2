"""``ledgerbridge check`` for ledgers signed in to with a stored login (Sage Intacct, NetSuite): the
connector the services would build signs in and reads the company, one bounded call."""

from __future__ import annotations

import httpx

from ledgerbridge_common.connectors.factory import (
    LedgerContext,
    UnsupportedLedgerError,
    build_ledger,
    ledger_endpoints,
)
from ledgerbridge_common.errors import AuthRevokedError, ConnectorError
from ledgerbridge_common.prefs_client import ConnectionInfo, LedgerCredentials
from ledgerbridge_ops.check_results import CheckResult, fail, ok, skip
from ledgerbridge_ops.settings import CheckSettings

NAME = "ledger sign-in"
BLOCKS = {"sage_intacct": "intacct", "oracle_netsuite": "netsuite"}


class _NoRotation:
    """Intacct and NetSuite logins do not rotate; nothing is written back."""

    async def save_ledger_credentials(self, connection_id: str, credentials: LedgerCredentials) -> None:
        return None


async def ledger_login(settings: CheckSettings, http: httpx.AsyncClient, info: ConnectionInfo) -> list[CheckResult]:
    subject, kind = info.connection_id, str(info.ledger_kind)
    store = (
        f"store the login again: PATCH /v1/connections/{subject} on prefs-api with its `{BLOCKS.get(kind, kind)}` block"
    )
    context = LedgerContext(
        http=http,
        credentials=_NoRotation(),
        endpoints=ledger_endpoints(settings),
        timeout=settings.check_timeout_seconds,
    )
    try:
        connector = build_ledger(info, context)
    except UnsupportedLedgerError:
        return [skip(NAME, f"no connector for {kind}", subject)]
    except AuthRevokedError:
        return [fail(NAME, f"no {kind} login is stored", store, subject)]
    try:
        company = await connector.company_info()
    except AuthRevokedError as exc:
        return [fail(NAME, f"{kind} refused the stored login: {exc}", store, subject)]
    except ConnectorError as exc:
        return [
            fail(NAME, f"{kind} answered with an error: {exc}", "check the ledger's status, then run again", subject)
        ]
    return [ok(NAME, f"signed in to {kind} company {company.company_id}", subject)]
