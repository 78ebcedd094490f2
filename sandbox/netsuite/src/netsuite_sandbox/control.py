"""``/_sandbox/...``: the control API tests, benchmarks and the demo drive the sandbox with (no auth)."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from netsuite_sandbox.account import Account, Faults, OAuthClient, slug_of
from netsuite_sandbox.errors import NsError
from netsuite_sandbox.fields import BodyReader
from netsuite_sandbox.posting import derived
from netsuite_sandbox.records import SEED_CURRENCIES, SEED_SUBSIDIARIES, record_type
from netsuite_sandbox.state import SandboxState
from sandbox_kit import FaultsIn, limits_and_faults_routes


class SubsidiaryIn(BaseModel):
    name: str
    currency: str = "USD"
    parent: str = "Parent Company"


class AccountIn(BaseModel):
    account_id: str | None = None
    subsidiaries: list[SubsidiaryIn] = []
    """Subsidiaries added to the seeded three (currency: an ISO code of the seeded currencies)."""
    concurrency: int | None = None
    redirect_uris: list[str] = ["http://127.0.0.1/callback"]


class CertificateIn(BaseModel):
    public_key_pem: str
    certificate_id: str | None = None


class LimitsIn(BaseModel):
    enabled: bool | None = None
    concurrency: int | None = None
    latency_ms: float | None = None


class PeriodsIn(BaseModel):
    closed: list[str]


class PreferencesIn(BaseModel):
    date_format: str


class ClockIn(BaseModel):
    advance_seconds: float = 0
    reset: bool = False


class TokenIn(BaseModel):
    expires_in: int | None = None


def new_credentials(state: SandboxState, account: Account) -> dict[str, Any]:
    consumer_key, consumer_secret = secrets.token_hex(32), secrets.token_hex(32)
    token_id, token_secret = secrets.token_hex(32), secrets.token_hex(32)
    account.consumers[consumer_key] = consumer_secret
    state.add_token(account, consumer_key, token_id, token_secret)
    return {
        "consumer_key": consumer_key,
        "consumer_secret": consumer_secret,
        "token_id": token_id,
        "token_secret": token_secret,
    }


def account_view(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "host_slug": account.slug,
        "path_prefix": f"/{account.slug}/services/rest",
        "seeded": account.seeded,
        "limits": asdict(account.limits),
        "faults": asdict(account.faults),
        "closed_periods": sorted(account.closed_periods),
        "date_format": account.date_format,
    }


def control_router(state: SandboxState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    def account_of(account_id: str) -> Account:
        account = state.by_slug(slug_of(account_id))
        if account is None:
            raise HTTPException(404, f"unknown account {account_id}")
        return account

    @router.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness."""
        return {"ok": True, "accounts": len(state.accounts)}

    @router.post("/reset")
    async def reset() -> dict[str, Any]:
        """Forget every account and token."""
        state.accounts.clear()
        state.tokens.access.clear()
        state.tokens.refresh.clear()
        return {"ok": True}

    @router.post("/clock")
    async def clock(body: ClockIn) -> dict[str, Any]:
        """Move the sandbox clock forward (``lastModifiedDate``, ``deleteddate``, default ``tranDate``)."""
        if body.reset:
            state.clock.reset()
        state.clock.advance(max(0.0, body.advance_seconds))
        return {"now": state.now().isoformat()}

    @router.post("/accounts")
    async def create_account(body: AccountIn) -> dict[str, Any]:
        """Create a seeded OneWorld account with TBA credentials, an OAuth 2.0 client and a token pair."""
        if body.account_id and state.by_slug(slug_of(body.account_id)):
            raise HTTPException(409, f"account {body.account_id} exists")
        known = {symbol for _, symbol in SEED_CURRENCIES}
        parents = {name for name, _, _ in SEED_SUBSIDIARIES}
        for sub in body.subsidiaries:  # a parent is seeded or listed earlier
            if sub.currency not in known or sub.parent not in parents or sub.name in parents:
                raise HTTPException(422, f"subsidiary {sub.name}: unknown currency or parent, or a duplicate name")
            parents.add(sub.name)
        extra = tuple((sub.name, sub.currency, sub.parent) for sub in body.subsidiaries)
        account = state.create_account(body.account_id, extra)
        if body.concurrency is not None:
            account.limits.concurrency = body.concurrency
        client_id, client_secret = secrets.token_hex(16), secrets.token_hex(32)
        account.oauth2_clients[client_id] = OAuthClient(client_id, client_secret, list(body.redirect_uris))
        oauth2 = {
            "client_id": client_id,
            "client_secret": client_secret,
            **state.tokens.issue(account.account_id, client_id),
        }
        return {**account_view(account), "tba": new_credentials(state, account), "oauth2": oauth2}

    @router.get("/accounts/{account_id}")
    async def get_account(account_id: str) -> dict[str, Any]:
        """Seeded ids, limits, faults, closed periods."""
        return account_view(account_of(account_id))

    @router.post("/accounts/{account_id}/tba")
    async def add_tba(account_id: str) -> dict[str, Any]:
        """Another integration record and access token."""
        return new_credentials(state, account_of(account_id))

    @router.delete("/accounts/{account_id}/tba/{token_id}")
    async def revoke_tba(account_id: str, token_id: str) -> dict[str, Any]:
        """Revoke an access token."""
        token = account_of(account_id).tokens.get(token_id)
        if token is None:
            raise HTTPException(404, "unknown token")
        token.revoked = True
        return {"ok": True}

    @router.post("/accounts/{account_id}/oauth2/tokens")
    async def mint(account_id: str, body: TokenIn) -> dict[str, Any]:
        """Mint an OAuth 2.0 token pair for the account's client."""
        account = account_of(account_id)
        client_id = next(iter(account.oauth2_clients))
        return {"client_id": client_id, **state.tokens.issue(account.account_id, client_id, body.expires_in)}

    @router.post("/accounts/{account_id}/oauth2/certificates")
    async def add_certificate(account_id: str, body: CertificateIn) -> dict[str, Any]:
        """Register a public key for the client credentials (M2M) grant; answers the certificate id (JWT kid)."""
        account = account_of(account_id)
        client = next(iter(account.oauth2_clients.values()))
        cert_id = body.certificate_id or secrets.token_urlsafe(16)
        client.certificates[cert_id] = body.public_key_pem
        return {"client_id": client.client_id, "certificate_id": cert_id}

    @router.get("/accounts/{account_id}/records/{type_name}")
    async def records(account_id: str, type_name: str) -> dict[str, Any]:
        """Every stored record of a type with its computed amounts."""
        account = account_of(account_id)
        spec = record_type(type_name)
        if spec is None:
            raise HTTPException(404, f"unknown record type {type_name}")
        rows = [{**rec, **derived(account, spec.name, rec)} for rec in account.records.get(spec.name, {}).values()]
        return {"records": sorted(rows, key=lambda r: int(r["id"])), "count": len(rows)}

    @router.patch("/accounts/{account_id}/records/{type_name}/{rec_id}")
    async def edit(account_id: str, type_name: str, rec_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Edit a record as a NetSuite user or script would (no auth, no limits); bumps lastModifiedDate."""
        account = account_of(account_id)
        spec = record_type(type_name)
        if spec is None:
            raise HTTPException(404, f"unknown record type {type_name}")
        try:
            values = BodyReader(spec, strict_names=True).read(body)
            state.writer.update(account, spec, rec_id, values, set())
        except NsError as error:
            raise HTTPException(error.status, error.body()) from error
        return {"ok": True, **(account.get(spec.name, rec_id) or {})}

    @router.get("/accounts/{account_id}/deleted")
    async def deleted(account_id: str) -> dict[str, Any]:
        """The DeletedRecord rows."""
        return {"deleted": account_of(account_id).deleted}

    @router.get("/accounts/{account_id}/counters")
    async def counters(account_id: str) -> dict[str, Any]:
        """requests, throttled_429, injected_*, unauthorized_401, writes, status_<code>, in_flight, peak_in_flight."""
        account = account_of(account_id)
        return {
            "requests": 0,
            "throttled_429": 0,
            **dict(account.counters),
            "in_flight": account.in_flight,
            "peak_in_flight": account.peak_in_flight,
        }

    @router.post("/accounts/{account_id}/counters/reset")
    async def reset_counters(account_id: str) -> dict[str, Any]:
        """Zero the counters and the in-flight peak."""
        account = account_of(account_id)
        account.counters.clear()
        account.peak_in_flight = account.in_flight
        return {"ok": True}

    limits_and_faults_routes(
        router,
        collection="/accounts",
        company_of=account_of,
        companies=lambda: state.accounts.values(),
        limit_defaults=state.limit_defaults,
        limits_model=LimitsIn,
        faults_model=FaultsIn,
        new_faults=Faults,
        noun="account",
    )

    @router.put("/accounts/{account_id}/periods")
    async def periods(account_id: str, body: PeriodsIn) -> dict[str, Any]:
        """Close accounting periods (``YYYY-MM``); transactions dated in them cannot be written."""
        account = account_of(account_id)
        account.closed_periods = set(body.closed)
        return account_view(account)

    @router.put("/accounts/{account_id}/preferences")
    async def preferences(account_id: str, body: PreferencesIn) -> dict[str, Any]:
        """The account's date format (``MM/DD/YYYY``, ``DD/MM/YYYY``, ``YYYY-MM-DD``...)."""
        account = account_of(account_id)
        account.date_format = body.date_format
        return account_view(account)

    return router
