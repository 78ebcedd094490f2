"""Commands and canonical objects for posting tests."""

from __future__ import annotations

import uuid
from typing import Any

from ledgerbridge_common.events.models import Decision, PostingRequested, Side, deterministic_id


def ref(object_type: str) -> str:
    return f"billcom:{object_type}:{uuid.uuid4().hex[:12]}"


def command(
    object_type: str,
    source_ref: str,
    desired: dict[str, Any] | None,
    *,
    action: str = "upsert",
    depends_on: list[str] | None = None,
    version: str = "v1",
    connection_id: str = "conn",
    target_id: str | None = None,
    side: Side = Side.LEDGER,
) -> PostingRequested:
    return PostingRequested(
        command_id=deterministic_id(connection_id, source_ref, version, action),
        target_side=side,
        action=action,
        object_type=object_type,
        source_ref=source_ref,
        target_id=target_id,
        desired=desired,
        depends_on=depends_on or [],
        decision=Decision(rule="one_side_changed", reason="changed in BILL"),
        source_fingerprint=f"fp-{version}",
    )


def vendor(name: str) -> dict[str, Any]:
    return {"name": name}


def bill(
    vendor_id: str, *, number: str = "1001", amounts: tuple[str, ...] = ("100.00",), ap: str = "33"
) -> dict[str, Any]:
    return {
        "vendor_id": vendor_id,
        "number": number,
        "date": "2026-11-20",
        "ap_account_id": ap,
        "lines": [{"amount": amount, "classifications": {"account_id": f"7{i}"}} for i, amount in enumerate(amounts)],
    }


def bill_payment(vendor_id: str, bill_id: str, amount: str, *, bank: str = "clearing-out") -> dict[str, Any]:
    return {
        "vendor_id": vendor_id,
        "date": "2026-11-21",
        "amount": amount,
        "applied_to": [{"document_id": bill_id, "amount": amount}],
        "bank_account_id": bank,
    }


def transfer(amount: str, *, from_account: str = "bank-1", to_account: str = "clearing-out") -> dict[str, Any]:
    return {
        "date": "2026-11-22",
        "amount": amount,
        "from_account_id": from_account,
        "to_account_id": to_account,
    }


def journal(*lines: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "date": "2026-11-22",
        "lines": [{"posting_type": t, "amount": a, "account_id": acc} for t, a, acc in lines],
    }
