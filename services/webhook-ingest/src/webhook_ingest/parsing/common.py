"""What the vendor parsers produce: one ``VendorChange`` per entity change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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


@dataclass
class ParsedDelivery:
    changes: list[VendorChange] = field(default_factory=list)
    ignored: int = 0
    """Events for entities or operations LedgerBridge does not sync (Employee, Emailed, ...)."""
    rejects: list[str] = field(default_factory=list)
    """Why some parts could not be read; the raw body is dead-lettered when non-empty."""


class UnparseableDeliveryError(ValueError):
    pass


def parse_time(value: object, default: dt.datetime) -> dt.datetime:
    """ISO 8601 (``-0700`` or ``Z``, up to nanoseconds) or epoch milliseconds; naive means UTC."""
    if value is None or value == "":
        return default
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        return dt.datetime.fromtimestamp(float(value) / 1000, tz=dt.UTC)
    if not isinstance(value, str):
        raise ValueError(f"unreadable time {value!r}")
    parsed = dt.datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
