"""Posting's cached connection state: kept for its time unless forgotten, errors never kept."""

from __future__ import annotations

import pytest

from ledgerbridge_common.errors import RetryableError
from posting_service.lifecycle import CachedConnectionGate


class Source:
    def __init__(self) -> None:
        self.off: set[str] = set()
        self.asked = 0
        self.forgotten: list[str] = []
        self.failing = False

    async def disconnected(self, connection_id: str) -> bool:
        self.asked += 1
        if self.failing:
            raise RetryableError("prefs-api unreachable", vendor="prefs-api")
        return connection_id in self.off

    def forget(self, connection_id: str) -> None:
        self.forgotten.append(connection_id)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_state_is_read_once_within_its_time() -> None:
    source, clock = Source(), Clock()
    gate = CachedConnectionGate(source, seconds=30, clock=clock)
    assert [await gate.disconnected("c1") for _ in range(5)] == [False] * 5
    assert source.asked == 1
    source.off.add("c1")
    clock.now += 29
    assert await gate.disconnected("c1") is False  # still the kept state
    clock.now += 1
    assert await gate.disconnected("c1") is True  # its time is up: read again
    assert source.asked == 2


async def test_forget_reads_again_and_is_per_connection() -> None:
    source = Source()
    gate = CachedConnectionGate(source, seconds=3600, clock=Clock())
    assert await gate.disconnected("c1") is False
    assert await gate.disconnected("c2") is False
    source.off.update({"c1", "c2"})
    gate.forget("c1")
    assert source.forgotten == ["c1"]
    assert await gate.disconnected("c1") is True
    assert await gate.disconnected("c2") is False  # c2 not forgotten
    assert source.asked == 3


async def test_an_error_is_raised_and_not_kept() -> None:
    source = Source()
    gate = CachedConnectionGate(source, seconds=3600, clock=Clock())
    source.failing = True
    with pytest.raises(RetryableError):
        await gate.disconnected("c1")
    source.failing = False
    assert await gate.disconnected("c1") is False
    assert source.asked == 2
