"""When the ledger side of a connection is swept on its own: a ledger that pushes no changes (no
webhooks: Intacct, NetSuite; ``capabilities.change_feed.pushed`` is false) is swept every
``ledger_sweep_minutes`` (a preference, default 5) while Sync Automatically is on. A ledger sweep
is a handful of sequential queries through the connector, whose calls take the company's shared
budget (concurrency cap included), and never overlaps another sweep of the same connection, so
the cadence adds at most one in-flight call to the company's concurrency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ledgerbridge_common.connectors.capabilities import ChangeFeed
from ledgerbridge_common.prefs_client import ConnectionPreferences


def ledger_sweep_due(
    last: dt.datetime | None, prefs: ConnectionPreferences | None, feed: ChangeFeed, now: dt.datetime
) -> bool:
    """Whether the ledger of a connection needs its own sweep now (``last``: when its ledger side
    was last swept, by any sweep)."""
    if feed.pushed or prefs is None or not prefs.sync_automatically:
        return False
    if last is None:
        return True
    return (now - last).total_seconds() >= prefs.ledger_sweep_minutes * 60


@dataclass
class LedgerSweeps:
    """When each connection's ledger side was last swept (in memory: after a restart the catch-up
    sweeps every connection)."""

    last: dict[str, dt.datetime] = field(default_factory=dict)

    def swept(self, connection_id: str, at: dt.datetime) -> None:
        self.last[connection_id] = at
