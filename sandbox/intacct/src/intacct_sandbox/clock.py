"""Intacct's date formats (the sandbox clock is :class:`sandbox_kit.SandboxClock`).

Generic functions take ``mm/dd/yyyy``; audit stamps such as ``WHENMODIFIED`` are
``MM/DD/YYYY HH:MM:SS`` with no time zone, in the company's own zone; session stamps in answers are
ISO 8601 with the company's offset.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DATE_FORMAT = "%m/%d/%Y"
STAMP_FORMAT = "%m/%d/%Y %H:%M:%S"


def local(when: dt.datetime, zone: str) -> dt.datetime:
    return when.astimezone(ZoneInfo(zone))


def stamp(when: dt.datetime, zone: str) -> str:
    """``WHENMODIFIED``-style stamp: local wall time, no zone."""
    return local(when, zone).strftime(STAMP_FORMAT)


def iso(when: dt.datetime, zone: str) -> str:
    return local(when, zone).replace(microsecond=0).isoformat()


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip(), DATE_FORMAT).date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        return None


def parse_stamp(text: str) -> dt.datetime | None:
    """A naive local datetime from ``MM/DD/YYYY[ HH:MM:SS]`` (a bare date is midnight)."""
    text = text.strip()
    for fmt in (STAMP_FORMAT, DATE_FORMAT):
        try:
            return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - Intacct stamps carry no zone
        except ValueError:
            continue
    return None
