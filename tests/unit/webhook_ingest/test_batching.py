"""Concurrent deliveries share one dedupe look-up and one record statement; process tuning."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable, Sequence

import pytest

from ledgerbridge_common.runtime import GC_THRESHOLDS, tune_gc
from webhook_ingest.adapters.batching import Coalescer
from webhook_ingest.adapters.deliveries import BatchedDeliveryStore, DeliveryRecord, InMemoryDeliveryStore, Key


class CountingStore(InMemoryDeliveryStore):
    """The in-memory store, counting calls and holding each call until released."""

    def __init__(self) -> None:
        super().__init__()
        self.known_calls: list[set[Key]] = []
        self.record_calls: list[list[DeliveryRecord]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def known(self, keys: Iterable[Key]) -> set[Key]:
        wanted = set(keys)
        self.known_calls.append(wanted)
        await self.gate.wait()
        return await super().known(wanted)

    async def record(self, records: Sequence[DeliveryRecord]) -> None:
        self.record_calls.append(list(records))
        await self.gate.wait()
        await super().record(records)


def rec(connection_id: str, key: str) -> DeliveryRecord:
    return DeliveryRecord(connection_id, key, "billcom", f"ev-{key}", "produced")


async def test_calls_arriving_during_a_batch_go_out_together_in_the_next():
    inner = CountingStore()
    store = BatchedDeliveryStore(inner)
    inner.gate.clear()
    first = asyncio.create_task(store.known([("c1", "k1")]))
    await asyncio.sleep(0)  # the first batch is in flight, held at the gate
    rest = [asyncio.create_task(store.known([("c1", f"k{i}")])) for i in range(2, 12)]
    await asyncio.sleep(0)
    inner.gate.set()
    await asyncio.gather(first, *rest)
    assert inner.known_calls == [{("c1", "k1")}, {("c1", f"k{i}") for i in range(2, 12)}]


async def test_each_caller_gets_only_its_own_known_keys():
    inner = CountingStore()
    await inner.record([rec("c1", "a"), rec("c2", "b")])
    store = BatchedDeliveryStore(inner)
    inner.gate.clear()
    mine = asyncio.create_task(store.known([("c1", "a"), ("c1", "x")]))
    theirs = asyncio.create_task(store.known([("c2", "b")]))
    other = asyncio.create_task(store.known([("c3", "z")]))
    await asyncio.sleep(0)
    inner.gate.set()
    assert await mine == {("c1", "a")}
    assert await theirs == {("c2", "b")}
    assert await other == set()


async def test_records_of_concurrent_deliveries_are_one_statement_and_all_stored():
    inner = CountingStore()
    store = BatchedDeliveryStore(inner)
    inner.gate.clear()
    first = asyncio.create_task(store.record([rec("c1", "k0")]))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(store.record([rec("c1", f"k{i}"), rec("c2", f"k{i}")])) for i in range(1, 6)]
    await asyncio.sleep(0)
    inner.gate.set()
    await asyncio.gather(first, *rest)
    assert [len(call) for call in inner.record_calls] == [1, 10]
    assert set(inner.records) == {("c1", "k0")} | {(c, f"k{i}") for c in ("c1", "c2") for i in range(1, 6)}


async def test_a_failed_batch_fails_every_caller_in_it_and_the_next_batch_runs():
    inner = CountingStore()
    store = BatchedDeliveryStore(inner)
    inner.fail = True
    inner.gate.clear()
    calls = [asyncio.create_task(store.known([("c1", f"k{i}")])) for i in range(3)]
    await asyncio.sleep(0)
    inner.gate.set()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)
    inner.fail = False
    assert await store.known([("c1", "k0")]) == set()


async def test_empty_calls_do_not_reach_the_store():
    inner = CountingStore()
    store = BatchedDeliveryStore(inner)
    assert await store.known([]) == set()
    await store.record([])
    assert inner.known_calls == [] and inner.record_calls == []


async def test_batches_are_bounded_in_items():
    seen: list[int] = []
    gate = asyncio.Event()

    async def run(items: list[int]) -> int:
        seen.append(len(items))
        await gate.wait()
        return len(items)

    coalescer: Coalescer[int, int] = Coalescer(run, max_items=5)
    first = asyncio.create_task(coalescer.submit([0]))
    await asyncio.sleep(0)
    later = [asyncio.create_task(coalescer.submit([1, 2])) for _ in range(4)]
    await asyncio.sleep(0)
    gate.set()
    assert await first == 1
    assert await asyncio.gather(*later) == [4, 4, 4, 4]
    assert seen == [1, 4, 4]


async def test_a_cancelled_caller_does_not_break_the_batch_of_the_others():
    gate = asyncio.Event()

    async def run(items: list[int]) -> int:
        await gate.wait()
        return sum(items)

    coalescer: Coalescer[int, int] = Coalescer(run)
    first = asyncio.create_task(coalescer.submit([1]))
    await asyncio.sleep(0)
    leaving = asyncio.create_task(coalescer.submit([2]))
    staying = asyncio.create_task(coalescer.submit([3]))
    await asyncio.sleep(0)
    leaving.cancel()
    gate.set()
    assert await first == 1
    assert await staying == 5
    with pytest.raises(asyncio.CancelledError):
        await leaving


def test_tune_gc_freezes_what_start_up_built_and_raises_the_young_threshold():
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
