"""Stay under QBO's per-realm limits instead of bouncing off them.

QBO counts 500 requests per sliding minute, 10 concurrent requests and 40 batch calls per minute
per realm. :class:`RealmLimiter` combines an ``asyncio.Semaphore`` (concurrency) with aiolimiter
leaky buckets sized so that *any* window of ``window_seconds`` holds at most
``(burst_fraction + headroom) * limit`` requests (a leaky bucket of capacity B draining at r/s
lets B + r·T through in T seconds). After a 429 the realm cools down (Intuit: wait 60 s).

One limiter per realm is shared by every connector instance of the process (per event loop),
through :data:`DEFAULT_REGISTRY`.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiolimiter import AsyncLimiter


@dataclass(frozen=True)
class QboLimits:
    per_minute: int = 500
    window_seconds: float = 60.0
    concurrent: int = 10
    batch_per_minute: int = 40
    headroom: float = 0.85
    burst_fraction: float = 0.1
    cooldown_seconds: float = 60.0


def _bucket(limit: int, window: float, limits: QboLimits) -> AsyncLimiter:
    burst = max(1.0, limit * limits.burst_fraction)
    rate = limit * limits.headroom / window  # per second
    return AsyncLimiter(burst, burst / rate)


class RealmLimiter:
    def __init__(self, limits: QboLimits) -> None:
        self.limits = limits
        self._requests = _bucket(limits.per_minute, limits.window_seconds, limits)
        self._batches = _bucket(limits.batch_per_minute, limits.window_seconds, limits)
        self._concurrency = asyncio.Semaphore(limits.concurrent)
        self._resume_at = 0.0

    def cool_down(self, seconds: float | None = None) -> None:
        wait = self.limits.cooldown_seconds if seconds is None else min(seconds, self.limits.cooldown_seconds)
        self._resume_at = max(self._resume_at, time.monotonic() + wait)

    @asynccontextmanager
    async def slot(self, *, batch: bool = False) -> AsyncIterator[None]:
        async with self._concurrency:
            wait = self._resume_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if batch:
                await self._batches.acquire()
            await self._requests.acquire()
            yield


class LimiterRegistry:
    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, RealmLimiter]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, realm_id: str, limits: QboLimits) -> RealmLimiter:
        per_loop = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        limiter = per_loop.get(realm_id)
        if limiter is None or limiter.limits != limits:
            limiter = per_loop[realm_id] = RealmLimiter(limits)
        return limiter


DEFAULT_REGISTRY = LimiterRegistry()
