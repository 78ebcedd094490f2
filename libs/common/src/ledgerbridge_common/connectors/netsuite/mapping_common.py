"""Shared pieces of the NetSuite mapping: the connection's setup (subsidiary, currencies), account
types and small converters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import (
    AccountType,
)
from ledgerbridge_common.errors import ValidationError

Rec = dict[str, Any]

ACCOUNT_TYPES: dict[AccountType, str] = {
    AccountType.BANK: "Bank",
    AccountType.ACCOUNTS_RECEIVABLE: "AcctRec",
    AccountType.OTHER_CURRENT_ASSET: "OthCurrAsset",
    AccountType.FIXED_ASSET: "FixedAsset",
    AccountType.OTHER_ASSET: "OthAsset",
    AccountType.ACCOUNTS_PAYABLE: "AcctPay",
    AccountType.CREDIT_CARD: "CredCard",
    AccountType.OTHER_CURRENT_LIABILITY: "OthCurrLiab",
    AccountType.LONG_TERM_LIABILITY: "LongTermLiab",
    AccountType.EQUITY: "Equity",
    AccountType.INCOME: "Income",
    AccountType.OTHER_INCOME: "OthIncome",
    AccountType.COST_OF_GOODS_SOLD: "COGS",
    AccountType.EXPENSE: "Expense",
    AccountType.OTHER_EXPENSE: "OthExpense",
    AccountType.NON_POSTING: "NonPosting",
}
CANONICAL_TYPES = {v: k for k, v in ACCOUNT_TYPES.items()}


@dataclass
class Setup:
    """The connection's subsidiary and the account's currencies (ISO code ↔ internal id)."""

    subsidiary_id: str
    home_currency: str = "USD"
    currency_ids: dict[str, str] = field(default_factory=dict)
    subsidiary_name: str = ""

    def currency_id(self, code: str | None) -> Rec | None:
        if code is None:
            return None
        if code not in self.currency_ids:
            raise ValidationError(f"currency {code} is not set up in NetSuite", vendor="netsuite", code="currency")
        return {"id": self.currency_ids[code]}

    def currency_code(self, ref: Any) -> str | None:
        rid = ref_id(ref)
        return next((code for code, cid in self.currency_ids.items() if cid == rid), None) if rid else None


def ref(value: str | None) -> Rec | None:
    return {"id": value} if value else None


def ref_id(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and value.get("id") is not None else None


def day(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def stamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def items(rec: Rec, sublist: str) -> list[Rec]:
    return list((rec.get(sublist) or {}).get("items") or [])


def drop_none(body: Rec) -> Rec:
    return {k: v for k, v in body.items() if v is not None}


def common(rec: Rec) -> dict[str, Any]:
    return {
        "id": str(rec["id"]),
        "updated_at": stamp(rec.get("lastModifiedDate")),
        "active": not rec.get("isInactive", False),
    }
