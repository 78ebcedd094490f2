"""What routes depend on: the service container, the calling API key and its scopes, the
internal token. Routes read these as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.kafka.producer import EventPublisher
from prefs_api.adapters import repository as repo
from prefs_api.adapters.books_closed import BooksClosedReader
from prefs_api.adapters.crypto import CredentialCipher
from prefs_api.adapters.ledger_lists import LedgerListsReader
from prefs_api.adapters.qbo_oauth import QboOAuth
from prefs_api.adapters.vendors import BillcomFactory, ChartOfAccounts, LedgerFactory, unavailable_ledger
from prefs_api.domain.access import Principal, Scope, hash_secret, key_id_of
from prefs_api.problems import ProblemError
from prefs_api.settings import Settings
from prefs_api.throttle import FailureThrottle, Proxies


@dataclass
class Services:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    cipher: CredentialCipher
    publisher: EventPublisher
    chart: ChartOfAccounts
    ledger_factory: LedgerFactory
    billcom_factory: BillcomFactory
    oauth: QboOAuth
    kafka_ready: Callable[[], Awaitable[bool]]
    throttle: FailureThrottle
    proxies: Proxies
    lists: LedgerListsReader = field(default_factory=lambda: LedgerListsReader(unavailable_ledger, 0))
    books_closed: BooksClosedReader = field(default_factory=lambda: BooksClosedReader(unavailable_ledger, 0, 10.0))


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key (lbk_...)")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token")


async def authenticate(services: Services, presented: str) -> Principal | None:
    bootstrap = services.settings.prefs_bootstrap_admin_key
    if bootstrap and hmac.compare_digest(presented.encode(), bootstrap.get_secret_value().encode()):
        return Principal("bootstrap", services.settings.prefs_bootstrap_tenant, frozenset({Scope.ADMIN}))
    key_id = key_id_of(presented)
    if key_id is None:
        return None
    async with services.sessions() as session:
        row = await repo.get_key(session, key_id)
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(row["secret_hash"], hash_secret(presented)):
        return None
    bound = row["connection_ids"]
    return Principal(
        key_id=row["id"],
        tenant_id=row["tenant_id"],
        scopes=frozenset(Scope(s) for s in row["scopes"]),
        connection_ids=frozenset(bound) if bound is not None else None,
    )


def too_many_attempts(retry_after: int) -> ProblemError:
    return ProblemError(
        429,
        "Too many failed attempts",
        f"Too many invalid API keys from this client; try again in {retry_after} s",
        kind="rate-limited",
        headers={"Retry-After": str(retry_after)},
    )


async def authenticate_throttled(services: Services, request: Request, presented: str) -> Principal | None:
    """``authenticate`` behind the per-client back-off: raises 429 while the client waits."""
    client = services.proxies.client(request)
    wait = services.throttle.retry_after(client)
    if wait is not None:
        raise too_many_attempts(wait)
    principal = await authenticate(services, presented)
    if principal is None:
        services.throttle.failed(client)
    return principal


async def current_principal(
    request: Request,
    services: ServicesDep,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    presented = api_key or (bearer.credentials if bearer else None)
    principal = await authenticate_throttled(services, request, presented) if presented else None
    if principal is None:
        raise ProblemError(
            401,
            "Missing or invalid API key",
            "Send an API key in X-API-Key or Authorization: Bearer",
            kind="unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def require(scope: Scope) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has(scope):
            raise ProblemError(403, "Forbidden", f"This API key lacks the '{scope}' scope", kind="forbidden")
        return principal

    return check


Reader = Annotated[Principal, Depends(require(Scope.READ))]
Writer = Annotated[Principal, Depends(require(Scope.WRITE))]
Admin = Annotated[Principal, Depends(require(Scope.ADMIN))]


async def internal_caller(services: ServicesDep, x_internal_token: Annotated[str | None, Header()] = None) -> None:
    expected = services.settings.internal_token
    if (
        not expected
        or not x_internal_token
        or not hmac.compare_digest(x_internal_token.encode(), expected.get_secret_value().encode())
    ):
        raise ProblemError(
            401,
            "Missing or invalid internal token",
            kind="unauthorized",
            headers={"WWW-Authenticate": "InternalToken"},
        )


Internal = Depends(internal_caller)


def cookies_secure(services: Services, request: Request) -> bool:
    """Cookies get ``Secure`` whenever browsers reach us over https: ``LB_PUBLIC_URL`` says so, or
    a trusted proxy forwards an https request."""
    public = (services.settings.public_url or "").lower()
    return public.startswith("https://") or services.proxies.scheme(request) == "https"
