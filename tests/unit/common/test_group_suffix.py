"""``LB_KAFKA__GROUP_SUFFIX`` keeps systems that share one Kafka cluster out of each other's
consumer groups: every consumer a service builds joins ``<group>-<suffix>``."""

from __future__ import annotations

import pytest

from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.kafka.producer import InMemoryPublisher
from ledgerbridge_common.settings import KafkaSettings
from sync_engine.settings import Settings as EngineSettings

pytestmark = pytest.mark.timeout(30)


def test_group_names_carry_the_suffix_only_when_one_is_set() -> None:
    assert KafkaSettings().group("ledgerbridge-posting") == "ledgerbridge-posting"
    assert KafkaSettings(group_suffix="e2e1").group("ledgerbridge-posting") == "ledgerbridge-posting-e2e1"


def test_the_suffix_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LB_KAFKA__GROUP_SUFFIX", "run42")
    settings = EngineSettings()
    assert settings.kafka.group(settings.consumer_group) == "ledgerbridge-sync-engine-run42"


async def test_a_consumer_runner_joins_the_suffixed_group() -> None:
    runner = ConsumerRunner(
        ConsumerConfig(name="c", group_id="ledgerbridge-posting", topics=["t"], dlq_topic="d"),
        KafkaSettings(group_suffix="abc123"),
        handler=None,  # type: ignore[arg-type]
        sessions=None,  # type: ignore[arg-type]
        inbox=None,  # type: ignore[arg-type]
        publisher=InMemoryPublisher(),
    )
    consumer = runner.new_consumer()
    try:
        assert consumer._group_id == "ledgerbridge-posting-abc123"
    finally:
        await consumer.stop()  # never started: stop() only closes its client
