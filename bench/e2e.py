"""End-to-end latency: a clerk enters bills in BILL at a steady rate; each bill's latency is the
QBO sandbox's server-side ``MetaData.CreateTime`` of the posted Bill minus the wall-clock time just
before the BILL create call (same machine clock; both sandbox clocks run at real time). Sandbox
limits off (QBO limits and BILL's per-devKey limits lifted)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.system import BenchSystem, lift_sandbox_limits
from bench.workload import add_vendors, bill, percentile, qbo_objects, qbo_time, tenants, wait_bills


async def run(system: BenchSystem, *, rate: float = 100, seconds: float = 60, drain: float = 240) -> dict[str, Any]:
    await system.start()
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as http:
        await lift_sandbox_limits(http, system, qbo=True, billcom=True)
        (tenant,) = await tenants(system, http, 1, limits=False)
        await add_vendors(tenant, 10, "E2E")
        realm = tenant.company.realm_id

        async def vendors_posted() -> bool:
            return len(await qbo_objects(http, system, realm, "Vendor")) >= 10

        deadline = time.monotonic() + 90
        while not await vendors_posted():
            if time.monotonic() > deadline:
                raise TimeoutError("the 10 vendors did not reach QBO in 90 s")
            await asyncio.sleep(1)
        settle = await system.quiesce()
        day = await tenant.clerk.today()
        total = int(rate * seconds)
        gate = asyncio.Semaphore(64)
        failures = 0

        async def one(i: int) -> None:
            nonlocal failures
            async with gate:
                try:
                    await bill(tenant, f"E2E-{i:06d}", day, i)
                except Exception:
                    failures += 1

        began = time.monotonic()
        tasks = []
        for i in range(total):
            delay = began + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        offered_s = time.monotonic() - began
        bills = await wait_bills(http, system, tenant, total - failures, timeout=drain)
        system.sample()
    latencies = [qbo_time(b["MetaData"]["CreateTime"]) - tenant.sent[b["DocNumber"]] for b in bills]
    # bills not posted within the drain count as slower than anything measured (not dropped)
    latencies += [float("inf")] * (total - failures - len(bills))
    finite = [qbo_time(b["MetaData"]["CreateTime"]) for b in bills]
    return {
        "settle_before_s": round(settle, 1),
        "target_rate": rate,
        "seconds": seconds,
        "entered": total - failures,
        "bill_create_failures": failures,
        "offered_rate": round((total - failures) / offered_s, 1),
        "posted": len(bills),
        "missing_after_drain": total - failures - len(bills),
        "drain_s": drain,
        "p50_ms": _ms(percentile(latencies, 50)),
        "p99_ms": _ms(percentile(latencies, 99)),
        "posted_per_s": round(len(bills) / (max(finite) - min(tenant.sent.values())), 1) if finite else None,
    }


def _ms(seconds: float) -> float | None:
    """Milliseconds; None when the percentile falls among bills not posted within the drain."""
    return None if seconds == float("inf") else round(seconds * 1000, 1)
