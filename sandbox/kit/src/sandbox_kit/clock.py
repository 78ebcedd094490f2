"""The sandbox clock: real time plus an offset that tests move (token and session expiry, change
windows, webhook retries, modification stamps all read it)."""

from __future__ import annotations

import datetime as dt


class SandboxClock:
    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, seconds: float) -> dt.datetime:
        self.offset += dt.timedelta(seconds=seconds)
        return self.now()

    def set(self, when: dt.datetime) -> dt.datetime:
        self.offset = when - dt.datetime.now(dt.UTC)
        return self.now()

    def today(self) -> dt.date:
        """Today in UTC (a sandbox whose companies keep local time overrides this)."""
        return self.now().date()

    def reset(self) -> None:
        self.offset = dt.timedelta(0)
