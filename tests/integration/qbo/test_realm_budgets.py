"""Contract of the ``RealmBudgets`` port, run against both adapters: the process-local one and the
PostgreSQL one shared by several "processes" (separate adapters, pools and holders on one realm).
Limits are scaled down (a one-second window) so a run takes seconds."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ledgerbridge_common.canonical.models import ObjectType, Vendor
from ledgerbridge_common.connectors.ports import BatchItem
from ledgerbridge_common.connectors.qbo import QboConnector
from ledgerbridge_common.connectors.qbo.budget_postgres import PostgresRealmBudgets
from ledgerbridge_common.connectors.qbo.limits import MemoryRealmBudgets, QboLimits, RealmBudgets
from ledgerbridge_common.errors import InfrastructureError
from tests.integration.qbo.conftest import Harness
from tests.support.servers import free_ports

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

LIMITS = QboLimits(per_minute=60, window_seconds=1.0, concurrent=4, batch_per_minute=6, cooldown_seconds=5)


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[list[AsyncEngine]]:
    made = [create_async_engine(database_url, pool_size=3) for _ in range(3)]
    yield made
    for engine in made:
        await engine.dispose()


def _adapters(kind: str, engines: list[AsyncEngine]) -> list[RealmBudgets]:
    if kind == "memory":
        return [MemoryRealmBudgets()]
    return [PostgresRealmBudgets(engine) for engine in engines]


def _worst(stamps: list[float], window: float) -> int:
    stamps = sorted(stamps)
    return max((sum(1 for t in stamps if s <= t < s + window) for s in stamps), default=0)


@pytest.mark.parametrize("kind", ["memory", "postgres"])
async def test_every_window_stays_under_the_limits_whoever_calls(kind: str, engines: list[AsyncEngine]) -> None:
    realm = uuid.uuid4().hex[:12]
    budgets = [adapter.get(realm, LIMITS) for adapter in _adapters(kind, engines)]
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
    assert _worst(requests, LIMITS.window_seconds) <= LIMITS.per_minute  # QBO admits up to the limit
    assert _worst(batches, LIMITS.window_seconds) <= LIMITS.batch_per_minute
    assert peak <= LIMITS.concurrent


@pytest.mark.parametrize("kind", ["memory", "postgres"])
async def test_a_cool_down_holds_back_every_caller(kind: str, engines: list[AsyncEngine]) -> None:
    realm = uuid.uuid4().hex[:12]
    adapters = _adapters(kind, engines)
    first, other = adapters[0].get(realm, LIMITS), adapters[-1].get(realm, LIMITS)
    async with first.slot():
        pass
    began = time.monotonic()
    await first.cool_down(0.6)
    async with other.slot():
        waited = time.monotonic() - began
    assert waited >= 0.5


async def test_a_dead_holders_slot_comes_back_after_its_lease(engines: list[AsyncEngine]) -> None:
    realm = uuid.uuid4().hex[:12]
    one_slot = QboLimits(per_minute=600, window_seconds=1.0, concurrent=1)
    dead = PostgresRealmBudgets(engines[0], lease_seconds=0.5).get(realm, one_slot)
    await dead._ensure()
    await dead._take()  # never given back, as if the process had been killed
    alive = PostgresRealmBudgets(engines[1]).get(realm, one_slot)
    began = time.monotonic()
    async with alive.slot():
        waited = time.monotonic() - began
    assert 0.3 <= waited < 5


async def test_the_slot_is_given_back_when_the_request_fails(engines: list[AsyncEngine]) -> None:
    realm = uuid.uuid4().hex[:12]
    one_slot = QboLimits(per_minute=600, window_seconds=1.0, concurrent=1)
    budget = PostgresRealmBudgets(engines[0]).get(realm, one_slot)
    with pytest.raises(RuntimeError):
        async with budget.slot():
            raise RuntimeError("the vendor call failed")
    other = PostgresRealmBudgets(engines[1]).get(realm, one_slot)
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
            async with PostgresRealmBudgets(engine).get("r1", LIMITS).slot():
                sent = True
    finally:
        await engine.dispose()
    assert not sent


async def _three_processes_burst(harness: Harness, budgets: list[RealmBudgets]) -> list[object]:
    limits = QboLimits(per_minute=500, window_seconds=3, concurrent=10, batch_per_minute=40, cooldown_seconds=1)
    connectors = [harness.connector(limits=limits, budgets=b, max_retries=0) for b in budgets]

    async def reads(qbo: QboConnector) -> None:
        for n in range(150):
            await qbo.read(ObjectType.ACCOUNT, str(1 + n % 15))

    async def batches(qbo: QboConnector, who: int) -> None:
        for n in range(20):
            name = f"P{who} {uuid.uuid4().hex[:8]} {n}"
            await qbo.batch([BatchItem(item_id="v", obj=Vendor(name=name))], request_id=uuid.uuid4().hex[:30])

    jobs = [reads(q) for q in connectors for _ in range(2)] + [batches(q, n) for n, q in enumerate(connectors)]
    return list(await asyncio.gather(*jobs, return_exceptions=True))


async def test_three_processes_sharing_the_postgres_budget_never_meet_a_429(
    harness: Harness, engines: list[AsyncEngine]
) -> None:
    """The sandbox enforces QBO's limits with the minute scaled to 3 s; three connectors with
    budgets of their own (as posting, the engine and the sweeper are) send 900 reads and 60 batch
    calls (over the 40-per-window batch limit) together."""
    await harness.limits(enabled=True, per_minute=500, window_seconds=3, concurrent=10, batch_per_minute=40)
    await harness.control.post(f"/_sandbox/realms/{harness.realm_id}/counters/reset")
    results = await _three_processes_burst(harness, [PostgresRealmBudgets(e) for e in engines])
    assert [r for r in results if r is not None] == []
    counters = await harness.counters()
    assert counters["throttled_429"] == 0 and counters["batches"] == 60


async def test_three_processes_each_pacing_alone_do_meet_429s(harness: Harness) -> None:
    """The contrast: the same load with a process-local budget each (what we had before)."""
    await harness.limits(enabled=True, per_minute=500, window_seconds=3, concurrent=10, batch_per_minute=40)
    await harness.control.post(f"/_sandbox/realms/{harness.realm_id}/counters/reset")
    await _three_processes_burst(harness, [MemoryRealmBudgets() for _ in range(3)])
    assert (await harness.counters())["throttled_429"] > 0
