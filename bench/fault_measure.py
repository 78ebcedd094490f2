"""Where a fault run's time goes: seconds per phase, CPU seconds of each process (``/proc/<pid>/stat``),
how busy the machine's cores were while the runs went (``/proc/stat``), and the order the runs
are started in (the longest first, so the last to finish is not a long one started late)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_ticks(stat: str, *, reaped_children: bool = False) -> int:
    """utime + stime (clock ticks) from the text of ``/proc/<pid>/stat``, with ``reaped_children``
    also cutime + cstime (children it has waited for: a postmaster's ended backends). The command
    name, in parentheses, may hold spaces and parentheses: fields are counted after its last ``)``."""
    fields = stat[stat.rindex(")") + 2 :].split()
    own = int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5), counted from 1 with pid and comm
    return own + (int(fields[13]) + int(fields[14]) if reaped_children else 0)


def read_process_cpu_s(pid: int, *, reaped_children: bool = False) -> float | None:
    """CPU seconds (user + system) a live process has used; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return process_cpu_ticks(stat, reaped_children=reaped_children) / CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return None


def machine_ticks(stat: str) -> tuple[int, int]:
    """(busy, total) clock ticks of all cores from the first line of ``/proc/stat``; idle and
    iowait count as not busy."""
    values = [int(v) for v in stat.splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])  # guest time is already in user/nice
    return total - idle, total


def busy_fraction(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of the cores' time that was busy between two ``machine_ticks`` readings."""
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total, 3) if total > 0 else 0.0


def read_machine_ticks() -> tuple[int, int]:
    return machine_ticks(Path("/proc/stat").read_text())


@dataclass
class Phases:
    """Seconds of each phase of one run, in the order they began."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        began = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.monotonic() - began, 1)


@dataclass
class MachineSampler:
    """The 1-minute load average and the cores' busy share every ``every_s`` while the runs go."""

    every_s: float = 30.0
    samples: list[dict[str, float]] = field(default_factory=list)
    began: tuple[int, int] = field(default_factory=read_machine_ticks)
    _task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        start, last = time.monotonic(), read_machine_ticks()
        while True:
            await asyncio.sleep(self.every_s)
            now = read_machine_ticks()
            self.samples.append({"at_s": round(time.monotonic() - start), "load_1m": round(os.getloadavg()[0], 1),
                                 "busy": busy_fraction(last, now)})  # fmt: skip
            last = now

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> dict[str, object]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        loads = [s["load_1m"] for s in self.samples]
        return {"busy": busy_fraction(self.began, read_machine_ticks()), "load_1m_min": min(loads, default=None),
                "load_1m_max": max(loads, default=None), "samples": self.samples}  # fmt: skip


def cpu_split(report: Mapping[str, Any], cores: int) -> dict[str, float]:
    """Core-seconds of the invocation: what the machine's cores were busy with (busy share × cores
    × seconds), what this invocation's processes used (each run's services and sandboxes, the
    bench itself, the Kafka/PostgreSQL pairs), and the rest (other users of the machine)."""
    busy = float(report["machine"]["busy"]) * cores * float(report["seconds"])
    runs = sum(float(r.get("cpu_s", {}).get("total", 0.0)) for r in report["runs"])
    pairs = sum(sum(r.get("pair_cpu_s", {}).values()) for r in report["runs"])
    pairs += sum(report.get("shared_pair_cpu_s", {}).values())
    bench = float(report.get("bench_cpu_s", 0.0))
    return {"machine_busy": round(busy), "runs": round(runs), "bench": round(bench), "pairs": round(pairs),
            "others": round(busy - runs - bench - pairs)}  # fmt: skip


def longest_first(names: Iterable[str], expected_s: Mapping[str, float]) -> list[str]:
    """``names`` ordered by expected seconds, longest first (unknown ones last, in their order)."""
    listed = list(names)
    return sorted(listed, key=lambda n: (-expected_s.get(n, 0.0), listed.index(n)))


class LongestFirstGate:
    """At most ``slots`` holders at a time; a freed slot goes to the waiting name with the most
    expected seconds (then the one that asked first)."""

    def __init__(self, slots: int, expected_s: Mapping[str, float]) -> None:
        self.free = slots
        self.expected_s = expected_s
        self._waiting: list[str] = []
        self._changed = asyncio.Condition()

    def _next(self) -> str:
        return longest_first(self._waiting, self.expected_s)[0]

    @contextlib.asynccontextmanager
    async def slot(self, name: str) -> AsyncIterator[None]:
        async with self._changed:
            self._waiting.append(name)
            try:
                await self._changed.wait_for(lambda: self.free > 0 and self._next() == name)
            finally:
                self._waiting.remove(name)
                self._changed.notify_all()  # the next in line may go too (a slot left, or this one gave up)
            self.free -= 1
        try:
            yield
        finally:
            async with self._changed:
                self.free += 1
                self._changed.notify_all()
