"""The QBO OAuth connect flow: authorize URL with a signed state, callback that exchanges the code
and stores the tokens (and the realm id) on the connection."""

from __future__ import annotations

from prefs_api.adapters import repository as repo
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.handlers.connections import to_info, visible_connection
from prefs_api.problems import ProblemError
from prefs_api.schemas import AuthorizeOut, OAuthResult


async def authorize(services: Services, principal: Principal, connection_id: str) -> AuthorizeOut:
    async with services.sessions() as session:
        row = await visible_connection(session, principal, connection_id)
    info = to_info(row, services.cipher)
    if info.qbo is None:
        raise ProblemError(
            409,
            "QBO app credentials missing",
            "Set qbo.client_id and qbo.client_secret first",
            kind="conflict",
        )
    state = services.cipher.sign({"connection_id": connection_id, "tenant_id": principal.tenant_id})
    return AuthorizeOut(authorize_url=services.oauth.authorize_url(info.qbo.client_id, state), state=state)


async def callback(services: Services, *, code: str, state: str, realm_id: str) -> OAuthResult:
    """Authenticated by the signed, time-limited state (the browser comes back from Intuit
    without our API key)."""
    claims = services.cipher.verify(state, services.settings.oauth_state_seconds)
    if claims is None:
        raise ProblemError(400, "Invalid or expired state", "Start again from the authorize URL", kind="oauth-failed")
    connection_id = claims["connection_id"]
    async with services.sessions() as session:
        row = await repo.get_connection(session, connection_id)
    if row is None or row["tenant_id"] != claims["tenant_id"]:
        raise ProblemError(400, "Invalid state", "The connection no longer exists", kind="oauth-failed")
    info = to_info(row, services.cipher)
    if info.qbo is None:
        raise ProblemError(409, "QBO app credentials missing", kind="conflict")
    if info.ledger_company_id and info.ledger_company_id != realm_id:
        raise ProblemError(
            409,
            "Wrong QuickBooks company",
            f"This connection is for company {info.ledger_company_id}, not {realm_id}",
            kind="conflict",
        )
    tokens = await services.oauth.exchange(
        info.qbo.client_id, info.qbo.client_secret.get_secret_value(), code, realm_id
    )
    async with services.sessions.begin() as session:
        row = await repo.get_connection(session, connection_id, lock=True)
        assert row is not None
        billcom, qbo = services.cipher.open(row["credentials"])
        assert qbo is not None
        qbo = qbo.model_copy(update={"tokens": tokens})
        await repo.update_connection(
            session, connection_id, ledger_company_id=realm_id, credentials=services.cipher.seal(billcom, qbo)
        )
    services.chart.drop(connection_id)
    return OAuthResult(connection_id=connection_id, realm_id=realm_id, access_expires_at=tokens.access_expires_at)
