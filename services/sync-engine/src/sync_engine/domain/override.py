"""A bookkeeper overrode a conflict (prefs-api's conflicts inbox): this time the losing side's
version wins. prefs-api publishes ``ChangeDetected`` for the object on the losing side with
``delivery_id = "conflict-override:<conflict id>"``; the planner re-reads that object and puts back
the values it lost (the conflict's ``losing_version``), which had been overwritten by the master's
version. That version is then written to the other side like any one-side change, and restored on
the losing side itself."""

from __future__ import annotations

from typing import Any

from ledgerbridge_common.canonical import fingerprint, parse_canonical
from ledgerbridge_common.canonical.models import CanonicalObject
from ledgerbridge_common.events import ChangeDetected, Decision
from sync_engine.domain.directions import SIDE_NAME, writes_back
from sync_engine.domain.model import Inputs, Plan, make_ref
from sync_engine.domain.plans import command
from sync_engine.domain.upsert import upsert

PREFIX = "conflict-override:"


def override_id(change: ChangeDetected) -> int | None:
    """The conflict id of an override, else None."""
    if change.trigger != "replay" or not (change.delivery_id or "").startswith(PREFIX):
        return None
    raw = (change.delivery_id or "")[len(PREFIX) :]
    return int(raw) if raw.isdigit() else None


def losing_values(change: ChangeDetected, losing_version: dict[str, Any]) -> dict[str, Any]:
    """The fields the change's side lost. prefs-api records conflicts from the winning write's
    outcome, whose ``decision.overridden`` is ``{field: losing value}`` for the side written to (the
    side this change is about); the engine's own ``conflict`` outcomes wrap it as ``{"side",
    "fields"}`` (empty when that names the other side)."""
    if set(losing_version) == {"side", "fields"}:
        same_side = losing_version["side"] == change.side.value
        return dict(losing_version["fields"] or {}) if same_side else {}
    return dict(losing_version)


def with_values(obj: CanonicalObject, values: dict[str, Any]) -> CanonicalObject:
    return parse_canonical(obj.object_type, {**obj.model_dump(mode="json"), **values})


def conflict_override(inp: Inputs) -> Plan:
    """Write the losing version to the other side (as upsert would) and back to its own side."""
    src, link, side = inp.source, inp.link, inp.change.side
    plan = upsert(inp)
    other_id = link.id_on(side.other) if link else None
    if (
        src is None
        or other_id is None
        or not writes_back(inp.prefs, inp.prefs.ledger_kind, inp.change.object_type, inp.flows)
    ):
        return plan
    data = {**src.model_dump(mode="json"), "id": None, "concurrency_token": None, "side_status": {}}
    restored = parse_canonical(inp.change.object_type, data)
    restore = command(
        inp,
        target_side=side,
        action="upsert",
        desired=restored.model_dump(mode="json"),
        target_id=inp.change.object_id,
        ref=make_ref(side.other, inp.change.object_type, other_id),
        fp=fingerprint(restored),
        decision=Decision(
            rule="conflict_override",
            reason=f"the bookkeeper overrode the conflict: {SIDE_NAME[side]}'s version is put back",
        ),
    )
    return plan.then(Plan(commands=(restore,)))
