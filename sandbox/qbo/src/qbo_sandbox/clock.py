"""The sandbox clock: real time plus an offset that tests move forward (token expiry, CDC window,
webhook retries all read it)."""

from __future__ import annotations

import datetime as dt

import sandbox_kit

# QBO answers in the company's local offset; the sandbox companies all sit at UTC-07:00.
COMPANY_TZ = dt.timezone(dt.timedelta(hours=-7))


class SandboxClock(sandbox_kit.SandboxClock):
    """The shared movable clock, read in the company's time zone."""

    def stamp(self) -> str:
        """``time`` of a response: ``2015-07-14T12:34:03.964-07:00``."""
        return fmt_ts(self.now())

    def today(self) -> dt.date:
        return self.now().astimezone(COMPANY_TZ).date()


def fmt_ts(when: dt.datetime) -> str:
    return when.astimezone(COMPANY_TZ).isoformat(timespec="milliseconds")


def parse_ts(value: str) -> dt.datetime | None:
    """Accept ISO 8601 with or without offset (naive = company local), ``Z`` and dates."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # "-0700" (no colon) to "-07:00"
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and "T" in text:
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=COMPANY_TZ)
    return parsed
