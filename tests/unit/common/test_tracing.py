"""Trace context across Kafka records: webhook → publish → consume → emitted event's publish is one
trace with parent links, and nothing changes while tracing is off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ledgerbridge_common import tracing
from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import ChangeDetected, Side
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.kafka.producer import envelope_headers, traceparent
from ledgerbridge_common.settings import TracingSettings

EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    monkeypatch.setattr(tracing, "_tracer", lambda: provider.get_tracer("test"))
    monkeypatch.setattr(tracing._State, "enabled", True)
    EXPORTER.clear()
    yield EXPORTER
    EXPORTER.clear()


def _change(connection: str = "c1") -> Envelope:
    event = ChangeDetected(
        side=Side.BILLCOM,
        object_type=ObjectType.BILL,
        object_id="00n1",
        operation="created",
        source_time=dt.datetime.now(dt.UTC),
        trigger="webhook",
    )
    return Envelope.wrap(event, connection_id=connection)


def _header(headers: list[tuple[str, bytes]], name: str) -> str:
    return dict(headers)[name].decode()


def test_off_by_default_keeps_the_derived_traceparent() -> None:
    assert TracingSettings().enabled is False
    env = _change()
    span = tracing.start_produce("changes", env)
    assert span is None
    assert _header(envelope_headers(env, span), "traceparent") == traceparent(env)
    with tracing.consume_span("engine", "changes", envelope_headers(env), env):
        assert not trace.get_current_span().get_span_context().is_valid


def test_one_trace_from_webhook_through_consumer_to_the_emitted_event(spans: InMemorySpanExporter) -> None:
    tracer = tracing._tracer()
    change = _change()
    with tracer.start_as_current_span("POST /webhooks/billcom/{connection_id}") as webhook:
        produce = tracing.start_produce("changes", change)
        headers = envelope_headers(change, produce)
        tracing.end(produce)
    assert produce is not None
    trace_id = webhook.get_span_context().trace_id
    sent = _header(headers, "traceparent").split("-")
    assert sent[1:3] == [f"{trace_id:032x}", f"{produce.get_span_context().span_id:016x}"]

    emitter = Emitter(source=change, consumer="engine")
    with tracing.consume_span("engine", "changes", headers, change):
        consume = trace.get_current_span()
        emitted = emitter.emit("postings", ChangeDetected.model_validate(change.event().model_dump()))
    # published after the handler returned (grouped records), still in the handler's trace
    second = tracing.start_produce("postings", emitted)
    second_headers = envelope_headers(emitted, second)
    tracing.end(second, RuntimeError("no ack"))

    finished = {s.name: s for s in spans.get_finished_spans()}
    process, publish = finished["changes process"], finished["postings publish"]
    assert process.parent is not None and publish.parent is not None and process.attributes is not None
    assert set(finished) == {"POST /webhooks/billcom/{connection_id}", "changes publish", "changes process",
                             "postings publish"}  # fmt: skip
    assert {s.context.trace_id for s in finished.values()} == {trace_id}
    assert process.parent.span_id == produce.get_span_context().span_id
    assert publish.parent.span_id == consume.get_span_context().span_id
    assert publish.status.status_code is trace.StatusCode.ERROR
    assert process.attributes["lb.event_type"] == "ChangeDetected"
    assert _header(second_headers, "traceparent").split("-")[1] == f"{trace_id:032x}"


def test_remembered_contexts_are_bounded(spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "PENDING_LIMIT", 3)
    monkeypatch.setattr(tracing._State, "pending", type(tracing._State.pending)())
    with tracing._tracer().start_as_current_span("handler"):
        envelopes = [_change(f"c{i}") for i in range(5)]
        for env in envelopes:
            tracing.remember(env)
    assert list(tracing._State.pending) == [e.event_id for e in envelopes[2:]]
