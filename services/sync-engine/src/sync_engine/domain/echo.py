"""Decisions taken before any vendor read (pure; no IO here).

* The echo of our own write: when we write an object, posting reports the vendor's last-updated
  time of what it wrote (``SyncOutcome.written["updated_at"]``, QBO ``MetaData.LastUpdatedTime``,
  BILL ``updatedTime``), and the link keeps it per side. The webhook or CDC entry that our write
  causes carries that same time, so it is recognised without reading the object back (one vendor
  GET saved per object we write). Times compare at whole seconds: QBO gives seconds, its sandbox
  milliseconds in some formats. Sweeps, Sync Now and replays still read and decide fully, the
  safety net for a human edit within the same second as our write.
* A ledger change to an object we have no link for, while creates of its type are in flight: it
  is probably the echo of one of those creates, so it waits (unread) for their outcomes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ledgerbridge_common.events import ChangeDetected, Side
from sync_engine.domain.model import Link, Park, Plan
from sync_engine.domain.plans import inflight_key

ECHO_REASON = "echo of our own write (or no synced field changed)"
ECHO_BY_TIME_REASON = "echo of our own write (same last-updated time as our write; not read)"
INFLIGHT_REASON = "waiting for pending creates to report back"
TRUSTED_TRIGGERS = frozenset({"webhook", "cdc"})
"""Triggers whose ``source_time`` is the object's last-updated time as the vendor reported it."""
ECHOED_OPERATIONS = frozenset({"created", "updated"})


def whole_second(when: dt.datetime) -> dt.datetime:
    """``when`` as an aware UTC time truncated to the second (naive means UTC)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).replace(microsecond=0)


def is_own_write_echo(change: ChangeDetected, link: Link | None) -> bool:
    """The change reports the very version we last wrote on its side (by last-updated time)."""
    if link is None or link.pending_command_id or link.id_on(change.side) != change.object_id:
        return False
    if change.trigger not in TRUSTED_TRIGGERS or change.operation not in ECHOED_OPERATIONS:
        return False
    written = link.written_at_on(change.side)
    return written is not None and whole_second(written) == whole_second(change.source_time)


def written_at(written: Mapping[str, Any] | None) -> dt.datetime | None:
    """The vendor's last-updated time of what posting wrote and read back, if it reported one."""
    value = (written or {}).get("updated_at")
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def echo_skip() -> Plan:
    """Silent, like the fingerprint echo: no sync-log outcome (volume)."""
    return Plan(skipped=f"echo: {ECHO_BY_TIME_REASON}")


def awaits_inflight_creates(change: ChangeDetected, link: Link | None) -> bool:
    """Ask the store whether creates are pending only when this could be one's echo."""
    return change.side is Side.LEDGER and link is None


def wait_for_creates(change: ChangeDetected) -> Plan:
    """Parked quietly on the outcome of the create that produced this ledger id (or the end of
    all pending creates of its type), like the in-flight rule of ``decide``."""
    reason = INFLIGHT_REASON
    return Plan(
        park=Park(waiting_for=inflight_key(change.object_type, change.object_id), reason=reason),
        skipped=f"in_flight: {reason}",
    )
