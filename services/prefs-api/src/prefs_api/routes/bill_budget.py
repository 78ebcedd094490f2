"""``GET /v1/bill-budget``: each BILL devKey's hour and the short-poll plan."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from prefs_api.deps import Reader, ServicesDep
from prefs_api.handlers.bill_budget import bill_budget
from prefs_api.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["bill budget"], responses=problem_responses(401, 403))


@router.get("/bill-budget")
async def read_bill_budget(request: Request, services: ServicesDep, principal: Reader) -> dict[str, Any]:
    """Per BILL devKey (named by a digest): requests used this clock hour of its 20,000, the forecast
    at the current rate, whether work is parked until the next hour; and the plan of the short polls
    of the BILL types without webhook events (asked and planned interval per connection)."""
    return await bill_budget(services, request.app.state.bill_budgets, principal)
