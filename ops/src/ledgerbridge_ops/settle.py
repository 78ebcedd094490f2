"""Waiting for a connection's backlog to be handled: the engine's and posting's consumer groups have
no lag on the system's topics and the connection's sync log has stopped growing. After a new
connection this is the first sync (the ledger's chart of accounts and lists copied to BILL); a
change made before it is done queues behind it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection

from ledgerbridge_common.kafka.lag import measure_lag
from ledgerbridge_ops.scenario import Company, Scenario, ScenarioError

SERVICE_GROUPS = ("ledgerbridge-sync-engine", "ledgerbridge-posting")


async def wait_until_settled(
    scenario: Scenario,
    company: Company,
    *,
    bootstrap_servers: str,
    groups: Collection[str],
    topics: Collection[str],
    quiet_seconds: float = 2.0,
    timeout: float = 120.0,
    poll: float = 0.5,
) -> float:
    """Seconds waited until ``groups`` have no lag on ``topics`` and the sync log has not grown for
    ``quiet_seconds``; :class:`ScenarioError` after ``timeout``."""
    started = time.monotonic()
    last, still = -1, 0.0
    while still < quiet_seconds:
        if time.monotonic() - started > timeout:
            raise ScenarioError(f"timed out after {timeout:.0f}s waiting for the backlog of {company.connection_id}")
        rows = await measure_lag(bootstrap_servers, list(groups))
        missing = set(groups) - {r.group for r in rows}
        if missing:
            raise ScenarioError(f"no committed offsets for consumer groups {sorted(missing)}")
        behind = sum(r.lag_messages for r in rows if r.topic in topics)
        count = len(await scenario.sync_log(company))
        still = still + poll if count == last and behind == 0 else 0.0
        last = count
        await asyncio.sleep(poll)
    return time.monotonic() - started
