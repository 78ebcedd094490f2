"""The publisher after a failed (re)start: the next publish tries to start it again and fails with
a retryable error instead of waiting forever for metadata (a consumer stuck there never resumed
after a Kafka restart, found by `make faults`)."""

from __future__ import annotations

import asyncio

import pytest

from ledgerbridge_common.errors import InfrastructureError
from ledgerbridge_common.events import Envelope
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.settings import KafkaSettings
from tests.support.builders import bill_changed
from tests.support.servers import free_ports

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_a_publisher_that_could_not_start_fails_fast_then_recovers(kafka_settings: KafkaSettings) -> None:
    (port,) = free_ports(1)
    down = kafka_settings.model_copy(update={"bootstrap_servers": f"127.0.0.1:{port}", "request_timeout_ms": 2000})
    publisher = AiokafkaPublisher(down, client_id="outage")
    envelope = Envelope.wrap(bill_changed("x"), connection_id="c1")
    for _ in range(2):  # never started, and not startable: a clear, retryable error each time
        with pytest.raises(InfrastructureError):
            await asyncio.wait_for(publisher.publish_many([(kafka_settings.topics.changes, envelope)]), 30)
    publisher._settings = kafka_settings  # the broker is reachable again (the next producer sees it)
    await publisher._producer.stop()  # the unstarted one left by the last failure
    publisher._producer = publisher._new_producer()
    await asyncio.wait_for(publisher.publish_many([(kafka_settings.topics.changes, envelope)]), 30)
    await publisher.stop()
