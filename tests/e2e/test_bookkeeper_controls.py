"""The bookkeeper's controls through all four services (real Kafka and PostgreSQL, the sandboxes):
disconnecting while bills are queued for posting (posting held) posts none of them (each is parked with "connection
disconnected"), and after QuickBooks is connected again (OAuth consent) and the connection
reconnected each posts exactly once; a vendor QuickBooks refuses is an open error the bookkeeper
ignores (its next change is skipped) and un-ignores (decided again: the error is open again); linked
to an existing QuickBooks vendor, its next change updates that vendor, creates none, and that
success closes the error by itself."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Company, Scenario, Urls, wait_for
from tests.conftest import KAFKA
from tests.e2e.by_hand import by_hand_headers
from tests.e2e.conftest import ADMIN_KEY, System

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
World = tuple[Scenario, Company, BillClerk, httpx.AsyncClient]


@pytest.fixture
async def world(system: System) -> AsyncIterator[World]:
    urls = Urls(
        prefs=system.url("prefs"), ingest=system.url("ingest"), qbo=system.url("qbo"), billcom=system.url("billcom")
    )
    async with httpx.AsyncClient(timeout=30) as http:
        scenario = Scenario(urls, ADMIN_KEY, http)
        company = await scenario.setup("Bookkeeper Controls Co")
        yield scenario, company, BillClerk(http, urls.billcom, company.bill_login), http


async def entries(scenario: Scenario, company: Company, ref: str, **filters: str) -> list[dict[str, Any]]:
    return [r for r in await scenario.sync_log(company, **filters) if r["source_ref"] == ref]


async def open_errors(scenario: Scenario, company: Company) -> set[str]:
    url = f"{scenario.urls.prefs}/v1/sync-report"
    resp = await scenario.http.get(url, headers=scenario.keyed, params={"connection_id": company.connection_id})
    assert resp.status_code == 200, resp.text
    return {e["source_ref"] for e in resp.json()["errors"]}


async def connect_quickbooks_again(scenario: Scenario, company: Company) -> None:
    """The consent flow a bookkeeper's browser goes through: authorize, Intuit, the callback."""
    url = f"{scenario.urls.prefs}/v1/connections/{company.connection_id}/qbo/authorize"
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        authorize = await browser.get(url, headers=scenario.keyed)
        assert authorize.status_code == 200, authorize.text
        done = await browser.get(authorize.json()["authorize_url"] + f"&realm_id={company.realm_id}")
    assert done.status_code == 200, done.text
    assert done.json()["realm_id"] == company.realm_id


async def commands_queued(system: System, refs: set[str], timeout: float = 60) -> None:
    """Wait until the engine has queued a posting command for each of ``refs`` on the postings topic."""
    consumer = AIOKafkaConsumer(
        system.topics.postings,
        bootstrap_servers=KAFKA,
        group_id="t-" + uuid.uuid4().hex[:8],
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: set[str] = set()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not refs <= seen and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                payloads = [Envelope.model_validate(json.loads(r.value)).payload for r in records]
                seen |= {str(p.get("source_ref")) for p in payloads}
    finally:
        await consumer.stop()
    assert refs <= seen, f"no posting command queued for {sorted(refs - seen)} in {timeout:.0f}s"


async def test_disconnect_with_bills_in_flight_then_reconnect(system: System, world: World) -> None:
    scenario, company, clerk, http = world
    prefs = f"{scenario.urls.prefs}/v1/connections/{company.connection_id}"
    vendor = await clerk.create_vendor("In Flight Paper Co")
    await scenario.wait_qbo(company, "Vendor", lambda v: v.get("DisplayName") == "In Flight Paper Co", timeout=60)

    # posting is held: the engine's commands for the bills wait on the postings topic, unposted
    system.processes["posting"].stop()
    numbers = {"FLY-1": "10.00", "FLY-2": "20.00", "FLY-3": "30.00"}
    bills = {n: await clerk.create_bill(vendor, n, [(amount, None, "paper")]) for n, amount in numbers.items()}
    refs = {f"billcom:bill:{b}" for b in bills.values()}
    try:
        await commands_queued(system, refs)
        gone = await http.post(f"{prefs}/disconnect", headers=scenario.keyed)
    finally:
        system.processes["posting"].start()
    assert gone.status_code == 200, gone.text
    assert (gone.json()["status"], gone.json()["token_revoked"]) == ("disconnected", True), gone.json()["notes"]

    async def all_parked() -> list[dict[str, Any]] | None:
        parked = [r for r in await scenario.sync_log(company, status="parked") if r["source_ref"] in refs]
        return parked if {r["source_ref"] for r in parked} == refs else None

    parked = await wait_for(all_parked, timeout=60, what="the queued bills parked")
    assert {(r["error_code"], r["reason"]) for r in parked} == {("connection_disconnected", "connection disconnected")}
    await asyncio.sleep(1)
    assert [b for b in await scenario.qbo_objects(company, "Bill") if b.get("DocNumber") in numbers] == []

    refused_reconnect = await http.post(f"{prefs}/reconnect", headers=scenario.keyed)
    assert refused_reconnect.status_code == 409  # the tokens were revoked: QuickBooks consent first
    await connect_quickbooks_again(scenario, company)
    back = await http.post(f"{prefs}/reconnect", headers=scenario.keyed)
    assert back.status_code == 200 and back.json()["status"] == "active", back.text

    async def all_posted() -> list[dict[str, Any]] | None:
        posted = [b for b in await scenario.qbo_objects(company, "Bill") if b.get("DocNumber") in numbers]
        return posted if {b["DocNumber"] for b in posted} == set(numbers) else None

    await wait_for(all_posted, timeout=60, what="the parked bills posted after reconnecting")

    async def logged_posted() -> bool | None:
        return {r["source_ref"] for r in await scenario.sync_log(company, status="posted")} >= refs or None

    await wait_for(logged_posted, timeout=30, what="the bills posted in the sync log")
    posted = [b for b in await scenario.qbo_objects(company, "Bill") if b.get("DocNumber") in numbers]
    assert sorted((b["DocNumber"], float(b["TotalAmt"])) for b in posted) == [
        ("FLY-1", 10.0),
        ("FLY-2", 20.0),
        ("FLY-3", 30.0),
    ]  # exactly once each


async def hand_keyed(scenario: Scenario, company: Company, entity: str, name: str) -> str:
    """An object the bookkeeper keyed into QuickBooks by hand."""
    url = f"{scenario.urls.qbo}/v3/company/{company.realm_id}/{entity.lower()}"
    resp = await scenario.http.post(url, headers=await by_hand_headers(scenario, company), json={"DisplayName": name})
    assert resp.status_code == 200, resp.text
    return str(resp.json()[entity]["Id"])


async def refused_vendor(scenario: Scenario, company: Company, clerk: BillClerk, name: str) -> str:
    """A BILL vendor QuickBooks refuses: a customer of that name exists there (names are unique
    across QuickBooks' name lists: 6240)."""
    await hand_keyed(scenario, company, "Customer", name)
    return await clerk.create_vendor(name)


async def failed_after(scenario: Scenario, company: Company, ref: str, after: int) -> dict[str, Any] | None:
    rows = await entries(scenario, company, ref, status="failed")
    return next((r for r in rows if r["id"] > after), None)


async def test_ignore_then_unignore(world: World) -> None:
    scenario, company, clerk, http = world
    vendor = await refused_vendor(scenario, company, clerk, "Clash Supplies")
    ref = f"billcom:vendor:{vendor}"
    first = await wait_for(
        lambda: failed_after(scenario, company, ref, 0), timeout=60, what="the refused vendor as a failed entry"
    )
    assert first["error_code"] == "6240"
    assert ref in await open_errors(scenario, company)

    async def skipped() -> list[dict[str, Any]] | None:
        rows = await entries(scenario, company, ref, status="skipped")
        return [r for r in rows if (r.get("decision") or {}).get("rule") == "ignored"] or None

    # in force when the API answers: the very next change is skipped, never tried again
    ignored = await http.post(f"{scenario.urls.prefs}/v1/sync-log/{first['id']}/ignore", headers=scenario.keyed)
    assert ignored.status_code == 200, ignored.text
    assert ref not in await open_errors(scenario, company)
    await clerk.update_vendor(vendor, email="ap@clash.example")
    await wait_for(skipped, timeout=60, what="the ignored vendor's next change skipped")
    assert await failed_after(scenario, company, ref, first["id"]) is None
    assert ref not in await open_errors(scenario, company)
    assert not [v for v in await scenario.qbo_objects(company, "Vendor") if v.get("DisplayName") == "Clash Supplies"]

    back = await http.delete(
        f"{scenario.urls.prefs}/v1/connections/{company.connection_id}/ignored/{ref}", headers=scenario.keyed
    )
    assert back.status_code == 200, back.text
    second = await wait_for(
        lambda: failed_after(scenario, company, ref, first["id"]),
        timeout=60,
        what="the un-ignored vendor decided again",
    )
    assert second["error_code"] == "6240" and ref in await open_errors(scenario, company)


async def test_link_then_the_next_change_updates_and_closes_the_error(world: World) -> None:
    scenario, company, clerk, http = world
    name = "Linked Clash Co"
    vendor = await refused_vendor(scenario, company, clerk, name)
    ref = f"billcom:vendor:{vendor}"
    failed = await wait_for(
        lambda: failed_after(scenario, company, ref, 0), timeout=60, what="the refused vendor as a failed entry"
    )
    existing = await hand_keyed(scenario, company, "Vendor", f"{name} (vendor)")
    link = await http.post(
        f"{scenario.urls.prefs}/v1/sync-log/{failed['id']}/link",
        headers=scenario.keyed,
        json={"other_id": existing, "replay": False},  # a replay now would be refused again (6240)
    )
    assert link.status_code == 200, link.text
    await clerk.update_vendor(vendor, email="billing@clash.example")  # the next change: an update of the linked one
    await scenario.wait_qbo(
        company,
        "Vendor",
        lambda v: v["Id"] == existing and (v.get("PrimaryEmailAddr") or {}).get("Address") == "billing@clash.example",
        timeout=60,
    )

    async def closed() -> dict[str, Any] | None:
        rows = await entries(scenario, company, ref, status="failed")
        row = next(r for r in rows if r["id"] == failed["id"])
        return row if row.get("closed_at") else None

    closing = await wait_for(closed, timeout=30, what="the open error closed by the later success")
    assert closing["closed_by"] == "auto"
    assert ref not in await open_errors(scenario, company)
    vendors = await scenario.qbo_objects(company, "Vendor")
    assert not [v for v in vendors if v.get("DisplayName") == name]
    # the name QuickBooks refused stays apart: the linked vendor keeps its own
    assert [v["DisplayName"] for v in vendors if v["Id"] == existing] == [f"{name} (vendor)"]
