"""Consumer of the prefs topic (group ``ledgerbridge-ingest-sweeper``): ``SyncRequested`` runs a
sweep now; ``PreferencesChanged`` drops the cached preferences (schedule)."""

from __future__ import annotations

from functools import partial
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PreferencesChanged, SyncRequested
from ledgerbridge_common.kafka.emitter import Emitter
from ledgerbridge_common.kafka.routing import Routes
from webhook_ingest.adapters.publisher import PublishUnavailableError
from webhook_ingest.sweeper.scheduler import Sweeper


class PrefsCache(Protocol):
    def drop_cached(self, connection_id: str) -> None: ...


def routes(sweeper: Sweeper, prefs: PrefsCache) -> Routes:
    """The sweeper's routing table for the prefs topic."""
    return {
        PreferencesChanged: partial(on_preferences_changed, prefs=prefs),
        SyncRequested: partial(on_sync_requested, sweeper=sweeper),
    }


async def on_preferences_changed(
    envelope: Envelope, session: AsyncSession, emitter: Emitter, *, prefs: PrefsCache
) -> None:
    prefs.drop_cached(envelope.connection_id)


async def on_sync_requested(envelope: Envelope, session: AsyncSession, emitter: Emitter, *, sweeper: Sweeper) -> None:
    """Sweep now; the sweep publishes and stores its own progress (not in the runner's transaction)."""
    event = envelope.event_as(SyncRequested)
    try:
        await sweeper.sweep(envelope.connection_id, event.trigger, full=event.full)
    except PublishUnavailableError as exc:  # retried with backoff; vendor errors carry their own kind
        raise RetryableError(str(exc)) from exc
