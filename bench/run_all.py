"""``make bench`` = ``python -m bench.run_all``: the benchmarks, each on a fresh system (new database,
random topics and consumer groups), one table, bench/results/<stamp>.json, latest.json and
latest.md (a ready-to-paste table with the date and the machine).

    python -m bench.run_all                 # defaults keep it under 20 minutes
    python -m bench.run_all --all           # also the 100/s e2e, the two-realm backlog, BILL requests per bill
    python -m bench.run_all --backlog 5000  # the 5,000-bill backlog of the spec
    python -m bench.run_all --only backlog --backlog 5000  # one benchmark (not written to latest)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import sys
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import backlog, bill_budget, breakdown, e2e, ingest, intacct_backlog, multi_company, netsuite_backlog
from bench.report import render_markdown, render_table
from bench.system import CLIENT_LIMITS_LIFTED, SERVICES, BenchSystem

RESULTS = Path(__file__).resolve().parent / "results"
JOBS = (
    "ingest", "e2e", "e2e_sustained", "throughput", "backlog", "multi_realm", "multi_company", "scale_out",
    "breakdown", "bill_budget", "intacct_backlog", "intacct_kill_posting", "netsuite_backlog",
)  # fmt: skip
EXTRA = ("e2e", "multi_realm", "bill_budget")
"""Left out of the default run (``--all`` adds them, about 5 minutes here at a load of 4–5): the one-company 100/s e2e
(a load QBO would refuse; the multi-company run is the load the targets are set on), the two-realm
backlog (many realms within QBO's limits are the multi-company run) and the shared-devKey request
count (the multi-company run counts BILL and QBO requests per bill too)."""
LIMITS_ON = (
    "backlog", "multi_realm", "multi_company", "scale_out", "bill_budget",
    "intacct_backlog", "intacct_kill_posting", "netsuite_backlog",
)  # fmt: skip


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "memory_gb": round(mem_gb, 1), "cpu": cpu, "python": platform.python_version(),
            "kernel": platform.release()}  # fmt: skip


Job = Callable[[BenchSystem], Awaitable[dict[str, Any]]]


async def _one(
    name: str, job: Job, peaks: dict[str, float], *, limits_off: bool, partitions: int = 3
) -> dict[str, Any]:
    print(f"→ {name} ...", flush=True)
    system = BenchSystem(extra_env=dict(CLIENT_LIMITS_LIFTED) if limits_off else {}, partitions=partitions)
    began = dt.datetime.now(dt.UTC)
    try:
        await system.prepare()
        result = await job(system)
    except Exception as exc:
        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        await system.close()
    for svc in SERVICES:
        peaks[svc] = max(peaks.get(svc, 0.0), system.peak_mb.get(svc, 0.0))
    result["peak_rss_mb"] = {k: round(v, 1) for k, v in system.peak_mb.items()}
    result["wall_s"] = round((dt.datetime.now(dt.UTC) - began).total_seconds(), 1)
    result["process_start_s"] = round(system.start_s, 1)
    result["client_qbo_limits"] = "lifted" if limits_off else "QBO's"
    brief = {k: v for k, v in result.items() if k not in ("per_realm", "per_connection", "bill_requests_by_path")}
    print(f"  {name}: {json.dumps(brief)}", flush=True)
    return result


async def main(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    peaks: dict[str, float] = {}
    runs: dict[str, Any] = {}

    def companies_on(instances: int) -> Job:
        """The multi-company load on ``instances`` engines and as many postings."""
        return lambda s: multi_company.run(
            s, companies=args.companies, rate=args.company_rate, seconds=args.mc_seconds, drain=args.mc_drain,
            instances=instances,
        )  # fmt: skip

    jobs: dict[str, tuple[str, Job]] = {
        "ingest": ("ingest", lambda s: ingest.run(s, count=args.deliveries)),
        "e2e": ("e2e", lambda s: e2e.run(s, rate=args.rate, seconds=args.seconds, drain=args.drain)),
        "e2e_sustained": (
            "e2e (sustainable rate)",
            lambda s: e2e.run(s, rate=args.sustained_rate, seconds=args.sustained_seconds, drain=60),
        ),
        "throughput": (
            "throughput (limits off)",
            lambda s: backlog.run(s, realms=1, bills=args.throughput_bills, limits=False),
        ),
        "backlog": (
            "backlog (limits on, 1 realm)",
            lambda s: backlog.run(s, realms=1, bills=args.backlog, limits=True),
        ),
        "multi_realm": (
            f"backlog (limits on, {args.realms} realms)",
            lambda s: backlog.run(s, realms=args.realms, bills=args.realm_bills, limits=True),
        ),
        "breakdown": (
            "latency breakdown (e2e at the sustainable rate, tracing on)",
            lambda s: breakdown.run(s, rate=args.sustained_rate, seconds=args.sustained_seconds, drain=60),
        ),
        "multi_company": (
            f"multi-company ({args.companies} × {args.company_rate}/s, limits on)",
            companies_on(args.instances),
        ),
        "scale_out": (
            f"scale-out: the multi-company load on {args.scale_instances} engines + {args.scale_instances} postings",
            companies_on(args.scale_instances),
        ),
        "bill_budget": (
            f"vendor requests per bill ({args.bb_companies} companies on one BILL devKey, limits on)",
            lambda s: bill_budget.run(
                s,
                companies=args.bb_companies,
                rate=args.bb_rate,
                seconds=args.bb_seconds,
                pay_every=args.bb_pay_every,
                drain=args.bb_drain,
            ),
        ),
        "intacct_backlog": (
            "Sage Intacct backlog (limits on: the company's concurrency cap)",
            lambda s: intacct_backlog.run(s, bills=args.intacct_bills),
        ),
        "intacct_kill_posting": (
            "Sage Intacct backlog, posting killed (SIGKILL) and restarted a third of the way",
            lambda s: intacct_backlog.run(s, bills=args.intacct_bills, kill_posting=True),
        ),
        "netsuite_backlog": (
            "NetSuite backlog (1 account, its concurrency cap on)",
            lambda s: netsuite_backlog.run(s, bills=args.ns_bills),
        ),
    }
    chosen = selected(args)
    for key, (title, job) in jobs.items():
        if key in chosen:
            runs[key] = await _one(title, job, peaks, limits_off=key not in LIMITS_ON, partitions=args.partitions)
    report = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": vars(args),
        "runs": runs,
        "peak_rss_mb": {k: round(v, 1) for k, v in peaks.items()},
        "wall_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    if args.only:  # a partial run never replaces the default table
        paths = [RESULTS / f"{stamp}-only-{'-'.join(args.only)}.json"]
    else:
        paths = [RESULTS / f"{stamp}.json", RESULTS / "latest.json"]
        (RESULTS / "latest.md").write_text(render_markdown(report))
    for path in paths:
        path.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(render_table(report))
    if "breakdown" in runs and "breakdown" in runs["breakdown"]:
        print()
        print(breakdown.render(runs["breakdown"]))
    print(f"\nJSON: {paths[-1]}" + ("" if args.only else f"; markdown: {RESULTS / 'latest.md'}"))
    return 0


def selected(args: argparse.Namespace) -> list[str]:
    """The benchmarks to run: ``--only`` ones, else every one but ``EXTRA`` (all with ``--all``)."""
    return [key for key in JOBS if (key in args.only if args.only else args.all or key not in EXTRA)]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    parser.add_argument("--deliveries", type=int, default=5_000, help="signed webhook deliveries (ingest)")
    parser.add_argument("--rate", type=float, default=100, help="BILL changes per second (e2e)")
    parser.add_argument("--seconds", type=float, default=15, help="duration of the steady e2e load")
    parser.add_argument("--drain", type=float, default=60, help="e2e: wait this long after the load for the rest")
    parser.add_argument("--sustained-rate", type=float, default=5, help="e2e at a rate the system keeps up with")
    parser.add_argument("--sustained-seconds", type=float, default=20)
    parser.add_argument("--throughput-bills", type=int, default=500, help="backlog with limits off")
    parser.add_argument("--backlog", type=int, default=1300, help="bills for one realm, limits on (spec: 5000)")
    parser.add_argument("--realms", type=int, default=2, help="realms of the multi-realm backlog")
    parser.add_argument("--realm-bills", type=int, default=1000, help="bills per realm of the multi-realm backlog")
    parser.add_argument("--companies", type=int, default=8, help="connections of the multi-company run (issue: 50)")
    parser.add_argument("--company-rate", type=float, default=2.0, help="bills/s per company (multi-company)")
    parser.add_argument("--mc-seconds", type=float, default=30, help="duration of the multi-company load (issue: 300)")
    parser.add_argument("--mc-drain", type=float, default=60, help="multi-company: wait this long for the rest")
    parser.add_argument(
        "--instances", type=int, default=1, help="multi-company: engine and posting processes each (scale-out)"
    )
    parser.add_argument("--scale-instances", type=int, default=2, help="scale_out: engine and posting processes each")
    parser.add_argument("--partitions", type=int, default=12, help="partitions of every topic of a run (as deployed)")
    parser.add_argument("--ns-bills", type=int, default=100, help="netsuite_backlog: bills for one NetSuite account")
    parser.add_argument("--bb-companies", type=int, default=3, help="bill_budget: companies on one BILL devKey")
    parser.add_argument("--bb-rate", type=float, default=1.0, help="bill_budget: bills/s per company")
    parser.add_argument("--bb-seconds", type=float, default=40, help="bill_budget: duration of the load")
    parser.add_argument("--intacct-bills", type=int, default=60, help="bills of the Sage Intacct backlog runs")
    parser.add_argument("--bb-pay-every", type=int, default=3, help="bill_budget: pay every n-th bill (0: none)")
    parser.add_argument("--bb-drain", type=float, default=120, help="bill_budget: wait this long for the rest")
    parser.add_argument("--all", action="store_true", help=f"also run {', '.join(EXTRA)} (about 5 minutes more)")
    parser.add_argument(
        "--only", nargs="+", choices=JOBS, help="run only these (results go to <stamp>-only-*.json, not latest)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
