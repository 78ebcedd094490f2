"""Prometheus metrics of webhook-ingest (process-wide registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES = Counter(
    "ledgerbridge_ingest_deliveries_total",
    "Webhook deliveries by vendor and HTTP status",
    ["vendor", "status"],
)
SIGNATURE_FAILURES = Counter(
    "ledgerbridge_ingest_signature_failures_total", "Deliveries refused for their signature", ["vendor"]
)
DUPLICATES = Counter(
    "ledgerbridge_ingest_duplicates_total", "Vendor events already produced (retried deliveries)", ["vendor"]
)
CHANGES = Counter("ledgerbridge_ingest_changes_total", "ChangeDetected events produced", ["side", "trigger"])
IGNORED = Counter(
    "ledgerbridge_ingest_ignored_events_total",
    "Vendor events not synced (entity/operation) or for a company with no connection",
    ["vendor", "reason"],
)
DEAD_LETTERED = Counter(
    "ledgerbridge_ingest_dead_lettered_total", "Well-signed deliveries that could not be read", ["vendor"]
)
PRODUCE_LATENCY = Histogram(
    "ledgerbridge_ingest_produce_seconds",
    "Time for all events of one delivery to be acknowledged by Kafka (acks=all)",
    ["vendor"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5),
)
SWEEPS = Counter(
    "ledgerbridge_ingest_sweeps_total", "Sweeps by side, trigger and result", ["side", "trigger", "result"]
)
OUTBOX_PARKED = Counter(
    "ledgerbridge_ingest_outbox_parked_total", "Records written to the outbox because Kafka did not acknowledge"
)
OUTBOX_RELAYED = Counter("ledgerbridge_ingest_outbox_relayed_total", "Outbox records relayed to Kafka")
OUTBOX_ROWS = Gauge("ledgerbridge_ingest_outbox_rows", "Records waiting in the outbox for Kafka")
OUTBOX_OLDEST_SECONDS = Gauge(
    "ledgerbridge_ingest_outbox_oldest_seconds", "Age of the oldest record waiting in the outbox (relay lag)"
)
