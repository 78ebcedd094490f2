"""What the vendor parsers produce: one ``VendorChange`` per entity change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.ports import Operation


@dataclass(frozen=True)
class VendorChange:
    company_id: str
    """QBO realm id or BILL organization id the change belongs to."""
    object_type: ObjectType
    object_id: str
    operation: Operation
    source_time: dt.datetime
    dedupe_key: str
    """Stable across the vendor's retries: CloudEvents ``id``, BILL ``eventId``, legacy tuple."""
    merged_into: str | None = None
    payload: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """The object as the vendor sent it, when it came with the change (BILL webhooks, list rows)."""


@dataclass
class ParsedDelivery:
    changes: list[VendorChange] = field(default_factory=list)
    ignored: int = 0
    """Events for entities or operations LedgerBridge does not sync (Employee, Emailed, ...)."""
    rejects: list[str] = field(default_factory=list)
    """Why some parts could not be read; the raw body is dead-lettered when non-empty."""


class UnparseableDeliveryError(ValueError):
    pass


READ_ERRORS = (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError, RecursionError)
"""What reading an arbitrary JSON value can raise: wrong types, out-of-range numbers and dates,
nesting deeper than the interpreter's recursion limit."""


def _short(value: object) -> str:
    text = repr(value) if isinstance(value, str | int | float) else type(value).__name__
    return text if len(text) <= 80 else f"{text[:80]}..."


def parse_time(value: object, default: dt.datetime) -> dt.datetime:
    """ISO 8601 (``-0700`` or ``Z``, up to nanoseconds) or epoch milliseconds; naive means UTC.
    Raises ``ValueError`` for anything else, including times outside what ``datetime`` holds."""
    if value is None or value == "":
        return default
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(float(value) / 1000, tz=dt.UTC)
        if not isinstance(value, str):
            raise ValueError(f"unreadable time {_short(value)}")
        if value.strip().isascii() and value.strip().isdigit():
            return dt.datetime.fromtimestamp(int(value.strip()) / 1000, tz=dt.UTC)
        parsed = dt.datetime.fromisoformat(value.strip())
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"unreadable time {_short(value)}: {exc}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def scalar_id(value: object, what: str) -> str:
    """An id or realm as the vendor sends it (a string or an integer); anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ValueError(f"{what} is not a string or integer: {_short(value)}")
    return str(value)
