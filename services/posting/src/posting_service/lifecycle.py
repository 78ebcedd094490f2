"""Nothing is posted for a disconnected connection: each command of one is parked with the
reason "connection disconnected" (waiting for ``connection:<id>``), and released, oldest first,
when the connection is active again (prefs-api's reconnect publishes ``PreferencesChanged``).

The gate reads the connection's state from prefs-api for every command (not cached): a
disconnect takes effect for the next command, whatever is in flight on the topics."""

from __future__ import annotations

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


class OpenGate:
    """For harnesses that never disconnect a connection."""

    async def disconnected(self, connection_id: str) -> bool:
        return False


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
