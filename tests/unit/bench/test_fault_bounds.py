"""Every wait of a fault run is bounded: a lag measurement that never answers (a broker coming
back from a restart) counts as busy instead of hanging the settle, and a run that outlives
``--run-timeout`` becomes an error row naming its phase, with its processes stopped."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import pytest

from bench import faults
from bench.system import BenchSystem

pytestmark = pytest.mark.timeout(20)


async def _forever() -> int:
    await asyncio.Event().wait()
    return 0


async def test_a_lag_measurement_that_never_answers_counts_as_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    system = BenchSystem()
    monkeypatch.setattr(system, "lag", _forever)
    assert await system._idle(sweeps=False, bound_s=0.05) is False


async def test_quiesce_gives_up_at_its_timeout_when_measurements_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    system = BenchSystem()
    monkeypatch.setattr(system, "lag", _forever)
    calls = []

    async def idle(sweeps: bool, bound_s: float = 30) -> bool:
        calls.append(sweeps)
        return await BenchSystem._idle(system, sweeps, bound_s=0.05)

    monkeypatch.setattr(system, "_idle", idle)
    waited = await system.quiesce(timeout=0.3, sweeps=True)
    assert waited >= 0.3 and calls and all(calls)


async def test_quiesce_counts_the_sweepers_requests_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    system = BenchSystem()

    async def no_lag() -> int:
        return 0

    async def one_sweep_waiting() -> int:
        return 1

    monkeypatch.setattr(system, "lag", no_lag)
    monkeypatch.setattr(system, "sweep_lag", one_sweep_waiting)
    assert await system._idle(sweeps=False) is True
    assert await system._idle(sweeps=True) is False


async def test_a_run_past_its_timeout_is_an_error_row_naming_its_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = []

    async def prepare(self: BenchSystem) -> None:
        await asyncio.Event().wait()

    async def close(self: BenchSystem) -> None:
        closed.append(self.db_name)

    monkeypatch.setattr(BenchSystem, "prepare", prepare)
    monkeypatch.setattr(BenchSystem, "close", close)
    args = argparse.Namespace(companies=1, scale=1, run_timeout=0.1)
    stack: Any = argparse.Namespace(address=None)

    row = await faults.one_run("intacct-kill-posting", stack, args)

    assert row["result"] == "error"
    assert row["error"] == "timed out after 0 s in set-up"
    assert row["ledger"] == "intacct"
    assert closed


async def test_settling_names_its_step_and_notes_a_sync_now_refused_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from unittest.mock import MagicMock

    from bench import fault_workload
    from ledgerbridge_ops.scenario import Scenario, Urls

    async def refused(self: Scenario, company: Any) -> None:
        raise RuntimeError("POST /sync-now → 503: Kafka unavailable")

    async def no_sleep(seconds: float) -> None:
        return None

    seen: list[str] = []
    phase = [""]

    async def quiesce(**kwargs: Any) -> float:
        seen.append(phase[0])
        return 0.0

    async def complete(*args: Any, **kwargs: Any) -> dict[str, int]:
        return {"in_ledger": 3, "changes": 3, "clearing_nonzero": 0}

    system = MagicMock(urls=Urls("http://p", "http://i", "http://q", "http://b"), quiesce=quiesce)
    monkeypatch.setattr(Scenario, "sync_now", refused)
    monkeypatch.setattr(fault_workload.asyncio, "sleep", no_sleep)
    monkeypatch.setattr(fault_workload, "reconcile_all", complete)
    tenant = MagicMock()
    tenant.company.connection_id = "conn-1"
    notes: list[str] = []

    await fault_workload.settle(system, MagicMock(), [tenant], phase=phase, notes=notes)

    assert seen == ["settle round 1: waiting for the sweeper, engine and posting to be idle"]
    assert phase[0] == "settle round 1: reading BILL and the ledgers"
    assert notes == ["Sync Now of conn-1 refused 20 times: POST /sync-now → 503: Kafka unavailable"]
