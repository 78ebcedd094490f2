"""The ``SyncOutcome`` posting reports for each command."""

from __future__ import annotations

from ledgerbridge_common.canonical.fingerprint import fingerprint
from ledgerbridge_common.canonical.models import CanonicalObject
from ledgerbridge_common.events.models import (
    OutcomeError,
    OutcomeStatus,
    PostingRequested,
    SyncOutcome,
    TargetRef,
)


def posted(cmd: PostingRequested, obj: CanonicalObject, *, attempts: int) -> SyncOutcome:
    if obj.id is None:
        raise ValueError("a posted object has an id")
    return SyncOutcome(
        command_id=cmd.command_id,
        status="posted",
        object_type=cmd.object_type,
        source_ref=cmd.source_ref,
        target_ref=TargetRef(side=cmd.target_side, id=obj.id, concurrency_token=obj.concurrency_token),
        fingerprint=fingerprint(obj),
        source_fingerprint=cmd.source_fingerprint,
        written=obj.model_dump(mode="json"),
        attempts=max(attempts, 1),
        decision=cmd.decision,
        producer="posting",
    )


def not_posted(
    cmd: PostingRequested,
    status: OutcomeStatus,
    *,
    reason: str,
    code: str,
    message: str,
    attempts: int,
    target_id: str | None = None,
) -> SyncOutcome:
    return SyncOutcome(
        command_id=cmd.command_id,
        status=status,
        object_type=cmd.object_type,
        source_ref=cmd.source_ref,
        target_ref=TargetRef(side=cmd.target_side, id=target_id) if target_id else None,
        source_fingerprint=cmd.source_fingerprint,
        error=OutcomeError(code=code, message=message, retryable=status == "parked"),
        attempts=max(attempts, 1),
        decision=cmd.decision,
        reason=reason,
        producer="posting",
    )
