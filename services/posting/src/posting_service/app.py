"""HTTP entrypoints: health, readiness, metrics, and per-connection balances for reconciliation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.metrics import render_latest
from ledgerbridge_common.prefs_client import PrefsClient
from posting_service.adapters import repository as repo

Check = Callable[[], Awaitable[bool]]


@dataclass
class AppState:
    sessions: async_sessionmaker[AsyncSession]
    prefs: PrefsClient | None
    checks: dict[str, Check] = field(default_factory=dict)


router = APIRouter()


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.posting
    return state


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness."""
    return {"status": "ok"}


async def db_ready(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
    return True


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Readiness: PostgreSQL, Kafka (the consumer runs) and the vendor API are reachable."""
    state = _state(request)
    checks: dict[str, Check] = {"database": lambda: db_ready(state.sessions), **state.checks}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            ok = await asyncio.wait_for(check(), timeout=3)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            results[name] = f"down: {type(exc).__name__}"
            continue
        results[name] = "ok" if ok else "down"
    ready = all(v == "ok" for v in results.values())
    return JSONResponse({"ready": ready, "checks": results}, status_code=200 if ready else 503)


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus metrics."""
    body, content_type = render_latest()
    return Response(body, media_type=content_type)


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


@router.get("/connections/{connection_id}/balances")
async def balances(connection_id: str, request: Request) -> dict[str, Any]:
    """Debit-minus-credit per account of everything posted, and the clearing accounts' balances
    (zero once the runs of the synced payments have posted)."""
    state = _state(request)
    async with state.sessions() as session:
        per_account = await repo.balances(session, connection_id)
    clearing: dict[str, dict[str, str | None]] = {}
    if state.prefs is not None:
        try:
            prefs = await state.prefs.preferences(connection_id)
        except Exception:  # noqa: BLE001 - balances stay useful without prefs-api
            prefs = None
        if prefs is not None:
            for name, account in (
                ("money_out_clearing", prefs.money_out_clearing_account),
                ("money_in_clearing", prefs.money_in_clearing_account),
            ):
                amount = per_account.get(account, Decimal(0)) if account else None
                clearing[name] = {
                    "account_id": account,
                    "balance": None if amount is None else _money(amount),
                }
    return {
        "connection_id": connection_id,
        "accounts": {k: _money(v) for k, v in sorted(per_account.items())},
        "clearing": clearing,
    }
