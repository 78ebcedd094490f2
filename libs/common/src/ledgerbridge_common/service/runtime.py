"""The runtime of one service process: settings, database engine, HTTP clients, Kafka publisher,
supervised consumers, lag monitor and readiness, started and closed as one.

A service's ``bootstrap(settings, overrides)`` builds a ``Runtime``, adds what is specific to it
(its handlers, its checks, its consumer) and returns it; the app and the tests use that same
function. Nothing connects before ``start()`` (aiokafka clients need the running loop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.db.retention import RetentionRule, RetentionTask
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.kafka.consumer import ConsumerRunner
from ledgerbridge_common.kafka.lag import LagMonitor
from ledgerbridge_common.kafka.producer import AiokafkaPublisher, EventPublisher
from ledgerbridge_common.kafka.supervisor import SupervisedConsumer
from ledgerbridge_common.service.readiness import Readiness
from ledgerbridge_common.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class Overrides:
    """Test seams, named by role: what a test injects instead of what ``bootstrap`` would build.

    ``publisher``: the Kafka publisher (then none is started); ``http``: HTTP clients by role
    (``prefs``, ``qbo``, ``billcom``...), closed by their owner; ``fakes``: the service's own
    collaborators by role (``connectors``, ``prefs``, ``ledger``...)."""

    publisher: EventPublisher | None = None
    http: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    fakes: dict[str, Any] = field(default_factory=dict)


class _Publisher:
    """The runtime's publisher: the injected one, or a Kafka producer made at ``start()``."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def _target(self) -> EventPublisher:
        target = self._runtime.overrides.publisher or self._runtime.kafka_publisher
        if target is None:
            raise RuntimeError("the Kafka publisher is not started (app lifespan not running)")
        return target

    async def publish(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        await self._target().publish(topic, envelope, key=key)

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        await self._target().publish_many(items)


class Runtime:
    def __init__(
        self,
        settings: ServiceSettings,
        overrides: Overrides | None = None,
        *,
        migrations: Sequence[Path] = (),
        publisher_client_id: str | None = None,
    ) -> None:
        """``migrations``: Alembic directories upgraded at start when ``settings.run_migrations``
        (default true); ``publisher_client_id``: start a Kafka publisher under that client id."""
        self.settings = settings
        self.overrides = overrides or Overrides()
        self.migrations = list(migrations)
        self.engine = make_engine(settings.database)
        self.sessions = make_sessionmaker(self.engine)
        self.readiness = Readiness()
        self.publisher: EventPublisher = _Publisher(self)
        self.kafka_publisher: AiokafkaPublisher | None = None
        self.consumers: list[SupervisedConsumer] = []
        self.lag: LagMonitor | None = None
        self.state: dict[str, Any] = {}
        """What the service's routes read (``request.app.state.<name>`` is set from it)."""
        self._publisher_client_id = publisher_client_id
        self._lag_groups: list[str] = []
        self._on_start: list[Callable[[], Awaitable[None]]] = []
        self._on_close: list[Callable[[], Awaitable[Any]]] = []

    def fake(self, role: str) -> Any:
        return self.overrides.fakes.get(role)

    def http(self, role: str, **options: Any) -> httpx.AsyncClient:
        """The HTTP client of ``role``: the injected one, or a new one closed with the runtime."""
        if role in self.overrides.http:
            return self.overrides.http[role]
        client = httpx.AsyncClient(**options)
        self._on_close.append(client.aclose)
        return client

    def on_start(self, step: Callable[[], Awaitable[None]]) -> None:
        self._on_start.append(step)

    def on_close(self, step: Callable[[], Awaitable[Any]]) -> None:
        self._on_close.append(step)

    def background(self, job: Callable[[], Coroutine[Any, Any, None]], *, name: str) -> None:
        """A task that runs from ``start()`` and is cancelled at ``close()``."""
        tasks: list[asyncio.Task[None]] = []

        async def start() -> None:
            tasks.append(asyncio.create_task(job(), name=name))

        async def stop() -> None:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

        self.on_start(start)
        self.on_close(stop)

    def retention(self, rules: Sequence[RetentionRule]) -> RetentionTask:
        """Purge ``rules``' old rows on ``settings.retention``'s schedule from ``start()`` to ``close()``."""
        task = RetentionTask(self.engine, rules, self.settings.retention)

        async def start() -> None:
            task.start()

        self.on_start(start)
        self.on_close(task.stop)
        return task

    def consumer(
        self, build: Callable[[], ConsumerRunner], *, name: str, group_id: str, required: bool = True
    ) -> SupervisedConsumer:
        """A consumer kept running by a supervisor (a failed one is replaced by a new one); its
        group's lag is exported, and it is a readiness check (``required`` or only reported)."""
        supervised = SupervisedConsumer(build, name=name)
        self.consumers.append(supervised)
        self._lag_groups.append(self.settings.kafka.group(group_id))

        async def running() -> bool:
            return supervised.running

        self.readiness.add(f"consumer:{name}", running, required=required)
        return supervised

    async def database_check(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @property
    def alive(self) -> bool:
        """Liveness: every consumer is still supervised (the orchestrator restarts the pod if not)."""
        return all(c.supervising for c in self.consumers)

    async def start(self) -> None:
        if getattr(self.settings, "run_migrations", True):
            for directory in self.migrations:
                await upgrade_to_head(directory, self.settings.database.url)
        if self._publisher_client_id and self.overrides.publisher is None:
            self.kafka_publisher = AiokafkaPublisher(self.settings.kafka, client_id=self._publisher_client_id)
            await self.kafka_publisher.start()
        for step in self._on_start:
            await step()
        for consumer in self.consumers:
            consumer.start()
        if self._lag_groups:
            self.lag = LagMonitor(self.settings.kafka, self._lag_groups)
            await self.lag.start()

    async def close(self) -> None:
        """Consumers first (they finish their records in flight and commit), then the rest."""
        if self.lag is not None:
            await self.lag.stop()
        for consumer in self.consumers:
            await consumer.stop()
        if self.kafka_publisher is not None:
            await self.kafka_publisher.stop()
        for step in reversed(self._on_close):
            with contextlib.suppress(Exception):
                await step()
        await self.engine.dispose()
