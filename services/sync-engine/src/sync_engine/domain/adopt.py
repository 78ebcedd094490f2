"""A link the bookkeeper made (prefs-api's ``Mappings.objects``): the two objects are the same
object. prefs-api publishes ``ChangeDetected`` with ``delivery_id`` ``linked:<action id>`` (without
a replay) or ``link:<action id>`` (with one) after storing the link. The engine decides changes in
the changes topic's order, so a change that meets the stored link before that message (the linked
ledger object's own create, still on its way when the link was made) waits for it: it is parked on
``linking_key`` and decided again once the message has been decided.

``linked:``: nothing is written. The link records, on the side whose write failed, the version that
write tried to write (else the object as it is now), and on the other side the object as it is now,
as its baselines: the next change on either side carries what changed since. Name-list fields that
differ between the two and that neither side changes (a name the ledger refused) stay apart
(``domain/conflicts.py``). The link replaces the write that failed: nothing waits for it."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events import ChangeDetected, Side
from sync_engine.domain.model import Inputs, LinkWrite, Plan
from sync_engine.domain.plans import baseline, park, skip

PREFIX = "linked:"
LINK_MESSAGES = ("link:", PREFIX)
LINKING_PREFIX = "linking:"


def is_adoption(change: ChangeDetected) -> bool:
    return change.trigger == "replay" and (change.delivery_id or "").startswith(PREFIX)


def is_link_message(change: ChangeDetected) -> bool:
    """prefs-api's message that a link the bookkeeper made is stored (with or without a replay)."""
    return change.trigger == "replay" and (change.delivery_id or "").startswith(LINK_MESSAGES)


def linking_key(object_type: ObjectType, billcom_id: str) -> str:
    """What a change that met a stored link before its message waits for."""
    return f"{LINKING_PREFIX}{object_type.value}:{billcom_id}"


def wait_for_link_message(inp: Inputs) -> Plan:
    assert inp.match is not None
    side, src = inp.change.side, inp.source
    billcom_id = (src.id if side is Side.BILLCOM and src is not None else inp.match.obj.id) or ""
    reason = "waiting for the bookkeeper's link to this object to reach the engine"
    return park(inp, linking_key(inp.change.object_type, billcom_id), reason)


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
    other_base = baseline(side.other, other)
    write = LinkWrite(
        inp.change.object_type,
        billcom_id=src.id if side is Side.BILLCOM else other.id,
        ledger_id=src.id if side is Side.LEDGER else other.id,
        baselines=(source_base, other_base),
        settled=True,
    )
    reason = f"linked by the bookkeeper to {other.id}: nothing written; the next change updates it"
    return skip(inp, "in_sync", reason, links=(write,))
