"""The bookkeeper's control over what is written (pure; no IO): nothing before the first sync is
started from its preview, nothing but detection in manual mode until Sync Now, nothing of a type
What Syncs switches off, nothing dated before the start date created, and an existing document
linked instead of duplicated (``ledgerbridge_common.document_match``)."""

from __future__ import annotations

from ledgerbridge_common.events import ChangeDetected, Side
from sync_engine.domain.directions import SIDE_NAME, matrix_refuses, refused_by_what_syncs
from sync_engine.domain.model import Inputs, LinkWrite, Plan
from sync_engine.domain.plans import baseline, outcome, park, skip

MANUAL_KEY = "sync_now"
"""What a change detected in manual mode waits for (released by ``SyncRequested``)."""
PREFS_KEY = "prefs"
WRITING_TRIGGERS = frozenset({"sync_now", "replay"})
"""Triggers that write in manual mode: Sync Now and a bookkeeper's replay."""
FIRST_SYNC_REASON = "waiting for the first sync to be started from its preview; nothing is written before"
MANUAL_REASON = "manual sync (sync_mode = manual): detected, written at the next Sync Now"


def before_reading(inp: Inputs) -> Plan | None:
    """Skipped or held without reading the object: a type (and side) that What Syncs takes
    nothing from, the first sync not started, or manual mode."""
    prefs, change = inp.prefs, inp.change
    kind, otype, side = prefs.ledger_kind, change.object_type, change.side
    if refused := refused_by_what_syncs(prefs, kind, otype, side):
        return skip(inp, "what_syncs", refused)
    if refused := matrix_refuses(kind, otype, side):
        return skip(inp, "direction", refused)
    if not prefs.first_sync_started:
        return park(inp, PREFS_KEY, FIRST_SYNC_REASON, rule="first_sync_pending")
    if prefs.sync_mode == "manual" and change.trigger not in WRITING_TRIGGERS:
        return park(inp, MANUAL_KEY, MANUAL_REASON, rule="manual")
    return None


def before_start_date(inp: Inputs, linked: bool) -> Plan | None:
    """An object dated before the start date is not created on the other side (one already
    linked keeps syncing)."""
    start, src = inp.prefs.start_date, inp.source
    dated = getattr(src, "date", None)
    if linked or start is None or dated is None or dated >= start:
        return None
    noun = inp.change.object_type.value.replace("_", " ")
    return skip(inp, "start_date", f"{noun} dated {dated}, before the start date {start} (start_date): not created")


def link_document(inp: Inputs) -> Plan:
    """Link to the matching document on the other side (written by hand before the connection);
    nothing is written. Ambiguous candidates go to the conflicts inbox for the bookkeeper."""
    match, src, side = inp.match, inp.source, inp.change.side
    assert match is not None and src is not None
    noun = inp.change.object_type.value.replace("_", " ")
    where = SIDE_NAME[side.other]
    if match.rule == "ambiguous_match":
        ids = ", ".join(match.candidates)
        reason = (
            f"{noun} {getattr(src, 'number', '')} matches several in {where} ({ids}) by party, number, "
            "amount and date: choose one in the conflicts inbox; nothing created"
        )
        overridden = {"side": side.other.value, "candidates": list(match.candidates)}
        found = outcome(inp, status="skipped", rule="ambiguous_match", reason=reason, overridden=overridden)
        return Plan(outcomes=(found,), skipped=f"ambiguous_match: {reason}")
    other = match.obj
    write = LinkWrite(
        inp.change.object_type,
        billcom_id=src.id if side is Side.BILLCOM else other.id,
        ledger_id=src.id if side is Side.LEDGER else other.id,
        baselines=(baseline(side, src), baseline(side.other, other)),
    )
    reason = f"{noun} {getattr(src, 'number', '')} already in {where} ({other.id}): linked, not created"
    return skip(inp, "match_by_document", reason, links=(write,))


def released_for_sync_now(raw: dict[str, object]) -> ChangeDetected:
    """A change parked in manual mode, re-decided by Sync Now (which writes)."""
    return ChangeDetected.model_validate({**raw, "trigger": "sync_now"})
