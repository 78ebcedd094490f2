"""Stay under QBO's per-realm limits instead of bouncing off them.

QBO counts, per realm and across every caller of that realm: 500 requests per sliding minute,
10 concurrent requests, and 40 batch calls per minute (a batch call also counts as a request).
A 429 costs a 60 s pause, so the goal is zero 429s, not retrying them well.

Each request is *scheduled* with the generic cell rate algorithm (GCRA) on two lanes: every
request on the request lane, a batch call also on the batch lane. A lane keeps a theoretical
arrival time ``tat``; a request may go at ``s = max(now, resume_at, tat - tolerance)`` on every lane
it uses, and each of those lanes moves to ``max(tat, s) + interval``. Any ``window`` then holds
fewer than ``window / interval + burst`` requests of a lane, which :meth:`QboLimits.lanes` keeps
under the vendor's limit (``headroom`` for steady state, ``burst`` after a quiet spell).

Where the lanes live is the port :class:`RealmBudgets`:

* :class:`MemoryRealmBudgets` — in this process only (tools, tests, a single process);
* ``PostgresRealmBudgets`` (``budget_postgres.py``) — shared by every process and replica through
  PostgreSQL, which is what the services use, because the vendor counts all of them together.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Lane:
    interval: float
    """Seconds between requests in steady state."""
    tolerance: float
    """How far ahead of its steady-state time a request may go: ``(burst - 1) * interval``."""


@dataclass(frozen=True)
class QboLimits:
    per_minute: int = 500
    window_seconds: float = 60.0
    concurrent: int = 10
    batch_per_minute: int = 40
    headroom: float = 0.85
    """Share of ``per_minute`` used in steady state (the rest absorbs bursts and clock jitter)."""
    burst_fraction: float = 0.1
    """Requests that may go at once after a quiet spell, as a share of ``per_minute``."""
    batch_headroom: float = 0.95
    """Share of ``batch_per_minute`` used in steady state (38 of 40)."""
    batch_burst: int = 2
    """Batch calls that may go back to back, so a pause of the caller (between two polls) is made
    up: any window holds at most 39 batch calls, one under QBO's 40, for clock jitter."""
    cooldown_seconds: float = 60.0

    def lanes(self) -> tuple[Lane, Lane]:
        """(request lane, batch lane). Any window holds fewer than ``per_minute * headroom + burst``
        requests and fewer than ``batch_per_minute * batch_headroom + batch_burst`` batch calls."""
        request = _lane(self.per_minute, self.window_seconds, self.headroom, int(self.per_minute * self.burst_fraction))
        batch = _lane(self.batch_per_minute, self.window_seconds, self.batch_headroom, self.batch_burst)
        return request, batch


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


class RealmBudget(Protocol):
    """One realm's budget, as the QBO client uses it."""

    def slot(self, *, batch: bool = False) -> AbstractAsyncContextManager[None]:
        """Wait for a concurrency slot and the request's scheduled time; hold the slot while the
        request is in flight."""
        ...

    async def cool_down(self, seconds: float | None = None) -> None:
        """After a 429: no request of this realm starts for ``seconds`` (at most the limits'
        ``cooldown_seconds``; all of it when ``None``)."""
        ...


class RealmBudgets(Protocol):
    """Port: the budget of each realm, by realm id."""

    def get(self, realm_id: str, limits: QboLimits) -> RealmBudget: ...


def cooldown_for(limits: QboLimits, seconds: float | None) -> float:
    return limits.cooldown_seconds if seconds is None else min(seconds, limits.cooldown_seconds)


class MemoryRealmBudget:
    """A realm's lanes in this process (monotonic clock), with an ``asyncio.Semaphore``."""

    def __init__(self, limits: QboLimits) -> None:
        self.limits = limits
        self._request_lane, self._batch_lane = limits.lanes()
        self._tats = [0.0, 0.0]
        self._concurrency = asyncio.Semaphore(limits.concurrent)
        self._resume_at = 0.0

    async def cool_down(self, seconds: float | None = None) -> None:
        self._resume_at = max(self._resume_at, time.monotonic() + cooldown_for(self.limits, seconds))

    @asynccontextmanager
    async def slot(self, *, batch: bool = False) -> AsyncIterator[None]:
        async with self._concurrency:
            lanes = [(self._tats[0], self._request_lane)]
            if batch:
                lanes.append((self._tats[1], self._batch_lane))
            now = time.monotonic()
            send, tats = schedule(now, self._resume_at, lanes)
            self._tats[: len(tats)] = tats
            if send > now:
                await asyncio.sleep(send - now)
            yield


class MemoryRealmBudgets:
    """One :class:`MemoryRealmBudget` per realm per event loop."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, MemoryRealmBudget]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, realm_id: str, limits: QboLimits) -> MemoryRealmBudget:
        per_loop = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        budget = per_loop.get(realm_id)
        if budget is None or budget.limits != limits:
            budget = per_loop[realm_id] = MemoryRealmBudget(limits)
        return budget


DEFAULT_BUDGETS = MemoryRealmBudgets()
"""The process-local default, for tools and tests; the services inject ``PostgresRealmBudgets``."""
