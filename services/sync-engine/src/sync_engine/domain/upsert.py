"""Create or update an object on the other side, reconciling both sides' edits field by field."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from ledgerbridge_common.canonical import changed_fields, fingerprint, parse_canonical, synced_view
from ledgerbridge_common.canonical.models import BillPayment, CanonicalObject, ObjectType, ReceivedPayment
from ledgerbridge_common.events import Decision, PostingRequested, Side, SyncOutcome
from ledgerbridge_common.events.models import DecisionRule
from ledgerbridge_common.events.refs import NAME_LISTS
from sync_engine.domain import money
from sync_engine.domain.conflicts import Resolved, resolve
from sync_engine.domain.directions import SIDE_NAME, writes_back
from sync_engine.domain.headers import default_header
from sync_engine.domain.model import Inputs, LinkWrite, Plan, make_ref
from sync_engine.domain.plans import baseline, command, outcome, park, skip
from sync_engine.domain.translate import Translation, Translator

T = ObjectType


def _for_target(inp: Inputs, tr: Translation) -> Plan | None:
    """Per-type target fields: AP/AR account, payment accounts, home-currency amounts."""
    prefs, src, home = inp.prefs, inp.source, inp.company.home_currency
    data, multi = tr.data, inp.company.multi_currency
    if inp.change.side is not Side.BILLCOM or src is None:
        return None
    header = default_header(inp.change.object_type, prefs)
    if header is not None:
        data["header_classifications"] = header.model_dump(mode="json")
    if inp.change.object_type in {T.BILL, T.VENDOR_CREDIT}:
        data["ap_account_id"] = prefs.ap_account
    if inp.change.object_type is T.INVOICE:
        data["ar_account_id"] = prefs.ar_account
    documents = {T.BILL, T.VENDOR_CREDIT, T.INVOICE}
    if inp.change.object_type in documents and money.needs_conversion(data.get("currency"), home, multi):
        tr.data = money.convert_document(data, home)
    if isinstance(src, BillPayment | ReceivedPayment):
        account, label = money.payment_account(src, prefs)
        if not account:
            return park(inp, "prefs", f"Choose a {label} in the sync preferences")
        data["bank_account_id" if isinstance(src, BillPayment) else "deposit_to_account_id"] = account
        if money.needs_conversion(src.currency, home, multi):
            tr.data = money.convert_payment(data, src, inp.related, home)
    return None


def _build(object_type: ObjectType, data: dict[str, Any]) -> CanonicalObject:
    return parse_canonical(object_type, data)


def _conflict_outcomes(inp: Inputs, resolved: Resolved, counterpart: CanonicalObject) -> list[SyncOutcome]:
    result = []
    for loser, values in resolved.overridden.items():
        winner_name = SIDE_NAME[loser.other]
        loser_id = inp.change.object_id if loser is inp.change.side else counterpart.id or ""
        loser_obj = inp.source if loser is inp.change.side else counterpart
        name = getattr(inp.source, "name", None) or inp.change.object_id
        reason = (
            f"Edit made in {SIDE_NAME[loser]} to {inp.change.object_type.value.replace('_', ' ')} "
            f"'{name}' ({', '.join(sorted(values))}) was overridden: {winner_name} is master "
            f"in case of conflict"
        )
        result.append(
            outcome(
                inp,
                status="skipped",
                rule="conflict",
                reason=reason,
                ref=make_ref(loser, inp.change.object_type, loser_id),
                fp=fingerprint(loser_obj) if loser_obj is not None else None,
                master=loser.other,
                overridden={"side": loser.value, "fields": values},
                changed=sorted(resolved.conflicting),
            )
        )
    return result


def upsert(inp: Inputs) -> Plan:
    src, side, otype = inp.source, inp.change.side, inp.change.object_type
    assert src is not None
    target = side.other
    tr = Translator(side, inp.refs, inp.mappings, inp.prefs).translate(otype, src.model_dump(mode="json"))
    if tr.missing:
        return park(inp, tr.waiting_for[0], "; ".join(tr.missing), rule="dependency")
    blocked = _for_target(inp, tr)
    if blocked is not None:
        return blocked
    link = inp.link
    linked_id = link.id_on(target) if link is not None else None
    # a link without the other side's id (an earlier create failed) still takes a match: the
    # bookkeeper may have linked the object to an existing one since
    counterpart = inp.counterpart if linked_id is not None else (inp.match.obj if inp.match else None)
    target_id = linked_id if linked_id is not None else (counterpart.id if counterpart else None)
    src_base = baseline(side, src)
    changed = sorted(changed_fields(link.view_on(side) if link else None, src_base.view or {}))

    if counterpart is None:
        first: DecisionRule = "first_sync" if target_id is None else "one_side_changed"
        return _emit_target(inp, tr, target_id, Decision(rule=first, reason=_why(inp, first), changed_fields=changed))

    tgt_base = baseline(target, counterpart)
    try:
        desired_target = _build(otype, {**tr.data, "id": None})
    except ValidationError as exc:
        return skip(inp, "invalid", f"cannot be written to {SIDE_NAME[target]}: {exc.errors()[0]['msg']}")
    resolved = resolve(
        object_type=otype.value,
        source_side=side,
        source_now=src_base.view or {},
        source_then=link.view_on(side) if link else None,
        target_now=tgt_base.view,
        target_then=link.view_on(target) if link else None,
        source_in_target_ids=synced_view(desired_target),
        prefs=inp.prefs,
        keep_apart=otype in NAME_LISTS,
    )
    rule: DecisionRule = inp.match.rule if linked_id is None and inp.match else resolved.rule
    from_target = resolved.from_target | resolved.kept_apart
    merged = {**tr.data, **{f: counterpart.model_dump(mode="json").get(f) for f in from_target}}
    merged_obj = _build(otype, {**merged, "id": None})
    write_target = _kept(inp, target, synced_view(merged_obj)) != _kept(inp, target, tgt_base.view or {})
    two_way = writes_back(inp.prefs, inp.prefs.ledger_kind, otype, inp.flows)
    write_source = bool(resolved.from_target) and two_way and _source_differs(inp, resolved, counterpart)
    links = LinkWrite(
        otype,
        billcom_id=src.id if side is Side.BILLCOM else counterpart.id,
        ledger_id=src.id if side is Side.LEDGER else counterpart.id,
        baselines=(src_base, tgt_base),
    )
    plan = Plan(outcomes=tuple(_conflict_outcomes(inp, resolved, counterpart)))
    if not write_target and not write_source:
        return plan.then(skip(inp, "in_sync", "both sides already agree", log=bool(inp.match), links=(links,)))
    frozen = _not_updatable(inp, target, synced_view(merged_obj), tgt_base.view or {}) if write_target else []
    if frozen and not write_source:
        name = inp.capabilities.display_name if inp.capabilities else SIDE_NAME[target]
        noun = otype.value.replace("_", " ")
        reason = f"{name} cannot change a {noun} it already holds: the change to {', '.join(frozen)} stays in BILL"
        return plan.then(skip(inp, "immutable", reason, links=(links,)))
    commands: list[PostingRequested] = []
    merged_fp = fingerprint(merged_obj) if from_target else None
    decision_base = {"rule": rule, "master": resolved.master, "changed_fields": changed}
    if write_target:
        overridden = resolved.overridden.get(target)
        commands.append(
            command(
                inp,
                target_side=target,
                action="upsert",
                desired=merged_obj.model_dump(mode="json"),
                target_id=target_id,
                depends_on=tr.depends_on,
                fp=merged_fp,
                decision=Decision(**decision_base, reason=_why(inp, rule), overridden=overridden),
            )
        )
    if write_source:
        commands.append(_write_back(inp, resolved, counterpart, decision_base))
    pending = commands[0].command_id
    return plan.then(
        Plan(
            commands=tuple(commands),
            links=(replace(links, baselines=(src_base,), pending_command_id=pending),),
            source_views={c.command_id: (src_base.fingerprint, src_base.view) for c in commands},
        )
    )


def _kept(inp: Inputs, side: Side, view: dict[str, Any]) -> dict[str, Any]:
    """``view`` without the fields the ledger does not keep for this type (``capabilities.kept_fields``)."""
    caps = inp.capabilities
    kept = caps.kept_fields.get(inp.change.object_type) if caps and caps.kept_fields and side is Side.LEDGER else None
    return view if kept is None else {k: v for k, v in view.items() if k in kept}


def _not_updatable(inp: Inputs, side: Side, desired: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The changed fields the ledger cannot change on an object it holds (``capabilities.updatable_fields``)."""
    caps = inp.capabilities
    if side is not Side.LEDGER or caps is None or caps.updatable_fields is None:
        return []
    updatable = caps.updatable_fields.get(inp.change.object_type)
    if updatable is None:
        return []
    changed = {k for k in _kept(inp, side, desired).keys() | _kept(inp, side, current).keys()
               if desired.get(k) != current.get(k)}  # fmt: skip
    return sorted(changed - updatable)


def _source_differs(inp: Inputs, resolved: Resolved, counterpart: CanonicalObject) -> bool:
    assert inp.source is not None
    back = _back_translation(inp, counterpart)
    current = inp.source.model_dump(mode="json")
    return any(back.get(f) != current.get(f) for f in resolved.from_target)


def _back_translation(inp: Inputs, counterpart: CanonicalObject) -> dict[str, Any]:
    side = inp.change.side
    tr = Translator(side.other, inp.refs, inp.mappings, inp.prefs).translate(
        inp.change.object_type, counterpart.model_dump(mode="json")
    )
    return tr.data


def _write_back(
    inp: Inputs, resolved: Resolved, counterpart: CanonicalObject, decision_base: dict[str, Any]
) -> PostingRequested:
    """The merge's other half: the changed side takes the fields the other side won."""
    assert inp.source is not None
    side = inp.change.side
    back = _back_translation(inp, counterpart)
    data = {**inp.source.model_dump(mode="json"), **{f: back.get(f) for f in resolved.from_target}}
    data.update({"id": None, "concurrency_token": None, "side_status": {}})
    obj = _build(inp.change.object_type, data)
    return command(
        inp,
        target_side=side,
        action="upsert",
        desired=obj.model_dump(mode="json"),
        target_id=inp.change.object_id,
        ref=make_ref(side.other, inp.change.object_type, counterpart.id or ""),
        fp=fingerprint(obj),
        decision=Decision(
            **decision_base,
            reason=f"merge: fields changed in {SIDE_NAME[side.other]} copied back",
            overridden=resolved.overridden.get(side),
        ),
    )


def _emit_target(inp: Inputs, tr: Translation, target_id: str | None, decision: Decision) -> Plan:
    src, side = inp.source, inp.change.side
    assert src is not None
    try:
        desired = _build(inp.change.object_type, {**tr.data, "id": None}).model_dump(mode="json")
    except ValidationError as exc:
        return skip(inp, "invalid", f"cannot be written to {SIDE_NAME[side.other]}: {exc.errors()[0]['msg']}")
    cmd = command(
        inp,
        target_side=side.other,
        action="upsert",
        desired=desired,
        target_id=target_id,
        depends_on=tr.depends_on,
        decision=decision,
    )
    base = baseline(side, src)
    write = LinkWrite(
        inp.change.object_type,
        billcom_id=src.id if side is Side.BILLCOM else target_id,
        ledger_id=src.id if side is Side.LEDGER else target_id,
        baselines=(base,),
        pending_command_id=cmd.command_id,
    )
    return Plan(commands=(cmd,), links=(write,), source_views={cmd.command_id: (base.fingerprint, base.view)})


def _why(inp: Inputs, rule: DecisionRule) -> str:
    noun = inp.change.object_type.value.replace("_", " ")
    where = SIDE_NAME[inp.change.side]
    return {
        "first_sync": f"new {noun} in {where}: create it on the other side",
        "one_side_changed": f"{noun} changed in {where} only: {where}'s version wins",
        "merge": f"{noun} changed on both sides, in different fields: merged",
        "master": f"{noun} changed on both sides: the master's version wins",
        "field_master": f"{noun} changed on both sides: per-field masters decide",
        "match_by_name": f"{noun} matched by exact name with an existing one: linked",
        "match_by_mapping": f"{noun} linked through the mapping",
    }.get(rule, rule)
