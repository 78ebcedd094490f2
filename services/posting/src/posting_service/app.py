"""HTTP entrypoints besides health: per-connection balances for reconciliation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.prefs_client import PrefsClient
from posting_service.adapters.repository import SqlPostingStore

Check = Callable[[], Awaitable[bool]]


@dataclass
class AppState:
    sessions: async_sessionmaker[AsyncSession]
    prefs: PrefsClient | None


router = APIRouter()


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.posting
    return state


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


@router.get("/connections/{connection_id}/balances")
async def balances(connection_id: str, request: Request) -> dict[str, Any]:
    """Debit-minus-credit per account of everything posted, and the clearing accounts' balances
    (zero once the runs of the synced payments have posted)."""
    state = _state(request)
    async with state.sessions() as session:
        per_account = await SqlPostingStore(session).balances(connection_id)
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
