"""What a fault run injects. Each injection is an async function of the run's context; the table
``FAULTS`` names every run: name → (what is injected, armed before the workload?, injection, the
ledger its companies are connected to). Injections that are not armed run once the documents are
entered, while engine and posting work through the backlog."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import httpx

from bench.fault_workload import Tenant, redeliveries
from bench.loadgen import LoadResult, run_load
from bench.stack import PrivateStack, SharedStack
from bench.system import BenchProcess, BenchSystem

PG_HANG_S = 10.0
SIGTERM_GRACE_S = 30.0


@dataclass
class Ctx:
    system: BenchSystem
    stack: PrivateStack | SharedStack
    http: httpx.AsyncClient
    tenants: list[Tenant]
    extras: list[BenchProcess] = field(default_factory=list)
    """Second instances started by a run (stopped at its end unless they already left; their CPU
    seconds count in the run's row)."""
    notes: list[str] = field(default_factory=list)
    load: LoadResult | None = None

    async def ledger_faults(self, **body: Any) -> None:
        """Arm faults in every company's ledger sandbox (the sandboxes' shared ``FaultsIn``)."""
        for t in self.tenants:
            url = t.ledger.faults_url(self.system.urls, t.company)
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


def _terminate(proc: BenchProcess, grace_s: float) -> str:
    """SIGTERM the process group; SIGKILL only after ``grace_s``. Returns what happened."""
    assert proc.proc is not None
    proc.sample_rss()
    began = time.monotonic()
    os.killpg(proc.proc.pid, signal.SIGTERM)
    try:
        code = proc.proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        return f"{proc.name} still running {grace_s:.0f} s after SIGTERM: SIGKILL"
    seconds = time.monotonic() - began
    shutdown = "shutdown complete" if "Application shutdown complete" in proc.tail(30) else "no shutdown logged"
    return f"{proc.name} exited {code} {seconds:.1f} s after SIGTERM ({shutdown})"


def sigterm_each(names: tuple[str, ...] = ("ingest", "prefs", "engine", "posting")) -> Inject:
    """SIGTERM each service in turn (a deploy), restart it, then the next."""

    async def inject(ctx: Ctx) -> None:
        for name in names:
            ctx.notes.append(await asyncio.to_thread(_terminate, ctx.system.processes[name], SIGTERM_GRACE_S))
            await ctx.system.start([name])
            await asyncio.sleep(3)

    return inject


def rebalance(stay_s: float = 20.0) -> Inject:
    """A second sync-engine and a second posting join their consumer groups mid-backlog, work for
    ``stay_s``, then leave (SIGTERM): two rebalances of each group while records are in flight."""

    async def inject(ctx: Ctx) -> None:
        seconds = []
        for name in ("engine", "posting"):
            first = ctx.system.processes[name]
            second = BenchProcess(name=f"{first.name}-2", argv=first.argv, env=first.env)
            ctx.extras.append(second)
            seconds.append(second)
            await asyncio.to_thread(second.start)
        await asyncio.sleep(stay_s)
        for second in seconds:  # they stay in ctx.extras: their CPU seconds go in the run's row
            ctx.notes.append(await asyncio.to_thread(_terminate, second, SIGTERM_GRACE_S))

    return inject


def pg_hang(hang_s: float = PG_HANG_S, *, rate: float = 25.0) -> Inject:
    """PostgreSQL hung: every server process SIGSTOPped for ``hang_s``, then SIGCONT, under a
    paced load of signed BILL deliveries (``rate``/s from 2 s before to 5 s after the hang)."""

    async def inject(ctx: Ctx) -> None:
        window = hang_s + 7
        requests = redeliveries(ctx.tenants, int(window * rate))
        port = ctx.system.processes["ingest"].port
        load = asyncio.create_task(
            run_load("127.0.0.1", port, requests, concurrency=16, deadline_s=window + 5, rate=rate)
        )
        try:
            await asyncio.sleep(2)
            stopped = ctx.stack.pause_postgres()
            try:
                await asyncio.sleep(hang_s)
            finally:
                ctx.stack.resume_postgres()
            ctx.notes.append(f"{stopped} PostgreSQL processes stopped {hang_s:.0f} s")
        finally:
            ctx.load = await load

    return inject


def restart(which: str) -> Inject:
    async def inject(ctx: Ctx) -> None:
        await ctx.stack.restart(which)

    return inject


def armed(**body: Any) -> Inject:
    async def inject(ctx: Ctx) -> None:
        await ctx.ledger_faults(**body)

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


DISTURBS_STACK = frozenset({"pg-hang", "restart-kafka", "restart-postgres", "together"})
"""Runs that hang or restart Kafka or PostgreSQL: each gets a private pair of its own, so the runs
sharing a pair are never disturbed (``bench.faults``)."""


class Fault(NamedTuple):
    what: str
    before: bool
    """Armed before the workload (else injected mid-backlog)."""
    inject: Inject
    ledger: str = "qbo"
    """``bench.fault_ledgers.LEDGERS`` key: the ledger every company of the run is connected to."""


FAULTS: dict[str, Fault] = {
    "baseline": Fault("none", True, together()),
    "kill-ingest": Fault("SIGKILL webhook-ingest mid-backlog, restart", False, kill("ingest")),
    "kill-engine": Fault("SIGKILL sync-engine mid-backlog, restart", False, kill("engine")),
    "kill-posting": Fault("SIGKILL posting mid-backlog, restart", False, kill("posting")),
    "kill-prefs": Fault("SIGKILL prefs-api mid-backlog, restart", False, kill("prefs")),
    "sigterm-each": Fault("SIGTERM ingest, prefs, engine, posting in turn mid-backlog, each restarted", False,
                          sigterm_each()),
    "rebalance": Fault("2nd engine + 2nd posting join mid-backlog, leave 20 s later", False, rebalance()),
    "pg-hang": Fault("PostgreSQL SIGSTOPped 10 s under signed webhook load, SIGCONT", False, pg_hang()),
    "restart-kafka": Fault("Kafka broker restarted mid-backlog", False, restart("kafka")),
    "restart-postgres": Fault("PostgreSQL restarted mid-backlog", False, restart("postgres")),
    "qbo-429": Fault("QBO: next 5 calls 429", True, armed(throttle_next=5)),
    "qbo-5xx": Fault("QBO: next 15 calls 503", True, armed(error_5xx_next=15)),
    "qbo-timeout": Fault("QBO: 5 writes commit then drop the connection", True,
                         armed(timeout_after_commit_next=5, timeout_mode="drop")),
    "qbo-stale": Fault("QBO: 5 updates get 5010 stale SyncToken", True, armed(stale_next_updates=5)),
    "bill-drop": Fault("BILL: 10 webhooks dropped", True, webhooks("drop")),
    "bill-duplicate": Fault("BILL: 10 webhooks sent twice", True, webhooks("duplicate")),
    "bill-reorder": Fault("BILL: 10 webhooks reordered", True, webhooks("reorder")),
    "intacct-kill-posting": Fault("Sage Intacct: SIGKILL posting mid-backlog, restart", False, kill("posting"),
                                  "intacct"),
    "intacct-kill-engine": Fault("Sage Intacct: SIGKILL sync-engine mid-backlog, restart", False, kill("engine"),
                                 "intacct"),
    "intacct-429": Fault("Sage Intacct: next 10 requests 429 GW-0010 (concurrency cap 2 on)", True,
                         armed(throttle_next=10), "intacct"),
    "netsuite-kill-posting": Fault("NetSuite: SIGKILL posting mid-backlog, restart", False, kill("posting"),
                                   "netsuite"),
    "netsuite-kill-engine": Fault("NetSuite: SIGKILL sync-engine mid-backlog, restart", False, kill("engine"),
                                  "netsuite"),
    "netsuite-429": Fault("NetSuite: next 10 requests 429 (concurrency cap 5 on)", True, armed(throttle_next=10),
                          "netsuite"),
    "together": Fault("all of: 429s, 5xx, timeouts, stale, dropped/dup webhooks, kill engine+posting, Kafka restart",
                      False, together(armed(throttle_next=3, error_5xx_next=10, timeout_after_commit_next=3,
                                            timeout_mode="drop", stale_next_updates=3),
                                      webhooks("drop", 5), webhooks("duplicate", 5), kill("engine"), kill("posting"),
                                      restart("kafka"))),
}  # fmt: skip


EXPECTED_S: dict[str, float] = {
    "qbo-429": 629, "together": 399, "kill-engine": 342, "rebalance": 339, "bill-reorder": 298,
    "sigterm-each": 295, "qbo-timeout": 284, "qbo-5xx": 274, "kill-posting": 266, "bill-duplicate": 266,
    "pg-hang": 257, "baseline": 244, "restart-kafka": 242, "qbo-stale": 239, "kill-prefs": 237,
    "restart-postgres": 225, "bill-drop": 215, "kill-ingest": 193, "netsuite-kill-posting": 192,
    "intacct-kill-engine": 191, "netsuite-429": 191, "intacct-kill-posting": 178, "intacct-429": 157,
    "netsuite-kill-engine": 155,
}  # fmt: skip
"""Seconds each run took in the whole `make faults` of 2026-12-05 16:26 UTC (``bench/README.md``,
``results/faults-20261205T162649Z.json``): the order ``bench.faults`` starts them in, longest first.
Only the order matters; a run not listed goes last."""
