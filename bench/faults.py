"""``make faults`` = ``python -m bench.faults``: a mixed AP/AR workload under one fault at a time,
then all together, each on a fresh system; after each run a reconciliation (bench.reconcile) and
one table of runs and violations.

Kafka and PostgreSQL restarts hit a *private* broker and cluster (bench.stack, same scripts under
a temporary LB_LOCAL_DIR) so nobody else's tests are disturbed; ``--shared-stack`` uses the
shared ones instead.

    python -m bench.faults                      # every run
    python -m bench.faults --only kill-engine,qbo-429
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.reconcile import reconcile
from bench.stack import PrivateStack, SharedStack
from bench.system import ADMIN_KEY, BenchSystem
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Company, Scenario

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Ctx:
    system: BenchSystem
    stack: PrivateStack | SharedStack
    http: httpx.AsyncClient
    company: Company
    clerk: BillClerk

    async def qbo_faults(self, **body: Any) -> None:
        url = f"{self.system.urls.qbo}/_sandbox/realms/{self.company.realm_id}/faults"
        (await self.http.post(url, json=body)).raise_for_status()

    async def bill_webhook_faults(self, kind: str, count: int) -> None:
        url = f"{self.system.urls.billcom}/_sandbox/webhook-faults"
        (await self.http.post(url, json={"kind": kind, "count": count})).raise_for_status()


Inject = Callable[[Ctx], Awaitable[None]]


def kill(name: str) -> Inject:
    async def inject(ctx: Ctx) -> None:
        await ctx.system.kill_one(name)
        await asyncio.sleep(2)
        await ctx.system.start([name])

    return inject


def restart(which: str) -> Inject:
    async def inject(ctx: Ctx) -> None:
        await ctx.stack.restart(which)

    return inject


def armed(**body: Any) -> Inject:
    async def inject(ctx: Ctx) -> None:
        await ctx.qbo_faults(**body)

    return inject


def webhooks(kind: str, count: int = 10) -> Inject:
    async def inject(ctx: Ctx) -> None:
        await ctx.bill_webhook_faults(kind, count)

    return inject


def together(*injects: Inject) -> Inject:
    async def inject(ctx: Ctx) -> None:
        for one in injects:
            await one(ctx)

    return inject


# name → (what is injected, before the workload (armed) or mid-workload, injection)
FAULTS: dict[str, tuple[str, bool, Inject]] = {
    "baseline": ("none", True, together()),
    "kill-ingest": ("SIGKILL webhook-ingest mid-workload, restart", False, kill("ingest")),
    "kill-engine": ("SIGKILL sync-engine mid-workload, restart", False, kill("engine")),
    "kill-posting": ("SIGKILL posting mid-workload, restart", False, kill("posting")),
    "kill-prefs": ("SIGKILL prefs-api mid-workload, restart", False, kill("prefs")),
    "restart-kafka": ("Kafka broker restarted mid-workload", False, restart("kafka")),
    "restart-postgres": ("PostgreSQL restarted mid-workload", False, restart("postgres")),
    "qbo-429": ("QBO: next 5 calls 429", True, armed(throttle_next=5)),
    "qbo-5xx": ("QBO: next 15 calls 503", True, armed(error_5xx_next=15)),
    "qbo-timeout": ("QBO: 5 writes commit then drop the connection", True,
                    armed(timeout_after_commit_next=5, timeout_mode="drop")),
    "qbo-stale": ("QBO: 5 updates get 5010 stale SyncToken", True, armed(stale_next_updates=5)),
    "bill-drop": ("BILL: 10 webhooks dropped", True, webhooks("drop")),
    "bill-duplicate": ("BILL: 10 webhooks sent twice", True, webhooks("duplicate")),
    "bill-reorder": ("BILL: 10 webhooks reordered", True, webhooks("reorder")),
    "together": ("all of: 429s, 5xx, timeouts, stale, dropped/dup webhooks, kill engine+posting, Kafka restart",
                 False, together(armed(throttle_next=3, error_5xx_next=10, timeout_after_commit_next=3,
                                       timeout_mode="drop", stale_next_updates=3),
                                 webhooks("drop", 5), webhooks("duplicate", 5), kill("engine"), kill("posting"),
                                 restart("kafka"))),
}  # fmt: skip


async def workload(ctx: Ctx, mid: Callable[[], Awaitable[None]]) -> None:
    """20 bills (10 paid online + a disbursement run), 4 vendor edits; 10 invoices (5 paid online
    + a deposit run). ``mid`` runs after the documents are entered, before payments and runs."""
    clerk, company = ctx.clerk, ctx.company
    day = await clerk.today()
    vendors = [await clerk.create_vendor(f"Fault Vendor {i}") for i in range(4)]
    customers = [await clerk.create_customer(f"Fault Customer {i}") for i in range(2)]
    bills = []
    for i in range(20):
        vendor = vendors[i % 4]
        bill_id = await clerk.create_bill(vendor, f"F-{i:03d}", [(f"{100 + i}.00", None, "Fault run")], date=day)
        bills.append((vendor, bill_id, f"{100 + i}.00"))
    invoices = []
    for i in range(10):
        customer = customers[i % 2]
        invoice_id = await clerk.create_invoice(customer, f"FI-{i:03d}", [(f"{200 + i}.00", "Fault run")])
        invoices.append((customer, invoice_id, f"{200 + i}.00"))
    await mid()
    for n, vendor in enumerate(vendors):
        await clerk.update_vendor(vendor, email=f"ap{n}@fault.example")
    # payments need the bills posted first in BILL's world only; LedgerBridge orders the rest
    await asyncio.sleep(3)
    for vendor, bill_id, amount in bills[:10]:
        await clerk.pay(vendor, bill_id, amount, company.bank_account_id)
    for customer, invoice_id, amount in invoices[:5]:
        await clerk.customer_pays_online(customer, invoice_id, amount)
    await clerk.disbursement_run()
    await clerk.deposit_run()


async def settle(ctx: Ctx, scenario: Scenario, *, rounds: int = 4) -> None:
    """Sync Now (sweeps find what webhooks missed: customers, received payments, runs), then wait
    until engine and posting are idle; again while something expected is still missing."""
    for _ in range(rounds):
        for attempt in range(20):
            try:
                await scenario.sync_now(ctx.company)
                break
            except Exception:
                await asyncio.sleep(3 + attempt)
        await asyncio.sleep(2)
        await ctx.system.quiesce(quiet_s=3, timeout=150)
        try:
            state = await reconcile(ctx.http, scenario, ctx.company, ctx.clerk, ctx.system.processes["posting"].url)
        except Exception:
            continue
        if state["in_ledger"] == state["changes"] and not state["clearing_nonzero"]:
            return


async def one_run(name: str, stack: PrivateStack | SharedStack) -> dict[str, Any]:
    what, before, inject = FAULTS[name]
    system = BenchSystem(stack=stack.address, log_level="INFO")
    began = time.monotonic()
    row: dict[str, Any] = {"run": name, "fault": what}
    try:
        await system.prepare()
        await system.start()
        async with httpx.AsyncClient(timeout=60) as http:
            scenario = Scenario(system.urls, ADMIN_KEY, http)
            company = await scenario.setup(f"Fault {name}")
            clerk = BillClerk(http, system.urls.billcom, company.bill_login)
            ctx = Ctx(system, stack, http, company, clerk)
            await system.quiesce(timeout=60)
            if before:
                await inject(ctx)

            async def mid() -> None:
                if not before:
                    await inject(ctx)

            await workload(ctx, mid)
            await settle(ctx, scenario)
            for proc in system.processes.values():  # a crashed service is a failed run, not a silent one
                if proc.proc is None or proc.proc.poll() is not None:
                    row["note"] = f"{proc.name} not running"
            row.update(await reconcile(http, scenario, company, clerk, system.processes["posting"].url))
    except Exception as exc:
        traceback.print_exc()
        row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        await system.close()
    row["seconds"] = round(time.monotonic() - began, 1)
    ok = (
        "error" not in row
        and row.get("in_ledger") == row.get("changes")
        and not any(row.get(k) for k in ("duplicates", "unbalanced", "clearing_nonzero", "unexplained_failures"))
    )
    row["result"] = "ok" if ok else ("error" if "error" in row else "VIOLATION")
    return row


COLUMNS = ("run", "fault", "changes", "in_ledger", "duplicates", "unbalanced", "clearing_nonzero",
           "unexplained_failures", "result")  # fmt: skip
HEADERS = ("run", "fault", "changes", "in ledger", "duplicates", "unbalanced", "clearing ≠ 0",
           "unexplained failures", "result")  # fmt: skip


def table(rows: list[dict[str, Any]]) -> str:
    cells = [HEADERS] + [tuple(str(r.get(c, "—")) for c in COLUMNS) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    out = []
    for n, c in enumerate(cells):
        out.append(" | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))
        if n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)


async def main(args: argparse.Namespace) -> int:
    names = args.only.split(",") if args.only else list(FAULTS)
    stack: PrivateStack | SharedStack = SharedStack() if args.shared_stack else PrivateStack()
    started = dt.datetime.now(dt.UTC)
    rows = []
    try:
        print("starting the stack for the fault runs ...", flush=True)
        await stack.start()
        for name in names:
            print(f"→ {name}: {FAULTS[name][0]}", flush=True)
            row = await one_run(name, stack)
            print(f"  {json.dumps(row)}", flush=True)
            rows.append(row)
    finally:
        await stack.remove()
    print()
    print(table(rows))
    for r in rows:
        if r.get("missing") or r.get("error") or r.get("clearing_detail"):
            print(f"  {r['run']}: missing={r.get('missing')} clearing={r.get('clearing_detail')} "
                  f"error={r.get('error')} note={r.get('note')}")  # fmt: skip
    report = {"date": started.isoformat(timespec="seconds"), "runs": rows}
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    paths = [RESULTS / f"faults-{stamp}.json"]
    if not args.only:  # a partial run never replaces the full table
        paths.append(RESULTS / "faults-latest.json")
    for path in paths:
        path.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(r["result"] == "ok" for r in rows) else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--only", help=f"comma-separated runs out of: {', '.join(FAULTS)}")
    parser.add_argument("--shared-stack", action="store_true", help="restart the shared Kafka/PostgreSQL instead")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
