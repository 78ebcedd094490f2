"""The ledger budget on a host that wakes its callers late: callers whose send times passed while
the host was busy must not all send at once (QBO answers 429 over 10 requests in a second).

Time is virtual: :class:`BusyHost` fires timers in due order, except that every timer due before
the end of a busy spell fires at its end, as an event loop blocked that long would fire them."""

from __future__ import annotations

import asyncio
import heapq
import itertools

import pytest

from ledgerbridge_common.connectors.budget import LedgerLimits, MemoryLedgerBudgets

pytestmark = pytest.mark.timeout(10)

QBO = LedgerLimits(concurrent=10, per_minute=500, per_second=10)


class BusyHost:
    def __init__(self, busy_until: float) -> None:
        self.now = 0.0
        self.busy_until = busy_until
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + seconds, next(self._order), woken))
        await woken

    async def run(self, callers: list[asyncio.Task[None]]) -> None:
        while not all(task.done() for task in callers):
            for _ in range(50):  # let every ready caller run to its next timer
                await asyncio.sleep(0)
            if self._timers:
                due, _, woken = heapq.heappop(self._timers)
                self.now = max(self.now, self.busy_until if due < self.busy_until else due)
                woken.set_result(None)
        await asyncio.gather(*callers)


def _worst(stamps: list[float], window: float) -> int:
    return max(sum(1 for t in stamps if s <= t < s + window) for s in stamps)


async def _sends(host: BusyHost, limits: LedgerLimits, requests: int) -> list[float]:
    budget = MemoryLedgerBudgets(clock=host.clock, sleep=host.sleep).get("qbo", "realm", limits)
    sent: list[float] = []

    async def one() -> None:
        async with budget.slot():
            sent.append(host.clock())

    await host.run([asyncio.create_task(one()) for _ in range(requests)])
    assert len(sent) == requests
    return sent


async def test_callers_woken_late_together_do_not_send_as_a_burst() -> None:
    """Callers booked 1/6 s apart; the host is busy for 1.5 s, so the first nine times pass."""
    sent = await _sends(BusyHost(busy_until=1.5), QBO, 40)
    assert _worst(sent, 1.0) <= 10


async def test_a_host_on_time_sends_at_the_booked_rate() -> None:
    sent = await _sends(BusyHost(busy_until=0.0), QBO, 40)
    assert _worst(sent, 1.0) <= 7
    assert max(sent) == pytest.approx(39 / 6)  # 6 a second, nothing booked twice
