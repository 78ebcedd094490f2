"""The first-sync preview, pure: each BILL object's verdict (will create / will link to an
existing ledger object / will skip, and why) from the connection's preferences and what the
ledger already has. The engine decides the same way when the first sync runs
(sync-engine ``domain/first_sync.py``; document matching in ``ledgerbridge_common.document_match``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ledgerbridge_common.canonical.models import ApprovalStatus, CanonicalObject, ObjectType
from ledgerbridge_common.document_match import DocumentPick
from ledgerbridge_common.events.models import LedgerKind, Side
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.what_syncs import chosen, preference_name

Verdict = Literal["create", "link", "skip", "conflict"]
T = ObjectType
PREVIEWED: tuple[ObjectType, ...] = (
    T.VENDOR, T.CUSTOMER, T.BILL, T.VENDOR_CREDIT, T.INVOICE, T.BILL_PAYMENT, T.RECEIVED_PAYMENT,
)  # fmt: skip
"""The BILL object types the preview lists (name lists and transactions; money-movement runs
follow their payments)."""
DOCUMENTS = frozenset({T.BILL, T.VENDOR_CREDIT, T.INVOICE})
APPROVAL_FILTERED = frozenset({T.BILL, T.VENDOR_CREDIT})


def first_of_month(today: dt.date) -> dt.date:
    """The default start date: the first day of the current month."""
    return today.replace(day=1)


@dataclass(frozen=True)
class Item:
    object_type: ObjectType
    verdict: Verdict
    reason: str
    billcom_id: str
    label: str
    date: dt.date | None = None
    amount: Decimal | None = None
    ledger_id: str | None = None
    candidates: tuple[str, ...] = ()


def label_of(obj: CanonicalObject) -> str:
    for attr in ("name", "number", "reference"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return obj.id or ""


def amount_of(obj: CanonicalObject) -> Decimal | None:
    value = getattr(obj, "total", None) if hasattr(obj, "lines") else getattr(obj, "amount", None)
    return Decimal(str(value)) if value is not None else None


def skip_reason(prefs: PreferenceValues, kind: LedgerKind, obj: CanonicalObject) -> str | None:
    """Why the first sync will not take this BILL object at all (excluded, archived, not
    approved, before the start date)."""
    otype = obj.object_type
    if not chosen(kind, otype, prefs.what_syncs).takes_from(Side.BILLCOM):
        return f"excluded: What Syncs takes no {otype.value.replace('_', ' ')}s from BILL ({preference_name(otype)})"
    if not obj.active or getattr(obj, "voided", False):
        return "archived or voided in BILL"
    status = getattr(obj, "approval_status", None)
    if otype in APPROVAL_FILTERED and prefs.sync_only_approved and status is not ApprovalStatus.APPROVED:
        return f"not approved ({status.value if status else 'no approval status'})"
    dated = getattr(obj, "date", None)
    if prefs.start_date is not None and dated is not None and dated < prefs.start_date:
        return f"dated {dated}, before the start date {prefs.start_date}"
    return None


def _item(obj: CanonicalObject, verdict: Verdict, reason: str, **extra: object) -> Item:
    return Item(
        object_type=obj.object_type,
        verdict=verdict,
        reason=reason,
        billcom_id=obj.id or "",
        label=label_of(obj),
        date=getattr(obj, "date", None),
        amount=amount_of(obj),
        **extra,  # type: ignore[arg-type]
    )


def verdict(
    prefs: PreferenceValues,
    kind: LedgerKind,
    obj: CanonicalObject,
    *,
    name_match: CanonicalObject | None = None,
    document: DocumentPick | None = None,
) -> Item:
    """One BILL object's verdict. ``name_match``: the ledger's record of the same name (name
    lists); ``document``: the ledger documents matching a transaction."""
    if (reason := skip_reason(prefs, kind, obj)) is not None:
        return _item(obj, "skip", reason)
    if name_match is not None:
        return _item(obj, "link", "same name in the ledger", ledger_id=name_match.id)
    if document is not None and document.match is not None:
        return _item(obj, "link", "same party, number and amount in the ledger", ledger_id=document.match.id)
    if document is not None and document.candidates:
        ids = tuple(c.id or "" for c in document.candidates)
        return _item(
            obj, "conflict", "several ledger documents match: you choose in the conflicts inbox", candidates=ids
        )
    return _item(obj, "create", "not in the ledger yet")
