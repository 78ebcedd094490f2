"""``make demo``: one AP scenario against the locally running system, then where to look.

A bookkeeper connects a new BILL organization to a new QuickBooks Online company through
prefs-api; an AP clerk enters a vendor and a bill in BILL, the approver approves it, and BILL
pays it. The script prints each step as it lands in QuickBooks and in the sync log."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx

from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Company, Scenario, Urls

DEMO_ADMIN_KEY = "lb_demo_admin_key_0123456789abcdef"  # the default of deploy/local/services.sh


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201


async def run_demo(urls: Urls, api_key: str) -> Company:
    started = time.monotonic()

    def step(text: str) -> None:
        say(f"  [{time.monotonic() - started:5.1f}s] {text}")

    async with httpx.AsyncClient(timeout=30) as http:
        scenario = Scenario(urls, api_key, http)
        say("1. A bookkeeper connects BILL to QuickBooks Online and sets the sync preferences")
        company = await scenario.setup("Demo Coffee Roasters", first_sync="after_preview")
        readiness = await scenario.readiness(company)
        step(f"connection {company.connection_id}: BILL org {company.org_id} ↔ QBO realm {company.realm_id}")
        step(f"ready to sync: {readiness['ready']} {readiness.get('missing') or ''}")
        preview = await scenario.first_sync_preview(company)
        step(f"first-sync preview from {preview['start_date']} (nothing written until it starts):")
        for t in preview["types"]:
            step(f"  {t['object_type']:<16} {t['direction']:<18} create {t['create']}, link {t['link']}, "
                 f"skip {t['skip']}, you choose {t['conflict']}")  # fmt: skip
        await scenario.start_first_sync(company)
        step("first sync started by the bookkeeper")

        clerk = BillClerk(http, urls.billcom, company.bill_login)
        await clerk.set_approval_policy(0)
        say("2. An AP clerk enters a vendor and a bill in BILL; the approver approves it")
        vendor_id = await clerk.create_vendor("Highland Bean Co.", email="billing@highland.example")
        bill_id = await clerk.create_bill(
            vendor_id, "HB-2026-118",
            [("840.00", company.bill_chart.get("Office Supplies"), "Green coffee, 60 kg"),
             ("65.25", None, "Freight")],
        )  # fmt: skip
        step(f"BILL vendor {vendor_id}, bill {bill_id} (905.25 USD) waiting for approval")
        await clerk.approve(bill_id)
        step("bill approved in BILL")
        qbo_bill = await scenario.wait_qbo(company, "Bill", lambda b: b.get("DocNumber") == "HB-2026-118", timeout=60)
        step(f"QuickBooks Online bill {qbo_bill['Id']} posted: {qbo_bill['TotalAmt']} USD, "
             f"vendor {qbo_bill['VendorRef'].get('name', qbo_bill['VendorRef']['value'])}")  # fmt: skip

        say("3. BILL pays the bill; the bank is debited in the next disbursement run")
        await clerk.pay(vendor_id, bill_id, "905.25", company.bank_account_id)
        payment = await scenario.wait_qbo(company, "BillPayment", lambda p: True, timeout=60)
        step(f"QuickBooks bill payment {payment['Id']} from BILL Money Out Clearing: {payment['TotalAmt']} USD")
        runs = await clerk.disbursement_run()
        step(f"disbursement run {runs[0]['id'] if runs else '(none)'} debited the bank once")
        await scenario.sync_now(company)
        transfer = await scenario.wait_qbo(company, "Transfer", lambda t: True, timeout=60)
        step(f"QuickBooks transfer {transfer['Id']}: Checking → BILL Money Out Clearing, {transfer['Amount']} USD")
        ledger = await scenario.qbo_ledger(company)
        step(f"BILL Money Out Clearing balance in QuickBooks: {ledger['by_name']['BILL Money Out Clearing']} "
             f"(ledger balanced: {ledger['balanced']})")  # fmt: skip

        log = await scenario.sync_log(company)
        accounts = [e for e in log if e["object_type"] == "account"]
        say(f"4. The sync log (prefs-api), newest first ({len(accounts)} chart-of-accounts entries not shown):")
        for entry in [e for e in log if e["object_type"] != "account"][:12]:
            say(f"     {entry['status']:<8} {entry['object_type']:<15} {entry['source_ref']:<45} "
                f"{entry.get('reason') or ''}")  # fmt: skip
    return company


def where_to_look(urls: Urls, company: Company, api_key: str) -> None:
    say("\nWhere to look")
    say(f"  status page      {urls.prefs}/status  (log in with the API key below)")
    say(f"  first sync       {urls.prefs}/status/connections/{company.connection_id}/first-sync")
    say(f"  API + OpenAPI    {urls.prefs}/docs    API key: {api_key}")
    say(f"  sync log         curl -s -H 'X-API-Key: {api_key}' "
        f"'{urls.prefs}/v1/sync-log?connection_id={company.connection_id}'")  # fmt: skip
    say(f"  sync report      curl -s -H 'X-API-Key: {api_key}' '{urls.prefs}/v1/sync-report'")
    say(f"  QuickBooks data  {urls.qbo}/_sandbox/realms/{company.realm_id}/objects/Bill")
    say("  consumer lag     uv run ledgerbridge lag")
    say("  metrics          http://127.0.0.1:18000/metrics  :18010  :18020  :18030")
    say("  logs             .local/logs/<service>.log   (grep a correlation_id to follow one change)")
    say("  stop everything  make down")


def main() -> None:
    urls = Urls.local()
    api_key = os.environ.get("LB_PREFS_BOOTSTRAP_ADMIN_KEY", DEMO_ADMIN_KEY)
    try:
        company = asyncio.run(run_demo(urls, api_key))
    except Exception as exc:  # noqa: BLE001 - a demo reports what failed and where the logs are
        say(f"\nDemo failed: {exc}\nLogs: .local/logs/")
        sys.exit(1)
    where_to_look(urls, company, api_key)


if __name__ == "__main__":
    main()
