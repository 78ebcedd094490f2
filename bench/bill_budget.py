"""Vendor requests per synced bill with BILL's and QBO's limits on (``python -m bench.bill_budget``,
or ``python -m bench.run_all --only bill_budget``).

``companies`` connections whose BILL organizations share **one developer key** (one deployment's
20,000 requests per clock hour, ``sandbox/billcom/README.md``) each get ``rate`` bills/s (3 lines,
vendors made before the load) for ``seconds``; every ``pay_every``-th bill is paid. Each
company's clerk signs in with a developer key of its own (``POST /_sandbox/orgs/{id}/dev-keys``),
as the companies' own users would, and counts its own calls (an httpx hook): the pipeline's BILL
requests are the sandbox's total minus the clerk's, per path too. QBO requests: the sum of the
realms' sandbox counters. Counters are reset after set-up, so connecting (first sweep, webhook
subscription, preferences) is not in the figures; everything the services send during the load
and until every bill is in QuickBooks is. The shared budget's own count of the hour (PostgreSQL,
``ledger_budget.bill_hours``) is read as a cross-check."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.system import ADMIN_KEY, BenchSystem
from bench.workload import Tenant, qbo_counters, qbo_objects
from ledgerbridge_common.connectors.billcom.budget import dev_key_id
from ledgerbridge_common.metrics import operation_of
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Scenario

RESULTS = Path(__file__).resolve().parent / "results"
LINES: list[tuple[str, str | None, str]] = [
    ("100.00", None, "Line 1"),
    ("25.50", None, "Line 2"),
    ("4.25", None, "Line 3"),
]
TOTAL = "129.75"
TARGET = 0.05


class ClerkCalls:
    """The bench's own BILL API calls, by ``METHOD path`` (ids left as they are: only totals matter)."""

    def __init__(self) -> None:
        self.by_path: Counter[str] = Counter()

    async def __call__(self, request: httpx.Request) -> None:
        if request.url.path.startswith(("/connect/", "/connect-events/", "/api/v2/")):
            self.by_path[f"{request.method} {request.url.path}"] += 1

    @property
    def total(self) -> int:
        return sum(self.by_path.values())


async def _companies(system: BenchSystem, http: httpx.AsyncClient, count: int) -> tuple[list[Tenant], str]:
    scenario = Scenario(system.urls, ADMIN_KEY, http)
    people: list[Tenant] = []
    shared: str | None = None
    for n in range(count):
        company = await scenario.setup(f"Budget Company {n + 1}", limits=True, dev_key=shared)
        shared = shared or company.bill_login["devKey"]
        own = await http.post(f"{system.urls.billcom}/_sandbox/orgs/{company.org_id}/dev-keys")
        own.raise_for_status()
        clerk = BillClerk(http, system.urls.billcom, {**company.bill_login, "devKey": own.json()["devKey"]})
        people.append(Tenant(company, clerk))
    assert shared is not None
    return people, shared


async def _budget_count(system: BenchSystem, dev_key: str) -> dict[str, int]:
    conn = await asyncpg.connect(system.database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT lane, used FROM ledger_budget.bill_hours WHERE dev_key_id = $1", dev_key_id(dev_key)
        )
    finally:
        await conn.close()
    return {row["lane"]: int(row["used"]) for row in rows}


async def _posted(http: httpx.AsyncClient, system: BenchSystem, people: list[Tenant], drain: float) -> int:
    deadline = time.monotonic() + drain
    while True:
        done = 0
        for tenant in people:
            bills = await qbo_objects(http, system, tenant.company.realm_id, "Bill")
            done += sum(1 for b in bills if b.get("DocNumber") in tenant.sent)
        if done >= sum(len(t.sent) for t in people) or time.monotonic() > deadline:
            return done
        await asyncio.sleep(3)


async def run(
    system: BenchSystem,
    *,
    companies: int = 5,
    rate: float = 1.0,
    seconds: float = 120,
    vendors: int = 3,
    pay_every: int = 0,
    drain: float = 180,
) -> dict[str, Any]:
    await system.start()
    clerk_calls = ClerkCalls()
    hooks: dict[str, list[Callable[..., Any]]] = {"request": [clerk_calls]}
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64), event_hooks=hooks) as http:
        began_setup = time.monotonic()
        people, shared = await _companies(system, http, companies)
        for n, tenant in enumerate(people):
            for v in range(vendors):
                tenant.vendors.append(await tenant.clerk.create_vendor(f"Budget Vendor {v + 1} of {n + 1}"))
        settle = await system.quiesce(timeout=180)
        setup_s = time.monotonic() - began_setup
        day = await people[0].clerk.today()
        for tenant in people:
            (
                await http.post(f"{system.urls.qbo}/_sandbox/realms/{tenant.company.realm_id}/counters/reset")
            ).raise_for_status()
        (await http.post(f"{system.urls.billcom}/_sandbox/counters/reset")).raise_for_status()
        clerk_calls.by_path.clear()
        before = await _budget_count(system, shared)
        failures: Counter[str] = Counter()
        paid = 0
        gate = asyncio.Semaphore(32)

        async def one(tenant: Tenant, i: int) -> None:
            nonlocal paid
            vendor = tenant.vendors[i % len(tenant.vendors)]
            number = f"BB-{i:06d}"
            async with gate:
                try:
                    tenant.sent[number] = time.time()
                    bill_id = await tenant.clerk.create_bill(vendor, number, LINES, date=day, due_date=day)
                    if pay_every and i % pay_every == pay_every - 1:
                        await tenant.clerk.pay(vendor, bill_id, TOTAL, tenant.company.bank_account_id)
                        paid += 1
                except Exception as exc:  # counted, the run goes on
                    tenant.sent.pop(number, None)
                    failures[type(exc).__name__] += 1

        began = time.monotonic()
        total = int(rate * seconds) * companies
        tasks = []
        for k in range(total):
            delay = began + k / (rate * companies) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(people[k % companies], k // companies)))
        await asyncio.gather(*tasks)
        load_s = time.monotonic() - began
        posted = await _posted(http, system, people, drain)
        await system.quiesce(timeout=120)
        wall_s = time.monotonic() - began
        counters = (await http.get(f"{system.urls.billcom}/_sandbox/counters")).json()
        qbo = [await qbo_counters(http, system, t.company.realm_id) for t in people]
        after = await _budget_count(system, shared)
    entered = sum(len(t.sent) for t in people)
    pipeline = int(counters["total"]) - clerk_calls.total
    by_path: Counter[str] = Counter({k: int(v) for k, v in counters["byPath"].items()})
    by_path.subtract(clerk_calls.by_path)
    qbo_requests = sum(int(c.get("requests", 0)) for c in qbo)
    return {
        "companies": companies,
        "shared_dev_key": True,
        "rate_per_company": rate,
        "seconds": seconds,
        "setup_s": round(setup_s, 1),
        "settle_s": round(settle, 1),
        "entered": entered,
        "paid": paid,
        "create_failures": dict(failures),
        "load_s": round(load_s, 1),
        "wall_s_until_drained": round(wall_s, 1),
        "posted": posted,
        "bill_requests_pipeline": pipeline,
        "bill_requests_per_bill": round(pipeline / entered, 4) if entered else None,
        "bill_target_per_bill": TARGET,
        "bill_requests_by_operation": _operations(by_path),
        "bill_requests_clerk": clerk_calls.total,
        "bdc_1144": int(counters["byErrorCode"].get("BDC_1144", 0)),
        "bdc_1322": int(counters["byErrorCode"].get("BDC_1322", 0)),
        "budget_counted": {lane: after.get(lane, 0) - before.get(lane, 0) for lane in ("requests", "logins")},
        "qbo_requests": qbo_requests,
        "qbo_requests_per_bill": round(qbo_requests / entered, 4) if entered else None,
        "qbo_throttled_429": sum(int(c.get("throttled_429", 0)) for c in qbo),
    }


def _operations(by_path: Counter[str]) -> dict[str, int]:
    """``METHOD path`` counts grouped by operation (ids left out)."""
    grouped: Counter[str] = Counter()
    for key, count in by_path.items():
        method, _, path = key.partition(" ")
        grouped[operation_of(method, path)] += count
    return {k: v for k, v in sorted(grouped.items()) if v}


async def main(args: argparse.Namespace) -> int:
    system = BenchSystem()
    try:
        await system.prepare()
        result = await run(system, companies=args.companies, rate=args.rate, seconds=args.seconds,
                           pay_every=args.pay_every, drain=args.drain)  # fmt: skip
    finally:
        await system.close()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}-only-bill_budget.json"
    path.write_text(json.dumps({"date": stamp, "args": vars(args), "bill_budget": result}, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"\nJSON: {path}")
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=5)
    parser.add_argument("--rate", type=float, default=1.0, help="bills/s per company")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--pay-every", type=int, default=0, help="pay every n-th bill (0: none)")
    parser.add_argument("--drain", type=float, default=180)
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse())))
