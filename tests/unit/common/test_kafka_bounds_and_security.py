"""Every publish is bounded (a timeout is a retryable ``InfrastructureError``), and every aiokafka
client is built with the deployment's TLS and SASL options."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from ledgerbridge_common.errors import InfrastructureError
from ledgerbridge_common.events import Envelope
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.kafka.lag import LagProbe
from ledgerbridge_common.kafka.producer import AiokafkaPublisher, InMemoryPublisher
from ledgerbridge_common.settings import KafkaSettings
from tests.support.builders import bill_changed
from tests.support.servers import free_ports

pytestmark = pytest.mark.timeout(60)


class HungProducer:
    """A producer whose partition leader is known but never answers."""

    stopped = False

    async def send_and_wait(self, *args: Any, **kwargs: Any) -> None:
        await asyncio.Event().wait()

    async def send(self, *args: Any, **kwargs: Any) -> asyncio.Future[None]:
        return asyncio.get_running_loop().create_future()

    async def stop(self) -> None:
        self.stopped = True


async def hung_publisher() -> tuple[AiokafkaPublisher, HungProducer]:
    (closed_port,) = free_ports(1)  # the replacement producer's start fails fast: nothing listens
    settings = KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port}", publish_timeout_seconds=0.3)
    publisher = AiokafkaPublisher(settings, client_id="bounded")
    hung = HungProducer()
    await publisher._producer.stop()  # never started: closes its client only
    publisher._producer, publisher._started = hung, True  # type: ignore[assignment]
    return publisher, hung


@pytest.mark.parametrize("call", ["publish", "publish_many", "send_raw"])
async def test_a_publish_to_a_hung_leader_ends_in_a_retryable_infrastructure_error(call: str):
    publisher, hung = await hung_publisher()
    envelope = Envelope.wrap(bill_changed("x"), connection_id="c1")
    attempt = {
        "publish": lambda: publisher.publish("t", envelope),
        "publish_many": lambda: publisher.publish_many([("t", envelope)]),
        "send_raw": lambda: publisher.send_raw("t", b"v", key=b"k"),
    }[call]
    with pytest.raises(InfrastructureError) as raised:
        await asyncio.wait_for(attempt(), 20)
    assert raised.value.retryable
    assert hung.stopped and publisher._producer is not hung  # replaced: nothing buffered lands later
    await publisher.stop()


SECURED = {
    "bootstrap_servers": "kafka.example:9093",
    "security_protocol": "SASL_SSL",
    "sasl_mechanism": "SCRAM-SHA-512",
    "sasl_username": "ledgerbridge",
    "sasl_password": "scram-password",
}


async def test_tls_and_scram_options_reach_every_aiokafka_client():  # aiokafka clients need a loop
    kafka = KafkaSettings.model_validate(SECURED)
    options = kafka.client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "ledgerbridge"
    assert options["sasl_plain_password"] == "scram-password"
    assert options["ssl_context"] is not None
    assert "scram-password" not in repr(kafka)

    producer = AiokafkaPublisher(kafka, client_id="p")._producer
    runner = ConsumerRunner(
        ConsumerConfig(name="c", group_id="g", topics=["t"], dlq_topic="d"),
        kafka,
        handler=None,  # type: ignore[arg-type]
        sessions=None,  # type: ignore[arg-type]
        inbox=None,  # type: ignore[arg-type]
        publisher=InMemoryPublisher(),
    )
    probe = LagProbe(kafka)
    consumer = runner.new_consumer()
    for client in (producer.client, consumer._client, probe._admin._client, probe._consumer._client):
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-512"
        assert client._sasl_plain_username == "ledgerbridge"
        assert client._ssl_context is not None
    await consumer.stop()  # never started: stop() only closes their clients
    await probe.stop()
    await producer.stop()


def test_plain_tls_builds_a_context_and_no_sasl():
    options = KafkaSettings(security_protocol="SSL").client_options()
    assert options["ssl_context"] is not None
    assert "sasl_mechanism" not in options


@pytest.mark.parametrize(
    "settings",
    [
        {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256"},  # no credentials
        {"security_protocol": "SSL", "sasl_mechanism": "PLAIN", "sasl_username": "u", "sasl_password": "p"},
        {"security_protocol": "TLS"},
    ],
)
def test_incomplete_or_unknown_security_settings_are_refused(settings: dict[str, str]):
    with pytest.raises(ValidationError):
        KafkaSettings.model_validate(settings)
