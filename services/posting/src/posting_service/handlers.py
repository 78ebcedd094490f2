"""Kafka handlers: ``PostingRequested`` (execute, report) and ``PreferencesChanged`` (drop caches);
``routes`` is posting's routing table."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.errors import RateLimitedError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PostingRequested, PreferencesChanged, SyncOutcome, SyncRequested
from ledgerbridge_common.kafka.emitter import Emitter
from ledgerbridge_common.kafka.routing import Routes, ignore
from ledgerbridge_common.prefs_client import PrefsClient
from posting_service.execute import PostingDeps, post_command
from posting_service.lifecycle import park_disconnected, waiting_key
from posting_service.metrics import OUTCOMES

log = logging.getLogger(__name__)


async def release_parked(
    session: AsyncSession, emitter: Emitter, deps: PostingDeps, connection_id: str, source_ref: str
) -> None:
    """Re-publish (oldest first) the commands that were waiting for ``source_ref``."""
    for parked in await deps.store(session).take_parked(connection_id, source_ref):
        log.info("releasing parked command %s (%s posted)", parked.command_id, source_ref)
        emitter.emit(deps.postings_topic, parked, connection_id=connection_id)


async def handle_posting(
    cmd: PostingRequested, envelope: Envelope, session: AsyncSession, emitter: Emitter, deps: PostingDeps
) -> None:
    """Execute one command and emit exactly one ``SyncOutcome`` for it."""
    connection_id = envelope.connection_id
    journal = await deps.store(session).get_command(cmd.command_id)
    attempts = journal.attempts if journal is not None else 0
    if journal is not None and journal.status == "posted" and journal.outcome is not None:
        outcome = SyncOutcome.model_validate(journal.outcome)
    elif await deps.gate.disconnected(connection_id):
        outcome = await park_disconnected(cmd, connection_id, deps.store(session), attempts=attempts)
    else:
        try:
            outcome = await post_command(cmd, connection_id, session, deps, attempts=attempts)
        except RateLimitedError as exc:
            # the runner sleeps retry_after while holding the partition; cap it (the ledger may ask for 60 s)
            if exc.retry_after is not None:
                exc.retry_after = min(exc.retry_after, deps.rate_limit_wait_seconds)
            raise
    emitter.emit(deps.outcomes_topic, outcome, connection_id=connection_id)
    OUTCOMES.labels(cmd.object_type.value, outcome.status).inc()
    if outcome.status == "posted":
        await release_parked(session, emitter, deps, connection_id, cmd.source_ref)


async def handle_prefs_changed(
    envelope: Envelope, session: AsyncSession, emitter: Emitter, deps: PostingDeps, prefs: PrefsClient | None
) -> None:
    """Drop the connection's cached preferences, connectors and state; a connection that is not (or no
    longer) disconnected gets the commands parked while it was released."""
    connection_id = envelope.connection_id
    forget_connection(deps, prefs)(connection_id)
    if not await deps.gate.disconnected(connection_id):
        await release_parked(session, emitter, deps, connection_id, waiting_key(connection_id))


def forget_connection(deps: PostingDeps, prefs: PrefsClient | None) -> Callable[[str], None]:
    """What this process forgets of a connection whose preferences, credentials or state changed."""

    def forget(connection_id: str) -> None:
        if prefs is not None:
            prefs.drop_cached(connection_id)
        deps.connectors.drop(connection_id)
        deps.gate.forget(connection_id)

    return forget


def routes(deps: PostingDeps, prefs: PrefsClient | None = None) -> Routes:
    """What posting does with each type its two topics carry."""
    return {
        PostingRequested: partial(on_posting_requested, deps=deps),
        PreferencesChanged: partial(on_preferences_changed, deps=deps, prefs=prefs),
        SyncRequested: ignore,
    }


async def on_posting_requested(
    envelope: Envelope, session: AsyncSession, emitter: Emitter, *, deps: PostingDeps
) -> None:
    await handle_posting(envelope.event_as(PostingRequested), envelope, session, emitter, deps)


async def on_preferences_changed(
    envelope: Envelope, session: AsyncSession, emitter: Emitter, *, deps: PostingDeps, prefs: PrefsClient | None
) -> None:
    await handle_prefs_changed(envelope, session, emitter, deps, prefs)
