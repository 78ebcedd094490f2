"""Client-side limits for BILL: at most 3 requests in flight per (devKey, organization) and an
hourly budget per devKey that slows down before BILL's 20,000 requests/hour cap.

Limiters are shared by every connector of the same (devKey, org) in one event loop, so several
connector instances in one process still respect the vendor's limit together."""

from __future__ import annotations

import asyncio
import collections
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from ledgerbridge_common.errors import RateLimitedError

BILL_CONCURRENCY = 3
BILL_HOURLY_LIMIT = 20_000


class HourlyBudget:
    """Sliding one-hour window of request times for one devKey.

    Below ``soft_ratio`` of the limit calls go straight through; above it they are paced at the
    sustainable rate (``window / limit`` apart, at most ``max_wait``); at the limit a call waits
    for the oldest request to leave the window, or raises ``RateLimitedError`` when that wait is
    longer than ``max_wait``.
    ``block`` is used after BILL itself answered BDC_1144.
    """

    def __init__(
        self,
        limit: int = BILL_HOURLY_LIMIT,
        *,
        window: float = 3600.0,
        soft_ratio: float = 0.9,
        max_wait: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.soft = int(limit * soft_ratio)
        self.max_wait = max_wait
        self.clock = clock
        self.calls: collections.deque[float] = collections.deque()
        self.blocked_until = 0.0
        self._lock = asyncio.Lock()

    def _prune(self, now: float) -> None:
        while self.calls and now - self.calls[0] >= self.window:
            self.calls.popleft()

    def delay(self) -> tuple[float, bool]:
        """``(seconds to wait before the next call, whether that wait is a hard stop)``."""
        now = self.clock()
        self._prune(now)
        if now < self.blocked_until:
            return self.blocked_until - now, True
        used = len(self.calls)
        if used >= self.limit:
            return self.calls[0] + self.window - now, True
        if used >= self.soft and self.calls:
            return min(self.max_wait, max(0.0, self.calls[-1] + self.window / self.limit - now)), False
        return 0.0, False

    def block(self, seconds: float) -> None:
        self.blocked_until = max(self.blocked_until, self.clock() + seconds)

    @property
    def used(self) -> int:
        self._prune(self.clock())
        return len(self.calls)

    async def acquire(self) -> None:
        async with self._lock:
            wait, hard = self.delay()
            if hard and wait > self.max_wait:
                raise RateLimitedError(
                    "BILL hourly request budget exhausted",
                    retry_after=wait,
                    code="budget_exhausted",
                    vendor="billcom",
                )
            if wait > 0:
                await asyncio.sleep(wait)
            self.calls.append(self.clock())


@dataclass
class OrgLimiter:
    """The concurrency slot of one (devKey, org) plus the hourly budget of its devKey."""

    semaphore: asyncio.Semaphore
    budget: HourlyBudget
    in_flight: int = 0
    max_in_flight: int = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.budget.acquire()
        async with self.semaphore:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1


class LimiterRegistry:
    """Per-event-loop registry: ``(devKey, org) -> OrgLimiter`` sharing one budget per devKey."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[dict[tuple[str, str], OrgLimiter], dict[str, HourlyBudget]]
        ] = weakref.WeakKeyDictionary()

    def get(
        self, dev_key: str, org_id: str, *, hourly_limit: int = BILL_HOURLY_LIMIT, max_wait: float = 5.0
    ) -> OrgLimiter:
        loop = asyncio.get_running_loop()
        limiters, budgets = self._by_loop.setdefault(loop, ({}, {}))
        budget = budgets.get(dev_key)
        if budget is None:
            budget = budgets[dev_key] = HourlyBudget(hourly_limit, max_wait=max_wait)
        limiter = limiters.get((dev_key, org_id))
        if limiter is None:
            limiter = limiters[(dev_key, org_id)] = OrgLimiter(asyncio.Semaphore(BILL_CONCURRENCY), budget)
        return limiter


REGISTRY = LimiterRegistry()
