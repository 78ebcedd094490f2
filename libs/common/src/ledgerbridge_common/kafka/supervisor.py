"""Keeps one consumer running: a runner whose ``start()`` or ``run()`` fails is stopped and
replaced by a new one (a new Kafka client), after a pause; readiness reads ``running``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from ledgerbridge_common.kafka.consumer import ConsumerRunner

log = logging.getLogger(__name__)


class SupervisedConsumer:
    def __init__(self, build: Callable[[], ConsumerRunner], *, name: str, restart_seconds: float = 5.0) -> None:
        self.build = build
        self.name = name
        self.restart_seconds = restart_seconds
        self.runner: ConsumerRunner | None = None
        self.restarts = 0
        self._running = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """True while a runner is started and polling (the readiness check of a consumer)."""
        return self._running and self._task is not None and not self._task.done()

    @property
    def supervising(self) -> bool:
        """False only when supervision itself ended without being asked to (liveness)."""
        return self._task is None or not self._task.done() or self._stopping.is_set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep_running(), name=self.name)

    async def stop(self) -> None:
        """Stop the runner gracefully (see ``ConsumerRunner.stop``), then end supervision."""
        self._stopping.set()
        runner = self.runner
        if runner is not None:
            with contextlib.suppress(Exception):
                await runner.stop()
        if self._task is not None:
            try:
                async with asyncio.timeout(5):
                    await asyncio.shield(self._task)
            except (TimeoutError, Exception):  # noqa: BLE001 - ended either way below
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task

    async def _keep_running(self) -> None:
        while not self._stopping.is_set():
            runner = self.runner = self.build()
            try:
                await runner.start()
                self._running = True
                await runner.run()
            except Exception:
                log.exception("consumer %s failed; starting a new one in %.0f s", self.name, self.restart_seconds)
            finally:
                self._running = False
            if self._stopping.is_set():
                return
            self.restarts += 1
            with contextlib.suppress(Exception):
                await runner.stop()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.restart_seconds):
                    await self._stopping.wait()
