"""With tracing on, one record is one trace across Kafka: the publish span's context travels in
the record's ``traceparent`` header, the runner handles the record inside a CONSUMER span that is
its child, and what the handler emits is published in a span under that one (alone or grouped)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common import tracing
from ledgerbridge_common.events import Envelope, SyncRequested
from ledgerbridge_common.kafka.consumer import Emitter
from tests.integration.common.harness import World, read_all, run_until_handled
from tests.support.builders import bill_changed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_tracer", lambda: provider.get_tracer("test"))
    monkeypatch.setattr(tracing._State, "enabled", True)
    monkeypatch.setattr(tracing._State, "pending", type(tracing._State.pending)())
    yield exporter


@pytest.mark.parametrize("group_records", [1, 10])
async def test_a_record_and_what_its_handler_emits_share_its_trace(
    w: World, connection_id: str, spans: InMemorySpanExporter, group_records: int
) -> None:
    topics = w.kafka.topics

    async def handler(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        emitter.emit(topics.outcomes, SyncRequested(trigger="sync_now"))

    sent = [Envelope.wrap(bill_changed(f"t{i}"), connection_id=connection_id) for i in range(3)]
    await w.publisher.publish_many([(topics.changes, env) for env in sent])
    await run_until_handled(w.runner(handler, group_records=group_records), 3)
    assert len(await read_all(w.kafka.bootstrap_servers, topics.outcomes, 3)) == 3

    finished = spans.get_finished_spans()
    for env in sent:
        [publish] = [s for s in finished if s.name == f"{topics.changes} publish" and _id(s) == env.event_id]
        [process] = [s for s in finished if s.name == f"{topics.changes} process" and _id(s) == env.event_id]
        assert publish.kind is SpanKind.PRODUCER and process.kind is SpanKind.CONSUMER
        assert process.parent is not None and process.parent.span_id == publish.context.span_id
        [emitted] = [
            s
            for s in finished
            if s.name == f"{topics.outcomes} publish"
            and s.parent is not None
            and s.parent.span_id == process.context.span_id
        ]
        assert {publish.context.trace_id, process.context.trace_id, emitted.context.trace_id} == {
            publish.context.trace_id
        }


def _id(span: object) -> object:
    attributes = getattr(span, "attributes", None) or {}
    return attributes.get("messaging.message.id")
