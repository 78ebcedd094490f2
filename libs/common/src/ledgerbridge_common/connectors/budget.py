"""Stay under a ledger company's request limits instead of bouncing off them, for any ledger.

Each connector declares its vendor's limits (:class:`LedgerLimits`, part of its
``LedgerCapabilities``): requests per second, per minute, concurrent requests and batch calls per
minute, counted per company across every caller. An over-limit answer (QBO's 429, Intacct's
``GW-0010``) costs a pause, so the goal is zero of them, not retrying them well.

Each request is *scheduled* with the generic cell rate algorithm (GCRA) on up to three lanes: the
minute lane and the second lane for every request, the batch lane also for a batch call. A lane
keeps a theoretical arrival time ``tat``; a request may go at ``s = max(now, resume_at, tat -
tolerance)`` on every lane it uses, and each of those lanes moves to ``max(tat, s) + interval``. Any
window then holds fewer than ``window / interval + burst`` requests of a lane, which
:meth:`LedgerLimits.lanes` keeps under the vendor's limit (``headroom`` in steady state, ``burst``
after a quiet spell). The second lane caps the minute lane's burst: after a quiet spell the burst
goes out at the per-second rate, never all at once.

That bound holds for the *scheduled* times; a caller sends when it wakes. On a busy host callers
wake late, and callers whose times passed while the host was busy would all send at once — a
burst over the per-second limit. So a caller that wakes later than :func:`late_grace` after its
time does not send: it books a new time (:func:`wait_for_turn`). Its first booking is spent
unused, which costs throughput only while the host is late.

Where the lanes live is the port :class:`LedgerBudgets`, keyed by (ledger kind, company id):

* :class:`MemoryLedgerBudgets` — in this process only (tools, tests, a single process);
* ``PostgresLedgerBudgets`` (``budget_postgres.py``) — shared by every process and replica through
  PostgreSQL, which is what the services use, because the vendor counts all of them together.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
MAX_BOOKINGS = 20
"""Bookings a caller makes before it sends however late it woke (a host late on every wake-up
would otherwise never send)."""


@dataclass(frozen=True)
class Lane:
    interval: float
    """Seconds between requests in steady state."""
    tolerance: float
    """How far ahead of its steady-state time a request may go: ``(burst - 1) * interval``."""


@dataclass(frozen=True)
class Lanes:
    minute: Lane | None
    second: Lane | None
    batch: Lane | None

    def for_request(self, *, batch: bool) -> list[tuple[int, Lane]]:
        """(index into ``(minute, second, batch)``, lane) of every lane a request uses."""
        used = [(0, self.minute), (1, self.second), (2, self.batch if batch else None)]
        return [(index, lane) for index, lane in used if lane is not None]


@dataclass(frozen=True)
class LedgerLimits:
    """A ledger company's limits as its vendor documents them (``None``: no such limit)."""

    concurrent: int
    """Requests in flight at once, across every caller of the company."""
    per_minute: int | None = None
    per_second: int | None = None
    batch_per_minute: int | None = None
    """Batch calls per minute (a batch call also counts as a request)."""
    window_seconds: float = 60.0
    """Length of the "minute" (tests shrink it; the second lane shrinks with it, to 1/60 of it)."""
    headroom: float = 0.85
    """Share of ``per_minute`` used in steady state (the rest absorbs bursts and clock jitter)."""
    burst_fraction: float = 0.1
    """Requests that may go ahead of schedule after a quiet spell, as a share of ``per_minute``."""
    second_headroom: float = 0.6
    """Share of ``per_second`` used: 6 of 10 a second. The vendor counts a second by when it takes
    each request in, so sends held up on a busy host (ours or the vendor's) arrive together: six a
    second leaves any second at or under 10 for hold-ups of up to 0.6 s. A 429 costs QBO's 60 s
    pause; the minute lane (85 % of 500, 7 a second) binds steady state at much the same rate."""
    batch_headroom: float = 0.95
    """Share of ``batch_per_minute`` used in steady state (38 of 40)."""
    batch_burst: int = 2
    """Batch calls that may go back to back, so a pause of the caller (between two polls) is made
    up: any window holds at most 39 batch calls, one under a limit of 40, for clock jitter."""
    cooldown_seconds: float = 60.0
    """The longest pause after an over-limit answer."""

    def lanes(self) -> Lanes:
        """Any window holds fewer than ``per_minute * headroom + burst`` requests, any 1/60 of it
        at most ``per_second`` requests, and fewer than ``batch_per_minute * batch_headroom +
        batch_burst`` batch calls."""
        window = self.window_seconds
        minute = second = batch = None
        if self.per_minute:
            minute = _lane(self.per_minute, window, self.headroom, int(self.per_minute * self.burst_fraction))
        if self.per_second:
            second = _lane(self.per_second, window / 60, self.second_headroom, 1)
        if self.batch_per_minute:
            batch = _lane(self.batch_per_minute, window, self.batch_headroom, self.batch_burst)
        return Lanes(minute, second, batch)


def _lane(limit: int, window: float, headroom: float, burst: int) -> Lane:
    """The burst is cut to what the headroom leaves (``limit * headroom + burst <= limit``)."""
    burst = max(1, min(burst, int(limit * (1 - headroom) + 1e-9)))
    interval = window / (limit * headroom)
    return Lane(interval, (burst - 1) * interval)


def schedule(now: float, resume_at: float, lanes: list[tuple[float, Lane]]) -> tuple[float, list[float]]:
    """GCRA over several lanes: (send time, new ``tat`` of each lane) for one request that uses
    every lane in ``lanes`` (pairs of current ``tat`` and lane)."""
    send = max([now, resume_at, *(tat - lane.tolerance for tat, lane in lanes)])
    return send, [max(tat, send) + lane.interval for tat, lane in lanes]


def late_grace(lanes: list[tuple[int, Lane]]) -> float:
    """How late after its time a woken caller may still send: half the shortest interval of the
    lanes it uses. Any window of a lane then holds the bookings of a window ``interval / 2``
    longer at most (for QBO's second lane: 6.5 a second of 10)."""
    return min((lane.interval for _, lane in lanes), default=math.inf) / 2


async def wait_for_turn(book: Callable[[], Awaitable[float]], grace: float, *, clock: Clock, sleep: Sleep) -> None:
    """Wait until a request may be sent. ``book`` books a send time on the lanes and returns it
    on ``clock``; a caller that wakes more than ``grace`` after that time books again instead of
    sending (at most :data:`MAX_BOOKINGS` times)."""
    for _ in range(MAX_BOOKINGS):
        due = await book()
        if due <= clock():
            return
        await sleep(due - clock())
        if clock() - due <= grace:
            return
    log.warning("sending after %s late wake-ups in a row (the host is overloaded)", MAX_BOOKINGS)


def cooldown_for(limits: LedgerLimits, seconds: float | None) -> float:
    return limits.cooldown_seconds if seconds is None else min(seconds, limits.cooldown_seconds)


class LedgerBudget(Protocol):
    """One ledger company's budget, as its connector's client uses it."""

    def slot(self, *, batch: bool = False) -> AbstractAsyncContextManager[None]:
        """Wait for a concurrency slot and the request's scheduled time; hold the slot while the
        request is in flight."""
        ...

    async def cool_down(self, seconds: float | None = None) -> None:
        """After an over-limit answer: no request of this company starts for ``seconds`` (at most
        the limits' ``cooldown_seconds``; all of it when ``None``)."""
        ...


class LedgerBudgets(Protocol):
    """Port: the budget of each ledger company, by (ledger kind, company id)."""

    def get(self, ledger_kind: str, company_id: str, limits: LedgerLimits) -> LedgerBudget: ...


class MemoryLedgerBudget:
    """A company's lanes in this process (monotonic clock), with an ``asyncio.Semaphore``."""

    def __init__(self, limits: LedgerLimits, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.limits = limits
        self._lanes = limits.lanes()
        self._tats = [0.0, 0.0, 0.0]
        self._concurrency = asyncio.Semaphore(limits.concurrent)
        self._resume_at = -math.inf
        self._clock = clock
        self._sleep = sleep

    async def cool_down(self, seconds: float | None = None) -> None:
        self._resume_at = max(self._resume_at, self._clock() + cooldown_for(self.limits, seconds))

    @asynccontextmanager
    async def slot(self, *, batch: bool = False) -> AsyncIterator[None]:
        used = self._lanes.for_request(batch=batch)

        async def book() -> float:
            send, tats = schedule(self._clock(), self._resume_at, [(self._tats[i], lane) for i, lane in used])
            for (index, _), tat in zip(used, tats, strict=True):
                self._tats[index] = tat
            return send

        async with self._concurrency:
            await wait_for_turn(book, late_grace(used), clock=self._clock, sleep=self._sleep)
            yield


class MemoryLedgerBudgets:
    """One :class:`MemoryLedgerBudget` per (ledger kind, company) per event loop."""

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[str, str], MemoryLedgerBudget]
        ] = weakref.WeakKeyDictionary()

    def get(self, ledger_kind: str, company_id: str, limits: LedgerLimits) -> MemoryLedgerBudget:
        per_loop = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        key = (ledger_kind, company_id)
        budget = per_loop.get(key)
        if budget is None or budget.limits != limits:
            budget = per_loop[key] = MemoryLedgerBudget(limits, clock=self._clock, sleep=self._sleep)
        return budget


DEFAULT_BUDGETS = MemoryLedgerBudgets()
"""The process-local default, for tools and tests; the services inject ``PostgresLedgerBudgets``."""
