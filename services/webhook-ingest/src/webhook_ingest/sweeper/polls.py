"""Short polls: the BILL types that have no webhook event (``EVENTLESS_TYPES``: customers, the
chart of accounts, classifications, items, vendor credits, received payments, money movements)
are listed every ``poll_interval_minutes`` (a preference, default 5) from their watermarks, with
``updatedTime`` filters and full pages, and go out as the changes a sweep would produce; BILL
types with webhooks wait for the daily sweep as before.

The intervals come from :func:`poll_plan` over every connection of a devKey, so that together
they stay within a share of the devKey's hourly limit (the plan ``ledgerbridge status`` prints).
A type never swept yet (no watermark) waits for the connection's first sweep; a connection with
"Sync Automatically" off is not polled.

The start of each connection's last poll is kept with its watermarks (side ``poll``, mark
``last_started``) and claimed in one statement (``SweepStateStore.claim_mark``), so of several
webhook-ingest processes on one database only one polls each interval."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ledgerbridge_common.connectors.billcom.budget import dev_key_id
from ledgerbridge_common.connectors.billcom.events import DEFAULT_POLL_MINUTES, EVENTLESS_TYPES, PollPlan, poll_plan
from ledgerbridge_common.errors import BudgetSpentError, ConnectorError, PermanentError
from ledgerbridge_common.events.models import Side
from ledgerbridge_common.prefs_client import ConnectionInfo, ConnectionPreferences
from webhook_ingest.adapters.publisher import PublishUnavailableError
from webhook_ingest.metrics import SWEEPS
from webhook_ingest.sweeper.sweep import SweepDeps, _emit

log = logging.getLogger(__name__)


def plans(connections: Sequence[tuple[ConnectionInfo, ConnectionPreferences | None]]) -> list[PollPlan]:
    """One plan per devKey over its connections that sync automatically."""
    asked: dict[str, dict[str, float]] = {}
    for conn, prefs in connections:
        if conn.billcom is None or (prefs is not None and not prefs.sync_automatically):
            continue
        minutes = prefs.poll_interval_minutes if prefs is not None else DEFAULT_POLL_MINUTES
        asked.setdefault(dev_key_id(conn.billcom.dev_key.get_secret_value()), {})[conn.connection_id] = minutes
    return [poll_plan(key, by_connection) for key, by_connection in sorted(asked.items())]


async def poll_connection(conn: ConnectionInfo, deps: SweepDeps) -> int:
    """One short poll of ``conn``: the changes it emitted."""
    billcom = deps.connectors.billcom_for(conn)
    if billcom is None:
        return 0
    cid, side = conn.connection_id, Side.BILLCOM
    marks = await deps.state.watermarks(cid, side.value)
    emitted = 0
    for object_type in EVENTLESS_TYPES:
        since = marks.get(object_type)
        if since is None:
            continue
        try:
            page = await billcom.list_changed(object_type, since)
        except PermanentError as exc:
            log.warning("BILL short poll skipped %s: %s", object_type, exc)
            continue
        emitted += await _emit(cid, side, page.changes, "poll", deps)
        await deps.state.set_watermark(cid, side.value, [object_type], page.next_watermark)
    return emitted


POLL_SIDE, POLL_MARK = "poll", "last_started"


@dataclass
class ShortPolls:
    deps: SweepDeps
    current: list[PollPlan] = field(default_factory=list)
    locks: defaultdict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))
    """The sweeper's per-connection locks: a poll never runs beside a sweep of the same connection."""

    async def claim(self, connection_id: str, minutes: float, now: dt.datetime) -> bool:
        """Whether this process polls ``connection_id`` now (its interval has passed and no other
        process claimed it first)."""
        every = dt.timedelta(minutes=minutes)
        return await self.deps.state.claim_mark(connection_id, POLL_SIDE, POLL_MARK, now, every)

    async def run_due(
        self, connections: Sequence[tuple[ConnectionInfo, ConnectionPreferences | None]], now: dt.datetime
    ) -> list[str]:
        """Poll every connection whose planned interval has passed; answers the ones polled."""
        self.current = plans(connections)
        planned = {c: m for plan in self.current for c, m in plan.planned_minutes.items()}
        polled = []
        for conn, _ in connections:
            minutes = planned.get(conn.connection_id)
            if minutes is None or not await self.claim(conn.connection_id, minutes, now):
                continue
            try:
                async with self.locks[conn.connection_id]:
                    await poll_connection(conn, self.deps)
            except BudgetSpentError as exc:
                SWEEPS.labels("billcom", "poll", "parked").inc()
                log.info("short poll of %s parked: %s", conn.connection_id, exc.message)
                continue
            except (ConnectorError, PublishUnavailableError, OSError) as exc:
                SWEEPS.labels("billcom", "poll", "failed").inc()
                log.warning("short poll of %s failed; next interval retries: %s", conn.connection_id, exc)
                continue
            SWEEPS.labels("billcom", "poll", "ok").inc()
            polled.append(conn.connection_id)
        return polled
