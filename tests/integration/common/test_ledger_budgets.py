"""Contract of the ``LedgerBudgets`` port, run against both adapters: the process-local one and the
PostgreSQL one shared by several "processes" (separate adapters, pools and holders on one ledger
company). Limits are scaled down (a three-second "minute", long next to a busy machine's late
wake-ups) so a run takes seconds; the per-second lane is checked at its real size."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ledgerbridge_common.connectors.budget import LedgerBudgets, LedgerLimits, MemoryLedgerBudgets
from ledgerbridge_common.connectors.budget_postgres import PostgresLedgerBudgets
from ledgerbridge_common.errors import InfrastructureError
from tests.support.servers import free_ports

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

LIMITS = LedgerLimits(concurrent=4, per_minute=60, batch_per_minute=6, window_seconds=3.0, cooldown_seconds=5)
KIND = "test_ledger"


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[list[AsyncEngine]]:
    made = [create_async_engine(database_url, pool_size=3) for _ in range(3)]
    yield made
    for engine in made:
        await engine.dispose()


def _adapters(kind: str, engines: list[AsyncEngine]) -> list[LedgerBudgets]:
    if kind == "memory":
        return [MemoryLedgerBudgets()]
    return [PostgresLedgerBudgets(engine) for engine in engines]


def _worst(stamps: list[float], window: float) -> int:
    stamps = sorted(stamps)
    return max((sum(1 for t in stamps if s <= t < s + window) for s in stamps), default=0)


@pytest.mark.parametrize("kind", ["memory", "postgres"])
async def test_every_window_stays_under_the_limits_whoever_calls(kind: str, engines: list[AsyncEngine]) -> None:
    # a six-second "minute": the stamps are taken when each caller wakes, so a wake-up later than one
    # batch interval (here 1 s) would show as one call too many in a window the budget kept
    limits = dataclasses.replace(LIMITS, window_seconds=6.0)
    realm = uuid.uuid4().hex[:12]  # the company id
    budgets = [adapter.get(KIND, realm, limits) for adapter in _adapters(kind, engines)]
    requests: list[float] = []
    batches: list[float] = []
    in_flight = peak = 0

    async def one(n: int) -> None:
        nonlocal in_flight, peak
        batch = n % 5 == 0
        async with budgets[n % len(budgets)].slot(batch=batch):
            now = time.monotonic()
            requests.append(now)
            if batch:
                batches.append(now)
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.02)
            in_flight -= 1

    await asyncio.gather(*(one(n) for n in range(100)))
    assert len(requests) == 100 and len(batches) == 20
    assert _worst(requests, limits.window_seconds) <= limits.per_minute  # QBO admits up to the limit
    assert _worst(batches, limits.window_seconds) <= limits.batch_per_minute
    assert peak <= limits.concurrent


@pytest.mark.parametrize("kind", ["memory", "postgres"])
async def test_a_cool_down_holds_back_every_caller(kind: str, engines: list[AsyncEngine]) -> None:
    realm = uuid.uuid4().hex[:12]  # the company id
    adapters = _adapters(kind, engines)
    first, other = adapters[0].get(KIND, realm, LIMITS), adapters[-1].get(KIND, realm, LIMITS)
    async with first.slot():
        pass
    began = time.monotonic()
    await first.cool_down(0.6)
    async with other.slot():
        waited = time.monotonic() - began
    assert waited >= 0.5


async def test_a_dead_holders_slot_comes_back_after_its_lease(engines: list[AsyncEngine]) -> None:
    realm = uuid.uuid4().hex[:12]  # the company id
    one_slot = LedgerLimits(concurrent=1, per_minute=600, window_seconds=1.0)
    dead = PostgresLedgerBudgets(engines[0], lease_seconds=0.5).get(KIND, realm, one_slot)
    await dead._ensure()
    await dead._take()  # never given back, as if the process had been killed
    alive = PostgresLedgerBudgets(engines[1]).get(KIND, realm, one_slot)
    began = time.monotonic()
    async with alive.slot():
        waited = time.monotonic() - began
    assert 0.3 <= waited < 5


async def test_the_slot_is_given_back_when_the_request_fails(engines: list[AsyncEngine]) -> None:
    realm = uuid.uuid4().hex[:12]  # the company id
    one_slot = LedgerLimits(concurrent=1, per_minute=600, window_seconds=1.0)
    budget = PostgresLedgerBudgets(engines[0]).get(KIND, realm, one_slot)
    with pytest.raises(RuntimeError):
        async with budget.slot():
            raise RuntimeError("the vendor call failed")
    other = PostgresLedgerBudgets(engines[1]).get(KIND, realm, one_slot)
    await asyncio.wait_for(_enter(other.slot), timeout=2)


async def _enter(slot: Callable[[], object]) -> None:
    async with slot():  # type: ignore[attr-defined]
        pass


async def test_postgres_down_is_an_infrastructure_error_before_anything_is_sent() -> None:
    (port,) = free_ports(1)
    engine = create_async_engine(f"postgresql+asyncpg://nobody:x@127.0.0.1:{port}/none")
    sent = False
    try:
        with pytest.raises(InfrastructureError):
            async with PostgresLedgerBudgets(engine).get(KIND, "r1", LIMITS).slot():
                sent = True
    finally:
        await engine.dispose()
    assert not sent


@pytest.mark.parametrize("kind", ["memory", "postgres"])
async def test_the_per_second_lane_spreads_a_burst_the_minute_lane_would_allow(
    kind: str, engines: list[AsyncEngine]
) -> None:
    """30 requests at once fit the minute lane's burst (50 of 500); any second still holds at most
    10 of them (QBO: 10 requests per second per realm)."""
    limits = LedgerLimits(concurrent=10, per_minute=500, per_second=10, second_headroom=0.8)  # room for late wake-ups
    company = uuid.uuid4().hex[:12]
    budgets = [adapter.get(KIND, company, limits) for adapter in _adapters(kind, engines)]
    stamps: list[float] = []

    async def one(n: int) -> None:
        async with budgets[n % len(budgets)].slot():
            stamps.append(time.monotonic())

    await asyncio.gather(*(one(n) for n in range(30)))
    assert len(stamps) == 30 and _worst(stamps, 1.0) <= 10


@pytest.mark.parametrize("kind", ["memory", "postgres"])
async def test_ledger_kinds_have_budgets_of_their_own(kind: str, engines: list[AsyncEngine]) -> None:
    """The same company id under two ledger kinds: a cool-down of one holds nothing of the other."""
    company = uuid.uuid4().hex[:12]
    adapter = _adapters(kind, engines)[0]
    cooling, other = adapter.get(KIND, company, LIMITS), adapter.get("other_ledger", company, LIMITS)
    await cooling.cool_down(5)
    began = time.monotonic()
    async with other.slot():
        waited = time.monotonic() - began
    assert waited < 2


async def test_postgres_callers_woken_late_together_book_again(engines: list[AsyncEngine]) -> None:
    """The host is busy for 1.5 s from the first caller's sleep: every sleep that would end in that
    spell ends at its end, so the callers whose send times passed wake together; they book again
    rather than send as one burst."""
    limits = LedgerLimits(concurrent=10, per_minute=500, per_second=10)
    busy_until: list[float] = []

    async def busy_sleep(seconds: float) -> None:
        now = time.monotonic()
        busy_until[:] = busy_until or [now + 1.5]
        await asyncio.sleep(max(seconds, busy_until[0] - now))

    company = uuid.uuid4().hex[:12]
    budgets = [PostgresLedgerBudgets(engine, sleep=busy_sleep).get(KIND, company, limits) for engine in engines]
    for budget in budgets:
        await budget._ensure()
    stamps: list[float] = []

    async def one(n: int) -> None:
        async with budgets[n % len(budgets)].slot():
            stamps.append(time.monotonic())

    await asyncio.gather(*(one(n) for n in range(24)))
    assert len(stamps) == 24 and _worst(stamps, 1.0) <= 10
