"""Backlog runs: bills entered in BILL while the engine and posting are stopped, then the engine is
started alone (changes decided per second = changes in the topic / time until its consumer lag is
0), then posting (objects per minute created in QBO, from the sandbox's server-side
``MetaData.CreateTime``; 429s from the sandbox's per-realm counters).

With QBO limits on, the ceiling per realm is 40 batch calls × 30 items = 1,200 objects per sliding
minute. Objects per minute are counted over complete minutes since the first create (the first
window's burst is bounded by the same ceiling), or over the whole span when it is under a minute."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from bench.system import BenchSystem, lift_sandbox_limits
from bench.workload import add_vendors, bulk_bills, qbo_counters, qbo_objects, qbo_time, tenants, wait_bills

CEILING_PER_REALM = 40 * 30


async def _stable_count(system: BenchSystem, topic: str, at_least: int, timeout: float) -> int:
    last, since, deadline = -1, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = await system.topic_count(topic)
        if count != last:
            last, since = count, time.monotonic()
        elif count >= at_least and time.monotonic() - since > 3:
            return count
        await asyncio.sleep(1)
    return last


def _per_minute(times: list[float]) -> tuple[float, float]:
    """(objects per minute over complete minutes since the first create, span in seconds)."""
    if not times:
        return 0.0, 0.0
    first, last = min(times), max(times)
    span = last - first
    if span < 60:
        return len(times) / max(span, 1e-3) * 60 if span else float(len(times)), span
    minutes = int(span // 60)
    inside = sum(1 for t in times if t < first + minutes * 60)
    return inside / minutes, span


EngineWatch = Callable[[BenchSystem], AbstractAsyncContextManager[Any]]


async def run(
    system: BenchSystem,
    *,
    realms: int = 1,
    bills: int = 2000,
    limits: bool = True,
    vendors: int = 5,
    watch_engine: EngineWatch | None = None,
) -> dict[str, Any]:
    """``watch_engine``: entered once the engine has started alone, left when its lag is 0 (a profiler)."""
    await system.start(["qbo", "billcom", "prefs", "ingest"])
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as http:
        await lift_sandbox_limits(http, system, qbo=not limits, billcom=True)
        people = await tenants(system, http, realms, limits=limits)
        began = time.monotonic()
        for n, tenant in enumerate(people):
            await add_vendors(tenant, vendors, f"R{n + 1}")
        await asyncio.gather(*(bulk_bills(t, bills, f"R{n + 1}") for n, t in enumerate(people)))
        entered_s = time.monotonic() - began
        changes = await _stable_count(system, system.topics.changes, realms * (bills + vendors), 120)
        # the engine alone
        await system.start(["engine"])
        t0 = time.monotonic()
        async with watch_engine(system) if watch_engine else contextlib.nullcontext():
            while await system.group_lag(system.groups["engine"], system.topics.changes) > 0:
                if time.monotonic() - t0 > 900:
                    break
                await asyncio.sleep(0.5)
            engine_s = time.monotonic() - t0
        commands = await system.topic_count(system.topics.postings)
        for tenant in people:
            await http.post(f"{system.urls.qbo}/_sandbox/realms/{tenant.company.realm_id}/counters/reset")
        # then posting
        await system.start(["posting"])
        t1 = time.time()
        budget = 120 + (bills / CEILING_PER_REALM * 60 * 2.5 if limits else bills / 5)
        posted = await asyncio.gather(*(wait_bills(http, system, t, bills, timeout=budget) for t in people))
        done = time.time()
        per_realm = []
        all_times: list[float] = []
        for tenant, got in zip(people, posted, strict=True):
            realm = tenant.company.realm_id
            made = [o for e in ("Vendor", "Bill") for o in await qbo_objects(http, system, realm, e)]
            times = [qbo_time(o["MetaData"]["CreateTime"]) for o in made if qbo_time(o["MetaData"]["CreateTime"]) >= t1]
            all_times += times
            rate, span = _per_minute(times)
            counters = await qbo_counters(http, system, realm)
            per_realm.append({
                "realm": realm, "bills_posted": len(got), "objects_created": len(times),
                "objects_per_min": round(rate, 1), "span_s": round(span, 1),
                "of_ceiling": round(rate / CEILING_PER_REALM, 3) if limits else None,
                "throttled_429": counters.get("throttled_429", 0), "batches": counters.get("batches", 0),
                "requests": counters.get("requests", 0),
            })  # fmt: skip
        system.sample()
    total_rate, total_span = _per_minute(all_times)
    posting_s = (max(all_times) - t1) if all_times else done - t1
    return {
        "realms": realms,
        "bills_per_realm": bills,
        "limits": limits,
        "entered_in_bill_s": round(entered_s, 1),
        "changes_in_topic": changes,
        "engine_seconds": round(engine_s, 1),
        "changes_decided_per_s": round(changes / engine_s, 1) if engine_s else None,
        "commands_emitted": commands,
        "posting_seconds": round(posting_s, 1),
        "objects_posted_per_s": round(len(all_times) / posting_s, 1) if posting_s > 0 else None,
        "objects_per_min_all_realms": round(total_rate, 1),
        "span_all_realms_s": round(total_span, 1),
        "ceiling_per_min": CEILING_PER_REALM * realms if limits else None,
        "throttled_429": sum(r["throttled_429"] for r in per_realm),
        "per_realm": per_realm,
    }
