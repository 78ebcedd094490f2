"""What every object map shares: the tag marker in a note field, dates and stamps, derived IDs."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import CanonicalObject, Classifications, ObjectType, TransactionLine
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, text

DATE_FORMAT = "%m/%d/%Y"
STAMP_FORMAT = "%m/%d/%Y %H:%M:%S"
NO_DATE = dt.date(1970, 1, 1)
"""What a transaction read without its date reads as (Intacct always sends it; no exception on a read)."""


@dataclass(frozen=True)
class CompanySetup:
    """What a map needs to know about the company: its UTC offset (stamps are zone-less local time),
    the entity the session is logged in to, the journal symbol and location for journal entries,
    and (on writes) its checking account ids."""

    utc_offset: dt.timedelta
    entity_id: str = ""
    journal_symbol: str = "GJ"
    journal_location: str = ""
    bank_ids: frozenset[str] = frozenset()


ToIntacct = Callable[[Any, CompanySetup, str | None], Record]
FromIntacct = Callable[[Record, CompanySetup], CanonicalObject]


@dataclass(frozen=True)
class ObjectMap:
    object_type: ObjectType
    obj: str
    """The Intacct object (``VENDOR``, ``APBILL``...)."""
    id_field: str
    """The field the canonical ``id`` holds: the list's ID field, or ``RECORDNO`` for transactions."""
    name_field: str | None
    note_field: str | None
    """Where the tag marker is written (``COMMENTS``, ``DESCRIPTION``, ``BATCH_TITLE``)."""
    to_intacct: ToIntacct
    from_intacct: FromIntacct
    name_list: bool = False
    sign_filter: str | None = None
    """``lessthan``/``greaterthanorequalto`` on TOTALENTERED: bills and vendor credits share APBILL."""
    updatable: bool = True
    create_function: str | None = None
    """A legacy create function (``create_invoice``) instead of the generic ``create``."""


def tag_marker(tag: str) -> str:
    if "]" in tag:
        raise ValueError(f"a tag cannot contain ']': {tag!r}")
    return f"[lb-tag:{tag}]"


def with_marker(note: str | None, tag: str | None) -> str | None:
    if not tag:
        return note
    marker = tag_marker(tag)
    return f"{note} {marker}" if note else marker


def without_marker(note: str) -> str | None:
    start = note.find("[lb-tag:")
    if start >= 0:
        end = note.find("]", start)
        note = (note[:start] + note[end + 1 :]).strip() if end >= 0 else note[:start].strip()
    return note or None


def derived_id(prefix: str, seed: str, length: int = 12) -> str:
    """An ID for a list entry LedgerBridge creates, stable for a given tag (or request id), so a
    retried create finds the first one by ID."""
    return f"{prefix}{hashlib.blake2b(seed.encode(), digest_size=16).hexdigest()[:length].upper()}"


def fmt_date(value: dt.date | None) -> str | None:
    return value.strftime(DATE_FORMAT) if value else None


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, DATE_FORMAT).date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        return None


def parse_stamp(record: Record, setup: CompanySetup, field: str = "WHENMODIFIED") -> dt.datetime | None:
    raw = text(record, field)
    try:
        local = dt.datetime.strptime(raw, STAMP_FORMAT)  # noqa: DTZ007 - zone-less local time, made aware below
    except ValueError:
        return None
    return local.replace(tzinfo=dt.timezone(setup.utc_offset)).astimezone(dt.UTC)


def local_stamp(when: dt.datetime, setup: CompanySetup) -> str:
    return when.astimezone(dt.timezone(setup.utc_offset)).strftime(STAMP_FORMAT)


def amount(value: str) -> Decimal:
    try:
        return Decimal(value or "0")
    except ArithmeticError:
        return Decimal(0)


def common(record: Record, setup: CompanySetup, id_field: str) -> dict[str, Any]:
    """``id``, ``updated_at``, ``active`` and ``side_status`` of any Intacct record."""
    return {
        "id": text(record, id_field) or None,
        "updated_at": parse_stamp(record, setup),
        "active": text(record, "STATUS") in ("", "active"),
        "side_status": {"recordno": text(record, "RECORDNO"), "entity": text(record, "MEGAENTITYID")},
    }


def line_from(r: Record, sign: int) -> TransactionLine:
    return TransactionLine(
        amount=amount(text(r, "TRX_AMOUNT")) * sign,
        description=text(r, "ENTRYDESCRIPTION") or None,
        classifications=Classifications(
            account_id=text(r, "ACCOUNTNO") or None,
            location_id=text(r, "LOCATIONID") or None,
            department_id=text(r, "DEPARTMENTID") or None,
            class_id=text(r, "CLASSID") or None,
            project_id=text(r, "PROJECTID") or None,
        ),
    )
