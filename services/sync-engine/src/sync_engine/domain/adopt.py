"""A link the bookkeeper made without a replay (prefs-api publishes ``ChangeDetected`` with
``delivery_id = "linked:<action id>"``): the two objects are the same object. Nothing is written.
The link records the other side's object as it is now and, on the changed side, the version the
failed write tried to write (else the object as it is now) as its baselines: the next change on
either side carries what changed since, whenever the engine gets to the link. Name-list fields
that differ between the two and that neither side changes (a name the ledger refused) stay apart
(``domain/conflicts.py``). The link replaces the write that failed: nothing waits for it."""

from __future__ import annotations

from ledgerbridge_common.events import ChangeDetected, Side
from sync_engine.domain.model import Inputs, LinkWrite, Plan
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
    source_base = inp.last_attempt or baseline(side, src)
    write = LinkWrite(
        inp.change.object_type,
        billcom_id=src.id if side is Side.BILLCOM else other.id,
        ledger_id=src.id if side is Side.LEDGER else other.id,
        baselines=(source_base, baseline(side.other, other)),
        settled=True,
    )
    reason = f"linked by the bookkeeper to {other.id}: nothing written; the next change updates it"
    return skip(inp, "in_sync", reason, links=(write,))
