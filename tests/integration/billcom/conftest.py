"""Fixtures for the BILL contract suite: one sandbox on a real loopback port per module, a fresh
organization and connector per test, and a webhook receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from billcom_sandbox.app import create_app
from billcom_sandbox.settings import SandboxSettings
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector, RetryPolicy
from tests.support.servers import serve_in_thread

DEFAULTS = SandboxSettings(
    webhook_tick_seconds=None,
    webhook_retry_seconds=(0.0, 0.0, 0.0),
    hang_seconds=1.0,
)
RESET = {
    "hourly_limit": 20_000,
    "concurrency_limit": 3,
    "latency_seconds": 0.0,
    "session_idle_minutes": 35.0,
}


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with serve_in_thread(create_app(DEFAULTS.model_copy())) as url:
        yield url


@pytest.fixture(autouse=True)
def _reset_sandbox(sandbox_url: str) -> Iterator[None]:
    yield
    with httpx.Client(base_url=sandbox_url, timeout=5) as http:
        http.patch("/_sandbox/settings", json=RESET).raise_for_status()
        http.delete("/_sandbox/faults").raise_for_status()


class Control:
    """Thin async client of the sandbox control API."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.http.request(method, "/_sandbox" + path, json=body)
        response.raise_for_status()
        return response.json()

    async def seed(self, **body: Any) -> dict[str, Any]:
        """A new organization whose user trusted one device with MFA earlier (``rememberMeId``)."""
        result: dict[str, Any] = await self.call("POST", "/orgs", body)
        device = await self.call("POST", f"/orgs/{result['organizationId']}/mfa/remembered-devices", {})
        return result | device

    async def objects(self, org_id: str, kind: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", f"/orgs/{org_id}/objects/{kind}")
        return result


@pytest.fixture
async def control(sandbox_url: str) -> AsyncIterator[Control]:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as http:
        yield Control(http)


@pytest.fixture
async def org(control: Control) -> dict[str, Any]:
    return await control.seed(name="Contract Org")


def credentials(org: dict[str, Any], *, trusted: bool = True) -> BillcomCredentials:
    """The org's API credentials, with its remembered MFA device unless ``trusted`` is False."""
    login = (org["username"], org["password"], org["organizationId"], org["devKey"])
    if not trusted:
        return BillcomCredentials(*login)
    return BillcomCredentials(*login, remember_me_id=org["rememberMeId"], device=org["device"])


FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)


@pytest.fixture
async def connector(sandbox_url: str, org: dict[str, Any]) -> AsyncIterator[BillcomHttpConnector]:
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as http:
        yield BillcomHttpConnector(http, credentials(org), retry=FAST_RETRY)


@dataclass
class Receiver:
    """A webhook endpoint that records deliveries and answers ``status``."""

    status: int = 200
    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/billcom")
        async def hook(request: Request) -> Response:
            self.deliveries.append((dict(request.headers), await request.body()))
            return Response(status_code=self.status)

        return app


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    with serve_in_thread(rec.app()) as url:
        rec.url = f"{url}/hooks/billcom"
        yield rec


async def wait_for(predicate: Any, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
