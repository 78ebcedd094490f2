"""A NetSuite backlog: bills entered in BILL while the engine and posting are stopped, then both
started; how long until every bill is a vendor bill in NetSuite, and whether the connector stayed
within the account's concurrency cap (the sandbox's cap is on: 5 requests at once per account,
reference netsuite-api.md §4; a request over it is a 429 and counted). The sandbox runs in its own
process on a free port; the services are told its URL before they start."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from typing import Any

import httpx

from bench.system import ADMIN_KEY, BenchSystem, _uvicorn, lift_sandbox_limits
from bench.workload import Tenant, add_vendors, bulk_bills
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.ledgers import NetSuiteSandbox
from ledgerbridge_ops.scenario import Scenario
from tests.support.servers import free_ports


def _with_netsuite(system: BenchSystem) -> str:
    """The NetSuite sandbox added to the (defined, not started) processes; its URL."""
    [port] = free_ports(1)
    url = f"http://127.0.0.1:{port}"
    for proc in system.processes.values():
        proc.env["LB_NETSUITE_URL"] = url
    sandbox = _uvicorn("netsuite-sandbox", "netsuite_sandbox.app:create_app", dict(system.processes["qbo"].env))
    sandbox.port = port
    system.processes["netsuite"] = sandbox
    return url


async def _counters(http: httpx.AsyncClient, url: str, account: str) -> dict[str, Any]:
    resp = await http.get(f"{url}/_sandbox/accounts/{account}/counters")
    resp.raise_for_status()
    return dict(resp.json())


async def _bills_in_netsuite(http: httpx.AsyncClient, url: str, account: str, numbers: set[str]) -> int:
    resp = await http.get(f"{url}/_sandbox/accounts/{account}/records/vendorBill", timeout=60)
    resp.raise_for_status()
    return sum(1 for r in resp.json()["records"] if r.get("tranId") in numbers)


async def run(system: BenchSystem, *, bills: int = 300, vendors: int = 5, timeout: float = 900) -> dict[str, Any]:
    url = _with_netsuite(system)
    load_before = os.getloadavg()
    await system.start(["netsuite", "billcom", "prefs", "ingest"])
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as http:
        await lift_sandbox_limits(http, system, qbo=False, billcom=True)
        urls = dataclasses.replace(system.urls, netsuite=url)
        company = await Scenario(urls, ADMIN_KEY, http).setup("Bench NetSuite", ledger=NetSuiteSandbox(url))
        tenant = Tenant(company, BillClerk(http, urls.billcom, company.bill_login))
        began = time.monotonic()
        await add_vendors(tenant, vendors, "NS")
        await bulk_bills(tenant, bills, "NS")
        entered_s = time.monotonic() - began
        account = company.realm_id
        (await http.post(f"{url}/_sandbox/accounts/{account}/counters/reset")).raise_for_status()
        await system.start(["engine", "posting"])
        t0 = time.monotonic()
        posted = 0
        while time.monotonic() - t0 < timeout:
            system.sample()
            posted = await _bills_in_netsuite(http, url, account, set(tenant.sent))
            if posted >= bills:
                break
            await asyncio.sleep(3)
        posting_s = time.monotonic() - t0
        counters = await _counters(http, url, account)
    limit = 5
    return {
        "bills": bills,
        "vendors": vendors,
        "entered_in_bill_s": round(entered_s, 1),
        "bills_in_netsuite": posted,
        "seconds_to_all_bills": round(posting_s, 1),
        "bills_per_min": round(posted / posting_s * 60, 1) if posting_s else None,
        "netsuite_requests": counters.get("requests"),
        "requests_per_bill": round(counters.get("requests", 0) / posted, 2) if posted else None,
        "concurrency_cap": limit,
        "peak_in_flight": counters.get("peak_in_flight"),
        "throttled_429": counters.get("throttled_429", 0),
        "load_avg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }
