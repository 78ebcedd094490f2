"""OpenTelemetry tracing: one bill is one trace, from the webhook to the ledger write and its outcome.

Off by default (``LB_TRACING__ENABLED``). When on, ``configure_tracing`` installs the SDK's tracer
provider with a batch span processor and the exporter chosen in ``TracingSettings`` (OTLP over
HTTP to a collector, or JSON lines to a file for benchmarks), and instruments the service's
FastAPI app (server spans), httpx (client spans to the vendors and prefs-api) and asyncpg (one span
per statement).

Kafka is instrumented here rather than by ``opentelemetry-instrumentation-aiokafka``, because our
records already carry a W3C ``traceparent`` header (``kafka.producer.envelope_headers``): every
publish is a PRODUCER span whose context goes into that header, and every record handled by the
``ConsumerRunner`` is a CONSUMER span whose parent is read from it. Events a handler emits are
published after the handler returned (grouped records share one publish), so ``remember`` keeps
the handler's context per emitted event id until its publish span starts.

While tracing is off every helper returns at once and the headers stay what they were (the
traceparent derived from the correlation and event ids).
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.trace import Span, SpanKind

from ledgerbridge_common.settings import TracingSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ledgerbridge_common.events.envelope import Envelope

log = logging.getLogger(__name__)
TRACER_NAME = "ledgerbridge"
PENDING_LIMIT = 10_000
"""Contexts kept for emitted events not yet published; the oldest are dropped beyond this."""


class _State:
    enabled = False
    provider: Any = None
    pending: OrderedDict[str, otel_context.Context] = OrderedDict()


def enabled() -> bool:
    return _State.enabled


def configure_tracing(service_name: str, settings: TracingSettings, app: FastAPI | None = None) -> Any:
    """Install the tracer provider and the instrumentations; return the provider (None when off).
    ``service_app`` calls it for every service app; a second call in one process (tests build
    several apps) only instruments ``app`` with the provider already installed."""
    if not settings.enabled:
        return None
    if _State.provider is not None:
        if app is not None:
            _instrument_app(app, _State.provider)
        return _State.provider
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
    )
    provider.add_span_processor(BatchSpanProcessor(_exporter(settings), schedule_delay_millis=1000))
    trace.set_tracer_provider(provider)
    if app is not None:
        _instrument_app(app, provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    _State.enabled = True
    _State.provider = provider
    log.info("tracing on: %s", settings.exporter)
    return provider


def _instrument_app(app: FastAPI, provider: Any) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, exclude_spans=["receive", "send"])


def _exporter(settings: TracingSettings) -> Any:
    if settings.exporter == "file":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        if not settings.file:
            raise ValueError("LB_TRACING__FILE is required with LB_TRACING__EXPORTER=file")
        out = Path(settings.file).open("a", buffering=1)  # noqa: SIM115 - lives as long as the process
        return ConsoleSpanExporter(out=out, formatter=lambda span: span.to_json(indent=None) + "\n")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=settings.otlp_endpoint, timeout=settings.export_timeout_seconds)


def _tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def remember(envelope: Envelope) -> None:
    """Keep the current context for an event a handler emitted, for its publish span."""
    if not _State.enabled or not trace.get_current_span().get_span_context().is_valid:
        return
    pending = _State.pending
    pending[envelope.event_id] = otel_context.get_current()
    while len(pending) > PENDING_LIMIT:
        pending.popitem(last=False)


def start_produce(topic: str, envelope: Envelope) -> Span | None:
    """A PRODUCER span for one record (end it with ``end`` once Kafka acknowledged), or None."""
    if not _State.enabled:
        return None
    parent = _State.pending.pop(envelope.event_id, None)
    return _tracer().start_span(
        f"{topic} publish",
        context=parent,
        kind=SpanKind.PRODUCER,
        attributes=_attributes(topic, envelope),
    )


def end(span: Span | None, error: BaseException | None = None) -> None:
    if span is None:
        return
    if error is not None:
        span.record_exception(error)
        span.set_status(trace.Status(trace.StatusCode.ERROR, type(error).__name__))
    span.end()


def traceparent_of(span: Span | None) -> str | None:
    """The W3C traceparent of ``span`` (None when there is no recording span)."""
    if span is None or not span.get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent")


@contextlib.contextmanager
def consume_span(
    consumer: str, topic: str, headers: Sequence[tuple[str, bytes]] | None, envelope: Envelope
) -> Iterator[None]:
    """The current span while a handler handles one record, a child of its ``traceparent``."""
    if not _State.enabled:
        yield
        return
    carrier = {key: value.decode("latin-1") for key, value in headers or () if value is not None}
    attributes = {**_attributes(topic, envelope), "messaging.consumer.group.name": consumer}
    with _tracer().start_as_current_span(
        f"{topic} process", context=extract(carrier), kind=SpanKind.CONSUMER, attributes=attributes
    ):
        yield


def _attributes(topic: str, envelope: Envelope) -> dict[str, str]:
    return {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.message.id": envelope.event_id,
        "lb.event_type": envelope.type,
        "lb.connection_id": envelope.connection_id,
        "lb.correlation_id": envelope.correlation_id,
    }
