"""Which records of a poll may share one transaction in posting's runner."""

from __future__ import annotations

from ledgerbridge_common.events.envelope import Envelope
from posting_service.batching import BatchingConsumerRunner
from tests.unit.posting.builders import command, ref, vendor


def _runner() -> BatchingConsumerRunner:
    return object.__new__(BatchingConsumerRunner)  # group_breaks needs no Kafka client


def test_a_command_already_in_the_group_starts_a_new_transaction() -> None:
    first = command("vendor", ref("vendor"), vendor("Acme"))
    other = command("vendor", ref("vendor"), vendor("Globex"))
    group = [Envelope.wrap(first, connection_id="c1"), Envelope.wrap(other, connection_id="c1")]
    runner = _runner()
    assert runner.group_breaks(Envelope.wrap(first, connection_id="c1"), group), "same command id again"
    fresh = command("vendor", ref("vendor"), vendor("Initech"))
    assert not runner.group_breaks(Envelope.wrap(fresh, connection_id="c1"), group)
    assert runner.group_breaks(Envelope.wrap(fresh, connection_id="c2"), group), "another connection"
