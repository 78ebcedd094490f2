"""Companies and BILL documents for the benchmarks: set-up through prefs-api (``Scenario``), bills
entered by a clerk (``BillClerk``), QBO objects read back through the sandbox's control API."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.system import ADMIN_KEY, BenchSystem
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Company, Scenario

QBO_APP_VERIFIER = "vt-bench-app-verifier-0123456789abcdef"


@dataclass
class Tenant:
    company: Company
    clerk: BillClerk
    vendors: list[str] = field(default_factory=list)
    sent: dict[str, float] = field(default_factory=dict)
    """DocNumber → wall-clock time (epoch s) just before the BILL create call."""


async def tenants(
    system: BenchSystem, http: httpx.AsyncClient, count: int, *, limits: bool, first: int = 1
) -> list[Tenant]:
    """``count`` companies; all share the QBO app's webhook verifier token, as with one Intuit app."""
    scenario = Scenario(system.urls, ADMIN_KEY, http)
    out = []
    for i in range(count):
        company = await scenario.setup(f"Bench Company {first + i}", limits=limits, verifier=QBO_APP_VERIFIER)
        out.append(Tenant(company, BillClerk(http, system.urls.billcom, company.bill_login)))
    return out


async def add_vendors(tenant: Tenant, count: int, prefix: str) -> None:
    for i in range(count):
        tenant.vendors.append(await tenant.clerk.create_vendor(f"{prefix} Vendor {i + 1}"))


async def bill(tenant: Tenant, number: str, day: str, i: int) -> None:
    vendor = tenant.vendors[i % len(tenant.vendors)]
    tenant.sent[number] = time.time()
    await tenant.clerk.create_bill(vendor, number, [("100.00", None, "Bench line")], date=day, due_date=day)


async def bulk_bills(tenant: Tenant, count: int, prefix: str, *, concurrency: int = 8) -> None:
    day = await tenant.clerk.today()
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            await bill(tenant, f"{prefix}-{i:06d}", day, i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def qbo_time(value: str) -> float:
    return dt.datetime.fromisoformat(value).timestamp()


async def qbo_objects(http: httpx.AsyncClient, system: BenchSystem, realm: str, entity: str) -> list[dict[str, Any]]:
    resp = await http.get(f"{system.urls.qbo}/_sandbox/realms/{realm}/objects/{entity}", timeout=60)
    resp.raise_for_status()
    return [o for o in resp.json()[entity] if "MetaData" in o]


async def qbo_counters(http: httpx.AsyncClient, system: BenchSystem, realm: str) -> dict[str, Any]:
    resp = await http.get(f"{system.urls.qbo}/_sandbox/realms/{realm}/counters")
    resp.raise_for_status()
    return dict(resp.json())


async def wait_bills(
    http: httpx.AsyncClient, system: BenchSystem, tenant: Tenant, expected: int, *, timeout: float
) -> list[dict[str, Any]]:
    """Poll QBO until ``expected`` of this tenant's bills exist or ``timeout``; return them."""
    deadline = time.monotonic() + timeout
    while True:
        bills = [b for b in await qbo_objects(http, system, tenant.company.realm_id, "Bill")
                 if b.get("DocNumber") in tenant.sent]  # fmt: skip
        if len(bills) >= expected or time.monotonic() > deadline:
            return bills
        await asyncio.sleep(2)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
