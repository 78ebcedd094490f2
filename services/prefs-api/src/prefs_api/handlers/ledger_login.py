"""Ledger logins given in a connection's body (Sage Intacct, NetSuite): which block belongs to which
ledger kind, the company id they name, and the check against the vendor before they are saved.

The check goes through the connector the shared factory builds for the connection (``company_info``,
a read every connector offers), so this module never talks to a vendor itself. QBO connects through
OAuth (``handlers/oauth.py``) and is not checked here."""

from __future__ import annotations

import logging

from ledgerbridge_common.connectors.ports import LedgerConnector
from ledgerbridge_common.errors import AuthRevokedError, ConnectorError, PermanentError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, LedgerCredentials
from prefs_api.adapters.vendors import LEDGER_NAMES, vendor_unavailable
from prefs_api.deps import Services
from prefs_api.problems import FieldError, ProblemError
from prefs_api.schemas import ConnectionCreate, ConnectionUpdate

log = logging.getLogger(__name__)

BLOCKS: dict[str, LedgerKind] = {
    "qbo": LedgerKind.QUICKBOOKS_ONLINE,
    "intacct": LedgerKind.SAGE_INTACCT,
    "netsuite": LedgerKind.ORACLE_NETSUITE,
}
"""Body field → the ledger kind its credentials are for."""


def block_for(kind: LedgerKind) -> str | None:
    """The body field of ``kind``'s credentials (``None``: no connector takes credentials yet)."""
    return next((field for field, k in BLOCKS.items() if k == kind), None)


def refuse_other_ledgers(kind: LedgerKind, body: ConnectionCreate | ConnectionUpdate) -> None:
    """409 when the body carries credentials of a ledger other than the connection's."""
    wrong = [f for f, k in BLOCKS.items() if k != kind and getattr(body, f) is not None]
    if wrong:
        errors = [
            FieldError(preference=f, code="ledger_kind_mismatch", detail=f"`{f}` credentials are for {BLOCKS[f]}")
            for f in wrong
        ]
        own = block_for(kind)
        detail = f"The connection's ledger is {kind}; " + (
            f"send its credentials as `{own}`" if own else "no credentials can be stored for it yet"
        )
        raise ProblemError(409, "Credentials of another ledger", detail, kind="conflict", errors=errors)


def login_in(body: ConnectionCreate | ConnectionUpdate, kind: LedgerKind) -> tuple[LedgerCredentials, str] | None:
    """The body's Intacct or NetSuite login for ``kind`` as stored, and the company id it names."""
    if kind is LedgerKind.SAGE_INTACCT and body.intacct is not None:
        return body.intacct.stored(), body.intacct.company_id
    if kind is LedgerKind.ORACLE_NETSUITE and body.netsuite is not None:
        return body.netsuite.stored(), body.netsuite.account_id
    return None


def same_company(given: str | None, from_login: str, kind: LedgerKind) -> str:
    """The login's company id; a different ``ledger_company_id`` in the same body is a 409."""
    if given and given != from_login:
        field = f"{block_for(kind)}.{'account_id' if kind is LedgerKind.ORACLE_NETSUITE else 'company_id'}"
        detail = f"ledger_company_id '{given}' differs from {field} '{from_login}'; omit it or give the same value"
        error = FieldError(preference="ledger_company_id", code="company_mismatch", detail=detail)
        raise ProblemError(409, "Two company ids", detail, kind="conflict", errors=[error])
    return from_login


async def check_login(services: Services, info: ConnectionInfo) -> LedgerConnector:
    """Sign in to the ledger with ``info``'s credentials and read the company: 422 naming the
    credentials block with what the vendor said when it refuses them, 502 when it cannot be reached."""
    field = block_for(info.ledger_kind) or "ledger"
    name = LEDGER_NAMES.get(info.ledger_kind, str(info.ledger_kind))
    connector = services.ledger_factory(info)
    try:
        await connector.company_info()
    except PermanentError as exc:
        said = f"{exc.message} ({exc.code})" if exc.code else exc.message
        title = "The ledger refused the credentials"
        if not isinstance(exc, AuthRevokedError):
            title = "The ledger refused the connection"
        log.info("%s refused connection %s: %s", name, info.connection_id, exc.code)
        error = FieldError(preference=field, code=exc.code or "refused", detail=said[:500])
        raise ProblemError(
            422, title, f"{name} said: {said[:500]}", kind="credentials-refused", errors=[error]
        ) from exc
    except ConnectorError as exc:
        raise vendor_unavailable(name, exc) from exc
    except ProblemError:
        raise
    except Exception as exc:  # transport failures: the vendor could not be reached
        raise vendor_unavailable(name, exc) from exc
    return connector
