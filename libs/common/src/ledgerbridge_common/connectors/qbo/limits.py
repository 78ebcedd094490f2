"""QBO's documented per-realm limits, as the shared :mod:`~ledgerbridge_common.connectors.budget`
enforces them.

QBO counts, per realm and app and across every caller: 10 requests per second, 500 requests per
sliding minute, 10 concurrent requests, and 40 batch calls per minute (a batch call also counts as
a request). Sources: ``../shared/reference/qbo-api.md`` (limits page; the 10/s statement of the
2025-08-13 blog post). A 429 costs a 60 s pause.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ledgerbridge_common.connectors.budget import LedgerLimits

QBO_LIMITS = LedgerLimits(concurrent=10, per_minute=500, per_second=10, batch_per_minute=40)


def qbo_limits(**overrides: Any) -> LedgerLimits:
    """QBO's limits with some fields replaced (settings, tests that shrink the minute)."""
    return replace(QBO_LIMITS, **overrides)
