"""The fault runs' tools that need no stack: which processes a PostgreSQL hang stops, the refusal
of the shared stack's ports, that the load generator's deliveries are ones webhook-ingest
accepts (signed as BILL signs, parsed as real bill events), and that the rebalance run's second
instances stay in the run's context after they leave."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from unittest.mock import MagicMock

import pytest

from bench import fault_kinds
from bench.fault_workload import Tenant, redeliveries
from bench.stack import PrivateStack, server_pids
from bench.system import BenchProcess, BenchSystem
from ledgerbridge_common.connectors.billcom.webhooks import parse_billcom_webhook, verify_billcom_signature


def test_server_pids_are_the_postmaster_and_its_children_only(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time; "
         "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
         "print(c.pid, flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    child = 0
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        (tmp_path / "postmaster.pid").write_text(f"{parent.pid}\n{tmp_path}\n")
        pids = server_pids(tmp_path)
        assert pids[0] == parent.pid
        assert child in pids
        assert stranger.pid not in pids and os.getpid() not in pids
    finally:
        for proc in (parent, stranger):
            proc.kill()
            proc.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()
        if child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


@pytest.mark.parametrize("ports", [(19092, 29093, 25432), (29092, 29093, 15432)])
def test_a_private_stack_refuses_the_shared_ports(tmp_path: Path, ports: tuple[int, int, int]) -> None:
    with pytest.raises(SystemExit):
        PrivateStack(tmp_path, ports)


def test_redeliveries_are_signed_bill_events_for_the_workloads_bills() -> None:
    tenants = []
    for n in range(2):
        company = MagicMock(connection_id=f"conn-{n}", org_id=f"org-{n}", subscription_id=f"sub-{n}")
        bills = [(f"vendor-{n}", f"00n0{n}bill{i}", "101.00") for i in range(3)]
        tenants.append(Tenant(company=company, clerk=MagicMock(), webhook_key=f"key-{n}", bills=bills))
    requests = redeliveries(tenants, 12)
    assert len(requests) == 12
    event_ids = set()
    for i, (path, headers, body) in enumerate(requests):
        tenant = tenants[i % 2]
        assert path == f"/webhooks/billcom/{tenant.company.connection_id}"
        assert verify_billcom_signature(body, headers["x-bill-sha-signature"], tenant.webhook_key)
        assert not verify_billcom_signature(body, headers["x-bill-sha-signature"], tenants[1 - i % 2].webhook_key)
        (event,) = parse_billcom_webhook(body)
        assert event.object_id in {b for _, b, _ in tenant.bills}
        event_ids.add(event.event_id)
    assert len(event_ids) == 12


async def test_the_rebalance_runs_second_instances_stay_in_the_context_after_they_leave(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, left = [], []
    monkeypatch.setattr(fault_kinds.BenchProcess, "start", lambda self, timeout=90: started.append(self.name))

    def terminate(proc: BenchProcess, grace_s: float) -> str:
        left.append(proc.name)
        return f"{proc.name} left"

    monkeypatch.setattr(fault_kinds, "_terminate", terminate)
    system = BenchSystem()
    system.processes = {n: BenchProcess(name=m, argv=["x"], env={}) for n, m in (("engine", "sync-engine"),
                                                                                   ("posting", "posting"))}  # fmt: skip
    ctx = fault_kinds.Ctx(system, None, None, [])  # type: ignore[arg-type]

    await fault_kinds.rebalance(stay_s=0)(ctx)

    assert started == left == ["sync-engine-2", "posting-2"]
    assert [p.name for p in ctx.extras] == ["sync-engine-2", "posting-2"], "stopped at the run's end, CPU counted"
    assert ctx.notes == ["sync-engine-2 left", "posting-2 left"]
