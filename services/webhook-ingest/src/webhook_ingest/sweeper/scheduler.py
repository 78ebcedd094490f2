"""When to sweep: catch-up at start-up (every connection from its watermark), "Sync
Automatically" on each connection's schedule (an interval or a cron expression, anchored on the
last scheduled sweep so that Sync Now never moves it), a retry after a failed sweep (a vendor was
down), "Sync Now" (``SyncRequested`` on the prefs topic, see ``sync_now.py``), and the ledger side
alone every few minutes for ledgers without webhooks (``cadence.py``). One sweep at a time per
connection."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from typing import Protocol

from ledgerbridge_common.errors import BudgetSpentError, ConnectorError
from ledgerbridge_common.logging import correlation_scope
from ledgerbridge_common.prefs_client import ConnectionInfo, ConnectionPreferences
from ledgerbridge_common.schedule import next_due
from webhook_ingest.adapters.publisher import PublishUnavailableError
from webhook_ingest.adapters.watermarks import SweepRun
from webhook_ingest.metrics import SWEEPS
from webhook_ingest.sweeper.cadence import LedgerSweeps, ledger_sweep_due
from webhook_ingest.sweeper.polls import ShortPolls
from webhook_ingest.sweeper.sweep import SweepDeps, SweepReport, SweepTrigger, sweep_connection

log = logging.getLogger(__name__)


class ScheduleSource(Protocol):
    async def list_connections(self, status: str = "active") -> list[ConnectionInfo]: ...

    async def preferences(self, connection_id: str) -> ConnectionPreferences: ...


SCHEDULE_SIDE, SCHEDULE_MARK = "schedule", "last_scheduled"
"""The schedule's anchor is kept with the watermarks (side ``schedule``): the start of the last
scheduled or catch-up sweep. Sync Now does not move it."""
ANCHORING: frozenset[SweepTrigger] = frozenset({"schedule", "catch_up"})


def due_trigger(
    run: SweepRun | None,
    prefs: ConnectionPreferences | None,
    now: dt.datetime,
    retry_seconds: float,
    anchor: dt.datetime | None = None,
) -> SweepTrigger | None:
    """Which sweep a connection needs now, if any. ``anchor``: the last scheduled sweep's start
    (``ledgerbridge_common.schedule``: interval or cron from there)."""
    if run is None:
        return "catch_up"
    if run.last_error is not None:
        failed_at = run.last_finished_at or run.last_started_at
        return "catch_up" if (now - failed_at).total_seconds() >= retry_seconds else None
    if prefs is None or not prefs.sync_automatically:
        return None
    last = anchor or run.last_succeeded_at or run.last_started_at
    return "schedule" if now >= next_due(prefs, last) else None


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
        self.ledger_sweeps = LedgerSweeps()
        self.polls = ShortPolls(deps, locks=self._locks)

    async def sweep(self, connection_id: str, trigger: SweepTrigger, *, full: bool = False) -> SweepReport:
        """Run one sweep now (waits for a running one of the same connection); errors propagate
        after being recorded, so the next tick retries as a catch-up."""
        async with self._locks[connection_id]:
            with correlation_scope(None, connection_id):
                started = self.deps.clock()
                await self.deps.state.start_run(connection_id, trigger, started)
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
                self.ledger_sweeps.swept(connection_id, started)
                if trigger in ANCHORING:
                    await self.deps.state.set_watermark(connection_id, SCHEDULE_SIDE, [SCHEDULE_MARK], started)
                SWEEPS.labels("all", trigger, "ok").inc()
                return report

    async def sweep_ledger(self, connection_id: str) -> SweepReport | None:
        """The ledger side alone, on the cadence of ledgers without webhooks (``cadence.py``). Not a
        run of ``sweep_runs`` (it must not move "Sync Automatically"'s schedule); a failure is logged
        and tried again at the next cadence."""
        async with self._locks[connection_id]:
            with correlation_scope(None, connection_id):
                self.ledger_sweeps.swept(connection_id, self.deps.clock())
                try:
                    report = await sweep_connection(connection_id, "schedule", self.deps, billcom_side=False)
                except (ConnectorError, PublishUnavailableError, OSError) as exc:
                    SWEEPS.labels("ledger", "schedule", "failed").inc()
                    log.warning("ledger sweep of %s failed; next cadence retries: %s", connection_id, exc)
                    return None
                SWEEPS.labels("ledger", "schedule", "ok").inc()
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
            marks = await self.deps.state.watermarks(conn.connection_id, SCHEDULE_SIDE)
            anchor = marks.get(SCHEDULE_MARK)
            trigger = due_trigger(runs.get(conn.connection_id), prefs, now, self.retry_seconds, anchor)
            if trigger is not None:
                await self._try(conn.connection_id, trigger)
            elif self._ledger_due(conn, prefs, now):
                await self.sweep_ledger(conn.connection_id)
        await self.polls.run_due(seen, self.deps.clock())

    def _ledger_due(self, conn: ConnectionInfo, prefs: ConnectionPreferences | None, now: dt.datetime) -> bool:
        if conn.ledger is None:
            return False
        try:
            ledger = self.deps.connectors.ledger_for(conn)
        except ConnectorError as exc:
            log.warning("no ledger connector for %s: %s", conn.connection_id, exc)
            return False
        if ledger is None:
            return False
        feed = ledger.capabilities.change_feed
        return ledger_sweep_due(self.ledger_sweeps.last.get(conn.connection_id), prefs, feed, now)

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
