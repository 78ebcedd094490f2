"""Turn a permanent vendor error into a reason a bookkeeper understands."""

from __future__ import annotations

import re
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.errors import (
    AuthRevokedError,
    ClosedPeriodError,
    ConnectorError,
    DuplicateError,
    NotFoundError,
    ValidationError,
)
from ledgerbridge_common.events.models import Side
from ledgerbridge_common.events.refs import try_parse_ref

LABELS = {
    ObjectType.VENDOR: "vendor",
    ObjectType.CUSTOMER: "customer",
    ObjectType.ACCOUNT: "account",
    ObjectType.CLASS: "class",
    ObjectType.DEPARTMENT: "department",
    ObjectType.LOCATION: "location",
    ObjectType.PROJECT: "project",
    ObjectType.ITEM: "product or service",
    ObjectType.BILL: "bill",
    ObjectType.VENDOR_CREDIT: "vendor credit",
    ObjectType.BILL_PAYMENT: "bill payment",
    ObjectType.INVOICE: "invoice",
    ObjectType.RECEIVED_PAYMENT: "customer payment",
    ObjectType.FUNDS_TRANSFER: "transfer",
    ObjectType.JOURNAL_ENTRY: "journal entry",
}
DOC_NUMBER = re.compile(r"DocNumber=([^\s,;)]+)")


def side_name(side: Side, ledger_name: str = "the ledger") -> str:
    """``ledger_name``: the connector's ``capabilities.display_name``."""
    return ledger_name if side is Side.LEDGER else "BILL"


def _article(label: str) -> str:
    return "an" if label[0] in "aeiou" else "a"


def reason_for(
    exc: ConnectorError,
    object_type: ObjectType,
    desired: dict[str, Any] | None,
    side: Side,
    ledger_name: str = "the ledger",
) -> str:
    target = side_name(side, ledger_name)
    subject = target[:1].upper() + target[1:]
    label = LABELS.get(object_type, object_type.value)
    desired = desired or {}
    detail = exc.detail or exc.message
    if isinstance(exc, DuplicateError):
        if exc.code == "6240" or ("name" in exc.message.lower() and "document" not in exc.message.lower()):
            name = desired.get("name") or "this name"
            return (
                f"{subject} already has another customer, vendor or employee named '{name}' "
                f"(names must be unique across them): rename one of them, then replay"
            )
        match = DOC_NUMBER.search(detail)
        number = desired.get("number") or (match.group(1) if match else "?")
        if object_type in (ObjectType.JOURNAL_ENTRY, ObjectType.FUNDS_TRANSFER):
            # BILL's help lists this among the top sync errors (billcom.md 3.6, vendorpayhelp 360023812392)
            return (
                f"{subject} already has a journal entry numbered {number} (duplicate document number): "
                f"renumber that entry in {target}, or turn off its 'warn if duplicate journal number' "
                "preference, then replay"
            )
        who = " from this vendor" if object_type in (ObjectType.BILL, ObjectType.VENDOR_CREDIT) else ""
        return f"{subject} already has {_article(label)} {label} with number {number}{who} (duplicate document number)"
    if isinstance(exc, ClosedPeriodError):
        date = desired.get("date") or "this date"
        return (
            f"The books are closed in {target} for {date}: the {label} cannot be posted into a closed "
            "period. Reopen the period or move the closing date, then replay."
        )
    if isinstance(exc, NotFoundError):
        return (
            f"{subject} could not find something this {label} refers to (an account, vendor, customer, "
            f"item or document that was deleted or made inactive): {detail}"
        )
    if isinstance(exc, AuthRevokedError):
        return f"The connection to {target} is no longer authorised: reconnect it, then replay."
    if isinstance(exc, ValidationError):
        return f"{subject} rejected the {label}: {detail}"
    return f"{subject} refused the {label}: {detail}"


def unbalanced_reason(debits: object, credits: object) -> str:
    return f"The journal entry does not balance (debits {debits}, credits {credits}); nothing was posted."


def parked_reason(missing: list[str]) -> str:
    waiting = ", ".join(_describe_ref(ref) for ref in missing)
    return f"waiting for {waiting} to be posted"


def _describe_ref(source_ref: str) -> str:
    ref = try_parse_ref(source_ref)
    if ref is None:
        return source_ref
    return f"{LABELS.get(ref.object_type, ref.object_type.value)} {ref.object_id}"
