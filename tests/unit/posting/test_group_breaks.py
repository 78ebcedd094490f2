"""Which records of a poll may share one transaction in posting's runner."""

from __future__ import annotations

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.settings import KafkaSettings
from posting_service.batching import same_command_again
from tests.unit.posting.builders import command, ref, vendor


def _runner() -> ConsumerRunner:
    config = ConsumerConfig(name="posting", group_id="g", topics=["t"], dlq_topic="dlq", group_records=10)
    return ConsumerRunner(config, KafkaSettings(), {}, None, None, None, group_breaks=same_command_again)  # type: ignore[arg-type]


def test_a_command_already_in_the_group_starts_a_new_transaction() -> None:
    first = command("vendor", ref("vendor"), vendor("Acme"))
    other = command("vendor", ref("vendor"), vendor("Globex"))
    group = [Envelope.wrap(first, connection_id="c1"), Envelope.wrap(other, connection_id="c1")]
    runner = _runner()
    assert runner.group_breaks(Envelope.wrap(first, connection_id="c1"), group), "same command id again"
    fresh = command("vendor", ref("vendor"), vendor("Initech"))
    assert not runner.group_breaks(Envelope.wrap(fresh, connection_id="c1"), group)
    assert runner.group_breaks(Envelope.wrap(fresh, connection_id="c2"), group), "another connection"
