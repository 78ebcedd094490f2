"""What a handler is given besides its record: the ``Emitter`` that collects outgoing events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common import tracing
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import Event, deterministic_id


@dataclass
class Emitter:
    """Collects the events a handler emits; the runner publishes them after the handler returns."""

    source: Envelope
    consumer: str
    items: list[tuple[str, Envelope]] = field(default_factory=list)

    def emit(self, topic: str, event: Event, *, connection_id: str | None = None) -> Envelope:
        env = Envelope.wrap(
            event,
            connection_id=connection_id or self.source.connection_id,
            correlation_id=self.source.correlation_id,
            causation_id=self.source.event_id,
            event_id=deterministic_id(self.source.event_id, self.consumer, str(len(self.items))),
        )
        tracing.remember(env)
        self.items.append((topic, env))
        return env


Handler = Callable[[Envelope, AsyncSession, Emitter], Awaitable[None]]
"""``async def handle(envelope, session, emitter)``; services bind their other dependencies
with functools.partial / closures in their composition root."""
