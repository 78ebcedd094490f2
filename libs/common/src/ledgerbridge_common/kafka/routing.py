"""Routing tables: each consumer declares ``{EventType: handler}``; the runner dispatches by
``Envelope.type`` and dead-letters a type its table does not name."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import Event
from ledgerbridge_common.kafka.emitter import Emitter, Handler

log = logging.getLogger(__name__)

Routes = Mapping[type[Event], Handler]
"""Every event type a consumer may meet on its topics, and what it does with it (``ignore`` for
the types a shared topic carries for other consumers)."""


class UnroutedEventError(LookupError):
    """A record whose type the consumer's routing table does not name: not retryable, so the
    runner sends it to the dead-letter topic."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"no handler for event type {event_type!r}")


async def ignore(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
    """The handler of a type that is expected on the topic but is not this consumer's business."""
    log.debug("ignoring %s", envelope.type)


class Router:
    """A ``Handler`` built from a routing table."""

    def __init__(self, routes: Routes) -> None:
        self.routes: dict[str, Handler] = {event.event_type: handler for event, handler in routes.items()}

    async def __call__(self, envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
        handler = self.routes.get(envelope.type)
        if handler is None:
            raise UnroutedEventError(envelope.type)
        await handler(envelope, session, emitter)
