"""A safe first sync through all four services (real Kafka and PostgreSQL, both sandboxes): the
connection waits for the bookkeeper; the preview shows the hand-keyed QBO bill that BILL also has
as "will link" and BILL's new bill as "will create"; nothing reaches QBO before the start; after
it, the hand-keyed bill is linked (not created twice) and the new one is created. Then manual-only
mode holds a new vendor until Sync Now, and a type switched off is skipped with its preference."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Company, Scenario, Urls, wait_for
from tests.e2e.by_hand import by_hand_headers
from tests.e2e.conftest import ADMIN_KEY, System

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
VENDOR = "Hand Keyed Paper Co"


@pytest.fixture
async def world(system: System) -> AsyncIterator[tuple[Scenario, Company, BillClerk, httpx.AsyncClient]]:
    urls = Urls(
        prefs=system.url("prefs"), ingest=system.url("ingest"), qbo=system.url("qbo"), billcom=system.url("billcom")
    )
    async with httpx.AsyncClient(timeout=30) as http:
        scenario = Scenario(urls, ADMIN_KEY, http)
        company = await scenario.setup("First Sync Co", first_sync="after_preview")
        yield scenario, company, BillClerk(http, urls.billcom, company.bill_login), http


async def key_into_qbo(scenario: Scenario, company: Company, http: httpx.AsyncClient, day: str) -> dict[str, str]:
    """The bookkeeper's own QBO work before connecting: the vendor and three bills, by hand."""
    api = f"{scenario.urls.qbo}/v3/company/{company.realm_id}"
    bearer = await by_hand_headers(scenario, company)
    vendor = (await http.post(f"{api}/vendor", headers=bearer, json={"DisplayName": VENDOR})).json()["Vendor"]
    ids = {}
    for number, amount in (("HK-1", 150.5), ("HK-2", 80.0), ("HK-3", 99.99)):
        line = {
            "Amount": amount,
            "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": company.accounts["Unallocated Expenses"]}},
        }
        body = {"VendorRef": {"value": vendor["Id"]}, "DocNumber": number, "TxnDate": day, "Line": [line]}
        resp = await http.post(f"{api}/bill", headers=bearer, json=body)
        resp.raise_for_status()
        ids[number] = resp.json()["Bill"]["Id"]
    return ids


async def bills_of(scenario: Scenario, company: Company, numbers: set[str]) -> list[dict[str, Any]]:
    return [b for b in await scenario.qbo_objects(company, "Bill") if b.get("DocNumber") in numbers]


async def test_first_sync_preview_link_then_manual_mode_and_a_type_switched_off(world: Any) -> None:
    scenario, company, clerk, http = world
    prefs = f"{scenario.urls.prefs}/v1/connections/{company.connection_id}"
    day = await clerk.today()
    keyed = await key_into_qbo(scenario, company, http, day)
    vendor_id = await clerk.create_vendor(VENDOR)
    shared = await clerk.create_bill(vendor_id, "HK-1", [("150.50", None, "paper")], date=day)
    new = await clerk.create_bill(vendor_id, "NEW-1", [("42.00", None, "toner")], date=day)

    answer = await http.get(f"{prefs}/first-sync/preview", headers=scenario.keyed, timeout=150)
    assert answer.status_code == 200, answer.text
    preview = answer.json()
    bills = next(t for t in preview["types"] if t["object_type"] == "bill")
    verdicts = {e["billcom_id"]: (e["verdict"], e.get("ledger_id")) for e in bills["examples"]}
    assert verdicts[shared] == ("link", keyed["HK-1"]) and verdicts[new][0] == "create"
    assert preview["first_sync_started"] is False

    async def held() -> list[dict[str, Any]] | None:
        rows = await scenario.sync_log(company, status="parked")
        return [r for r in rows if (r.get("decision") or {}).get("rule") == "first_sync_pending"] or None

    await wait_for(held, timeout=45, what="changes held until the first sync starts")
    await asyncio.sleep(2)
    assert await bills_of(scenario, company, {"NEW-1"}) == []  # nothing written before the start

    started = await http.post(f"{prefs}/first-sync", headers=scenario.keyed, json={})
    assert started.status_code == 202, started.text
    await scenario.wait_qbo(company, "Bill", lambda b: b.get("DocNumber") == "NEW-1", timeout=60)

    async def linked() -> list[dict[str, Any]] | None:
        rows = await scenario.sync_log(company, status="skipped")
        return [r for r in rows if (r.get("decision") or {}).get("rule") == "match_by_document"] or None

    links = await wait_for(linked, timeout=45, what="the hand-keyed bill linked")
    assert any(r["source_ref"] in (f"billcom:bill:{shared}", f"ledger:bill:{keyed['HK-1']}") for r in links)
    assert len(await bills_of(scenario, company, {"HK-1"})) == 1  # not created a second time

    # manual-only: a new vendor is detected and held; an invoice type switched off is skipped
    await scenario.set_preferences(company, sync_mode="manual", what_syncs={"invoice": "off"})
    held_vendor = await clerk.create_vendor("Held Until Sync Now Ltd")
    customer = await clerk.create_customer("Switched Off Invoices Inc")
    invoice = await clerk.create_invoice(customer, "INV-OFF-1", [("25.00", "consulting")])

    async def manual_and_off() -> bool | None:
        rows = await scenario.sync_log(company)
        rules = {(r["source_ref"], (r.get("decision") or {}).get("rule")) for r in rows}
        manual = (f"billcom:vendor:{held_vendor}", "manual") in rules
        off = (f"billcom:invoice:{invoice}", "what_syncs") in rules
        return (manual and off) or None

    await wait_for(manual_and_off, timeout=60, what="the vendor held (manual) and the invoice skipped (off)")
    vendors = await scenario.qbo_objects(company, "Vendor")
    assert not [v for v in vendors if v.get("DisplayName") == "Held Until Sync Now Ltd"]
    await scenario.sync_now(company)
    await scenario.wait_qbo(company, "Vendor", lambda v: v.get("DisplayName") == "Held Until Sync Now Ltd", timeout=60)
    assert not [i for i in await scenario.qbo_objects(company, "Invoice") if i.get("DocNumber") == "INV-OFF-1"]
    # LedgerBridge's requests, paced by the shared budget, never went over QBO's limits
    counters = await http.get(f"{scenario.urls.qbo}/_sandbox/realms/{company.realm_id}/counters")
    assert counters.json()["throttled_429"] == 0, counters.text
