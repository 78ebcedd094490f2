"""Nothing is posted for a disconnected connection: each command of one is parked with the
reason "connection disconnected" (waiting for ``connection:<id>``), and released, oldest first,
when the connection is active again (prefs-api's reconnect publishes ``PreferencesChanged``).

The gate reads the connection's state from prefs-api once and keeps it (``CachedConnectionGate``):
prefs-api publishes ``PreferencesChanged`` on disconnect and on reconnect, and every posting
process forgets the state when it reads it (``prefs_listener.py``: each process reads the whole
``prefs`` topic without a consumer group), so the next command there reads it again. Should a
process miss that record (its listener reconnecting to Kafka), it keeps the state for at most
``seconds`` (posting's ``connection_state_seconds``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events.models import PostingRequested, SyncOutcome
from ledgerbridge_common.prefs_client import PrefsClient
from posting_service.adapters.ports import PostingStore
from posting_service.domain import outcomes

DISCONNECTED = "disconnected"
REASON = "connection disconnected"


class ConnectionGate(Protocol):
    async def disconnected(self, connection_id: str) -> bool: ...

    def forget(self, connection_id: str) -> None:
        """The connection's state may have changed: read it again next time."""


class OpenGate:
    """For harnesses that never disconnect a connection."""

    async def disconnected(self, connection_id: str) -> bool:
        return False

    def forget(self, connection_id: str) -> None:
        return None


class PrefsConnectionGate:
    """The connection's state as prefs-api has it now (bounded by the prefs client's timeout)."""

    def __init__(self, prefs: PrefsClient) -> None:
        self._prefs = prefs

    async def disconnected(self, connection_id: str) -> bool:
        try:
            info = await self._prefs.connection(connection_id)
        except RetryableError:
            raise
        except Exception as exc:  # unreachable or unexpected: retry rather than post blind
            raise RetryableError(f"connection state unknown: {exc}", vendor="prefs-api") from exc
        return info.status == DISCONNECTED

    def forget(self, connection_id: str) -> None:
        return None


class CachedConnectionGate:
    """Keeps each connection's state from ``source`` for ``seconds`` or until :meth:`forget`; an
    error of ``source`` is raised, not kept."""

    def __init__(self, source: ConnectionGate, *, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._seconds = seconds
        self._clock = clock
        self._known: dict[str, tuple[float, bool]] = {}

    async def disconnected(self, connection_id: str) -> bool:
        known = self._known.get(connection_id)
        if known is not None and self._clock() - known[0] < self._seconds:
            return known[1]
        read_at = self._clock()
        state = await self._source.disconnected(connection_id)
        self._known[connection_id] = (read_at, state)
        return state

    def forget(self, connection_id: str) -> None:
        self._known.pop(connection_id, None)
        self._source.forget(connection_id)


def waiting_key(connection_id: str) -> str:
    return f"connection:{connection_id}"


async def park_disconnected(
    cmd: PostingRequested, connection_id: str, store: PostingStore, *, attempts: int
) -> SyncOutcome:
    await store.park(cmd, connection_id, [waiting_key(connection_id)])
    outcome = outcomes.not_posted(
        cmd,
        "parked",
        reason=REASON,
        code="connection_disconnected",
        message="the connection is disconnected; released when it is reconnected",
        attempts=attempts,
    )
    await store.save_command(cmd, connection_id, outcome)
    return outcome
