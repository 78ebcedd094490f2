"""Every HTTP request is counted and timed by route template and status, also when the handler
raises (500) or no route matches."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from ledgerbridge_common.http_metrics import HTTP_REQUESTS, HTTP_SECONDS, instrument

pytestmark = pytest.mark.timeout(30)


def _count(service: str, method: str, route: str, status: str) -> float:
    return HTTP_REQUESTS.labels(service, method, route, status)._value.get()


def _observed(service: str, method: str, route: str) -> float:
    [sample] = [s for s in HTTP_SECONDS.labels(service, method, route).collect()[0].samples
                if s.name.endswith("_count")]  # fmt: skip
    return sample.value


def _app(service: str) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        if item_id == "missing":
            raise HTTPException(404, "no such item")
        return {"id": item_id}

    @app.post("/boom")
    async def boom() -> None:
        raise RuntimeError("handler failed")

    instrument(app, service)
    return app


async def test_requests_are_counted_by_route_template_and_status() -> None:
    service = f"svc-{uuid.uuid4().hex[:8]}"
    transport = httpx.ASGITransport(app=_app(service), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/items/a")).status_code == 200
        assert (await client.get("/items/b")).json() == {"id": "b"}
        assert (await client.get("/items/missing")).status_code == 404
        assert (await client.post("/boom")).status_code == 500
        assert (await client.get("/nowhere")).status_code == 404
    assert _count(service, "GET", "/items/{item_id}", "200") == 2
    assert _count(service, "GET", "/items/{item_id}", "404") == 1
    assert _count(service, "POST", "/boom", "500") == 1
    assert _count(service, "GET", "unmatched", "404") == 1
    assert _observed(service, "GET", "/items/{item_id}") == 3
