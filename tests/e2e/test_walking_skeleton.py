"""A vendor and a bill created and approved in BILL reach QuickBooks Online exactly once,
through every service, on real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Company, Scenario, Urls, wait_for
from tests.e2e.conftest import ADMIN_KEY, System

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


@pytest.fixture
async def world(system: System) -> AsyncIterator[tuple[Scenario, Company, BillClerk]]:
    urls = Urls(
        prefs=system.url("prefs"),
        ingest=system.url("ingest"),
        qbo=system.url("qbo"),
        billcom=system.url("billcom"),
    )
    async with httpx.AsyncClient(timeout=30) as http:
        scenario = Scenario(urls, ADMIN_KEY, http)
        company = await scenario.setup("Walking Skeleton Ltd")
        yield scenario, company, BillClerk(http, urls.billcom, company.bill_login)


async def enter_and_approve_bill(company: Company, clerk: BillClerk, number: str) -> tuple[str, str]:
    await clerk.set_approval_policy(0)  # every bill needs an approver
    vendor_id = await clerk.create_vendor(f"Paper Supply {number}", email="ap@paper.example")
    bill_id = await clerk.create_bill(
        vendor_id,
        number,
        [("120.00", company.bill_chart["Office Supplies"], "Printer paper"), ("30.50", None, "Toner")],
    )
    await clerk.approve(bill_id)
    return vendor_id, bill_id


def vendors_named(objects: list[dict], name: str) -> list[dict]:
    return [v for v in objects if v.get("DisplayName") == name]


async def test_bill_reaches_qbo_once_and_replayed_webhooks_change_nothing(world):
    scenario, company, clerk = world
    _, bill_id = await enter_and_approve_bill(company, clerk, "INV-1001")

    qbo_bill = await scenario.wait_qbo(company, "Bill", lambda b: b.get("DocNumber") == "INV-1001", timeout=60)
    vendors = vendors_named(await scenario.qbo_objects(company, "Vendor"), "Paper Supply INV-1001")
    assert len(vendors) == 1
    assert qbo_bill["VendorRef"]["value"] == vendors[0]["Id"]
    assert float(qbo_bill["TotalAmt"]) == 150.50
    assert qbo_bill["APAccountRef"]["value"] == company.accounts["Accounts Payable (A/P)"]
    lines = sorted(
        (float(line["Amount"]), line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"])
        for line in qbo_bill["Line"]
        if line.get("DetailType") == "AccountBasedExpenseLineDetail"
    )
    # The line coded to BILL's "Office Supplies" lands on QBO's account of that name (the first
    # sweep linked the two charts of accounts by name); the uncoded line on the catch-all.
    assert lines == [
        (30.5, company.accounts["Unallocated Expenses"]),
        (120.0, company.accounts["Office Supplies"]),
    ]

    async def bill_posted():
        log = await scenario.sync_log(company, object_type="bill", status="posted")
        return [e for e in log if bill_id in e["source_ref"]]

    await wait_for(bill_posted, timeout=30, what="the sync log to show the bill as posted")

    history = await clerk.event_history()
    assert any(e["type"].startswith("bill.") for e in history)
    for event in history:
        await clerk.resend_event(company.subscription_id or "", event["id"])
    await asyncio.sleep(5)
    bills = [b for b in await scenario.qbo_objects(company, "Bill") if b.get("DocNumber") == "INV-1001"]
    assert len(bills) == 1
    assert bills[0]["SyncToken"] == qbo_bill["SyncToken"], "replayed webhooks wrote nothing"
    assert len(vendors_named(await scenario.qbo_objects(company, "Vendor"), "Paper Supply INV-1001")) == 1
