"""The fault runs' workload and settling: companies set up through prefs-api, a mixed AP/AR
workload per company (size ``scale``), signed BILL webhook load for the load generator, then
Sync Now and wait until idle, and the reconciliation summed over the companies."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.fault_ledgers import LEDGERS, LedgerCase, read_books
from bench.loadgen import Request
from bench.reconcile import reconcile
from bench.system import ADMIN_KEY, BenchSystem
from ledgerbridge_common.connectors.billcom.webhooks import sign_billcom_payload
from ledgerbridge_ops.bill_clerk import BillClerk, BillClerkError
from ledgerbridge_ops.scenario import QBO_CLIENT_ID, QBO_CLIENT_SECRET, Company, Scenario

SUMMED = ("changes", "in_ledger", "duplicates", "unbalanced", "clearing_nonzero", "unexplained_failures",
          "failed_in_log")  # fmt: skip


@dataclass
class Tenant:
    company: Company
    clerk: BillClerk
    webhook_key: str
    ledger: LedgerCase = LEDGERS["qbo"]
    vendors: list[str] = field(default_factory=list)
    bills: list[tuple[str, str, str]] = field(default_factory=list)
    """(vendor id, bill id, amount) entered by the workload."""
    invoices: list[tuple[str, str, str]] = field(default_factory=list)
    """(customer id, invoice id, amount)."""


def changes_per_company(scale: int) -> int:
    """BILL objects one company's workload creates (money movements of the two runs not counted)."""
    return 4 + 2 + 20 * scale + 10 * scale + 10 * scale + 5 * scale


async def setup_tenants(
    system: BenchSystem, http: httpx.AsyncClient, name: str, count: int, ledger: LedgerCase = LEDGERS["qbo"]
) -> list[Tenant]:
    """``count`` companies on ``ledger``, connected through prefs-api as the e2e cycles and the demo
    connect them; each BILL subscription's security key is rotated (BILL's documented
    ``POST /v3/subscriptions/{id}/security-key``) and stored in prefs-api, so the load generator
    signs with the key BILL signs with."""
    scenario = Scenario(system.urls, ADMIN_KEY, http)
    out = []
    for i in range(count):
        company = await scenario.setup(f"Fault {name} {i + 1}", ledger=ledger.sandbox(system.urls))
        clerk = BillClerk(http, system.urls.billcom, company.bill_login)
        await clerk.login()
        resp = await http.post(
            f"{clerk.root}/connect-events/v3/subscriptions/{company.subscription_id}/security-key",
            headers=clerk.headers,
        )
        resp.raise_for_status()
        key = str(resp.json()["securityKey"])
        login = company.bill_login
        body = {"billcom": {"username": login["username"], "password": login["password"],
                            "organization_id": company.org_id, "dev_key": login["devKey"],
                            "webhook_security_key": key}}  # fmt: skip
        (await http.patch(f"{system.urls.prefs}/v1/connections/{company.connection_id}", headers=scenario.keyed,
                          json=body)).raise_for_status()  # fmt: skip
        out.append(Tenant(company, clerk, key, ledger))
    if ledger.name == "qbo":
        await _one_qbo_verifier(system, http, scenario, out)
    return out


async def _one_qbo_verifier(
    system: BenchSystem, http: httpx.AsyncClient, scenario: Scenario, tenants: list[Tenant]
) -> None:
    """QBO signs every realm's webhooks with its app's one verifier token; ``Scenario.setup`` gives
    each company its own and points the sandbox app at the last one, so every connection gets the
    same token here (otherwise the earlier companies' QBO webhooks are refused as unknown)."""
    verifier = "vt-" + secrets.token_hex(16)
    body = {"url": f"{system.urls.ingest}/webhooks/qbo", "verifier_token": verifier, "format": "cloudevents",
            "enabled": True, "auto_deliver": True}  # fmt: skip
    (await http.put(f"{system.urls.qbo}/_sandbox/apps/{QBO_CLIENT_ID}/webhooks", json=body)).raise_for_status()
    qbo = {"client_id": QBO_CLIENT_ID, "client_secret": QBO_CLIENT_SECRET, "webhook_verifier_token": verifier}
    for t in tenants:
        url = f"{system.urls.prefs}/v1/connections/{t.company.connection_id}"
        (await http.patch(url, headers=scenario.keyed, json={"qbo": qbo})).raise_for_status()


async def _retrying(job: Callable[[], Awaitable[Any]]) -> Any:
    """A clerk's call BILL refuses for its per-devKey limit of concurrent requests (``BDC_1322``,
    shared with the engine's reads) is made again, at most 20 times; refused calls create nothing."""
    for attempt in range(20):
        try:
            return await job()
        except BillClerkError as exc:
            if "BDC_1322" not in str(exc) or attempt == 19:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))


async def _gather_bounded(jobs: Sequence[Callable[[], Awaitable[Any]]], concurrency: int) -> list[Any]:
    """Run ``jobs`` (each ``_retrying``) at most ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await _retrying(job)

    return list(await asyncio.gather(*(one(j) for j in jobs)))


async def enter_documents(tenant: Tenant, scale: int, *, concurrency: int = 2) -> None:
    """4 vendors, 2 customers, 20×scale bills, 10×scale invoices for one company."""
    clerk = tenant.clerk
    day = await clerk.today()
    vendor_jobs = [functools.partial(clerk.create_vendor, f"Fault Vendor {i}") for i in range(4)]
    vendors = tenant.vendors = await _gather_bounded(vendor_jobs, 1)
    customers = await _gather_bounded(
        [functools.partial(clerk.create_customer, f"Fault Customer {i}") for i in range(2)], 1
    )

    def bill(i: int) -> Callable[[], Awaitable[tuple[str, str, str]]]:
        async def job() -> tuple[str, str, str]:
            amount = f"{100 + i}.00"
            vendor = vendors[i % 4]
            bill_id = await clerk.create_bill(vendor, f"F-{i:04d}", [(amount, None, "Fault run")], date=day)
            return vendor, bill_id, amount

        return job

    def invoice(i: int) -> Callable[[], Awaitable[tuple[str, str, str]]]:
        async def job() -> tuple[str, str, str]:
            amount = f"{200 + i}.00"
            customer = customers[i % 2]
            return customer, await clerk.create_invoice(customer, f"FI-{i:04d}", [(amount, "Fault run")]), amount

        return job

    tenant.bills = await _gather_bounded([bill(i) for i in range(20 * scale)], concurrency)
    tenant.invoices = await _gather_bounded([invoice(i) for i in range(10 * scale)], concurrency)


async def pay_and_run(tenant: Tenant, scale: int, *, concurrency: int = 2) -> None:
    """4 vendor edits, 10×scale bills paid online, 5×scale invoices paid online, then a
    disbursement and a deposit run."""
    clerk, company = tenant.clerk, tenant.company
    edits = [
        functools.partial(clerk.update_vendor, v, email=f"ap{n}@fault.example") for n, v in enumerate(tenant.vendors)
    ]
    await _gather_bounded(edits, 1)
    jobs: list[Callable[[], Awaitable[Any]]] = [
        functools.partial(clerk.pay, v, b, a, company.bank_account_id) for v, b, a in tenant.bills[: 10 * scale]
    ]
    jobs += [functools.partial(clerk.customer_pays_online, c, i, a) for c, i, a in tenant.invoices[: 5 * scale]]
    await _gather_bounded(jobs, concurrency)
    await clerk.disbursement_run()
    await clerk.deposit_run()


async def workload(tenants: list[Tenant], scale: int, mid: Callable[[], Awaitable[None]]) -> None:
    """Every company's documents entered in parallel; ``mid`` (the fault) runs once they are all
    entered, while engine and posting work through the backlog; then payments and runs."""
    await asyncio.gather(*(enter_documents(t, scale) for t in tenants))
    await mid()
    await asyncio.sleep(3)  # payments need the bills in BILL only; LedgerBridge orders the rest
    await asyncio.gather(*(pay_and_run(t, scale) for t in tenants))


def redeliveries(tenants: list[Tenant], count: int) -> list[Request]:
    """``count`` signed BILL ``bill.updated`` deliveries, each a fresh event id for one of the
    workload's real bills (what BILL sends when a bill changes again), round-robin over companies."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    out: list[Request] = []
    for i in range(count):
        tenant = tenants[i % len(tenants)]
        vendor, bill_id, amount = tenant.bills[(i // len(tenants)) % len(tenant.bills)]
        body = json.dumps(
            {"metadata": {"eventId": str(uuid.uuid4()), "subscriptionId": tenant.company.subscription_id,
                          "organizationId": tenant.company.org_id, "eventType": "bill.updated", "version": "1"},
             "bill": {"id": bill_id, "updatedTime": now, "vendorId": vendor, "amount": float(amount)}},
            separators=(",", ":"),
        ).encode()  # fmt: skip
        headers = {"content-type": "application/json",
                   "x-bill-sha-signature": sign_billcom_payload(body, tenant.webhook_key)}  # fmt: skip
        out.append((f"/webhooks/billcom/{tenant.company.connection_id}", headers, body))
    return out


async def sandbox_webhook_answers(http: httpx.AsyncClient, system: BenchSystem) -> dict[str, int]:
    """The BILL sandbox's deliveries to webhook-ingest by answer: 5xx, no answer, other; and how
    many took over 3 s (QBO's limit for an answer) or got none."""
    resp = await http.get(f"{system.urls.billcom}/_sandbox/webhooks/log")
    resp.raise_for_status()
    counts = {"5xx": 0, "no_answer": 0, "answered": 0, "over_3s": 0}
    for entry in resp.json():
        counts["over_3s"] += entry.get("statusCode") is None or float(entry.get("seconds") or 0) > 3
        status = entry.get("statusCode")
        key = "no_answer" if status is None else ("5xx" if int(status) >= 500 else "answered")
        counts[key] += 1
    return counts


async def reconcile_all(
    system: BenchSystem, http: httpx.AsyncClient, tenants: list[Tenant], *, full: bool = True
) -> dict[str, Any]:
    """The reconciliation summed over the companies; without ``full`` the ledgers' balances that
    take a read of every transaction (Intacct, NetSuite) are left out (what settling polls)."""
    scenario = Scenario(system.urls, ADMIN_KEY, http)
    posting = system.processes["posting"].url
    total: dict[str, Any] = dict.fromkeys(SUMMED, 0) | {"missing": [], "clearing_detail": [], "balances_read": ""}
    for t in tenants:
        books = await read_books(t.ledger, system, scenario, t.company, full=full)
        one = await reconcile(scenario, t.company, t.clerk, books, posting, t.ledger.tag_key)
        for k in SUMMED:
            total[k] += one[k]
        total["missing"] += one["missing"]
        total["clearing_detail"] += one["clearing_detail"]
        read = "not read" if books.balances is None else f"{len(books.balances)} accounts"
        total["balances_read"] += f"{t.company.connection_id}: ledger {read}, posting {one['posting_balances_read']}; "
    total["missing"] = total["missing"][:20]
    return total


async def settle(
    system: BenchSystem,
    http: httpx.AsyncClient,
    tenants: list[Tenant],
    *,
    rounds: int = 4,
    phase: list[str] | None = None,
    notes: list[str] | None = None,
) -> int:
    """Sync Now for every company (sweeps find what webhooks missed; Intacct and NetSuite have no
    webhooks, the sweeps are how their changes arrive), then wait until the sweeper has done the
    sweeps asked for and engine and posting are idle; again while something expected is still
    missing. Each wait is bounded: at most ``rounds`` × (Sync Now retries + 300 s). ``phase[0]``
    names the step under way (what a run stopped by its timeout reports); ``notes`` get the Sync
    Now requests refused after every retry. Returns the rounds made."""
    phase = phase if phase is not None else [""]
    scenario = Scenario(system.urls, ADMIN_KEY, http)
    for n in range(1, rounds + 1):
        for t in tenants:
            phase[0] = f"settle round {n}: Sync Now of {t.company.connection_id}"
            for attempt in range(20):
                try:
                    await scenario.sync_now(t.company)
                    break
                except Exception as exc:
                    if attempt == 19 and notes is not None:
                        notes.append(f"Sync Now of {t.company.connection_id} refused 20 times: {str(exc)[:120]}")
                    await asyncio.sleep(3 + attempt)
        await asyncio.sleep(2)
        phase[0] = f"settle round {n}: waiting for the sweeper, engine and posting to be idle"
        await system.quiesce(quiet_s=3, timeout=300, sweeps=True)
        phase[0] = f"settle round {n}: reading BILL and the ledgers"
        try:
            state = await reconcile_all(system, http, tenants, full=False)
        except Exception:
            continue
        if state["in_ledger"] == state["changes"] and not state["clearing_nonzero"]:
            return n
    return rounds
