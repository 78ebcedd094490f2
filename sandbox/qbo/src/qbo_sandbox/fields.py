"""Parsing and checking of request field values (amounts, dates, references, currency)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from qbo_sandbox import faults
from qbo_sandbox.realm import Obj, Realm

CENT = Decimal("0.01")


def money(value: Any, element: str) -> Decimal:
    """Amounts arrive as JSON numbers, or as strings from clients that encode Decimals."""
    if isinstance(value, bool) or value is None:
        raise faults.bad_number(element, value)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise faults.bad_number(element, value) from None
    if not amount.is_finite():
        raise faults.bad_number(element, value)
    return amount.quantize(CENT)


def num(amount: Decimal) -> float | int:
    """JSON form of an amount."""
    q = amount.quantize(CENT)
    return int(q) if q == q.to_integral_value() else float(q)


def rate(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal(1)
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise faults.bad_number("ExchangeRate", value) from None
    return parsed


def date(value: Any, element: str) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise faults.QboFault(400, "2090", "Invalid Date", f"Invalid Date : {value}", element)


def text(body: Obj, key: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    value = str(value)
    if len(value) > limit:
        raise faults.too_long(key, limit)
    return value


def ref_value(body: Obj, key: str) -> str | None:
    ref = body.get(key)
    if ref is None:
        return None
    if isinstance(ref, dict):
        value = ref.get("value")
        return None if value in (None, "") else str(value)
    raise faults.QboFault(400, "2500", "Invalid Reference Id", f"Invalid Reference Id : {key}", key)


def display(obj: Obj) -> str:
    return str(obj.get("FullyQualifiedName") or obj.get("DisplayName") or obj.get("Name") or "")


def resolve(
    realm: Realm, body: Obj, key: str, entity: str, *, required: bool = False, allow_inactive: bool = False
) -> Obj | None:
    """Look a ``{"value": Id}`` reference up; 2020 when required and missing (see ``referenced``)."""
    value = ref_value(body, key)
    if value is None:
        if required:
            raise faults.required(key)
        return None
    return referenced(realm, entity, value, key, allow_inactive=allow_inactive)


def referenced(realm: Realm, entity: str, value: str, element: str, *, allow_inactive: bool = False) -> Obj:
    """The object a reference names: 2500 Invalid Reference Id when no such Id exists (or it was
    created by an earlier item of the same batch); 610 Object Not Found when it was deleted or is
    inactive (qbo-api.md 3.6, 5.3)."""
    obj = realm.visible(entity, value)
    if obj is None:
        if realm.was_deleted(entity, value):
            raise faults.not_found(element, value)
        raise faults.invalid_reference(element, value)
    if not allow_inactive and obj.get("Active") is False:
        raise faults.not_found(element, value)
    return obj


def ref_of(obj: Obj) -> dict[str, str]:
    return {"value": str(obj["Id"]), "name": display(obj)}


def party_currency(realm: Realm, party: Obj | None) -> str | None:
    if party is None or not realm.multi_currency:
        return None
    ref = party.get("CurrencyRef")
    return str(ref.get("value")) if isinstance(ref, dict) and ref.get("value") else realm.home_currency


def currency(realm: Realm, body: Obj, party: Obj | None) -> tuple[str, Decimal]:
    """CurrencyRef is required on every transaction once multi-currency is on (reference §7)."""
    code = ref_value(body, "CurrencyRef")
    if realm.multi_currency:
        if code is None:
            raise faults.required("CurrencyRef")
        expected = party_currency(realm, party)
        if expected is not None and code != expected:
            raise faults.invalid(f"The currency {code} must match the currency {expected} of the name", "CurrencyRef")
    else:
        if code is not None and code != realm.home_currency:
            raise faults.invalid("Multicurrency is not enabled for this company", "CurrencyRef")
        code = realm.home_currency
    fx = rate(body.get("ExchangeRate"))
    if code == realm.home_currency:
        fx = Decimal(1)  # clients that send 0 for "not set" are fine: home currency is always 1
    elif fx <= 0:
        raise faults.invalid("ExchangeRate must be positive", "ExchangeRate")
    return code, fx


def currency_fields(realm: Realm, code: str, fx: Decimal, total: Decimal) -> Obj:
    out: Obj = {"CurrencyRef": {"value": code, "name": code}}
    if realm.multi_currency:
        out["ExchangeRate"] = float(fx)
        out["HomeTotalAmt"] = num(total * fx)
    return out


def txn_date(realm: Realm, body: Obj, today: dt.date) -> str:
    raw = body.get("TxnDate")
    day = date(raw, "TxnDate") if raw else today
    if realm.book_close_date and day <= dt.date.fromisoformat(realm.book_close_date):
        raise faults.closed_period(realm.book_close_date)
    return day.isoformat()


def require_account_type(acct: Obj, element: str, *types: str) -> None:
    if acct.get("AccountType") not in types:
        raise faults.invalid(f"{element} must be an account of type {' or '.join(types)}", element)
