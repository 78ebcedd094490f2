"""Builders shared by the test tiers (one per message shape; suites add their own defaults with
``functools.partial``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events import ChangeDetected, Side
from ledgerbridge_common.events.models import Operation, Trigger


def change(
    side: Side,
    object_type: ObjectType,
    object_id: str,
    operation: Operation = "updated",
    *,
    source_time: dt.datetime | None = None,
    trigger: Trigger = "webhook",
    **kw: Any,
) -> ChangeDetected:
    """A ``ChangeDetected`` (by default: updated, seen now, from a webhook)."""
    return ChangeDetected(
        side=side,
        object_type=object_type,
        object_id=object_id,
        operation=operation,
        source_time=source_time or dt.datetime.now(dt.UTC),
        trigger=trigger,
        **kw,
    )


def bill_changed(object_id: str) -> ChangeDetected:
    """A BILL bill updated: the record the consumer-runner tests move through Kafka."""
    return change(Side.BILLCOM, ObjectType.BILL, object_id)
