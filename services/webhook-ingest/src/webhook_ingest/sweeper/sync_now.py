"""Consumer of the prefs topic (group ``ledgerbridge-ingest-sweeper``): ``SyncRequested`` runs a
sweep now; ``PreferencesChanged`` drops the cached preferences (schedule)."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PreferencesChanged, SyncRequested
from ledgerbridge_common.kafka.consumer import Emitter
from webhook_ingest.adapters.publisher import PublishUnavailableError
from webhook_ingest.sweeper.scheduler import Sweeper


class PrefsCache(Protocol):
    def drop_cached(self, connection_id: str) -> None: ...


async def handle_prefs_event(
    envelope: Envelope, session: AsyncSession, emitter: Emitter, *, sweeper: Sweeper, prefs: PrefsCache
) -> None:
    del session, emitter  # the sweep publishes and stores its own progress
    if envelope.type == PreferencesChanged.event_type:
        prefs.drop_cached(envelope.connection_id)
        return
    if envelope.type != SyncRequested.event_type:
        return
    event = envelope.event()
    assert isinstance(event, SyncRequested)
    try:
        await sweeper.sweep(envelope.connection_id, event.trigger, full=event.full)
    except PublishUnavailableError as exc:  # retried with backoff; vendor errors carry their own kind
        raise RetryableError(str(exc)) from exc
