"""Prometheus metrics shared by the services (one process-wide registry: prometheus_client's)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

MESSAGES_CONSUMED = Counter(
    "ledgerbridge_messages_consumed_total",
    "Records handled by a consumer",
    ["consumer", "topic", "result"],
)
MESSAGE_HANDLE_SECONDS = Histogram(
    "ledgerbridge_message_handle_seconds",
    "Time to handle one record",
    ["consumer", "topic"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
MESSAGES_PRODUCED = Counter("ledgerbridge_messages_produced_total", "Records produced and acknowledged", ["topic"])
PRODUCE_SECONDS = Histogram(
    "ledgerbridge_produce_seconds",
    "Time for a produce to be acknowledged (acks=all)",
    ["topic"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
DEAD_LETTERS = Counter(
    "ledgerbridge_dead_letters_total", "Records sent to the dead-letter topic", ["consumer", "topic"]
)
CONSUMER_LAG_MESSAGES = Gauge(
    "ledgerbridge_consumer_lag_messages",
    "End offset minus committed offset",
    ["group", "topic", "partition"],
)
CONSUMER_LAG_SECONDS = Gauge(
    "ledgerbridge_consumer_lag_seconds",
    "Age of the oldest unconsumed record",
    ["group", "topic", "partition"],
)

VENDOR_REQUESTS = Counter(
    "ledgerbridge_vendor_requests_total",
    "Requests sent to a vendor API, by answer (ok, throttled = 429, error = anything else)",
    ["vendor", "kind", "result"],
)
VENDOR_BUDGET_WAIT_SECONDS = Histogram(
    "ledgerbridge_vendor_budget_wait_seconds",
    "Time a request waited for its realm's shared budget (rate and concurrency) before it was sent",
    ["vendor", "kind"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def render_latest() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


VENDOR_CALLS = Counter(
    "ledgerbridge_vendor_calls_total",
    "Calls sent to a vendor API, by operation (method and path with ids left out, or the API's own operation name)",
    ["vendor", "operation"],
)
CHANGE_PAYLOADS = Counter(
    "ledgerbridge_change_payloads_total",
    "Changes that carried the vendor's object: used instead of a read (used), or read back because "
    "the payload was partial (partial) or maybe older than what the link holds (order_doubt)",
    ["vendor", "result"],
)
_ID_SEGMENT = re.compile(r"^(\d+|(?=.*\d)[A-Za-z0-9_-]{10,})$")


def operation_of(method: str, url: str) -> str:
    """One label per API operation: ``GET /v3/bills/{id}`` from ``GET .../v3/bills/00n01ABC...``
    (numbers and long ids with a digit become ``{id}``; the query string is left out)."""
    path = urlsplit(url).path
    segments = ["{id}" if _ID_SEGMENT.match(part) else part for part in path.split("/")]
    return f"{method.upper()} {'/'.join(segments)}"


def count_call(vendor: str, operation: str) -> None:
    VENDOR_CALLS.labels(vendor, operation).inc()


BILL_BUDGET_USED_RATIO = Gauge(
    "ledgerbridge_bill_budget_used_ratio",
    "Share of a BILL devKey's hourly request limit used this clock hour (devKey named by digest)",
    ["dev_key"],
)
BILL_BUDGET_WINDOW_END = Gauge(
    "ledgerbridge_bill_budget_window_end_seconds",
    "End (Unix time) of the clock hour the BILL budget gauges of this process describe",
    ["dev_key"],
)
BILL_BUDGET_FORECAST_RATIO = Gauge(
    "ledgerbridge_bill_budget_forecast_ratio",
    "A BILL devKey's requests at the end of the clock hour at the rate so far, as a share of its limit",
    ["dev_key"],
)
