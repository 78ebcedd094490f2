"""Coalesce the small calls of concurrent requests into one call (one database round trip).

A call that arrives while no batch is running starts one at once with its own items (no added
delay when idle); calls that arrive while a batch is in flight wait and go together in the next
one. Every caller of a batch gets that batch's result, or its exception."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Coalescer(Generic[Item, Result]):
    def __init__(self, run: Callable[[list[Item]], Awaitable[Result]], *, max_items: int = 1000) -> None:
        self._run = run
        self._max_items = max_items
        self._waiting: list[tuple[Sequence[Item], asyncio.Future[Result]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, items: Sequence[Item]) -> Result:
        """The result of the batch these items went out in (raises what that batch raised)."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((items, future))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain())
        return await future

    def _next_batch(self) -> list[tuple[Sequence[Item], asyncio.Future[Result]]]:
        taken, count = 0, 0
        for items, _ in self._waiting:
            if taken and count + len(items) > self._max_items:
                break
            taken += 1
            count += len(items)
        batch, self._waiting = self._waiting[:taken], self._waiting[taken:]
        return batch

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._next_batch()
                try:
                    result = await self._run([item for items, _ in batch for item in items])
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
                    if not isinstance(exc, Exception):
                        raise
                else:
                    for _, future in batch:
                        if not future.done():
                            future.set_result(result)
        finally:
            for _, future in self._waiting:  # only when the drainer itself was cancelled
                if not future.done():
                    future.set_exception(RuntimeError("batch runner stopped"))
            self._waiting = []
            self._drainer = None
