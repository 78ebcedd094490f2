"""The pure decision core: one change, both sides' state, the link and the preferences in;
commands, sync-log outcomes, link writes and parking out. No IO here.

Rules, in the order ``decide`` checks them: readiness → echo → What Syncs → direction → payment
currency → approval filter → start date → in-flight write → removal (deactivate / void / merge) →
money movement → first-sync link to an existing document → upsert with conflict resolution
(ARCHITECTURE.md §5 "Decide" lists the rules; the echo comes second here so that our own write
coming back never shows up as a skip). Right after readiness, whatever else holds, a bookkeeper's
link without a replay is recorded, and a change that meets a link before its message waits for it
(``domain/adopt.py``). The planner recognises most echoes earlier, without reading the object, by
the last-updated time of our write (``domain/echo.py``); the fingerprint echo here is the rest."""

from __future__ import annotations

from dataclasses import replace

from ledgerbridge_common.canonical.models import ApprovalStatus, Bill, VendorCredit
from ledgerbridge_common.events import Decision, Side
from ledgerbridge_common.events.refs import NAME_LISTS
from sync_engine.domain import transfers
from sync_engine.domain.adopt import adopt, is_adoption, wait_for_link_message
from sync_engine.domain.currency import payment_currency_problem, refuse_payment
from sync_engine.domain.deletes import copies_unpaid_delete
from sync_engine.domain.directions import APPROVAL_FILTERED, blocked_direction, refused_by_what_syncs
from sync_engine.domain.echo import ECHO_REASON, INFLIGHT_REASON
from sync_engine.domain.first_sync import before_start_date, link_document
from sync_engine.domain.model import Inputs, LinkWrite, Plan
from sync_engine.domain.override import conflict_override
from sync_engine.domain.plans import baseline, command, inflight_key, park, skip, source_fingerprint
from sync_engine.domain.upsert import upsert

REMOVALS = frozenset({"deleted", "archived", "voided", "merged"})
T_FT = "funds_transfer"


def decide(inp: Inputs) -> Plan:
    inp = with_lists_master(inp)
    change, prefs, link = inp.change, inp.prefs, inp.link
    side, otype = change.side, change.object_type
    if not prefs.ready:
        missing = "; ".join(prefs.missing) or "preferences incomplete"
        return park(inp, "prefs", f"Connection not ready, nothing posted: {missing}", rule="not_ready")
    if is_adoption(change):
        return adopt(inp)
    if inp.link_message_due:
        return wait_for_link_message(inp)
    linked = link is not None and link.id_on(side.other) is not None
    if _is_echo(inp):
        return skip(inp, "echo", ECHO_REASON, log=False)
    refused = refused_by_what_syncs(prefs, prefs.ledger_kind, otype, side)
    if refused:
        return skip(inp, "what_syncs", refused)
    blocked = blocked_direction(prefs.ledger_kind, otype, side, inp.source, linked, inp.flows, prefs)
    if blocked and not copies_unpaid_delete(inp):
        return skip(inp, "direction", blocked)
    currency_problem = payment_currency_problem(inp)
    if currency_problem:
        return refuse_payment(inp, currency_problem)
    src = inp.source
    if (
        side is Side.BILLCOM
        and otype in APPROVAL_FILTERED
        and prefs.sync_only_approved
        and isinstance(src, Bill | VendorCredit)
        and src.approval_status is not ApprovalStatus.APPROVED
        and not linked
    ):
        status = src.approval_status.value if src.approval_status else "not approved"
        return skip(inp, "approval", f"not approved yet ({status}); syncs once APPROVED")
    if not _removed(inp) and (early := before_start_date(inp, linked)) is not None:
        return early
    if link is not None and link.pending_command_id:
        return park(
            inp,
            f"command:{link.pending_command_id}",
            "waiting for the previous write of this object to finish",
            rule="in_flight",
        )
    if link is None and side is Side.LEDGER and inp.inflight_creates:
        return park(inp, inflight_key(otype, inp.change.object_id), INFLIGHT_REASON, "in_flight")
    if _removed(inp):
        return _removal(inp)
    if otype.value == T_FT:
        return transfers.plan_run(inp)
    if link is None and inp.match is not None and inp.match.rule in ("match_by_document", "ambiguous_match"):
        return link_document(inp)
    return conflict_override(inp) if inp.override else upsert(inp)


def with_lists_master(inp: Inputs) -> Inputs:
    """The ledger connector may require one side to master lists (``capabilities.lists_master``):
    its conflicts are resolved as if Master in Case of Conflict said so."""
    side = inp.capabilities.lists_master if inp.capabilities is not None else None
    if side is None or inp.change.object_type not in NAME_LISTS:
        return inp
    master = {**inp.prefs.master, inp.change.object_type: side}
    fields = {t: f for t, f in inp.prefs.field_masters.items() if t != inp.change.object_type}
    return replace(inp, prefs=inp.prefs.model_copy(update={"master": master, "field_masters": fields}))


def _is_echo(inp: Inputs) -> bool:
    """The object reads as it was when we last synced it: our own write coming back, or a
    change to fields we do not sync. Checked first, so an echo never shows up as a skip."""
    src, link, side = inp.source, inp.link, inp.change.side
    if src is None or link is None or link.pending_command_id or inp.change.operation in REMOVALS:
        return False
    return baseline(side, src).fingerprint == link.fingerprint_on(side)


def _removed(inp: Inputs) -> bool:
    src = inp.source
    if src is None or inp.change.operation in REMOVALS:
        return True
    if inp.change.object_type in NAME_LISTS and not src.active:
        return True
    return bool(getattr(src, "voided", False))


def _removal(inp: Inputs) -> Plan:
    """Name lists are deactivated, never deleted; posted transactions are voided."""
    change, link = inp.change, inp.link
    side, otype = change.side, change.object_type
    noun = otype.value.replace("_", " ")
    if change.operation == "merged" and otype in NAME_LISTS:
        return _merge(inp)
    target_id = link.id_on(side.other) if link is not None else None
    if target_id is None:
        return skip(inp, "removed_unsynced", f"{noun} removed before it ever synced; nothing to undo")
    base = baseline(side, inp.source)
    if otype in NAME_LISTS:
        reason = f"{noun} made inactive on the other side (never deleted)"
        decision = Decision(rule="deactivate", reason=reason)
        cmd = command(inp, target_side=side.other, action="deactivate", target_id=target_id, decision=decision)
    else:
        decision = Decision(rule="void", reason=_void_reason(inp, noun))
        cmd = command(inp, target_side=side.other, action="void", target_id=target_id, decision=decision)
    write = LinkWrite(
        otype,
        billcom_id=link.billcom_id if link else None,
        ledger_id=link.ledger_id if link else None,
        baselines=(base,) if inp.source is not None else (),
        pending_command_id=cmd.command_id,
    )
    return Plan(commands=(cmd,), links=(write,), source_views={cmd.command_id: (base.fingerprint, base.view)})


def _void_reason(inp: Inputs, noun: str) -> str:
    caps = inp.capabilities
    if inp.change.side is Side.BILLCOM and caps is not None and inp.change.object_type not in caps.voids:
        return f"{noun} voided or deactivated in BILL: deleted in {caps.display_name}, which deletes rather than voids"
    return f"{noun} voided on the other side (posted entries are never deleted)"


def _merge(inp: Inputs) -> Plan:
    """The ledger merged this record into ``merged_into``: re-point or retire the other side's record."""
    change, link = inp.change, inp.link
    side, otype = change.side, change.object_type
    survivor = change.merged_into
    other_id = link.id_on(side.other) if link else None
    if link is None or other_id is None or survivor is None:
        return skip(inp, "merge", "merged record was never synced; nothing to do")
    survivor_link = inp.refs.get((side, otype, survivor))
    if survivor_link is None or survivor_link.target_id is None:
        if side is Side.LEDGER:
            relink = LinkWrite(otype, billcom_id=other_id, ledger_id=survivor)
        else:
            relink = LinkWrite(otype, billcom_id=survivor, ledger_id=other_id)
        return skip(inp, "merge", f"merged into {survivor}: the other side's record now links to it", links=(relink,))
    cmd = command(
        inp,
        target_side=side.other,
        action="deactivate",
        target_id=other_id,
        fp=source_fingerprint(inp),
        decision=Decision(rule="merge", reason=f"merged into {survivor}: the duplicate is made inactive"),
    )
    drop = LinkWrite(otype, billcom_id=link.billcom_id, ledger_id=link.ledger_id, drop=True)
    return Plan(commands=(cmd,), links=(drop,))
