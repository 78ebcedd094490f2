"""How a link changes: by a plan's link write, and by posting's outcome of a write (the target's
id, its last-updated time and both sides' baselines). Pure: the handlers read and store the links."""

from __future__ import annotations

from dataclasses import replace

from ledgerbridge_common.canonical import parse_canonical, synced_view
from ledgerbridge_common.events import Side, SyncOutcome
from sync_engine.domain.echo import written_at
from sync_engine.domain.model import Baseline, Link, LinkWrite


def merge_link(existing: Link | None, write: LinkWrite) -> Link:
    link = existing or Link(object_type=write.object_type)
    for side, object_id in ((Side.BILLCOM, write.billcom_id), (Side.LEDGER, write.ledger_id)):
        if object_id and object_id != link.id_on(side):
            # another object on that side now (a merge re-points the link): not our write's time
            link = link.with_id(side, object_id).with_written_at(side, None)
    for base in write.baselines:
        if base.side is Side.BILLCOM:
            link = replace(link, billcom_fingerprint=base.fingerprint, billcom_view=base.view)
        else:
            link = replace(link, ledger_fingerprint=base.fingerprint, ledger_view=base.view)
    if write.pending_command_id:
        link = replace(link, pending_command_id=write.pending_command_id, last_command_id=write.pending_command_id)
    elif write.settled:
        link = replace(link, pending_command_id=None)
    return link


def linked_by_outcome(
    link: Link,
    out: SyncOutcome,
    source_side: Side,
    source_id: str,
    target_side: Side,
    source: Baseline,
) -> Link:
    """``link`` after ``out`` posted the write; ``source``: the version that write was made from
    (the source baseline when the link had none)."""
    assert out.target_ref is not None
    view = None
    if out.written:
        try:
            view = synced_view(parse_canonical(link.object_type, out.written))
        except ValueError:
            view = out.written
    updated = link.with_id(target_side, out.target_ref.id).with_written_at(target_side, written_at(out.written))
    if link.id_on(source_side) is None and source_side is not target_side:
        updated = updated.with_id(source_side, source_id)
    updated = updated.with_baseline(target_side, out.fingerprint, view)
    if updated.fingerprint_on(source_side) is None and source_side is not target_side:
        updated = updated.with_baseline(source_side, source.fingerprint, source.view)
    if updated.pending_command_id == out.command_id:
        updated = replace(updated, pending_command_id=None, last_command_id=out.command_id)
    return updated
