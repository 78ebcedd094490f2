"""When to sweep: catch-up at start-up (every connection from its watermark), "Sync
Automatically" on each connection's schedule, a retry after a failed sweep (a vendor was down),
and "Sync Now" (``SyncRequested`` on the prefs topic, see ``sync_now.py``). One sweep at a time
per connection."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from typing import Protocol

from ledgerbridge_common.errors import BudgetSpentError, ConnectorError
from ledgerbridge_common.logging import correlation_scope
from ledgerbridge_common.prefs_client import ConnectionInfo, ConnectionPreferences
from webhook_ingest.adapters.publisher import PublishUnavailableError
from webhook_ingest.adapters.watermarks import SweepRun
from webhook_ingest.metrics import SWEEPS
from webhook_ingest.sweeper.polls import ShortPolls
from webhook_ingest.sweeper.sweep import SweepDeps, SweepReport, SweepTrigger, sweep_connection

log = logging.getLogger(__name__)


class ScheduleSource(Protocol):
    async def list_connections(self, status: str = "active") -> list[ConnectionInfo]: ...

    async def preferences(self, connection_id: str) -> ConnectionPreferences: ...


def due_trigger(
    run: SweepRun | None, prefs: ConnectionPreferences | None, now: dt.datetime, retry_seconds: float
) -> SweepTrigger | None:
    """Which sweep a connection needs now, if any."""
    if run is None:
        return "catch_up"
    if run.last_error is not None:
        failed_at = run.last_finished_at or run.last_started_at
        return "catch_up" if (now - failed_at).total_seconds() >= retry_seconds else None
    if prefs is None or not prefs.sync_automatically:
        return None
    last = run.last_succeeded_at or run.last_started_at
    due = (now - last).total_seconds() >= prefs.schedule_interval_minutes * 60
    return "schedule" if due else None


class Sweeper:
    def __init__(
        self,
        deps: SweepDeps,
        schedule: ScheduleSource,
        *,
        tick_seconds: float = 30.0,
        retry_seconds: float = 300.0,
        catch_up_on_start: bool = True,
    ) -> None:
        self.deps = deps
        self.schedule = schedule
        self.tick_seconds = tick_seconds
        self.retry_seconds = retry_seconds
        self.catch_up_on_start = catch_up_on_start
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.polls = ShortPolls(deps, locks=self._locks)

    async def sweep(self, connection_id: str, trigger: SweepTrigger, *, full: bool = False) -> SweepReport:
        """Run one sweep now (waits for a running one of the same connection); errors propagate
        after being recorded, so the next tick retries as a catch-up."""
        async with self._locks[connection_id]:
            with correlation_scope(None, connection_id):
                await self.deps.state.start_run(connection_id, trigger, self.deps.clock())
                try:
                    report = await sweep_connection(connection_id, trigger, self.deps, full=full)
                except BudgetSpentError as exc:  # waits for the next hour: the catch-up resumes it
                    SWEEPS.labels("all", trigger, "parked").inc()
                    await self.deps.state.finish_run(connection_id, self.deps.clock(), f"parked: {exc.message}")
                    raise
                except Exception as exc:
                    SWEEPS.labels("all", trigger, "failed").inc()
                    await self.deps.state.finish_run(connection_id, self.deps.clock(), repr(exc)[:2000])
                    raise
                await self.deps.state.finish_run(connection_id, self.deps.clock(), None)
                SWEEPS.labels("all", trigger, "ok").inc()
                return report

    async def _try(self, connection_id: str, trigger: SweepTrigger) -> None:
        try:
            await self.sweep(connection_id, trigger)
        except (ConnectorError, PublishUnavailableError, OSError) as exc:
            log.warning("sweep of %s failed (%s); will catch up: %s", connection_id, trigger, exc)
        except Exception:
            log.exception("sweep of %s crashed (%s); will catch up", connection_id, trigger)

    async def catch_up(self) -> None:
        """Sweep every active connection from its watermark (after the service was down)."""
        for conn in await self.schedule.list_connections():
            await self._try(conn.connection_id, "catch_up")

    async def tick(self) -> None:
        runs = await self.deps.state.runs()
        now = self.deps.clock()
        seen: list[tuple[ConnectionInfo, ConnectionPreferences | None]] = []
        for conn in await self.schedule.list_connections():
            try:
                prefs: ConnectionPreferences | None = await self.schedule.preferences(conn.connection_id)
            except ConnectorError as exc:
                log.warning("no preferences for %s: %s", conn.connection_id, exc)
                prefs = None
            seen.append((conn, prefs))
            trigger = due_trigger(runs.get(conn.connection_id), prefs, now, self.retry_seconds)
            if trigger is not None:
                await self._try(conn.connection_id, trigger)
        await self.polls.run_due(seen, self.deps.clock())

    async def run_forever(self) -> None:
        """Catch up once at start-up (if enabled), then look for due sweeps every tick."""
        step = self.catch_up if self.catch_up_on_start else None
        while True:
            if step is not None:
                try:
                    await step()
                except asyncio.CancelledError:
                    raise
                except Exception:  # prefs-api or PostgreSQL down: try again next tick
                    log.exception("sweep scheduling failed; retrying next tick")
            await asyncio.sleep(self.tick_seconds)
            step = self.tick
