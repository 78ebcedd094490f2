"""Who wins when an object changed since the last sync: one side changed → it wins; both changed →
fields changed on one side only merge, fields changed on both follow the per-field master, else the
object type's master. The losing values are kept for the conflicts inbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledgerbridge_common.canonical import changed_fields
from ledgerbridge_common.events import Side
from ledgerbridge_common.events.models import DecisionRule
from ledgerbridge_common.prefs_client import ConnectionPreferences


@dataclass(frozen=True)
class Resolved:
    """Which side provides each synced field, and what the loser had on conflicting fields."""

    from_source: frozenset[str]
    from_target: frozenset[str]
    conflicting: frozenset[str] = frozenset()
    kept_apart: frozenset[str] = frozenset()
    """Fields neither side changed since the last sync whose values differ (a name-list record
    linked to a differently named one): each side keeps its own value, nothing is written for them."""
    overridden: dict[Side, dict[str, Any]] = field(default_factory=dict)
    """losing side → its values of the fields it lost."""
    rule: DecisionRule = "one_side_changed"
    master: Side | None = None


def resolve(
    *,
    object_type: str,
    source_side: Side,
    source_now: dict[str, Any],
    source_then: dict[str, Any] | None,
    target_now: dict[str, Any] | None,
    target_then: dict[str, Any] | None,
    source_in_target_ids: dict[str, Any],
    prefs: ConnectionPreferences,
    keep_apart: bool = False,
) -> Resolved:
    """Decide field by field. Views are normalised synced views (``synced_view``); the
    ``*_in_*_ids`` views are the other side's object translated, so values compare like for like.
    ``keep_apart`` (name lists): a field neither side changed since the last sync is not written
    even when the two sides' values differ (``Resolved.kept_apart``)."""
    changed_src = changed_fields(source_then, source_now)
    changed_tgt = changed_fields(target_then, target_now) if target_now is not None else set()
    kept = _kept_apart(
        source_then, source_now, target_then, target_now, source_in_target_ids, changed_src | changed_tgt
    )
    kept = kept if keep_apart else frozenset()
    if target_now is None or target_now == target_then:
        return Resolved(
            from_source=frozenset((changed_src | set(source_now)) - kept), from_target=frozenset(), kept_apart=kept
        )
    both = changed_src & changed_tgt
    agreeing = {f for f in both if source_in_target_ids.get(f) == target_now.get(f)}
    conflicting = both - agreeing
    from_target = set(changed_tgt - changed_src)
    from_source = set(changed_src - changed_tgt) | agreeing
    masters: set[Side] = set()
    overridden: dict[Side, dict[str, Any]] = {}
    field_rule = False
    for name in sorted(conflicting):
        winner = prefs.master_for(object_type, name)
        field_rule = field_rule or winner is not prefs.master_for(object_type)
        masters.add(winner)
        if winner is source_side:
            from_source.add(name)
            overridden.setdefault(source_side.other, {})[name] = target_now.get(name)
        else:
            from_target.add(name)
            overridden.setdefault(source_side, {})[name] = source_now.get(name)
    unchanged = set(source_now) | set(target_now)
    from_source |= unchanged - from_target - from_source - kept
    rule: DecisionRule = "merge" if not conflicting else "field_master" if field_rule else "master"
    return Resolved(
        from_source=frozenset(from_source),
        from_target=frozenset(from_target),
        conflicting=frozenset(conflicting),
        kept_apart=kept,
        overridden=overridden,
        rule=rule,
        master=masters.pop() if len(masters) == 1 else None,
    )


def _kept_apart(
    source_then: dict[str, Any] | None,
    source_now: dict[str, Any],
    target_then: dict[str, Any] | None,
    target_now: dict[str, Any] | None,
    source_in_target_ids: dict[str, Any],
    changed: set[str],
) -> frozenset[str]:
    """Fields both baselines hold, unchanged on both sides, whose values differ between the sides."""
    if source_then is None or target_then is None or target_now is None:
        return frozenset()
    candidates = (set(source_now) & set(source_then) & set(target_then)) - changed
    return frozenset(f for f in candidates if source_in_target_ids.get(f) != target_now.get(f))
