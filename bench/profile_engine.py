"""A py-spy profile of the engine working through a backlog alone (limits off, as the throughput
run): ``python -m bench.profile_engine --bills 800`` writes ``bench/profiles/engine-backlog.txt``
(py-spy's collapsed stacks, one line per stack with its sample count; feed it to any flame-graph
tool) and prints the functions with the most samples, inclusive and exclusive.

py-spy samples the engine process from outside (``py-spy record --pid``, 100 samples/s, on-CPU
samples only, so time waiting on PostgreSQL or Kafka is not in it); it needs ptrace rights."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench import backlog
from bench.system import CLIENT_LIMITS_LIFTED, BenchSystem

PROFILES = Path(__file__).resolve().parent / "profiles"


def py_spy() -> str:
    return str(Path(sys.executable).with_name("py-spy"))


def watcher(out: Path, rate: int) -> backlog.EngineWatch:
    @asynccontextmanager
    async def watch(system: BenchSystem) -> AsyncIterator[None]:
        proc = system.processes["engine"].proc
        assert proc is not None
        argv = [py_spy(), "record", "--pid", str(proc.pid), "--rate", str(rate), "--format", "raw", "-o", str(out)]
        spy = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.DEVNULL)
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            try:
                await asyncio.wait_for(spy.wait(), 60)
            except TimeoutError:
                spy.kill()

    return watch


def summary(collapsed: Path, top: int = 25) -> dict[str, object]:
    """Samples per function: inclusive (anywhere on the stack) and exclusive (innermost frame)."""
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        count = int(n)
        total += count
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0] + ")" if " (" in f else f
                  for f in stack.split(";")]  # fmt: skip
        for frame in set(frames):
            inclusive[frame] += count
        exclusive[frames[-1]] += count
    return {
        "samples": total,
        "inclusive": [(f, n, round(n / total, 3)) for f, n in inclusive.most_common(top)],
        "exclusive": [(f, n, round(n / total, 3)) for f, n in exclusive.most_common(top)],
    }


async def main(args: argparse.Namespace) -> int:
    PROFILES.mkdir(exist_ok=True)
    out = PROFILES / args.out
    system = BenchSystem(extra_env=dict(CLIENT_LIMITS_LIFTED), partitions=args.partitions)
    try:
        await system.prepare()
        watch = watcher(out, args.rate)
        result = await backlog.run(system, realms=1, bills=args.bills, limits=False, watch_engine=watch)
    finally:
        await system.close()
    report = {"backlog": {k: v for k, v in result.items() if k != "per_realm"}, "profile": summary(out)}
    print(json.dumps(report, indent=1))
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_engine", description=__doc__)
    parser.add_argument("--bills", type=int, default=800)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--out", default="engine-backlog.txt")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
