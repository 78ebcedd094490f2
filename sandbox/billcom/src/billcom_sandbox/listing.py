"""v3 list conventions: ``filters``, ``sort``, ``max`` and opaque ``page`` tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from billcom_sandbox.core import BillError, parse_time

OPS = ("eq", "ne", "gte", "gt", "lte", "lt", "nin", "in", "sw")
_OPS = "|".join(OPS)
_FILTER = re.compile(rf"([A-Za-z][\w.]*):({_OPS}):(.*?)(?=,[A-Za-z][\w.]*:(?:{_OPS}):|$)")
_TIME_FIELDS = {"createdTime", "updatedTime"}
_FILTER_TIME = re.compile(r'"(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{3}(Z|[+-]\d{2}(\d{2})?)?)?)?)?)"')
"""The documented forms of a time filter value, quoted (developer.bill.com/docs/search-op-with-lists):
``yyyy-MM-dd'T'HH:mm:ss.SSSX`` (X: ``Z``, ``+HH`` or ``+HHmm``), ``...ss.SSS``, ``...ss``, ``...mm``,
``yyyy-MM-dd``. Unquoted values and ``+00:00`` offsets are refused."""


def filter_time(field: str, raw: str) -> Any:
    match = _FILTER_TIME.fullmatch(raw.strip())
    if match is None:
        raise BillError.invalid(f'{field} filter needs a quoted ISO-8601 value, e.g. "2026-01-01T00:00:00.000Z"')
    return parse_time(match.group(1))


def parse_filters(text: str | None) -> list[tuple[str, str, str]]:
    if not text:
        return []
    found = [(m.group(1), m.group(2), m.group(3)) for m in _FILTER.finditer(text)]
    if not found or ",".join(f"{f}:{o}:{v}" for f, o, v in found) != text:
        raise BillError.invalid(f"invalid filters: {text}")
    return found


def _field(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _coerce(field: str, actual: Any, raw: str) -> tuple[Any, Any]:
    if field in _TIME_FIELDS or field.endswith("Time"):
        wanted = filter_time(field, raw)
        return (parse_time(str(actual)) if actual is not None else None), wanted
    raw = raw.strip().strip('"')
    if actual is None:
        return None, raw
    if isinstance(actual, bool):
        return actual, raw.lower() == "true"
    if isinstance(actual, int | float | Decimal):
        try:
            return Decimal(str(actual)), Decimal(raw)
        except InvalidOperation as exc:
            raise BillError.invalid(f"filter value {raw} for {field} is not a number") from exc
    return str(actual), raw


def _match(doc: dict[str, Any], field: str, op: str, raw: str) -> bool:
    actual = _field(doc, field)
    if op in ("in", "nin"):
        values = {v.strip().strip('"') for v in raw.split(",")}
        hit = str(actual).lower() if isinstance(actual, bool) else str(actual)
        return (hit in values) == (op == "in")
    left, right = _coerce(field, actual, raw)
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if op == "sw":
        return isinstance(left, str) and left.startswith(right)
    if left is None:
        return False
    comparisons = {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}
    return bool(comparisons[op])


def _sort_key(field: str) -> Any:
    def key(doc: dict[str, Any]) -> tuple[Any, ...]:
        value = _field(doc, field)
        if value is None:
            return (0, "", doc["id"])
        if field.endswith("Time"):
            return (1, parse_time(str(value)), doc["id"])
        if isinstance(value, int | float):
            return (1, Decimal(str(value)), doc["id"])
        return (1, str(value), doc["id"])

    return key


def _token(offset: int, signature: str) -> str:
    raw = json.dumps({"o": offset, "s": signature}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(token: str, signature: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BillError.invalid("invalid page token") from exc
    if data.get("s") != signature:
        raise BillError.invalid("page token does not belong to this query")
    return offset


def list_page(docs: Iterable[dict[str, Any]], params: dict[str, str], max_page: int = 100) -> dict[str, Any]:
    """Apply ``filters``/``sort``/``max``/``page`` to ``docs``; answer ``{nextPage, prevPage, results}``."""
    filters = parse_filters(params.get("filters"))
    sort = params.get("sort") or "createdTime:asc"
    sort_field, _, direction = sort.partition(":")
    if direction not in ("", "asc", "desc"):
        raise BillError.invalid(f"invalid sort: {sort}")
    try:
        size = int(params.get("max", "20"))
    except ValueError as exc:
        raise BillError.invalid("max must be a number") from exc
    if not 1 <= size <= max_page:
        raise BillError.invalid(f"max must be between 1 and {max_page}")
    rows = [d for d in docs if all(_match(d, f, op, v) for f, op, v in filters)]
    rows.sort(key=_sort_key(sort_field), reverse=direction == "desc")
    signature = hashlib.sha256(f"{params.get('filters')}|{sort}|{size}".encode()).hexdigest()[:16]
    offset = _offset(params["page"], signature) if params.get("page") else 0
    chunk = rows[offset : offset + size]
    return {
        "nextPage": _token(offset + size, signature) if offset + size < len(rows) else None,
        "prevPage": _token(max(offset - size, 0), signature) if offset > 0 else None,
        "results": chunk,
    }
