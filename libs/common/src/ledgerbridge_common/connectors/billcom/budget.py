"""BILL's request budget: what every process that calls BILL schedules through.

BILL counts (``../shared/reference/billcom.md`` §1.3, ``sandbox/billcom/README.md``):

* 20,000 requests per devKey per **clock hour** — over it ``BDC_1144`` and every call of the devKey
  fails until the top of the next hour; all the organizations a deployment serves share it;
* 200 logins per devKey per clock hour (also ``BDC_1144``);
* 3 requests in flight per (devKey, organization) — over it ``BDC_1322``.

A request *charges* the devKey's hour before it is sent (a login charges the login lane too). When
the hour's allowance (``BillLimits.headroom`` of BILL's limit) is spent, the request is not sent:
:class:`BudgetSpentError` says "BILL's hourly request limit; resumes at HH:00"; the consumers
wait for that time instead of failing the work (``kafka/records.py``). The concurrency slot is held
while the request is in flight.

Where the counts live is the port :class:`BillBudgets`, keyed by devKey (never stored in clear:
:func:`dev_key_id`):

* :class:`MemoryBillBudgets` — this process only (tools, tests);
* ``PostgresBillBudgets`` (``budget_postgres.py`` next to this module) — shared by every process
  and replica through PostgreSQL (schema ``ledger_budget``), which is what the services use.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from ledgerbridge_common.errors import BudgetSpentError

BILL_HOURLY_LIMIT = 20_000
BILL_LOGIN_HOURLY_LIMIT = 200
BILL_CONCURRENCY = 3
SPENT_CODE = "bill_hourly_limit"


@dataclass(frozen=True)
class BillLimits:
    """A devKey's limits as BILL documents them, and how much of them LedgerBridge uses."""

    hourly: int = BILL_HOURLY_LIMIT
    login_hourly: int = BILL_LOGIN_HOURLY_LIMIT
    concurrent: int = BILL_CONCURRENCY
    """Requests in flight per (devKey, organization)."""
    headroom: float = 0.98
    """Share of each hourly limit LedgerBridge sends (the rest absorbs a clock a little apart from
    BILL's and the companies' own users of the same devKey)."""
    window_seconds: float = 3600.0
    """BILL's clock hour (tests shrink it)."""

    @property
    def requests_allowed(self) -> int:
        return max(1, int(self.hourly * self.headroom))

    @property
    def logins_allowed(self) -> int:
        return max(1, int(self.login_hourly * self.headroom))


def dev_key_id(dev_key: str) -> str:
    """How a devKey is named in the budget, the metrics and the status: a digest, never the key."""
    return hashlib.sha256(dev_key.encode()).hexdigest()[:16]


def window_start(now: float, window: float) -> float:
    """Start of the clock window (hour) that holds ``now`` (Unix seconds)."""
    return now - (now % window)


def spent_error(resumes_at: float, *, login: bool = False, code: str = SPENT_CODE) -> BudgetSpentError:
    at = dt.datetime.fromtimestamp(resumes_at, dt.UTC).strftime("%H:%M")
    what = "login" if login else "request"
    return BudgetSpentError(
        f"BILL's hourly {what} limit; resumes at {at}",
        resumes_at=resumes_at,
        retry_after=max(0.0, resumes_at - time.time()),
        code=code,
        vendor="billcom",
    )


@dataclass(frozen=True)
class BillUsage:
    """One devKey's hour so far."""

    dev_key_id: str
    window_start: float
    window_seconds: float
    requests: int
    logins: int
    hourly_limit: int
    login_limit: int
    allowed: int

    def forecast(self, now: float | None = None) -> int:
        """Requests at the end of the hour at the rate so far (the first minute counts as a minute)."""
        elapsed = max((now or time.time()) - self.window_start, min(60.0, self.window_seconds))
        return round(self.requests * self.window_seconds / elapsed)

    def as_dict(self, now: float | None = None) -> dict[str, Any]:
        now = now or time.time()
        start = dt.datetime.fromtimestamp(self.window_start, dt.UTC)
        forecast = self.forecast(now)
        return {
            "dev_key": self.dev_key_id,
            "hour_start": start.isoformat(),
            "used": self.requests,
            "limit": self.hourly_limit,
            "used_ratio": round(self.requests / self.hourly_limit, 4),
            "forecast": forecast,
            "forecast_ratio": round(forecast / self.hourly_limit, 4),
            "logins": self.logins,
            "login_limit": self.login_limit,
            "parked": self.requests >= self.allowed,
            "resumes_at": (start + dt.timedelta(seconds=self.window_seconds)).isoformat(),
        }


class BillBudget(Protocol):
    """One (devKey, organization) as its client uses it."""

    dev_key_id: str

    def slot(self, *, login: bool = False) -> AbstractAsyncContextManager[None]:
        """Wait for one of the organization's concurrency slots and charge the devKey's hour
        (raises :class:`BudgetSpentError` when it is spent; nothing is sent then); hold the slot
        while the request is in flight."""
        ...

    async def spent(self, *, login: bool = False) -> None:
        """BILL answered ``BDC_1144``: the devKey's hour is spent, whatever the count says."""
        ...


class BillBudgets(Protocol):
    """Port: each devKey's hour and each (devKey, organization)'s slots."""

    def get(self, dev_key: str, organization_id: str, limits: BillLimits) -> BillBudget: ...

    async def usage(self) -> list[BillUsage]:
        """Every devKey's current hour (devKeys unused this hour are left out)."""
        ...


@dataclass
class _Hour:
    start: float = 0.0
    requests: int = 0
    logins: int = 0


@dataclass
class MemoryBillBudget:
    dev_key_id: str
    limits: BillLimits
    hour: _Hour
    semaphore: asyncio.Semaphore
    in_flight: int = 0
    max_in_flight: int = 0

    def _current(self) -> _Hour:
        start = window_start(time.time(), self.limits.window_seconds)
        if self.hour.start != start:
            self.hour.start, self.hour.requests, self.hour.logins = start, 0, 0
        return self.hour

    def charge(self, *, login: bool) -> None:
        hour = self._current()
        full = hour.requests >= self.limits.requests_allowed
        if full or (login and hour.logins >= self.limits.logins_allowed):
            raise spent_error(hour.start + self.limits.window_seconds, login=login and not full)
        hour.requests += 1
        hour.logins += 1 if login else 0

    @asynccontextmanager
    async def slot(self, *, login: bool = False) -> AsyncIterator[None]:
        async with self.semaphore:
            self.charge(login=login)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1

    async def spent(self, *, login: bool = False) -> None:
        hour = self._current()
        if login:
            hour.logins = max(hour.logins, self.limits.logins_allowed)
        else:
            hour.requests = max(hour.requests, self.limits.requests_allowed)


@dataclass
class _LoopState:
    hours: dict[str, tuple[_Hour, BillLimits]] = field(default_factory=dict)
    orgs: dict[tuple[str, str], MemoryBillBudget] = field(default_factory=dict)


class MemoryBillBudgets:
    """Each devKey's hour and each organization's slots in this process, per event loop."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    def get(self, dev_key: str, organization_id: str, limits: BillLimits) -> MemoryBillBudget:
        state = self._by_loop.setdefault(asyncio.get_running_loop(), _LoopState())
        key_id = dev_key_id(dev_key)
        hour, _ = state.hours.setdefault(key_id, (_Hour(), limits))
        state.hours[key_id] = (hour, limits)
        budget = state.orgs.get((key_id, organization_id))
        if budget is None or budget.limits != limits:
            semaphore = asyncio.Semaphore(limits.concurrent)
            budget = state.orgs[(key_id, organization_id)] = MemoryBillBudget(key_id, limits, hour, semaphore)
        return budget

    async def usage(self) -> list[BillUsage]:
        state = self._by_loop.get(asyncio.get_running_loop(), _LoopState())
        now = time.time()
        return [
            BillUsage(
                key_id,
                hour.start,
                limits.window_seconds,
                hour.requests,
                hour.logins,
                limits.hourly,
                limits.login_hourly,
                limits.requests_allowed,
            )
            for key_id, (hour, limits) in sorted(state.hours.items())
            if hour.start == window_start(now, limits.window_seconds)
        ]


DEFAULT_BILL_BUDGETS = MemoryBillBudgets()
"""The process-local default, for tools and tests; the services inject ``PostgresBillBudgets``."""
