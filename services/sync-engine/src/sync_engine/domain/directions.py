"""Which way each object type flows, per ledger kind (billcom.md §3.1, "Sync Matrix").

A connector that declares its flows (``capabilities.flows``) is followed; otherwise the ledger
kind's row of ``DIRECTION_MATRIX``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.capabilities import Flow
from ledgerbridge_common.events import LedgerKind, Side
from ledgerbridge_common.events.refs import NAME_LISTS

T = ObjectType
DIRECTION_MATRIX: dict[LedgerKind, dict[ObjectType, Flow]] = {
    LedgerKind.QUICKBOOKS_ONLINE: {
        T.VENDOR: Flow.TWO_WAY,
        T.CUSTOMER: Flow.TWO_WAY,
        T.ACCOUNT: Flow.TWO_WAY,
        T.CLASS: Flow.TWO_WAY,
        T.DEPARTMENT: Flow.TWO_WAY,
        T.LOCATION: Flow.TWO_WAY,
        T.ITEM: Flow.TWO_WAY,
        T.BILL: Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER,
        T.INVOICE: Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER,
        T.VENDOR_CREDIT: Flow.FROM_BILLCOM,
        T.BILL_PAYMENT: Flow.FROM_BILLCOM,
        T.RECEIVED_PAYMENT: Flow.FROM_BILLCOM,
        T.FUNDS_TRANSFER: Flow.FROM_BILLCOM,
        T.JOURNAL_ENTRY: Flow.FROM_BILLCOM,
    },
}

MATCHABLE = NAME_LISTS
"""Name lists are also what a first sync matches by name."""
APPROVAL_FILTERED = frozenset({T.BILL, T.VENDOR_CREDIT})

SIDE_NAME = {Side.BILLCOM: "BILL", Side.LEDGER: "the ledger"}
LEDGER_NAME = {
    LedgerKind.QUICKBOOKS_ONLINE: "QuickBooks Online",
    LedgerKind.QUICKBOOKS_DESKTOP: "QuickBooks Desktop",
    LedgerKind.SAGE_INTACCT: "Sage Intacct",
    LedgerKind.ORACLE_NETSUITE: "Oracle NetSuite",
    LedgerKind.XERO: "Xero",
}


def flow_for(kind: LedgerKind, object_type: ObjectType, flows: Mapping[ObjectType, Flow] | None = None) -> Flow | None:
    if flows is not None:
        return flows.get(object_type)
    return DIRECTION_MATRIX.get(kind, {}).get(object_type)


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


def blocked_direction(
    kind: LedgerKind,
    object_type: ObjectType,
    from_side: Side,
    obj: CanonicalObject | None,
    linked: bool,
    flows: Mapping[ObjectType, Flow] | None = None,
) -> str | None:
    """None when ``object_type`` may flow from ``from_side``; otherwise the reason it may not."""
    flow = flow_for(kind, object_type, flows)
    ledger = LEDGER_NAME.get(kind, kind.value)
    if flow is None:
        return f"{object_type.value.replace('_', ' ')}s do not sync with {ledger}"
    if from_side is Side.BILLCOM or flow is Flow.TWO_WAY:
        return None
    noun = object_type.value.replace("_", " ")
    if flow is Flow.FROM_BILLCOM:
        return f"{noun}s sync from BILL to {ledger} only; the change made in {ledger} is not copied to BILL"
    if linked:
        return f"edits made in {ledger} to a {noun} that came from BILL are not copied back; BILL's version stands"
    if obj is not None and is_paid(obj):
        return f"only unpaid {noun}s created in {ledger} are copied to BILL; this one is paid or partly paid"
    return None
