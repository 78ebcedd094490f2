"""Helpers shared by the QBO ↔ canonical mappers: references, dates, amounts, the tag kept in
PrivateNote, and the company's currency setup."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerbridge_common.errors import ValidationError

Json = dict[str, Any]
TAG_RE = re.compile(r"\s*\[lb-tag:([^\]]+)\]\s*$")
VOID_PREFIX = "Voided"


@dataclass(frozen=True)
class CompanySetup:
    """What mapping needs from Preferences: multi-currency on/off and the home currency."""

    home_currency: str = "USD"
    multi_currency: bool = False


def ref(value: str | None) -> Json | None:
    return {"value": value} if value else None


def ref_id(obj: Any, *path: str) -> str | None:
    cur = obj
    for key in path:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(key)
    if isinstance(cur, dict) and cur.get("value") not in (None, ""):
        return str(cur["value"])
    return None


def amount(value: Decimal) -> float:
    return float(value)


def dec(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def parse_dt(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def note_with_tag(memo: str | None, tag: str | None) -> str | None:
    """PrivateNote = memo, then `` [lb-tag:<tag>]``; QBO cannot query PrivateNote, so
    ``find_by_tag`` filters client-side on this marker."""
    if tag is None:
        return memo
    marker = tag_marker(tag)
    return f"{memo} {marker}" if memo else marker


def tag_marker(tag: str) -> str:
    if "]" in tag:
        raise ValueError(f"a tag cannot contain ']': {tag!r}")
    return f"[lb-tag:{tag}]"


def split_note(note: Any) -> tuple[str | None, str | None, bool]:
    """(memo, tag, voided) from a PrivateNote."""
    if not isinstance(note, str) or not note:
        return None, None, False
    tag = None
    match = TAG_RE.search(note)
    if match:
        tag = match.group(1)
        note = note[: match.start()]
    voided = note.startswith(VOID_PREFIX)
    if voided:
        note = note[len(VOID_PREFIX) :].lstrip(" -")
    return (note.strip() or None), tag, voided


def meta(obj: Json) -> Json:
    """The canonical fields every object has."""
    md = obj.get("MetaData") or {}
    return {
        "id": str(obj["Id"]),
        "concurrency_token": str(obj.get("SyncToken", "0")),
        "created_at": parse_dt(md.get("CreateTime")),
        "updated_at": parse_dt(md.get("LastUpdatedTime")),
    }


def identity(obj_id: str | None, concurrency_token: str | None) -> Json:
    if obj_id is None:
        return {}
    if concurrency_token is None:
        raise ValueError("an update needs the object's concurrency_token")
    return {"Id": obj_id, "SyncToken": concurrency_token}


def currency_out(setup: CompanySetup, currency: str, rate: Decimal | None) -> Json:
    """CurrencyRef/ExchangeRate when the company has multi-currency; without it only home-currency
    amounts can be posted (the engine converts first, see POSTINGS.md)."""
    if setup.multi_currency:
        out: Json = {"CurrencyRef": {"value": currency}}
        if currency != setup.home_currency and rate is not None:
            out["ExchangeRate"] = float(rate)
        return out
    if currency != setup.home_currency:
        raise ValidationError(
            f"the ledger has no multi-currency; cannot post {currency} amounts (home currency {setup.home_currency})",
            vendor="qbo",
            code="currency",
        )
    return {}


def currency_in(obj: Json, setup: CompanySetup) -> Json:
    return {
        "currency": ref_id(obj, "CurrencyRef") or setup.home_currency,
        "exchange_rate": Decimal(str(obj.get("ExchangeRate", 1))),
    }


def drop_none(data: Json) -> Json:
    return {k: v for k, v in data.items() if v is not None}
