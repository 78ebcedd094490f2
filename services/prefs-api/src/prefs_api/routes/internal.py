"""``/internal/v1``: the contract of ``ledgerbridge_common.prefs_client`` for the other services
(decrypted credentials; guarded by ``X-Internal-Token``)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response

from ledgerbridge_common.prefs_client import (
    ConflictInfo,
    ConnectionInfo,
    Mappings,
    NetSuiteCredentials,
    NetSuiteOAuth2,
    QboTokens,
    WebhookSecret,
)
from prefs_api.adapters import repository as repo
from prefs_api.adapters import synclog
from prefs_api.deps import Internal, ServicesDep
from prefs_api.handlers import bank_accounts, connections, preferences
from prefs_api.prefs_schemas import InternalPreferences
from prefs_api.problems import not_found, problem_responses
from prefs_api.schemas import BankAccountIn

router = APIRouter(
    prefix="/internal/v1",
    tags=["internal"],
    dependencies=[Internal],
    responses=problem_responses(401, 404, 422),
)


@router.get("/connections", response_model=list[ConnectionInfo])
async def list_connections(
    services: ServicesDep, status: Literal["active", "disabled"] | None = "active"
) -> list[ConnectionInfo]:
    """Connections with decrypted credentials."""
    async with services.sessions() as session:
        rows = await repo.list_connections(session, status=status)
    return connections.readable_infos(rows, services.cipher)


@router.get("/connections/{connection_id}", response_model=ConnectionInfo)
async def read_connection(services: ServicesDep, connection_id: str) -> ConnectionInfo:
    """One connection with decrypted credentials."""
    async with services.sessions() as session:
        row = await repo.get_connection(session, connection_id)
    if row is None:
        raise not_found()
    return connections.to_info(row, services.cipher)


@router.get("/connections/{connection_id}/preferences", response_model=InternalPreferences)
async def read_preferences(services: ServicesDep, connection_id: str) -> InternalPreferences:
    """The current preferences, with readiness computed."""
    return await preferences.internal_preferences(services, connection_id)


@router.get("/connections/{connection_id}/mappings", response_model=Mappings)
async def read_mappings(services: ServicesDep, connection_id: str) -> Mappings:
    """Explicit mappings (BILL id → ledger id)."""
    async with services.sessions() as session:
        if await repo.get_connection(session, connection_id) is None:
            raise not_found()
        return await repo.load_mappings(session, connection_id)


@router.put("/connections/{connection_id}/qbo-tokens", status_code=204, response_class=Response)
async def save_qbo_tokens(services: ServicesDep, connection_id: str, tokens: QboTokens) -> Response:
    """Store rotated QBO tokens (after a refresh)."""
    async with services.sessions.begin() as session:
        row = await repo.get_connection(session, connection_id, lock=True)
        if row is None:
            raise not_found()
        billcom, qbo = services.cipher.open(row["credentials"])
        if qbo is None:
            raise not_found("QBO credentials")
        sealed = services.cipher.seal(billcom, qbo.model_copy(update={"tokens": tokens}))
        await repo.update_connection(session, connection_id, credentials=sealed)
    return Response(status_code=204)


@router.put("/connections/{connection_id}/netsuite-oauth2", status_code=204, response_class=Response)
async def save_netsuite_oauth2(services: ServicesDep, connection_id: str, tokens: NetSuiteOAuth2) -> Response:
    """Store a NetSuite OAuth 2.0 connection's tokens after a refresh."""
    async with services.sessions.begin() as session:
        row = await repo.get_connection(session, connection_id, lock=True)
        if row is None:
            raise not_found()
        billcom, ledger = services.cipher.open_ledger(row["credentials"])
        if not isinstance(ledger, NetSuiteCredentials) or ledger.oauth2 is None:
            raise not_found("NetSuite OAuth 2.0 credentials")
        sealed = services.cipher.seal(billcom, ledger.model_copy(update={"oauth2": tokens}))
        await repo.update_connection(session, connection_id, credentials=sealed)
    return Response(status_code=204)


@router.put("/connections/{connection_id}/bank-accounts", status_code=204, response_class=Response)
async def report_bank_accounts(services: ServicesDep, connection_id: str, accounts: list[BankAccountIn]) -> Response:
    """BILL bank accounts seen by the engine or the sweeper (see handlers/bank_accounts.py)."""
    await bank_accounts.report_bank_accounts(services, connection_id, accounts)
    return Response(status_code=204)


@router.get("/webhook-secrets", response_model=list[WebhookSecret])
async def webhook_secrets(services: ServicesDep, vendor: Literal["qbo", "billcom"] = Query()) -> list[WebhookSecret]:
    """Webhook verification secrets of active connections."""
    return await connections.webhook_secrets(services, vendor)


@router.get("/conflicts/{conflict_id}", response_model=ConflictInfo)
async def read_conflict(services: ServicesDep, conflict_id: int) -> ConflictInfo:
    """One conflict with the losing version (the engine re-posts it when the bookkeeper overrides)."""
    async with services.sessions() as session:
        row = await synclog.get_conflict(session, conflict_id)
    if row is None:
        raise not_found("conflict")
    return ConflictInfo.model_validate(dict(row))
