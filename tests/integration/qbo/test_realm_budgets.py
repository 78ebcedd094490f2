"""QBO's limits through the shared PostgreSQL budget, against the QBO sandbox's limit enforcement:
three "processes" (budgets of their own, one database) never meet a 429, where three process-local
budgets do."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ledgerbridge_common.canonical.models import ObjectType, Vendor
from ledgerbridge_common.connectors.budget import LedgerBudgets, MemoryLedgerBudgets
from ledgerbridge_common.connectors.budget_postgres import PostgresLedgerBudgets
from ledgerbridge_common.connectors.ports import BatchItem
from ledgerbridge_common.connectors.qbo import QboConnector, qbo_limits
from tests.integration.qbo.conftest import Harness

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[list[AsyncEngine]]:
    made = [create_async_engine(database_url, pool_size=3) for _ in range(3)]
    yield made
    for engine in made:
        await engine.dispose()


async def _three_processes_burst(harness: Harness, budgets: list[LedgerBudgets]) -> list[object]:
    limits = qbo_limits(per_minute=500, window_seconds=6, concurrent=10, batch_per_minute=40, cooldown_seconds=1)
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
    """The sandbox enforces QBO's limits with the minute scaled to 6 s (a busy machine that wakes
    a scheduled send late has 158 ms of slack per batch call); three connectors with
    budgets of their own (as posting, the engine and the sweeper are) send 900 reads and 60 batch
    calls (over the 40-per-window batch limit) together."""
    await harness.limits(enabled=True, per_minute=500, window_seconds=6, concurrent=10, batch_per_minute=40)
    await harness.control.post(f"/_sandbox/realms/{harness.realm_id}/counters/reset")
    results = await _three_processes_burst(harness, [PostgresLedgerBudgets(e) for e in engines])
    assert [r for r in results if r is not None] == []
    counters = await harness.counters()
    assert counters["throttled_429"] == 0 and counters["batches"] == 60


async def test_three_processes_each_pacing_alone_do_meet_429s(harness: Harness) -> None:
    """The contrast: the same load with a process-local budget each (what we had before)."""
    await harness.limits(enabled=True, per_minute=500, window_seconds=6, concurrent=10, batch_per_minute=40)
    await harness.control.post(f"/_sandbox/realms/{harness.realm_id}/counters/reset")
    await _three_processes_burst(harness, [MemoryLedgerBudgets() for _ in range(3)])
    assert (await harness.counters())["throttled_429"] > 0
