"""Stable fingerprints of the synced fields of a canonical object."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from enum import Enum
from typing import Any

from ledgerbridge_common.canonical.models import CanonicalObject


def _normalise(value: Any) -> Any:
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        number = Decimal(str(value)).normalize()
        return format(number, "f") if number == number.to_integral_value() else str(number)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in sorted(value.items()) if v not in (None, "", [], {})}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    if isinstance(value, str):
        return value.strip()
    return value


def synced_view(obj: CanonicalObject, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The synced fields, normalised: empty values dropped, keys sorted, strings stripped."""
    raw = obj.model_dump(mode="python", exclude=set(obj.NON_SYNCED_FIELDS))
    fields = {k: v for k, v in raw.items() if k not in exclude}
    result: dict[str, Any] = _normalise(fields)
    return result


def fingerprint(obj: CanonicalObject, *, exclude: frozenset[str] = frozenset()) -> str:
    """SHA-256 over the canonical JSON of the synced fields (minus ``exclude``)."""
    payload = json.dumps(synced_view(obj, exclude=exclude), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> set[str]:
    """Top-level synced fields whose value differs between two synced views."""
    if before is None:
        return set(after)
    keys = set(before) | set(after)
    return {k for k in keys if before.get(k) != after.get(k)}
