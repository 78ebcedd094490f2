"""When a connection's scheduled sweep is due (PREFERENCES.md "sync automatically"): every
``schedule_interval_minutes`` after the last scheduled one (daily by default), or at each time of
a cron expression (``schedule_cron``, UTC, parsed by croniter). The anchor is the last
*scheduled* sweep: Sync Now never moves the schedule."""

from __future__ import annotations

import datetime as dt

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterNotAlphaError, croniter

from ledgerbridge_common.events.preferences import PreferenceValues

BAD_CRON = (CroniterBadCronError, CroniterBadDateError, CroniterNotAlphaError, ValueError, KeyError)


def cron_problem(expression: str) -> str | None:
    """Why ``expression`` is not a usable five-field cron expression (None when it is)."""
    fields = expression.split()
    if len(fields) != 5:
        return f"'{expression}' has {len(fields)} fields; a cron expression has 5 (minute hour day month weekday)"
    try:
        croniter(expression, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).get_next(dt.datetime)
    except BAD_CRON as exc:
        return f"'{expression}' is not a valid cron expression: {exc}"
    return None


def next_due(prefs: PreferenceValues, anchor: dt.datetime) -> dt.datetime:
    """The first scheduled sweep after ``anchor`` (the last scheduled sweep's start)."""
    if prefs.schedule_cron:
        return croniter(prefs.schedule_cron, anchor.astimezone(dt.UTC)).get_next(dt.datetime)
    return anchor + dt.timedelta(minutes=prefs.schedule_interval_minutes)


def describe(prefs: PreferenceValues) -> str:
    if prefs.schedule_cron:
        return f"at the times of cron '{prefs.schedule_cron}' (UTC)"
    minutes = prefs.schedule_interval_minutes
    return "about once a day" if minutes == 1440 else f"every {minutes} minutes"
