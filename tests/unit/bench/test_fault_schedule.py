"""``make faults`` runs in parallel: at most ``--parallel`` at a time, a private pair of its own
for each run that hangs or restarts Kafka or PostgreSQL (started one at a time), the shared pair
for the others, rows in the table's order, and a pair that does not start is an error row."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import pytest

from bench import faults
from bench.fault_kinds import DISTURBS_STACK, FAULTS


class FakePair:
    """Stands in for ``bench.stack.PrivateStack``: records starts and removals."""

    made: list[FakePair] = []
    starting = 0
    most_starting = 0
    fail = False

    def __init__(self) -> None:
        self.removed = False
        FakePair.made.append(self)

    async def start(self) -> None:
        FakePair.starting += 1
        FakePair.most_starting = max(FakePair.most_starting, FakePair.starting)
        await asyncio.sleep(0.01)
        FakePair.starting -= 1
        if FakePair.fail:
            raise RuntimeError("kafka.sh start failed")

    async def remove(self) -> None:
        self.removed = True

    def cpu_s(self) -> dict[str, float]:
        return {"kafka": 1.0, "postgres": 2.0}


@pytest.fixture
def pairs(monkeypatch: pytest.MonkeyPatch) -> type[FakePair]:
    FakePair.made, FakePair.starting, FakePair.most_starting, FakePair.fail = [], 0, 0, False
    monkeypatch.setattr(faults, "PrivateStack", FakePair)
    return FakePair


def _args(parallel: int) -> argparse.Namespace:
    return argparse.Namespace(parallel=parallel, companies=2, scale=6)


async def test_runs_share_the_pair_unless_they_disturb_it_and_go_at_most_n_at_a_time(
    monkeypatch: pytest.MonkeyPatch, pairs: type[FakePair]
) -> None:
    shared = object()
    running, most, stacks = 0, 0, {}

    async def one_run(name: str, stack: Any, args: argparse.Namespace) -> dict[str, Any]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        stacks[name] = stack
        await asyncio.sleep(0.01)
        running -= 1
        return {"run": name, "result": "ok"}

    monkeypatch.setattr(faults, "one_run", one_run)
    names = list(FAULTS)
    rows = await faults.run_each(names, shared, _args(3))  # type: ignore[arg-type]

    assert [r["run"] for r in rows] == names
    assert most == 3
    assert pairs.most_starting == 1, "pairs are started one at a time"
    own = {n for n, s in stacks.items() if s is not shared}
    assert own == set(DISTURBS_STACK) and len({id(stacks[n]) for n in own}) == len(own)
    assert all(p.removed for p in pairs.made) and len(pairs.made) == len(DISTURBS_STACK)


async def test_the_longest_runs_start_first(monkeypatch: pytest.MonkeyPatch, pairs: type[FakePair]) -> None:
    started: list[str] = []

    async def one_run(name: str, stack: Any, args: argparse.Namespace) -> dict[str, Any]:
        started.append(name)
        await asyncio.sleep(0.01)
        return {"run": name, "result": "ok"}

    monkeypatch.setattr(faults, "one_run", one_run)
    monkeypatch.setattr(faults, "EXPECTED_S", {"baseline": 1, "kill-engine": 3, "qbo-429": 9, "intacct-429": 2})
    names = ["baseline", "intacct-429", "kill-engine", "qbo-429"]
    rows = await faults.run_each(names, object(), _args(1))  # type: ignore[arg-type]

    assert started == ["qbo-429", "kill-engine", "intacct-429", "baseline"]
    assert [r["run"] for r in rows] == names


async def test_a_pair_that_does_not_start_is_an_error_row_and_the_other_runs_go_on(
    monkeypatch: pytest.MonkeyPatch, pairs: type[FakePair]
) -> None:
    pairs.fail = True

    async def one_run(name: str, stack: Any, args: argparse.Namespace) -> dict[str, Any]:
        return {"run": name, "result": "ok"}

    monkeypatch.setattr(faults, "one_run", one_run)
    rows = await faults.run_each(["baseline", "pg-hang", "kill-engine"], object(), _args(2))  # type: ignore[arg-type]

    assert [(r["run"], r["result"]) for r in rows] == [("baseline", "ok"), ("pg-hang", "error"), ("kill-engine", "ok")]
    assert "kafka.sh start failed" in rows[1]["error"]
    assert pairs.made[0].removed
