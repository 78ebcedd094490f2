"""Many companies at once: ``companies`` connections (one BILL org and one QBO realm each), a clerk
per company entering ``rate`` bills/s each (3 lines per bill) for ``seconds``, QBO's and BILL's
sandbox limits **on**. Along the way every ``vendor_every``-th bill goes to a vendor created just
before it, every third bill is paid online and each company runs a disbursement every
``run_every`` seconds.

Latency per bill = the QBO sandbox's server-side ``MetaData.CreateTime`` of the posted Bill minus
the wall clock just before the BILL create call. Per connection: p99 of its bills; the slowest
connection's p99 is the fairness figure. 429s: the QBO sandbox's per-realm ``throttled_429``
counters; BILL throttling: the BILL sandbox's BDC_1144 / BDC_1322 counts. Vendor requests per bill:
the sandboxes' request counters minus the clerk's own calls, divided by the bills entered. CPU
seconds: ``utime + stime`` of each service process (``/proc/<pid>/stat``) over the load and drain,
divided by the bills posted."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.system import SERVICES, BenchSystem
from bench.workload import Tenant, percentile, qbo_counters, qbo_objects, qbo_time, tenants
from ledgerbridge_ops.scenario import ScenarioError

BILL_THROTTLE_CODES = ("BDC_1144", "BDC_1322")
LINES: list[tuple[str, str | None, str]] = [
    ("100.00", None, "Bench line 1"),
    ("25.50", None, "Bench line 2"),
    ("4.25", None, "Bench line 3"),
]
BILL_TOTAL = "129.75"


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def service_cpu(system: BenchSystem) -> dict[str, float]:
    """CPU seconds per service, summed over its instances (``engine``, ``engine-2``, ...)."""
    out: dict[str, float] = {}
    for key, process in system.processes.items():
        name = key.split("-")[0]
        if name in SERVICES and process.proc is not None and process.proc.poll() is None:
            out[name] = out.get(name, 0.0) + cpu_seconds(process.proc.pid)
    return out


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class ClerkCalls:
    """Counts the bench's own BILL API calls (httpx event hook) so that the pipeline's are the rest."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: httpx.Request) -> None:
        if request.url.path.startswith(("/connect/", "/connect-events/")):
            self.count += 1


async def _setup(
    system: BenchSystem, http: httpx.AsyncClient, companies: int, parallel: int = 3, attempts: int = 3
) -> list[Tenant]:
    """A company whose set-up times out (a step waits for the pipeline, slow on a loaded machine)
    is set up again as a new company (``attempts`` in all at most)."""
    gate = asyncio.Semaphore(parallel)

    async def one(n: int) -> Tenant:
        async with gate:
            for attempt in range(attempts):
                try:
                    (tenant,) = await tenants(system, http, 1, limits=True, first=n + 1 + attempt * companies)
                    return tenant
                except ScenarioError as exc:
                    if attempt == attempts - 1:
                        raise
                    print(f"  set-up of company {n + 1} again: {exc}", flush=True)
            raise AssertionError("unreachable")

    people = await asyncio.gather(*(one(i) for i in range(companies)))
    for n, tenant in enumerate(people):
        tenant.vendors.append(await tenant.clerk.create_vendor(f"MC{n + 1} Vendor 1"))
    return list(people)


Posted = dict[str, list[dict[str, Any]]]


async def _wait_posted(http: httpx.AsyncClient, system: BenchSystem, people: list[Tenant], drain: float) -> Posted:
    deadline = time.monotonic() + drain
    posted: Posted = {}
    while True:
        for tenant in people:
            realm = tenant.company.realm_id
            if len(posted.get(realm, [])) < len(tenant.sent):
                got = await qbo_objects(http, system, realm, "Bill")
                posted[realm] = [b for b in got if b.get("DocNumber") in tenant.sent]
        if all(len(posted[t.company.realm_id]) >= len(t.sent) for t in people) or time.monotonic() > deadline:
            return posted
        await asyncio.sleep(2)


async def run(
    system: BenchSystem,
    *,
    companies: int = 50,
    rate: float = 2.0,
    seconds: float = 300,
    drain: float = 120,
    vendor_every: int = 20,
    run_every: float = 60,
    instances: int = 1,
) -> dict[str, Any]:
    """``instances``: engine and posting processes each, in one consumer group per service."""
    await system.start()
    await system.add_instances(("engine", "posting"), instances)
    clerk_calls = ClerkCalls()
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=128),
                                 event_hooks={"request": [clerk_calls]}) as http:  # fmt: skip
        t_setup = time.monotonic()
        people = await _setup(system, http, companies)
        setup_s = time.monotonic() - t_setup
        print(f"  {companies} companies set up in {setup_s:.0f} s; load average {load_average()}", flush=True)
        settle = await system.quiesce(timeout=180)
        day = await people[0].clerk.today()
        for tenant in people:
            realm = tenant.company.realm_id
            (await http.post(f"{system.urls.qbo}/_sandbox/realms/{realm}/counters/reset")).raise_for_status()
        (await http.post(f"{system.urls.billcom}/_sandbox/counters/reset")).raise_for_status()
        clerk_calls.count = 0
        cpu_before = service_cpu(system)
        load_before = load_average()
        failures: Counter[str] = Counter()
        paid = 0
        gate = asyncio.Semaphore(128)

        async def one(tenant: Tenant, i: int) -> None:
            nonlocal paid
            async with gate:
                try:
                    if i % vendor_every == vendor_every - 1:
                        name = f"MC Vendor {len(tenant.vendors) + 1} of {tenant.company.org_id}"
                        vendor = await tenant.clerk.create_vendor(name)
                        tenant.vendors.append(vendor)
                    else:
                        vendor = tenant.vendors[i % len(tenant.vendors)]
                    number = f"MC-{i:06d}"
                    tenant.sent[number] = time.time()
                    bill_id = await tenant.clerk.create_bill(vendor, number, LINES, date=day, due_date=day)
                except Exception as exc:
                    failures[type(exc).__name__] += 1
                    return
            if i % 3 == 2:
                async with gate:
                    try:
                        await tenant.clerk.pay(vendor, bill_id, BILL_TOTAL, tenant.company.bank_account_id)
                        paid += 1
                    except Exception as exc:
                        failures[f"pay {type(exc).__name__}"] += 1

        async def runs(tenant: Tenant, offset: float) -> int:
            done = 0
            await asyncio.sleep(offset)
            while time.monotonic() < began + seconds:
                try:
                    await tenant.clerk.disbursement_run()
                    done += 1
                except Exception as exc:
                    failures[f"run {type(exc).__name__}"] += 1
                await asyncio.sleep(run_every)
            return done

        run_every = min(run_every, seconds / 2)
        began, began_wall = time.monotonic(), time.time()
        per_company = max(1, int(rate * seconds))
        total = per_company * companies
        spread = 1 / (rate * companies)
        runners = [
            asyncio.create_task(runs(t, run_every / 2 + n * run_every / companies)) for n, t in enumerate(people)
        ]
        tasks = []
        for k in range(total):
            delay = began + k * spread - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if k and k % (companies * int(max(rate, 1)) * 30) == 0:
                print(f"  {k:,} bills scheduled; load average {load_average()}", flush=True)
            tasks.append(asyncio.create_task(one(people[k % companies], k // companies)))
        await asyncio.gather(*tasks)
        offered_s = time.monotonic() - began
        print(f"  {total:,} bills entered in {offered_s:.0f} s; load average {load_average()}", flush=True)
        disbursements = sum(await asyncio.gather(*runners))
        load_at_end = load_average()
        posted = await _wait_posted(http, system, people, drain)
        cpu_after = service_cpu(system)
        system.sample()
        bill_counters = (await http.get(f"{system.urls.billcom}/_sandbox/counters")).json()
        bill_requests_clerk = clerk_calls.count
        per_connection: list[dict[str, Any]] = []
        latencies: list[float] = []
        last_posted = began_wall
        qbo_requests = qbo_429 = qbo_writes = qbo_batches = 0
        for tenant in people:
            realm = tenant.company.realm_id
            mine = [qbo_time(b["MetaData"]["CreateTime"]) - tenant.sent[b["DocNumber"]] for b in posted[realm]]
            last_posted = max([last_posted] + [qbo_time(b["MetaData"]["CreateTime"]) for b in posted[realm]])
            mine += [float("inf")] * (len(tenant.sent) - len(mine))
            latencies += mine
            counters = await qbo_counters(http, system, realm)
            qbo_requests += int(counters.get("requests", 0))
            qbo_429 += int(counters.get("throttled_429", 0))
            qbo_writes += int(counters.get("writes", 0))
            qbo_batches += int(counters.get("batches", 0))
            per_connection.append({"realm": realm, "entered": len(tenant.sent), "posted": len(posted[realm]),
                                   "p50_ms": _ms(percentile(mine, 50)), "p99_ms": _ms(percentile(mine, 99)),
                                   "throttled_429": int(counters.get("throttled_429", 0)),
                                   "requests": int(counters.get("requests", 0))})  # fmt: skip
    entered = sum(len(t.sent) for t in people)
    posted_n = sum(len(v) for v in posted.values())
    slowest = max(per_connection, key=lambda c: c["p99_ms"] if c["p99_ms"] is not None else float("inf"))
    bill_throttled = sum(int(bill_counters["byErrorCode"].get(code, 0)) for code in BILL_THROTTLE_CODES)
    pipeline_bill_requests = int(bill_counters["total"]) - bill_requests_clerk
    return {
        "companies": companies,
        "rate_per_company": rate,
        "seconds": seconds,
        "setup_s": round(setup_s, 1),
        "settle_before_s": round(settle, 1),
        "entered": entered,
        "create_failures": dict(failures),
        "offered_rate": round(entered / offered_s, 1),
        "paid": paid,
        "disbursement_runs": disbursements,
        "instances": instances,
        "posted": posted_n,
        "posted_per_s": round(posted_n / (last_posted - began_wall), 2) if last_posted > began_wall else None,
        "missing_after_drain": entered - posted_n,
        "drain_s": drain,
        "p50_ms": _ms(percentile(latencies, 50)),
        "p95_ms": _ms(percentile(latencies, 95)),
        "p99_ms": _ms(percentile(latencies, 99)),
        "slowest_connection_p99_ms": slowest["p99_ms"],
        "slowest_connection": slowest["realm"],
        "qbo_throttled_429": qbo_429,
        "bill_throttled": bill_throttled,
        "bill_requests_per_bill": round(pipeline_bill_requests / entered, 2) if entered else None,
        "qbo_requests_per_bill": round(qbo_requests / entered, 2) if entered else None,
        "qbo_writes_batches_per_bill": [round(qbo_writes / entered, 2), round(qbo_batches / entered, 2)]
        if entered
        else None,
        "bill_requests_by_path": bill_counters["byPath"],
        "cpu_s_per_bill": {k: round((cpu_after.get(k, v) - v) / max(posted_n, 1), 4) for k, v in cpu_before.items()},
        "load_average_before": load_before,
        "load_average_at_end_of_load": load_at_end,
        "per_connection": per_connection,
    }


def _ms(seconds: float) -> float | None:
    return None if seconds == float("inf") or seconds != seconds else round(seconds * 1000, 1)
