"""Request counters and latency histograms for every service's HTTP app."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "ledgerbridge_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "ledgerbridge_http_request_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def instrument(app: FastAPI, service: str) -> None:
    """Count and time every request by route template (not raw path, to keep label sets small)."""

    @app.middleware("http")
    async def _metrics(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(service, request.method, template, str(status)).inc()
            HTTP_SECONDS.labels(service, request.method, template).observe(time.perf_counter() - started)
