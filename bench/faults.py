"""``make faults`` = ``python -m bench.faults``: a mixed AP/AR workload over several companies
under one fault at a time, then all together, each on a fresh system (database, topics, consumer
groups, sandboxes, services); after each run a reconciliation (bench.reconcile, summed over the
companies) and one table of runs and violations. ``--parallel`` runs at a time.

Kafka and PostgreSQL restarts and the PostgreSQL hang hit a *private* broker and cluster
(bench.stack) so nobody else's tests are disturbed: each such run starts a pair of its own; the
other runs share one private pair (a temporary one, or with ``--stack-env`` the pair already
started with ``deploy/local/stack.sh up`` under LB_LOCAL_DIR / LB_PG_PORT / LB_KAFKA_PORT /
LB_KAFKA_CONTROLLER_PORT). ``--shared-stack`` restarts the shared ones instead, one run at a time
(and refuses the hang).

    python -m bench.faults                      # every run
    python -m bench.faults --only pg-hang,rebalance,sigterm-each
    python -m bench.faults --scale 1 --companies 1   # the small workload (53 changes a run)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.fault_kinds import DISTURBS_STACK, EXPECTED_S, FAULTS, Ctx
from bench.fault_ledgers import LEDGERS, LedgerCase
from bench.fault_measure import LongestFirstGate, MachineSampler, Phases, cpu_split, longest_first
from bench.fault_workload import (
    Tenant,
    changes_per_company,
    reconcile_all,
    sandbox_webhook_answers,
    settle,
    setup_tenants,
)
from bench.fault_workload import workload as run_workload
from bench.stack import PrivateStack, SharedStack
from bench.system import SERVICES, BenchSystem
from tests.support.servers import free_port

RESULTS = Path(__file__).resolve().parent / "results"
MIGRATING = asyncio.Lock()
"""Alembic's command API keeps its context in module globals: one run's database migrated at a time."""
VIOLATIONS = ("duplicates", "unbalanced", "clearing_nonzero", "unexplained_failures", "webhook_5xx")


async def _start(system: BenchSystem, name: str) -> None:
    """Start one process; a service whose free port was taken meanwhile (runs in parallel pick
    ports at the same time) gets another. A sandbox's port is in the services' settings: not moved."""
    for attempt in range(3):
        try:
            return await system.start([name])
        except RuntimeError as exc:
            if (
                attempt == 2
                or name not in SERVICES
                or "address already in use" not in str(exc) + system.processes[name].tail()
            ):
                raise
            system.processes[name].port = free_port()


async def one_run(name: str, stack: PrivateStack | SharedStack, args: argparse.Namespace) -> dict[str, Any]:
    """One run, bounded by ``--run-timeout``: a run still going then is an ``error`` row naming the
    phase it was in (set-up, workload, settle, reconcile), and its processes are stopped."""
    fault = FAULTS[name]
    ledger = LEDGERS[fault.ledger]
    system = BenchSystem(stack=stack.address, log_level="INFO")
    began = time.monotonic()
    row: dict[str, Any] = {"run": name, "fault": fault.what, "ledger": fault.ledger}
    ctx: Ctx | None = None
    phase = ["set-up"]
    phases = Phases()

    async def body() -> None:
        nonlocal ctx
        with phases.timed("set-up: database"):
            async with MIGRATING:
                await system.prepare()
        with phases.timed("set-up: processes"):
            for group in ((ledger.process, "billcom", "prefs"), ("ingest", "engine", "posting")):  # needs prefs
                await asyncio.gather(*(_start(system, n) for n in group))
        async with httpx.AsyncClient(timeout=60) as http:
            with phases.timed("set-up: companies"):
                tenants = await setup_tenants(system, http, name, args.companies, ledger)
                ctx = Ctx(system, stack, http, tenants)
            with phases.timed("set-up: first idle"):
                await system.quiesce(timeout=60)
            with phases.timed("set-up: companies"):
                if fault.before:
                    await fault.inject(ctx)

            async def mid() -> None:
                row["backlog_at_fault"] = await system.lag()
                if not fault.before:
                    with phases.timed("fault"):
                        await fault.inject(ctx)

            phase[0] = "workload"
            with phases.timed("workload"):
                await run_workload(tenants, args.scale, mid)
            phase[0] = "settle"
            with phases.timed("settle"):
                row["settle_rounds"] = await settle(system, http, tenants, phase=phase, notes=ctx.notes)
            for proc in system.processes.values():  # a crashed service is a failed run, not a silent one
                if proc.proc is not None and proc.proc.poll() is not None:
                    ctx.notes.append(f"{proc.name} not running")
            phase[0] = "reconcile"
            with phases.timed("reconcile"):
                row.update(await reconcile_all(system, http, tenants))
                sandbox = await sandbox_webhook_answers(http, system)
                load = ctx.load.summary() if ctx.load else None
                row["webhook_5xx"] = sandbox["5xx"] + sum(
                    n for status, n in (ctx.load.statuses if ctx.load else {}).items() if status >= 500
                )
                slow = sum(ms > 3000 for ms in ctx.load.latencies_ms) if ctx.load else 0
                row["webhooks"] = {"billcom_sandbox": sandbox, "load_generator": load}
                row["answers_over_3s"] = slow + sandbox["over_3s"]  # information: QBO's limit, not a violation
                row["ledger_counters"] = await ledger_counters(http, system, ledger, tenants)

    try:
        await asyncio.wait_for(body(), args.run_timeout)
    except TimeoutError:
        row["error"] = f"timed out after {args.run_timeout:.0f} s in {phase[0]}"
    except Exception as exc:
        traceback.print_exc()
        row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        if ctx is not None:
            for extra in ctx.extras:
                await asyncio.to_thread(extra.stop)
                system.processes[extra.name] = extra  # its CPU seconds in the row
            if ctx.notes:
                row["note"] = "; ".join(ctx.notes)
        with phases.timed("tear-down"):
            await system.close()
    row["seconds"] = round(time.monotonic() - began, 1)
    row["phases_s"] = phases.seconds
    cpu = {n: p.cpu_s for n, p in system.processes.items() if p.proc is not None}
    row["cpu_s"] = cpu | {"total": round(sum(cpu.values()), 1)}
    row["lag_checks"] = {"count": system.lag_checks, "seconds": round(system.lag_check_s, 1)}
    row["load_average"] = [round(v, 1) for v in os.getloadavg()]
    ok = "error" not in row and row.get("in_ledger") == row.get("changes") and not any(row.get(k) for k in VIOLATIONS)
    row["result"] = "ok" if ok else ("error" if "error" in row else "VIOLATION")
    return row


async def ledger_counters(
    http: httpx.AsyncClient, system: BenchSystem, ledger: LedgerCase, tenants: list[Tenant]
) -> dict[str, int] | None:
    """Intacct's and NetSuite's per-company counters (requests, 429s answered, injected), summed."""
    if ledger.name == "qbo":
        return None
    total: Counter[str] = Counter()
    for t in tenants:
        url = ledger.faults_url(system.urls, t.company).removesuffix("/faults") + "/counters"
        resp = await http.get(url)
        if resp.status_code == 200:
            total.update({k: int(v) for k, v in resp.json().items() if isinstance(v, int)})
    return dict(total)


COLUMNS = ("run", "fault", "changes", "in_ledger", "duplicates", "unbalanced", "clearing_nonzero",
           "unexplained_failures", "webhook_5xx", "answers_over_3s", "result")  # fmt: skip
HEADERS = ("run", "fault", "changes", "in ledger", "duplicates", "unbalanced", "clearing ≠ 0",
           "unexplained failures", "webhook 5xx", "answers > 3 s", "result")  # fmt: skip


def table(rows: list[dict[str, Any]]) -> str:
    cells = [HEADERS] + [tuple(str(r.get(c, "—")) for c in COLUMNS) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    out = []
    for n, c in enumerate(cells):
        out.append(" | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))
        if n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)


def _commit() -> str | None:
    """The commit of the code under test (None outside a git checkout)."""
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=RESULTS.parent, capture_output=True, text=True, check=False)
    return done.stdout.strip() or None


def _stack(args: argparse.Namespace) -> PrivateStack | SharedStack:
    if args.shared_stack:
        return SharedStack()
    return PrivateStack.from_env() if args.stack_env else PrivateStack()


async def run_each(
    names: list[str], stack: PrivateStack | SharedStack, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Every run, at most ``--parallel`` at a time, each on fresh databases, topics, groups and
    processes, the longest first (``EXPECTED_S``): a free slot goes to the longest run ready to
    go, so the last runs to start are short ones. A run that hangs or restarts Kafka or
    PostgreSQL gets a private pair of its own; the pairs are started one at a time, longest run
    first (several brokers starting at once on a busy machine miss their start timeout), while
    the other runs, sharing ``stack``, go. Rows come back in ``names`` order; a run whose pair
    does not start is an ``error`` row."""
    gate = LongestFirstGate(args.parallel, EXPECTED_S)
    starting = asyncio.Lock()

    async def one(name: str) -> dict[str, Any]:
        own: PrivateStack | None = None
        queued, pair_s = time.monotonic(), None
        try:
            if name in DISTURBS_STACK and not isinstance(stack, SharedStack):
                async with starting:
                    began = time.monotonic()
                    own = PrivateStack()
                    await own.start()
                    pair_s = round(time.monotonic() - began, 1)
            async with gate.slot(name):
                print(f"→ {name}: {FAULTS[name].what}", flush=True)
                waited = round(time.monotonic() - queued, 1)
                row = await one_run(name, own or stack, args)
                row["waited_s"], row["pair_start_s"] = waited, pair_s
        except Exception as exc:
            traceback.print_exc()
            row = {"run": name, "fault": FAULTS[name].what, "error": f"{type(exc).__name__}: {str(exc)[:200]}",
                   "result": "error"}  # fmt: skip
        finally:
            if own is not None:
                pair_cpu = own.cpu_s()
                await own.remove()
        if own is not None:
            row["pair_cpu_s"] = pair_cpu
        print(f"  {json.dumps(row)}", flush=True)
        return row

    order = longest_first(names, EXPECTED_S)  # pairs are started in this order too
    done = dict(zip(order, await asyncio.gather(*(one(n) for n in order)), strict=True))
    return [done[n] for n in names]


async def main(args: argparse.Namespace) -> int:
    names = args.only.split(",") if args.only else list(FAULTS)
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        raise SystemExit(f"unknown runs: {', '.join(unknown)}")
    if args.shared_stack:
        args.parallel = 1  # its restarts hit every run on it
    stack = _stack(args)
    started = dt.datetime.now(dt.UTC)
    commit = _commit()  # the code under test: HEAD when the runs start, not when they end
    began = time.monotonic()
    print(f"{len(names)} run(s), {args.parallel} at a time, {args.companies} companies × "
          f"~{changes_per_company(args.scale)} changes each; load average {os.getloadavg()[0]:.1f}",
          flush=True)  # fmt: skip
    machine = MachineSampler()
    machine.start()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        print("starting the stack for the fault runs ...", flush=True)
        await stack.start()
        stack_s = round(time.monotonic() - began, 1)
        rows = await run_each(names, stack, args)
    finally:
        shared_pair_cpu = stack.cpu_s()
        await stack.remove()
    seconds = round(time.monotonic() - began, 1)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    bench_cpu_s = round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1)
    print()
    print(table(rows))
    for r in rows:
        if r.get("missing") or r.get("error") or r.get("clearing_detail") or r.get("note"):
            print(f"  {r['run']}: missing={r.get('missing')} clearing={r.get('clearing_detail')} "
                  f"error={r.get('error')} note={r.get('note')}")  # fmt: skip
    print(f"{len(rows)} run(s) in {seconds:.0f} s")
    workload = {"companies": args.companies, "scale": args.scale, "parallel": args.parallel}
    report = {"date": started.isoformat(timespec="seconds"), "commit": commit, "workload": workload,
              "seconds": seconds, "shared_pair_start_s": stack_s, "bench_cpu_s": bench_cpu_s,
              "shared_pair_cpu_s": shared_pair_cpu,
              "machine": await machine.stop(), "runs": rows}  # fmt: skip
    report["cpu_core_s"] = cpu_split(report, os.cpu_count() or 1)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    paths = [RESULTS / (f"faults-{stamp}-only-{'-'.join(names)}.json" if args.only else f"faults-{stamp}.json")]
    if not args.only:  # a partial run never replaces the full table
        paths.append(RESULTS / "faults-latest.json")
    for path in paths:
        path.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(r["result"] == "ok" for r in rows) else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help=f"comma-separated runs out of: {', '.join(FAULTS)}")
    parser.add_argument("--scale", type=int, default=6,
                        help="workload size per company: 20×N bills, 10×N invoices, 10×N bill payments, "
                             "5×N received payments (+ 4 vendors, 2 customers, 2 runs); default 6")  # fmt: skip
    parser.add_argument("--companies", type=int, default=2, help="companies (connections) per run; default 2")
    parser.add_argument("--parallel", type=int, default=3,
                        help="runs at a time (each on its own database, topics, groups and processes); "
                             "default 3; 1 with --shared-stack")  # fmt: skip
    parser.add_argument("--run-timeout", type=float, default=2700,
                        help="seconds one run may take before it is stopped and reported as an error naming "
                             "its phase; default 2700")  # fmt: skip
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--shared-stack", action="store_true", help="restart the shared Kafka/PostgreSQL instead")
    where.add_argument("--stack-env", action="store_true",
                       help="use the private stack named by LB_LOCAL_DIR, LB_PG_PORT, LB_KAFKA_PORT, "
                            "LB_KAFKA_CONTROLLER_PORT (already started; left running)")  # fmt: skip
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
