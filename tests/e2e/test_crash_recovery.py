"""Posting killed (SIGKILL) in the middle of a run of bills and started again: every BILL bill
still ends up in QuickBooks Online exactly once. This module has its own ``system`` (the fixture
is module-scoped), so killing posting here cannot disturb the other e2e modules."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Scenario, Urls, wait_for
from tests.e2e.conftest import ADMIN_KEY, System

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

BILLS = 8


async def test_posting_killed_mid_scenario_still_posts_each_bill_once(system: System) -> None:
    urls = Urls(
        prefs=system.url("prefs"), ingest=system.url("ingest"), qbo=system.url("qbo"), billcom=system.url("billcom")
    )
    async with httpx.AsyncClient(timeout=30) as http:
        scenario = Scenario(urls, ADMIN_KEY, http)
        company = await scenario.setup("Crash Recovery Co")
        clerk = BillClerk(http, urls.billcom, company.bill_login)
        # slow QBO down so the kill lands while writes are in flight
        limits = await http.put(f"{urls.qbo}/_sandbox/realms/{company.realm_id}/limits", json={"latency_ms": 400})
        limits.raise_for_status()
        vendor_id = await clerk.create_vendor("Crash Test Supplies")
        numbers = [f"CR-{n:03d}" for n in range(BILLS)]

        async def qbo_counts() -> Counter[str]:
            bills = await scenario.qbo_objects(company, "Bill")
            return Counter(b.get("DocNumber") for b in bills)

        for number in numbers[:5]:
            await clerk.create_bill(vendor_id, number, [("10.00", None, f"Bill {number}")])

        async def some_posted() -> bool:
            return sum((await qbo_counts()).values()) >= 1

        await wait_for(some_posted, timeout=60, what="the first bills to reach QBO")
        system.processes["posting"].kill()
        posted_before_restart = sum((await qbo_counts()).values())
        for number in numbers[5:]:
            await clerk.create_bill(vendor_id, number, [("10.00", None, f"Bill {number}")])
        await asyncio.sleep(2)
        await asyncio.to_thread(system.processes["posting"].start)

        async def all_posted() -> Counter[str] | None:
            counts = await qbo_counts()
            return counts if all(counts[n] >= 1 for n in numbers) else None

        await wait_for(all_posted, timeout=120, what=f"all {BILLS} bills in QBO after the restart", interval=1)
        await asyncio.sleep(3)  # let any duplicate write that was still coming show up
        counts = await qbo_counts()
        assert posted_before_restart < BILLS, "the kill happened before every bill was posted"
        assert {n: counts[n] for n in numbers} == dict.fromkeys(numbers, 1)
        vendors = [
            v
            for v in await scenario.qbo_objects(company, "Vendor")
            if v["DisplayName"] == vendor_id or v["DisplayName"] == "Crash Test Supplies"
        ]
        assert len(vendors) == 1
