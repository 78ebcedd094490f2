"""The service skeleton's pieces that need no broker: routing tables, supervision, readiness."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ledgerbridge_common.events import ChangeDetected, Envelope, PreferencesChanged
from ledgerbridge_common.kafka.emitter import Emitter
from ledgerbridge_common.kafka.routing import Router, UnroutedEventError, ignore
from ledgerbridge_common.kafka.supervisor import SupervisedConsumer
from ledgerbridge_common.service.readiness import Readiness

pytestmark = pytest.mark.timeout(10)


async def test_the_router_dispatches_by_type_and_refuses_an_unnamed_one() -> None:
    seen: list[str] = []

    async def on_prefs(envelope: Envelope, session: Any, emitter: Emitter) -> None:
        seen.append(envelope.type)

    router = Router({PreferencesChanged: on_prefs, ChangeDetected: ignore})
    prefs = Envelope.wrap(PreferencesChanged(version=2), connection_id="c1")
    await router(prefs, None, Emitter(source=prefs, consumer="t"))  # type: ignore[arg-type]
    assert seen == ["PreferencesChanged"]
    other = prefs.model_copy(update={"type": "SyncOutcome"})
    with pytest.raises(UnroutedEventError, match="SyncOutcome"):
        await router(other, None, Emitter(source=other, consumer="t"))  # type: ignore[arg-type]


class FakeRunner:
    """Stands in for a ConsumerRunner: ``run`` fails the first time it is called on any instance."""

    failures = 1

    def __init__(self) -> None:
        self.started = 0
        self.stopped = False
        self.stopping = asyncio.Event()

    async def start(self) -> None:
        assert self.started == 0, "start() on a started consumer (aiokafka asserts)"
        self.started += 1

    async def run(self) -> None:
        if FakeRunner.failures:
            FakeRunner.failures -= 1
            raise RuntimeError("fetch loop died")
        await self.stopping.wait()

    async def stop(self) -> None:
        self.stopped = True
        self.stopping.set()


async def test_a_failed_consumer_is_replaced_by_a_new_one() -> None:
    built: list[FakeRunner] = []

    def build() -> Any:
        built.append(FakeRunner())
        return built[-1]

    supervised = SupervisedConsumer(build, name="t", restart_seconds=0.01)
    supervised.start()
    async with asyncio.timeout(5):
        while not (len(built) == 2 and supervised.running):
            await asyncio.sleep(0.01)
    assert built[0].stopped, "the failed runner was stopped"
    assert built[1].started == 1 and supervised.restarts == 1 and supervised.supervising
    await supervised.stop()
    assert built[1].stopped and not supervised.running and supervised.supervising


async def test_readiness_gates_on_required_checks_only_and_bounds_each() -> None:
    async def ok() -> None:
        return None

    async def hangs() -> None:
        await asyncio.sleep(60)

    async def down() -> bool:
        return False

    readiness = Readiness(timeout_seconds=0.05)
    readiness.add("kafka", ok)
    readiness.add("postgresql", hangs, required=False)
    ready, health = await readiness.report()
    assert ready and health.status == "ready"
    assert health.checks["postgresql"].startswith("failed: TimeoutError") and health.checks["postgresql"].endswith(
        "(optional)"
    )
    readiness.add("consumer", down)
    ready, health = await readiness.report()
    assert not ready and health.checks["consumer"] == "failed"
