"""A link the bookkeeper made (prefs-api's ``Mappings.objects``): the two objects are the same
object. prefs-api publishes ``ChangeDetected`` with ``delivery_id = "linked:<action id>"`` when the
link is made without a replay, but the first change to meet the link adopts it, whichever it is:
that message, the linked ledger object's own change (its create, still on its way when the link was
made) or a change of the object whose write failed. Nothing is written for the adoption itself. The
link records, on the side whose write failed, the version that write tried to write (else the
object as it is now), and on the other side the object as it is now, as its baselines: the next
change on either side carries what changed since. A change of the failed side that differs from
what was tried is that next change: it is decided on the adopted link right away. Name-list fields
that differ between the two and that neither side changes (a name the ledger refused) stay apart
(``domain/conflicts.py``). The link replaces the write that failed: nothing waits for it."""

from __future__ import annotations

from dataclasses import replace

from ledgerbridge_common.events import ChangeDetected, Side
from sync_engine.domain.model import Inputs, Link, LinkWrite, Plan
from sync_engine.domain.plans import baseline, skip

PREFIX = "linked:"


def is_adoption(change: ChangeDetected) -> bool:
    return change.trigger == "replay" and (change.delivery_id or "").startswith(PREFIX)


def adopt(inp: Inputs) -> Plan:
    """Record the bookkeeper's link with both sides' baselines; write nothing."""
    src, side, link = inp.source, inp.change.side, inp.link
    noun = inp.change.object_type.value.replace("_", " ")
    if src is None or inp.match is None or inp.match.rule != "match_by_mapping":
        linked = link is not None and link.id_on(side.other) is not None
        reason = "is linked already; the next change updates it" if linked else "has no link to record"
        return skip(inp, "in_sync", f"{noun} {reason}", log=False)
    other = inp.match.obj
    tried = inp.last_attempt
    source_base = tried if tried is not None and tried.side is side else baseline(side, src)
    other_base = tried if tried is not None and tried.side is side.other else baseline(side.other, other)
    write = LinkWrite(
        inp.change.object_type,
        billcom_id=src.id if side is Side.BILLCOM else other.id,
        ledger_id=src.id if side is Side.LEDGER else other.id,
        baselines=(source_base, other_base),
        settled=True,
    )
    reason = f"linked by the bookkeeper to {other.id}: nothing written; the next change updates it"
    return skip(inp, "in_sync", reason, links=(write,))


def carried_change(inp: Inputs, adopted: Plan) -> Inputs | None:
    """The inputs of this change decided on the link ``adopted`` records, when the change is a
    change of the side whose write failed and differs from what that write tried (else None)."""
    tried, src = inp.last_attempt, inp.source
    if is_adoption(inp.change) or tried is None or src is None or inp.match is None or not adopted.links:
        return None
    if tried.side is not inp.change.side or tried.fingerprint == baseline(tried.side, src).fingerprint:
        return None
    write = adopted.links[0]
    now = replace(
        inp.link or Link(write.object_type),
        billcom_id=write.billcom_id,
        ledger_id=write.ledger_id,
        pending_command_id=None,
    )
    for base in write.baselines:
        now = now.with_baseline(base.side, base.fingerprint, base.view)
    return replace(inp, link=now, counterpart=inp.match.obj, match=None, adopting=False, last_attempt=None)
