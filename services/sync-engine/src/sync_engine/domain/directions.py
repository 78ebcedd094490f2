"""Which way each object type flows for one connection.

Two layers: the ledger connector's direction table (``capabilities.flows``, billcom.md §3.1 "Sync
Matrix"; without the connector's capabilities in hand, the table its ledger kind declares) decides
what flows by default (``blocked_direction``); the bookkeeper's ``what_syncs`` choices, within the
What Syncs cells derived from the same table (``ledgerbridge_common.what_syncs``), switch a type
off, narrow it to one direction (``refused_by_what_syncs``) or widen it where the cell allows. A
refusal names its reason, or the preference that refused, for the sync log."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.capabilities import Flow
from ledgerbridge_common.connectors.declared import declared_flows
from ledgerbridge_common.events import LedgerKind, Side
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.events.refs import NAME_LISTS
from ledgerbridge_common.what_syncs import DIRECTION_LABELS, SyncDirection, cell, preference_name

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


TWO_WAY_FLOWS = frozenset({Flow.TWO_WAY, Flow.TWO_WAY_WHILE_UNPAID})
"""Flows in which a ledger edit of a linked object is copied back to BILL."""


def flow_for(kind: LedgerKind, object_type: ObjectType, flows: Mapping[ObjectType, Flow] | None = None) -> Flow | None:
    return (declared_flows(kind) if flows is None else flows).get(object_type)


def writes_back(
    prefs: PreferenceValues, kind: LedgerKind, object_type: ObjectType, flows: Mapping[ObjectType, Flow] | None = None
) -> bool:
    """Both sides' edits flow (a merge may write to the side that changed): the ledger's flow is
    two-way and the bookkeeper has not narrowed the type to one direction."""
    if flow_for(kind, object_type, flows) not in TWO_WAY_FLOWS:
        return False
    way = prefs.what_syncs.get(object_type)
    return way is None or way is SyncDirection.BOTH


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
    return one_way_reason(noun, ledger, from_side)


def one_way_reason(noun: str, ledger: str, from_side: Side) -> str:
    """Why a change made on ``from_side`` to a type that flows the other way only is not copied."""
    if from_side is Side.BILLCOM:
        return f"{noun}s sync from {ledger} to BILL only; the change made in BILL is not copied to {ledger}"
    return f"{noun}s sync from BILL to {ledger} only; the change made in {ledger} is not copied to BILL"


def refused_by_what_syncs(
    prefs: PreferenceValues, kind: LedgerKind, object_type: ObjectType, from_side: Side
) -> str | None:
    """Why the bookkeeper's ``what_syncs`` choice takes nothing of this type from ``from_side``
    (None when the bookkeeper made no choice for the type — the ledger's flows decide, see
    ``blocked_direction`` — and when BILL's matrix refuses: see ``matrix_refuses``)."""
    way = prefs.what_syncs.get(object_type)
    if way is None or matrix_refuses(kind, object_type, from_side) or way.takes_from(from_side):
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
    kind: LedgerKind,
    object_type: ObjectType,
    from_side: Side,
    obj: CanonicalObject | None,
    linked: bool,
    flows: Mapping[ObjectType, Flow] | None = None,
    prefs: PreferenceValues | None = None,
) -> str | None:
    """None when ``object_type`` may flow from ``from_side``; otherwise the reason it may not. A
    type that flows from BILL only becomes two-way where the bookkeeper chose it in What Syncs
    (``prefs``; prefs-api accepts it only where BILL's cell offers it: QuickBooks Online's optional
    two-way AP payment sync)."""
    flow = flow_for(kind, object_type, flows)
    way = prefs.what_syncs.get(object_type) if prefs is not None else None
    if flow is Flow.FROM_BILLCOM and way is not None and way.takes_from(Side.LEDGER):
        flow = Flow.TWO_WAY
    ledger = LEDGER_NAME.get(kind, kind.value)
    if flow is None:
        return f"{object_type.value.replace('_', ' ')}s do not sync with {ledger}"
    noun = object_type.value.replace("_", " ")
    paid = obj is not None and is_paid(obj)
    if flow is Flow.TWO_WAY_WHILE_UNPAID and linked and paid:
        where = "BILL" if from_side is Side.BILLCOM else ledger
        return (
            f"edits made in {where} to a paid or partly paid {noun} are not synced; "
            f"{noun}s sync both ways only while unpaid"
        )
    if flow is Flow.FROM_LEDGER:
        return one_way_reason(noun, ledger, from_side) if from_side is Side.BILLCOM else None
    if from_side is Side.BILLCOM or flow is Flow.TWO_WAY:
        return None
    if flow is Flow.FROM_BILLCOM:
        return one_way_reason(noun, ledger, from_side)
    if linked and flow is Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER:
        return f"edits made in {ledger} to a {noun} that came from BILL are not copied back; BILL's version stands"
    if not linked and paid:
        return f"only unpaid {noun}s created in {ledger} are copied to BILL; this one is paid or partly paid"
    return None
