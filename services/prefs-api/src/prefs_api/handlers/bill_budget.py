"""Each BILL devKey's hour (``GET /v1/bill-budget``, ``ledgerbridge status``, the status page):
requests used this clock hour and the forecast at the current rate, from the shared budget
(``connectors/billcom/budget_postgres.py``), and the short-poll plan of the BILL types that have
no webhook events (``connectors/billcom/events.py``). A key sees the devKeys of its visible
connections; the plan is made over every active connection of a devKey, as webhook-ingest makes it."""

from __future__ import annotations

import time
from typing import Any

from ledgerbridge_common.connectors.billcom.budget import BillBudgets, dev_key_id
from ledgerbridge_common.connectors.billcom.events import DEFAULT_POLL_MINUTES, poll_plan
from ledgerbridge_common.errors import InfrastructureError
from ledgerbridge_common.events.preferences import PreferenceValues
from prefs_api.adapters import repository as repo
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.handlers.connections import list_visible, readable_infos


async def _asked_minutes(services: Services) -> dict[str, dict[str, float]]:
    """devKey id → connection id → its ``poll_interval_minutes``, over every active connection."""
    asked: dict[str, dict[str, float]] = {}
    async with services.sessions() as session:
        infos = readable_infos(await repo.list_connections(session, status="active"), services.cipher)
        for info in infos:
            if info.billcom is None:
                continue
            current = await repo.current_version(session, info.connection_id)
            values = PreferenceValues.model_validate(current["values"]) if current else None
            if values is not None and not values.sync_automatically:
                continue
            minutes = values.poll_interval_minutes if values else DEFAULT_POLL_MINUTES
            asked.setdefault(dev_key_id(info.billcom.dev_key.get_secret_value()), {})[info.connection_id] = minutes
    return asked


async def bill_budget_view(services: Services, budgets: BillBudgets, principal: Principal) -> dict[str, Any]:
    """:func:`bill_budget` for the status page: ``error`` instead of raising."""
    try:
        return {**await bill_budget(services, budgets, principal), "error": None}
    except InfrastructureError as exc:
        return {"dev_keys": [], "poll_plans": [], "error": str(exc)}


async def bill_budget(services: Services, budgets: BillBudgets, principal: Principal) -> dict[str, Any]:
    async with services.sessions() as session:
        rows = await list_visible(session, principal, "active")
    visible = {info.connection_id: info for info in readable_infos(rows, services.cipher) if info.billcom}
    keys = {dev_key_id(info.billcom.dev_key.get_secret_value()) for info in visible.values() if info.billcom}
    now = time.time()
    usage = [u.as_dict(now) for u in await budgets.usage() if u.dev_key_id in keys]
    plans = []
    for key, asked in sorted((await _asked_minutes(services)).items()):
        if key not in keys:
            continue
        plan = poll_plan(key, asked).as_dict()
        plan["connections"] = [c for c in plan["connections"] if c["connection_id"] in visible]
        plans.append(plan)
    return {"dev_keys": usage, "poll_plans": plans}
