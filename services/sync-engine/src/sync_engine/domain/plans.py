"""Helpers that turn a decision into commands and sync-log outcomes (deterministic ids)."""

from __future__ import annotations

from typing import Any

from ledgerbridge_common.canonical import fingerprint, synced_view
from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.events import Decision, PostingRequested, Side, SyncOutcome, deterministic_id
from ledgerbridge_common.events.models import Action, DecisionRule, OutcomeError
from sync_engine.domain.model import Baseline, Inputs, LinkWrite, Park, Plan, make_ref


def source_ref(inp: Inputs) -> str:
    return make_ref(inp.change.side, inp.change.object_type, inp.change.object_id)


def source_fingerprint(inp: Inputs) -> str:
    if inp.source is not None:
        return fingerprint(inp.source)
    change = inp.change
    return deterministic_id(change.operation, change.merged_into or "", change.source_time.isoformat())


def baseline(side: Side, obj: CanonicalObject | None) -> Baseline:
    if obj is None:
        return Baseline(side=side, object_id=None, fingerprint=None, view=None)
    return Baseline(side=side, object_id=obj.id, fingerprint=fingerprint(obj), view=synced_view(obj))


def command(
    inp: Inputs,
    *,
    target_side: Side,
    action: Action,
    decision: Decision,
    desired: dict[str, Any] | None = None,
    target_id: str | None = None,
    depends_on: list[str] | None = None,
    object_type: ObjectType | None = None,
    ref: str | None = None,
    fp: str | None = None,
) -> PostingRequested:
    ref = ref or source_ref(inp)
    fp = fp or source_fingerprint(inp)
    return PostingRequested(
        command_id=deterministic_id(inp.connection_id, ref, fp, action),
        target_side=target_side,
        action=action,
        object_type=object_type or inp.change.object_type,
        source_ref=ref,
        target_id=target_id,
        desired=desired,
        depends_on=list(dict.fromkeys(depends_on or [])),
        decision=decision,
        source_fingerprint=fp,
    )


def outcome(
    inp: Inputs,
    *,
    status: str,
    rule: DecisionRule,
    reason: str,
    ref: str | None = None,
    fp: str | None = None,
    master: Side | None = None,
    overridden: dict[str, Any] | None = None,
    changed: list[str] | None = None,
    error: OutcomeError | None = None,
) -> SyncOutcome:
    ref = ref or source_ref(inp)
    fp = fp or source_fingerprint(inp)
    return SyncOutcome(
        command_id=deterministic_id(inp.connection_id, ref, fp, f"engine:{status}:{rule}"),
        status=status,
        object_type=inp.change.object_type,
        source_ref=ref,
        source_fingerprint=fp,
        reason=reason,
        decision=Decision(rule=rule, master=master, reason=reason, changed_fields=changed or [], overridden=overridden),
        error=error,
        producer="sync-engine",
    )


def skip(inp: Inputs, rule: DecisionRule, reason: str, *, log: bool = True, links: tuple[LinkWrite, ...] = ()) -> Plan:
    """Nothing to write. ``log`` False keeps echoes out of the sync log (volume)."""
    outcomes = (outcome(inp, status="skipped", rule=rule, reason=reason),) if log else ()
    return Plan(outcomes=outcomes, skipped=f"{rule}: {reason}", links=links)


def inflight_key(object_type: ObjectType, ledger_id: str) -> str:
    """What a ledger change to an unlinked object waits for while creates of its type are in
    flight: the outcome of the create that produced ``ledger_id`` (its echo), or the end of them."""
    return f"{INFLIGHT_PREFIX}{object_type.value}:{ledger_id}"


INFLIGHT_PREFIX = "inflight:"


def park(inp: Inputs, waiting_for: str, reason: str, rule: DecisionRule = "parked") -> Plan:
    """Hold the change until ``waiting_for`` resolves. Waiting for our own write in flight is
    internal sequencing that resolves by itself within seconds: it is logged, not put in the
    sync log (a bookkeeper cannot act on it)."""
    quiet = rule == "in_flight"
    return Plan(
        outcomes=() if quiet else (outcome(inp, status="parked", rule=rule, reason=reason),),
        park=Park(waiting_for=waiting_for, reason=reason),
        skipped=f"{rule}: {reason}",
    )


DISCONNECTED = "disconnected"
DISCONNECTED_REASON = "connection disconnected"


def disconnected_key(connection_id: str) -> str:
    """What a change of a disconnected connection waits for (posting parks its commands on the same key)."""
    return f"connection:{connection_id}"


def park_disconnected(inp: Inputs) -> Plan:
    """Nothing is decided for a disconnected connection: the change waits, unread, for the reconnect."""
    error = OutcomeError(
        code="connection_disconnected",
        message="the connection is disconnected; released when it is reconnected",
        retryable=True,
    )
    parked = outcome(inp, status="parked", rule="parked", reason=DISCONNECTED_REASON, error=error)
    return Plan(
        outcomes=(parked,),
        park=Park(waiting_for=disconnected_key(inp.connection_id), reason=DISCONNECTED_REASON),
        skipped=f"parked: {DISCONNECTED_REASON}",
    )
