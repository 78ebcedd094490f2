"""The QBO OAuth connect flow: authorize URL with a signed state, callback that exchanges the code
and stores the tokens (and the realm id) on the connection.

The state is signed and time-limited, single-use (spent when its callback runs) and bound to
the browser that asked for it: the authorize answer sets a cookie holding a random nonce whose
hash is in the state, and the callback refuses a state that comes without that cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from prefs_api.adapters import repository as repo
from prefs_api.adapters import spent
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.handlers.connections import to_info, visible_connection
from prefs_api.problems import ProblemError
from prefs_api.schemas import AuthorizeOut, OAuthResult

BROWSER_COOKIE = "lb_qbo_oauth"
COOKIE_PATH = "/v1/oauth/qbo"
SPENT_KIND = "oauth-state"


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _refused(detail: str) -> ProblemError:
    return ProblemError(403, "OAuth state refused", detail, kind="oauth-failed")


async def authorize(services: Services, principal: Principal, connection_id: str) -> tuple[AuthorizeOut, str]:
    """The answer and the browser nonce to set as ``BROWSER_COOKIE``."""
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
    nonce = secrets.token_urlsafe(32)
    claims = {
        "connection_id": connection_id,
        "tenant_id": principal.tenant_id,
        "jti": secrets.token_hex(16),
        "browser": _digest(nonce),
    }
    state = services.cipher.sign(claims)
    return AuthorizeOut(authorize_url=services.oauth.authorize_url(info.qbo.client_id, state), state=state), nonce


async def callback(
    services: Services, *, code: str, state: str, realm_id: str, browser_nonce: str | None
) -> OAuthResult:
    """Authenticated by the signed, time-limited, single-use state and the cookie of the
    browser that started the flow (the browser comes back from Intuit without our API key)."""
    claims = services.cipher.verify(state, services.settings.oauth_state_seconds)
    if claims is None or "jti" not in claims or "browser" not in claims:
        raise _refused("Invalid or expired state; start again from the authorize URL")
    if not browser_nonce or not hmac.compare_digest(_digest(browser_nonce), claims["browser"]):
        raise _refused("This browser did not start the connect flow; start again from the authorize URL")
    connection_id = claims["connection_id"]
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=services.settings.oauth_state_seconds)
    async with services.sessions.begin() as session:
        if not await spent.spend(session, SPENT_KIND, claims["jti"], until):
            raise _refused("This state was already used; start again from the authorize URL")
        row = await repo.get_connection(session, connection_id)
    if row is None or row["tenant_id"] != claims["tenant_id"]:
        raise _refused("The connection no longer exists")
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
