"""Request counters and latency histograms for every service's HTTP app.

A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware("http")``) runs each
request's app in a task group behind memory streams and re-streams the response, which cost
webhook-ingest about a sixth of its CPU per delivery (``bench/README.md``)."""

from __future__ import annotations

import time

from fastapi import FastAPI
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "ledgerbridge_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "ledgerbridge_http_request_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class HttpMetrics:
    """Counts and times every HTTP request by route template (the router writes the matched route
    into the request's scope); status 500 when the app raised before answering."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
            HTTP_SECONDS.labels(self.service, method, template).observe(time.perf_counter() - started)


def instrument(app: FastAPI, service: str) -> None:
    """Count and time every request by route template (not raw path, to keep label sets small)."""
    app.add_middleware(HttpMetrics, service=service)
