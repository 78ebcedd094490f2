"""``/_sandbox/...``: the control API tests, benchmarks and the demo drive the sandbox with."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

import sandbox_kit
from intacct_sandbox.clock import iso, parse_date
from intacct_sandbox.company import Company, Faults
from intacct_sandbox.objects import spec_for
from intacct_sandbox.reads import public
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER, CompanySeed, SandboxState
from sandbox_kit import limits_and_faults_routes


class CompanyIn(BaseModel):
    company_id: str
    name: str = ""
    timezone: str = "America/Los_Angeles"
    sender_id: str = DEMO_SENDER[0]
    sender_password: str = DEMO_SENDER[1]
    users: dict[str, str] = dict([DEMO_USER])
    entities: list[str] = []
    closed_through: str | None = None
    seed: bool = True


class SettingsIn(BaseModel):
    closed_through: str | None = None
    reopen: bool = False
    timezone: str | None = None
    journals: dict[str, str] | None = None
    session_seconds: int | None = None


class LimitsIn(BaseModel):
    enabled: bool | None = None
    concurrent: int | None = None
    latency_ms: float | None = None
    per_window: int | None = None
    window_seconds: float | None = None
    unlimited_window: bool = False


class FaultsIn(sandbox_kit.FaultsIn):
    fail_next_functions: int | None = None
    fail_errorno: str | None = None
    fail_description2: str | None = None


class ClockIn(BaseModel):
    advance_seconds: float | None = None
    reset: bool = False


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    parsed = parse_date(text)
    if parsed is None:
        try:
            parsed = dt.date.fromisoformat(text)
        except ValueError:
            raise HTTPException(422, f"bad date {text}") from None
    return parsed


def _apply_limits(target: Any, patch: BaseModel) -> None:
    for key, value in patch.model_dump(exclude_none=True).items():
        if key == "unlimited_window":
            if value:
                target.per_window = None
            continue
        setattr(target, key, value)


def _view(company: Company) -> dict[str, Any]:
    return {
        "company_id": company.company_id,
        "name": company.name,
        "timezone": company.timezone,
        "base_currency": company.base_currency,
        "users": sorted(company.users),
        "senders": sorted(company.senders),
        "entities": company.entities,
        "journals": company.journals,
        "closed_through": company.closed_through.strftime("%m/%d/%Y") if company.closed_through else None,
        "session_seconds": company.session_seconds,
        "limits": asdict(company.limits),
        "faults": asdict(company.faults),
    }


def control_router(state: SandboxState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    def company_of(company_id: str) -> Company:
        company = state.companies.get(company_id)
        if company is None:
            raise HTTPException(404, f"unknown company {company_id}")
        return company

    @router.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness."""
        return {"ok": True, "companies": len(state.companies), "now": state.clock.now().isoformat()}

    @router.post("/reset")
    async def reset() -> dict[str, Any]:
        """Forget every company, sender, session and result set; reset the clock."""
        state.reset()
        return {"ok": True}

    @router.post("/companies")
    async def create_company(body: CompanyIn) -> dict[str, Any]:
        """Create a company: Web Services sender, users, entities, time zone, closed period, seed data."""
        if body.company_id in state.companies:
            raise HTTPException(409, f"company {body.company_id} exists")
        seed = CompanySeed(**{**body.model_dump(), "closed_through": _date(body.closed_through)})
        return _view(state.create_company(seed))

    @router.get("/companies/{company_id}")
    async def get_company(company_id: str) -> dict[str, Any]:
        """A company's settings, limits and faults."""
        return _view(company_of(company_id))

    @router.delete("/companies/{company_id}")
    async def delete_company(company_id: str) -> dict[str, Any]:
        """Forget a company."""
        state.companies.pop(company_id, None)
        return {"ok": True}

    @router.post("/companies/{company_id}/settings")
    async def settings(company_id: str, body: SettingsIn) -> dict[str, Any]:
        """Close the books through a date (or ``reopen``), change the time zone, journals, session length."""
        company = company_of(company_id)
        if body.reopen:
            company.closed_through = None
        if body.closed_through:
            company.closed_through = _date(body.closed_through)
        if body.timezone:
            company.timezone = body.timezone
        if body.journals is not None:
            company.journals = dict(body.journals)
        if body.session_seconds:
            company.session_seconds = body.session_seconds
        return _view(company)

    @router.post("/companies/{company_id}/records/{obj}")
    async def insert(company_id: str, obj: str, record: dict[str, Any]) -> dict[str, Any]:
        """Insert a record as the bookkeeper would in the UI (checking accounts, which have no create)."""
        company = company_of(company_id)
        spec = spec_for(obj)
        if spec is None:
            raise HTTPException(404, f"unknown object {obj}")
        row = {k: str(v) if not isinstance(v, dict | list) else v for k, v in record.items()}
        row.setdefault("STATUS", "active")
        row.setdefault("MEGAENTITYID", "")
        return public(company.insert(spec.name, row, state.clock.now(), "sandbox"), None, lines=True)

    @router.get("/companies/{company_id}/objects/{obj}")
    async def objects(company_id: str, obj: str) -> dict[str, Any]:
        """Every record of an object, entity-private ones included."""
        company = company_of(company_id)
        spec = spec_for(obj)
        if spec is None:
            raise HTTPException(404, f"unknown object {obj}")
        rows = [public(r, None, lines=True) for _, r in sorted(company.table(spec.name).items())]
        return {spec.name: rows, "count": len(rows)}

    @router.get("/companies/{company_id}/counters")
    async def counters(company_id: str) -> dict[str, Any]:
        """requests, throttled_429, injected_*, writes, replayed, auth_failures, function_failures, in_flight."""
        company = company_of(company_id)
        return {"requests": 0, "throttled_429": 0, **dict(company.counters), "in_flight": company.in_flight}

    @router.post("/companies/{company_id}/counters/reset")
    async def reset_counters(company_id: str) -> dict[str, Any]:
        """Zero the counters."""
        company_of(company_id).counters.clear()
        return {"ok": True}

    limits_and_faults_routes(
        router,
        collection="/companies",
        company_of=company_of,
        companies=lambda: state.companies.values(),
        limit_defaults=state.limit_defaults,
        limits_model=LimitsIn,
        faults_model=FaultsIn,
        new_faults=Faults,
        apply_limits=_apply_limits,
        after_limits=lambda company: company.admitted.clear(),
    )

    @router.get("/clock")
    async def get_clock() -> dict[str, Any]:
        """The sandbox's now (UTC) and each company's local time."""
        now = state.clock.now()
        return {"now": now.isoformat(), "local": {c.company_id: iso(now, c.timezone) for c in state.companies.values()}}

    @router.post("/clock")
    async def move_clock(body: ClockIn) -> dict[str, Any]:
        """Move the clock forward (session expiry, WHENMODIFIED) or ``reset`` it."""
        if body.reset:
            state.clock.reset()
        if body.advance_seconds:
            state.clock.advance(body.advance_seconds)
        return {"now": state.clock.now().isoformat()}

    return router
