"""``make demo [LEDGER=qbo|intacct|netsuite]``: one AP scenario against the locally running system,
then where to look.

A bookkeeper connects a new BILL organization to a new company of the chosen ledger (QuickBooks
Online by default, Sage Intacct or Oracle NetSuite) through prefs-api; once the first sync of the
ledger's chart of accounts and lists is done, an AP clerk enters a vendor and a bill in BILL, the
approver approves it, and BILL pays it. The script prints each step as it lands in the ledger
(read through the same ledger connector the services use), the reconciliation report of BILL
against the ledger once the run has settled, and the sync log."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.settings import ConnectedServiceSettings, KafkaSettings
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.ledger_reader import connected_reader
from ledgerbridge_ops.ledgers import LEDGER_NAMES, LedgerSandbox, ledger_sandbox
from ledgerbridge_ops.scenario import Company, Scenario, Urls
from ledgerbridge_ops.settle import SERVICE_GROUPS, wait_until_settled

DEMO_ADMIN_KEY = "lb_demo_admin_key_0123456789abcdef"  # the default of deploy/local/services.sh
T = ObjectType


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201


def _settings() -> ConnectedServiceSettings:
    """The services' settings as deploy/local/services.sh gives them (its internal token file)."""
    token = os.environ.get("LB_INTERNAL_TOKEN")
    if not token:
        token = (Path(os.environ.get("LB_LOCAL_DIR", ".local")) / "internal.token").read_text().strip()
    return ConnectedServiceSettings(internal_token=token)


async def run_demo(urls: Urls, api_key: str, sandbox: LedgerSandbox) -> Company:
    started = time.monotonic()
    label = sandbox.label

    def step(text: str) -> None:
        say(f"  [{time.monotonic() - started:5.1f}s] {text}")

    kafka = KafkaSettings()
    async with httpx.AsyncClient(timeout=30) as http:
        scenario = Scenario(urls, api_key, http)
        say(f"1. A bookkeeper connects BILL to {label} and sets the sync preferences")
        company = await scenario.setup("Demo Coffee Roasters", ledger=sandbox, first_sync="after_preview")
        readiness = await scenario.readiness(company)
        step(f"connection {company.connection_id}: BILL org {company.org_id} ↔ {label} company {company.realm_id}")
        step(f"ready to sync: {readiness['ready']} {readiness.get('missing') or ''}")
        preview = await scenario.first_sync_preview(company)
        step(f"first-sync preview from {preview['start_date']} (nothing written until it starts):")
        for t in preview["types"]:
            step(f"  {t['object_type']:<16} {t['direction']:<18} create {t['create']}, link {t['link']}, "
                 f"skip {t['skip']}, you choose {t['conflict']}")  # fmt: skip
        await scenario.start_first_sync(company)
        step("first sync started by the bookkeeper")
        waited = await wait_until_settled(
            scenario,
            company,
            bootstrap_servers=kafka.bootstrap_servers,
            groups=[kafka.group(g) for g in SERVICE_GROUPS],
            topics=kafka.topics.all(),
        )
        step(f"first sync handled (chart of accounts and lists; waited {waited:.1f}s)")
        try:
            await _ap_scenario(scenario, company, sandbox, step)
            await _print_reconciliation(scenario, company, step)
        finally:
            await _print_sync_log(scenario, company)
    return company


Step = Callable[[str], None]


async def _ap_scenario(scenario: Scenario, company: Company, sandbox: LedgerSandbox, step: Step) -> None:
    label, http, urls = sandbox.label, scenario.http, scenario.urls
    reader = connected_reader(company.connection_id, _settings(), sandbox.transfer_types, company.account_aliases)
    async with reader as ledger:
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
        approved = time.monotonic()
        step("bill approved in BILL")
        bill = await ledger.wait(T.BILL, f"the bill in {label}", lambda b: b.number == "HB-2026-118", timeout=60)
        total = sum((line.amount for line in bill.lines), Decimal(0))
        step(f"{label} bill {bill.id} posted: {total} USD, {time.monotonic() - approved:.1f}s after approval "
             f"(the ledger is read every {ledger.interval:.0f}s)")  # fmt: skip

        say("3. BILL pays the bill; the bank is debited in the next disbursement run")
        await clerk.pay(vendor_id, bill_id, "905.25", company.bank_account_id)
        payment = await ledger.wait(T.BILL_PAYMENT, "the bill payment", lambda p: True, timeout=60)
        step(f"{label} bill payment {payment.id} from BILL Money Out Clearing: {payment.amount} USD")
        runs = await clerk.disbursement_run()
        step(f"disbursement run {runs[0]['id'] if runs else '(none)'} debited the bank once")
        await scenario.sync_now(company)
        clearing, bank = company.roles["money_out_clearing"], company.roles["bank"]
        moved = await ledger.wait_movement(clearing, bank, "905.25", "the run's funds transfer", timeout=60)
        step(f"{label} {moved.source.replace('_', ' ')} {moved.source_id}: bank → BILL Money Out Clearing, "
             f"{moved.amount} USD")  # fmt: skip
        books = await ledger.balances(ap=company.roles["ap"], ar=company.roles["ar"])
        step(f"BILL Money Out Clearing balance in {label}: {books.get(clearing, Decimal(0))}")


async def _print_reconciliation(scenario: Scenario, company: Company, step: Step) -> None:
    """What a bookkeeper checks before trusting the books: open payables and receivables, the
    clearing accounts and documents on one side only, BILL against the ledger."""
    say("4. The reconciliation report: BILL against the ledger")
    url = f"{scenario.urls.prefs}/v1/connections/{company.connection_id}/reconciliation"
    resp = await scenario.http.get(url, headers=scenario.keyed, timeout=120)
    resp.raise_for_status()
    report = resp.json()
    if not report["lines"]:
        step("in balance: open payables per vendor, open receivables per customer and both clearing accounts agree")
    for x in report["lines"]:
        sides = f"{x['billcom_ref'] or '—'} ↔ {x['ledger_ref'] or '—'}"
        step(f"  {x['kind']:<16} {x['key']:<40} BILL {x['billcom_amount']}, ledger {x['ledger_amount']}, "
             f"difference {x['difference']}  {sides}")  # fmt: skip
    for c in report.get("clearing", []):
        step(f"  {c['name']} balance {c['balance']}: {c['source']}")


async def _print_sync_log(scenario: Scenario, company: Company) -> None:
    """The newest entries, a second post of one source marked as the update it is."""
    log = await scenario.sync_log(company)
    lists = [e for e in log if e["object_type"] in ("account", "item", "class", "department", "location")]
    say(f"5. The sync log (prefs-api), newest first ({len(lists)} chart-of-accounts and list entries not shown):")
    shown = [e for e in log if e not in lists][:12]
    for i, entry in enumerate(shown):
        earlier = any(e["source_ref"] == entry["source_ref"] and e["status"] == "posted" for e in shown[i + 1 :])
        changed = ", ".join((entry.get("decision") or {}).get("changed_fields") or [])
        note = entry.get("reason") or (f"update of the same record ({changed} changed in BILL)" if earlier else "")
        say(f"     {entry['status']:<8} {entry['object_type']:<15} {entry['source_ref']:<45} {note}")


def ledger_data_url(urls: Urls, company: Company) -> str:
    return {
        "quickbooks_online": f"{urls.qbo}/_sandbox/realms/{company.realm_id}/objects/Bill",
        "sage_intacct": f"{urls.intacct}/_sandbox/companies/{company.realm_id}/objects/APBILL",
        "oracle_netsuite": f"{urls.netsuite}/_sandbox/accounts/{company.realm_id}/records/vendorBill",
    }[company.ledger_kind]


def where_to_look(urls: Urls, company: Company, api_key: str) -> None:
    say("\nWhere to look")
    say(f"  status page      {urls.prefs}/status  (log in with the API key below)")
    say(f"  first sync       {urls.prefs}/status/connections/{company.connection_id}/first-sync")
    say(f"  reconciliation   {urls.prefs}/status/reconciliation/{company.connection_id}")
    say(f"  preferences      {urls.prefs}/status/connections/{company.connection_id}/preferences")
    say(f"  API + OpenAPI    {urls.prefs}/docs    API key: {api_key}")
    say(f"  sync log         curl -s -H 'X-API-Key: {api_key}' "
        f"'{urls.prefs}/v1/sync-log?connection_id={company.connection_id}'")  # fmt: skip
    say(f"  sync report      curl -s -H 'X-API-Key: {api_key}' '{urls.prefs}/v1/sync-report'")
    say(f"  ledger data      {ledger_data_url(urls, company)}  ({company.ledger_label})")
    say("  other ledgers    make demo LEDGER=qbo|intacct|netsuite")
    say("  consumer lag     uv run ledgerbridge lag")
    say("  metrics          http://127.0.0.1:18000/metrics  :18010  :18020  :18030")
    say("  logs             .local/logs/<service>.log   (grep a correlation_id to follow one change)")
    say("  stop             bash deploy/local/services.sh stop   (then `make down` for Kafka and PostgreSQL)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ledgerbridge_ops.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", choices=LEDGER_NAMES, default=os.environ.get("LEDGER") or "qbo")
    args = parser.parse_args(argv)
    urls = Urls.local()
    api_key = os.environ.get("LB_PREFS_BOOTSTRAP_ADMIN_KEY", DEMO_ADMIN_KEY)
    sandbox = ledger_sandbox(args.ledger, urls)
    say(f"LedgerBridge demo: BILL ↔ {sandbox.label}  (make demo LEDGER={args.ledger})\n")
    try:
        company = asyncio.run(run_demo(urls, api_key, sandbox))
    except Exception as exc:  # noqa: BLE001 - a demo reports what failed and where the logs are
        say(f"\nDemo failed: {exc}\nLogs: .local/logs/")
        sys.exit(1)
    where_to_look(urls, company, api_key)


if __name__ == "__main__":
    main()
