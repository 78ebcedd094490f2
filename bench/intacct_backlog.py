"""Sage Intacct backlog: bills entered in BILL for one Intacct company with the sandbox's limits on
(a per-company concurrency cap, HTTP 429 ``GW-0010`` past it; reference intacct-api.md §4), posted
through the whole system. Bills per minute are counted from when each bill is first seen in the
sandbox (polled every second), 429s and replayed ``controlid`` refusals from its per-company counters.

``kill_posting``: posting is killed (SIGKILL) once a third of the bills are in Intacct and started
again; every bill must still be in Intacct exactly once (the function ``controlid`` with
``uniqueid`` refuses a replayed create, the connector then finds the first by its tag)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx

from bench.system import ADMIN_KEY, BenchSystem, lift_sandbox_limits
from bench.workload import Tenant, add_vendors, bulk_bills
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.ledgers import IntacctSandbox
from ledgerbridge_ops.scenario import Scenario


async def _apbills(http: httpx.AsyncClient, system: BenchSystem, tenant: Tenant) -> list[dict[str, Any]]:
    url = f"{system.urls.intacct}/_sandbox/companies/{tenant.company.realm_id}/objects/APBILL"
    resp = await http.get(url, timeout=60)
    resp.raise_for_status()
    return [b for b in resp.json()["APBILL"] if b.get("RECORDID") in tenant.sent]


async def run(system: BenchSystem, *, bills: int = 200, vendors: int = 5, kill_posting: bool = False) -> dict[str, Any]:
    await system.start(["intacct", "billcom", "prefs", "ingest", "engine", "posting"])
    async with httpx.AsyncClient(timeout=60) as http:
        await lift_sandbox_limits(http, system, qbo=False, billcom=True)
        scenario = Scenario(system.urls, ADMIN_KEY, http)
        company = await scenario.setup("Bench Intacct", ledger=IntacctSandbox(system.urls.intacct))
        tenant = Tenant(company, BillClerk(http, system.urls.billcom, company.bill_login))
        control = f"{system.urls.intacct}/_sandbox/companies/{company.realm_id}"
        cap = (await http.get(control)).json()["limits"]
        await add_vendors(tenant, vendors, "I1")
        await http.post(f"{control}/counters/reset")
        began = time.monotonic()
        await bulk_bills(tenant, bills, "I1")
        entered_s = time.monotonic() - began
        arrivals: dict[str, float] = {}
        killed_at: int | None = None
        deadline = began + 120 + bills * 3
        while time.monotonic() < deadline:
            rows = await _apbills(http, system, tenant)
            now = time.monotonic() - began
            for row in rows:
                arrivals.setdefault(str(row["RECORDID"]), now)
            if kill_posting and killed_at is None and len(arrivals) >= bills // 3:
                killed_at = len(arrivals)
                await system.kill_one("posting")
                await system.start(["posting"])
            if len(arrivals) >= bills:
                break
            await asyncio.sleep(1)
        rows = await _apbills(http, system, tenant)
        duplicates = sum(n - 1 for n in Counter(str(r["RECORDID"]) for r in rows).values() if n > 1)
        counters = (await http.get(f"{control}/counters")).json()
        system.sample()
    span = max(arrivals.values(), default=0.0)
    return {
        "bills": bills,
        "bills_in_intacct": len(arrivals),
        "duplicates": duplicates,
        "entered_in_bill_s": round(entered_s, 1),
        "all_in_intacct_s": round(span, 1),
        "bills_per_min": round(len(arrivals) / span * 60, 1) if span else None,
        "concurrency_cap": cap.get("concurrent"),
        "throttled_429": counters.get("throttled_429", 0),
        "requests": counters.get("requests", 0),
        "replayed_controlids": counters.get("replayed", 0),
        "posting_killed_after": killed_at,
    }
