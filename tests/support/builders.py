"""Builders shared by the test tiers (one per message shape; suites add their own defaults with
``functools.partial``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgerbridge_common.canonical import fingerprint
from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.events import ChangeDetected, PostingRequested, Side, SyncOutcome, TargetRef
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


def resolve_refs(value: Any, refs: dict[str, str]) -> Any:
    """``desired`` with each ``@ref:<source_ref>`` placeholder replaced by the id ``refs`` holds
    for it (what posting does before writing)."""
    if isinstance(value, str) and value.startswith("@ref:"):
        return refs[value.removeprefix("@ref:")]
    if isinstance(value, dict):
        return {k: resolve_refs(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, refs) for v in value]
    return value


def posted(cmd: PostingRequested, written: CanonicalObject) -> SyncOutcome:
    """The outcome posting reports for ``cmd`` once ``written`` is read back."""
    assert written.id
    return SyncOutcome(
        command_id=cmd.command_id,
        status="posted",
        object_type=cmd.object_type,
        source_ref=cmd.source_ref,
        target_ref=TargetRef(side=cmd.target_side, id=written.id),
        fingerprint=fingerprint(written),
        source_fingerprint=cmd.source_fingerprint,
        written=written.model_dump(mode="json"),
    )
