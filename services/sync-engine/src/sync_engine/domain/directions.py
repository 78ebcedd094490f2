"""Which way each object type flows for one connection: BILL's matrix per ledger kind
(``ledgerbridge_common.what_syncs``, billcom.md §3.1) narrowed by the bookkeeper's ``what_syncs``
preference. A refusal names the preference that refused, for the sync log."""

from __future__ import annotations

from decimal import Decimal

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.events import LedgerKind, Side
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.events.refs import NAME_LISTS
from ledgerbridge_common.what_syncs import DIRECTION_LABELS, SyncDirection, cell, chosen, preference_name

MATCHABLE = NAME_LISTS
"""Name lists are also what a first sync matches by name."""
DOCUMENTS = frozenset({ObjectType.BILL, ObjectType.VENDOR_CREDIT, ObjectType.INVOICE})
"""Transactions a first sync links to an existing ledger document instead of creating one."""
APPROVAL_FILTERED = frozenset({ObjectType.BILL, ObjectType.VENDOR_CREDIT})

SIDE_NAME = {Side.BILLCOM: "BILL", Side.LEDGER: "the ledger"}
LEDGER_NAME = {
    LedgerKind.QUICKBOOKS_ONLINE: "QuickBooks Online",
    LedgerKind.QUICKBOOKS_DESKTOP: "QuickBooks Desktop",
    LedgerKind.SAGE_INTACCT: "Sage Intacct",
    LedgerKind.ORACLE_NETSUITE: "Oracle NetSuite",
    LedgerKind.XERO: "Xero",
}


def direction(prefs: PreferenceValues, kind: LedgerKind, object_type: ObjectType) -> SyncDirection:
    return chosen(kind, object_type, prefs.what_syncs)


def writes_back(prefs: PreferenceValues, kind: LedgerKind, object_type: ObjectType) -> bool:
    """Both sides' edits flow (a merge may write to the side that changed)."""
    found = cell(kind, object_type)
    both = direction(prefs, kind, object_type) is SyncDirection.BOTH
    return both and found is not None and not found.unpaid_only_from_ledger


def is_paid(obj: CanonicalObject) -> bool:
    """Paid or partly paid, from the side's read-only facts (QBO ``Balance``, BILL paymentStatus)."""
    facts = obj.side_status
    status = str(facts.get("payment_status") or facts.get("paymentStatus") or "").upper()
    if status in {"PAID", "PARTIAL", "PARTIALLY_PAID", "SCHEDULED"}:
        return True
    balance = obj.side_status.get("balance")
    total = getattr(obj, "total", None)
    if balance is not None and total is not None:
        return Decimal(str(balance)) < Decimal(str(total))
    return False


def matrix_refuses(kind: LedgerKind, object_type: ObjectType, from_side: Side) -> str | None:
    """Why BILL's matrix for the ledger takes nothing of this type from ``from_side``, whatever
    the bookkeeper chooses."""
    noun = object_type.value.replace("_", " ")
    ledger = LEDGER_NAME.get(kind, kind.value)
    found = cell(kind, object_type)
    if found is None:
        return f"{noun}s do not sync with {ledger}"
    if any(way.takes_from(from_side) for way in found.allowed):
        return None
    return f"{noun}s sync from BILL to {ledger} only; the change made in {ledger} is not copied to BILL"


def refused_by_what_syncs(
    prefs: PreferenceValues, kind: LedgerKind, object_type: ObjectType, from_side: Side
) -> str | None:
    """Why the bookkeeper's ``what_syncs`` choice takes nothing of this type from ``from_side``
    (None also when BILL's matrix refuses: see ``matrix_refuses``)."""
    way = direction(prefs, kind, object_type)
    if matrix_refuses(kind, object_type, from_side) or way.takes_from(from_side):
        return None
    noun = object_type.value.replace("_", " ")
    pref = preference_name(object_type)
    if way is SyncDirection.OFF:
        return f"{noun}s are switched off in What Syncs ({pref} = off)"
    origin = "BILL" if from_side is Side.BILLCOM else LEDGER_NAME.get(kind, kind.value)
    return (
        f"{noun}s sync {DIRECTION_LABELS[way]} only ({pref} = {way.value}); the change made in {origin} is not copied"
    )


def blocked_direction(
    prefs: PreferenceValues,
    kind: LedgerKind,
    object_type: ObjectType,
    from_side: Side,
    obj: CanonicalObject | None,
    linked: bool,
) -> str | None:
    """None when ``object_type`` may flow from ``from_side``; otherwise the reason it may not."""
    refused = matrix_refuses(kind, object_type, from_side)
    if refused or from_side is Side.BILLCOM:
        return refused
    found = cell(kind, object_type)
    if found is None or not found.unpaid_only_from_ledger:
        return None
    ledger = LEDGER_NAME.get(kind, kind.value)
    noun = object_type.value.replace("_", " ")
    if linked:
        return f"edits made in {ledger} to a {noun} that came from BILL are not copied back; BILL's version stands"
    if obj is not None and is_paid(obj):
        return f"only unpaid {noun}s created in {ledger} are copied to BILL; this one is paid or partly paid"
    return None
