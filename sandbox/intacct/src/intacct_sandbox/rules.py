"""Checks every transaction shares: amounts, dates, the closed period, references and dimensions."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from intacct_sandbox import errors
from intacct_sandbox.clock import parse_date
from intacct_sandbox.company import Ctx, Record
from intacct_sandbox.objects import LOCATION, Ref

CENT = Decimal("0.01")


def text(data: Record, key: str) -> str:
    value = data.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def money(value: Any, field: str) -> Decimal:
    """An amount rounded to 2 decimals (Intacct rounds longer ones); no thousands separators."""
    raw = value.strip() if isinstance(value, str) else ""
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise errors.bad_value(field, raw) from None
    if not amount.is_finite():
        raise errors.bad_value(field, raw)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def date_field(data: Record, key: str, *, required: bool, label: str) -> dt.date | None:
    raw = text(data, key)
    if not raw:
        if required:
            raise errors.missing(key, f"{label} record")
        return None
    parsed = parse_date(raw)
    if parsed is None:
        raise errors.bad_value(key, raw)
    return parsed


def require(data: Record, keys: tuple[str, ...], label: str) -> None:
    """Every key present and not empty; ``A.B`` names field B of the nested object A."""
    for key in keys:
        value: Any = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None or value == "" or value == {}:
            raise errors.missing(key, f"{label} record")


def open_period(ctx: Ctx, when: dt.date | None) -> None:
    closed = ctx.company.closed_through
    if when is not None and closed is not None and when <= closed:
        raise errors.business(
            f"The date {when:%m/%d/%Y} is in a closed period; the books are closed through {closed:%m/%d/%Y}.",
            "Use a date in an open period.",
        )


def referenced(ctx: Ctx, ref: Ref, value: str) -> Record:
    record = ctx.company.find(ref.obj, ref.id_field, value)
    if record is None or str(record.get("STATUS", "active")) != "active":
        raise errors.no_reference(ref.label, value)
    if not ctx.company.visible(record, ctx.entity, show_private=True) and ctx.entity:
        raise errors.no_reference(ref.label, value)
    return record


def dimensions(ctx: Ctx, line: Record, refs: dict[str, Ref], location_key: str) -> None:
    """Every reference on a line exists; a multi-entity company needs the line's location, and an
    entity-scoped session may only post to locations of its entity."""
    for key, ref in refs.items():
        value = text(line, key)
        if value:
            referenced(ctx, ref, value)
    location = text(line, location_key)
    if ctx.company.multi_entity and not location:
        raise errors.missing(location_key, "transaction line")
    if ctx.entity and location and ctx.company.entity_of_location(location) != ctx.entity:
        raise errors.business(
            f"Location {location} does not belong to entity {ctx.entity}.",
            f"Use a {LOCATION.label} of entity {ctx.entity}.",
        )


def currency(ctx: Ctx, data: Record, key: str = "CURRENCY") -> str:
    code = text(data, key) or ctx.company.base_currency
    if code != ctx.company.base_currency:
        rate_type, rate = text(data, "EXCH_RATE_TYPE_ID"), text(data, "EXCHANGE_RATE")
        if rate_type and rate:
            raise errors.business("Use EXCH_RATE_TYPE_ID or EXCHANGE_RATE, not both.")
        if not rate_type and not rate:
            raise errors.missing("EXCHANGE_RATE", "transaction")
    return code


def lines_of(data: Record, container: str, item: str) -> list[Record]:
    holder = data.get(container)
    if not isinstance(holder, dict):
        return []
    found = holder.get(item, [])
    items = found if isinstance(found, list) else [found]
    return [line for line in items if isinstance(line, dict)]
