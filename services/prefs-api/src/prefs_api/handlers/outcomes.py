"""Consumer of ``outcomes``: every SyncOutcome becomes a sync-log row (and a conflict when a
master rule overrode the other side's version)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import SyncOutcome
from ledgerbridge_common.kafka.consumer import Emitter
from prefs_api.adapters import synclog

CONSUMER_NAME = "prefs-api-outcomes"
GROUP_ID = "ledgerbridge-prefs-api"


async def handle_outcome(envelope: Envelope, session: AsyncSession, emitter: Emitter) -> None:
    if envelope.type != SyncOutcome.event_type:
        return
    outcome = envelope.event()
    assert isinstance(outcome, SyncOutcome)
    await synclog.record_outcome(
        session,
        event_id=envelope.event_id,
        connection_id=envelope.connection_id,
        occurred_at=envelope.occurred_at,
        outcome=outcome,
    )
