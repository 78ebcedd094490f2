"""Objects the bookkeeper chose not to sync (prefs-api's ``Mappings.ignored``): a change to one,
or to the object linked to one on the other side, is skipped and logged with rule ``ignored``."""

from __future__ import annotations

from ledgerbridge_common.events import ChangeDetected
from ledgerbridge_common.prefs_client import Mappings
from sync_engine.domain.model import Inputs, Link, Plan, make_ref
from sync_engine.domain.plans import skip


def ignored_ref(change: ChangeDetected, link: Link | None, mappings: Mappings) -> str | None:
    """The ignored source ref this change concerns, if any."""
    if not mappings.ignored:
        return None
    ignored = set(mappings.ignored)
    refs = [make_ref(change.side, change.object_type, change.object_id)]
    other_id = link.id_on(change.side.other) if link else None
    if other_id:
        refs.append(make_ref(change.side.other, change.object_type, other_id))
    return next((ref for ref in refs if ref in ignored), None)


def skip_ignored(inp: Inputs, ref: str) -> Plan:
    return skip(inp, "ignored", f"{ref} is ignored by the bookkeeper; un-ignore it to sync it again")


def linked_ids(mappings: Mappings, object_type: str) -> dict[str, str]:
    """BILL id → ledger id links the bookkeeper made for this object type."""
    return mappings.objects.get(object_type, {})
