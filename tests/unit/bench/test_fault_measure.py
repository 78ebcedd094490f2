"""Where a fault run's time goes: CPU seconds read from ``/proc``, the cores' busy share, seconds
per phase, consumer lag from offsets, and the longest runs started first."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from bench.fault_kinds import EXPECTED_S, FAULTS
from bench.fault_measure import (
    LongestFirstGate,
    Phases,
    busy_fraction,
    cpu_split,
    longest_first,
    machine_ticks,
    process_cpu_ticks,
)
from bench.lag_probe import lag_of
from bench.stack import PrivateStack

pytestmark = pytest.mark.timeout(10)


def test_cpu_ticks_are_user_plus_system_counted_after_a_command_name_with_spaces_and_parentheses() -> None:
    rest = "S 1 2 3 4 5 6 7 8 9 10 250 70 11 12 20 0 1 0 100"
    assert process_cpu_ticks(f"4242 (python -m (odd) x) {rest}") == 320
    assert process_cpu_ticks(f"7 (sync_engine) {rest}") == 320


def test_reaped_children_add_cutime_and_cstime() -> None:
    stat = "9 (postgres) S 1 2 3 4 5 6 7 8 9 10 250 70 400 30 20 0 1 0 100"
    assert process_cpu_ticks(stat) == 320
    assert process_cpu_ticks(stat, reaped_children=True) == 750


def test_the_cpu_split_leaves_to_others_what_this_invocation_did_not_use() -> None:
    report = {"machine": {"busy": 0.5}, "seconds": 100, "bench_cpu_s": 10, "shared_pair_cpu_s": {"kafka": 5},
              "runs": [{"cpu_s": {"total": 40}, "pair_cpu_s": {"kafka": 3, "postgres": 2}}, {"cpu_s": {"total": 20}},
                       {"error": "no cpu_s in a run that did not start"}]}  # fmt: skip
    assert cpu_split(report, 2) == {"machine_busy": 100, "runs": 60, "bench": 10, "pairs": 10, "others": 20}


def test_the_busy_share_counts_idle_and_iowait_as_not_busy() -> None:
    before = machine_ticks("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3")
    after = machine_ticks("cpu  250 50 200 800 100 0 0 0 0 0\ncpu0 1 2 3")
    assert before == (200, 1000)
    assert busy_fraction(before, after) == round(300 / 400, 3)
    assert busy_fraction(after, after) == 0.0


def test_phases_add_up_a_phase_entered_twice() -> None:
    phases = Phases()
    with phases.timed("set-up"):
        pass
    with pytest.raises(ValueError), phases.timed("settle"):
        raise ValueError("a failed phase is timed too")
    with phases.timed("set-up"):
        pass
    assert list(phases.seconds) == ["set-up", "settle"]
    assert all(v >= 0 for v in phases.seconds.values())


def test_lag_is_written_minus_committed_for_the_asked_topics_only() -> None:
    ends = {TopicPartition("a", 0): 10, TopicPartition("a", 1): 5, TopicPartition("b", 0): 7}
    committed = {TopicPartition("a", 0): 10, TopicPartition("a", 1): -1, TopicPartition("b", 0): 2}
    assert lag_of(ends, committed, ["a"]) == 5  # no commit on a/1 yet: all 5 of its records
    assert lag_of(ends, committed, ["a", "b"]) == 10
    assert lag_of(ends, {}, ["b"]) == 7


def test_longest_first_keeps_the_given_order_among_unknown_runs() -> None:
    assert longest_first(["x", "short", "y", "long"], {"long": 9, "short": 1}) == ["long", "short", "x", "y"]


def test_every_run_has_an_expected_duration() -> None:
    assert set(EXPECTED_S) == set(FAULTS)


async def test_a_freed_slot_goes_to_the_longest_waiting_run() -> None:
    gate = LongestFirstGate(1, {"long": 30, "mid": 20, "short": 10})
    started: list[str] = []
    release = asyncio.Event()

    async def run(name: str) -> None:
        async with gate.slot(name):
            started.append(name)
            if name == "first":
                await release.wait()

    first = asyncio.create_task(run("first"))
    await asyncio.sleep(0)
    others = [asyncio.create_task(run(n)) for n in ("short", "long", "mid")]
    await asyncio.sleep(0.01)
    assert started == ["first"]
    release.set()
    await asyncio.gather(first, *others)
    assert started == ["first", "long", "mid", "short"]


async def test_the_gate_never_holds_more_than_its_slots() -> None:
    gate = LongestFirstGate(2, {"a": 5, "b": 4, "c": 3, "d": 2})
    holding, most = 0, 0

    async def run(name: str) -> None:
        nonlocal holding, most
        async with gate.slot(name):
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0.01)
            holding -= 1

    await asyncio.gather(*(run(n) for n in ("d", "c", "b", "a")))
    assert most == 2


async def test_a_waiter_cancelled_at_the_head_of_the_line_blocks_nobody() -> None:
    gate = LongestFirstGate(1, {"long": 9, "short": 1})
    release, started = asyncio.Event(), []

    async def run(name: str) -> None:
        async with gate.slot(name):
            started.append(name)
            if name == "holder":
                await release.wait()

    holder = asyncio.create_task(run("holder"))
    await asyncio.sleep(0)
    long, short = asyncio.create_task(run("long")), asyncio.create_task(run("short"))
    await asyncio.sleep(0.01)
    long.cancel()
    release.set()
    await asyncio.wait_for(asyncio.gather(holder, short), 2)
    assert started == ["holder", "short"] and long.cancelled()


def test_a_pairs_cpu_is_read_from_its_broker_and_postmaster_pid_files(tmp_path: Path) -> None:
    (tmp_path / "kafka").mkdir()
    (tmp_path / "postgres" / "data").mkdir(parents=True)
    (tmp_path / "kafka" / "kafka.pid").write_text(f"{os.getpid()}\n")
    (tmp_path / "postgres" / "data" / "postmaster.pid").write_text(f"{os.getpid()}\n/data\n")
    pair = PrivateStack(tmp_path, (1, 2, 3))

    used = pair.cpu_s()

    assert set(used) == {"kafka", "postgres"} and used["kafka"] > 0 and used["postgres"] >= used["kafka"]
    assert PrivateStack(tmp_path / "gone", (1, 2, 3)).cpu_s() == {}
