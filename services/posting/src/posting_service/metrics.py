"""Posting's own Prometheus metrics (the shared registry)."""

from __future__ import annotations

from prometheus_client import Counter

OUTCOMES = Counter("ledgerbridge_posting_outcomes_total", "Outcomes reported by posting", ["object_type", "status"])
BATCH_ITEMS = Counter(
    "ledgerbridge_posting_batch_items_total", "Items sent through the ledger batch endpoint", ["result"]
)
