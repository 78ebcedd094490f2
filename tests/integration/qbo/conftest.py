"""The QBO sandbox on a real loopback port, one realm per test, and a connector pointed at it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from ledgerbridge_common.connectors.budget import LedgerBudgets, LedgerLimits, MemoryLedgerBudgets
from ledgerbridge_common.connectors.qbo import (
    InMemoryTokenStore,
    QboConnector,
    QboOAuthClient,
    QboTokenProvider,
    QboTokens,
)
from qbo_sandbox.app import create_app
from qbo_sandbox.settings import SandboxSettings
from tests.support.servers import serve_in_thread

CLIENT_ID = "ledgerbridge-sandbox"
CLIENT_SECRET = "sandbox-secret"
REDIRECT_URI = "http://127.0.0.1/callback"


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    app = create_app(SandboxSettings(webhook_tick_seconds=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
async def control(sandbox_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as client:
        yield client


@pytest.fixture
async def realm(control: httpx.AsyncClient) -> dict[str, Any]:
    response = await control.post("/_sandbox/realms", json={})
    response.raise_for_status()
    return dict(response.json())


def tokens_from(body: dict[str, Any], realm_id: str) -> QboTokens:
    now = dt.datetime.now(dt.UTC)
    return QboTokens(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        expires_at=now + dt.timedelta(seconds=int(body["expires_in"])),
        realm_id=realm_id,
    )


class Harness:
    """A connector on one realm, with its token store and the sandbox control client."""

    def __init__(
        self,
        url: str,
        control: httpx.AsyncClient,
        realm: dict[str, Any],
        http: httpx.AsyncClient,
        store: InMemoryTokenStore,
    ) -> None:
        self.url = url
        self.control = control
        self.realm = realm
        self.realm_id: str = realm["realm_id"]
        self.accounts: dict[str, str] = realm["accounts"]
        self.items: dict[str, str] = realm["items"]
        self.http = http
        self.store = store

    def connector(
        self,
        *,
        limits: LedgerLimits | None = None,
        timeout: float = 5.0,
        max_retries: int = 2,
        budgets: LedgerBudgets | None = None,
        page_size: int | None = None,
    ) -> QboConnector:
        oauth = QboOAuthClient.for_base_url(
            self.http, self.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI
        )
        return QboConnector(
            self.http,
            self.realm_id,
            QboTokenProvider(self.store, oauth),
            base_url=self.url,
            limits=limits,
            budgets=budgets or MemoryLedgerBudgets(),
            timeout=timeout,
            max_retries=max_retries,
            **({"page_size": page_size} if page_size else {}),
        )

    async def counters(self) -> dict[str, int]:
        return dict((await self.control.get(f"/_sandbox/realms/{self.realm_id}/counters")).json())

    async def faults(self, **faults: Any) -> None:
        (await self.control.post(f"/_sandbox/realms/{self.realm_id}/faults", json=faults)).raise_for_status()

    async def limits(self, **limits: Any) -> None:
        (await self.control.put(f"/_sandbox/realms/{self.realm_id}/limits", json=limits)).raise_for_status()

    async def objects(self, entity: str) -> dict[str, Any]:
        return dict((await self.control.get(f"/_sandbox/realms/{self.realm_id}/objects/{entity}")).json())

    async def ledger(self) -> dict[str, Any]:
        return dict((await self.control.get(f"/_sandbox/realms/{self.realm_id}/ledger")).json())


@pytest.fixture
async def harness(sandbox_url: str, control: httpx.AsyncClient, realm: dict[str, Any]) -> AsyncIterator[Harness]:
    minted = (await control.post(f"/_sandbox/realms/{realm['realm_id']}/tokens", json={})).json()
    store = InMemoryTokenStore(tokens_from(minted, realm["realm_id"]))
    async with httpx.AsyncClient() as http:
        yield Harness(sandbox_url, control, realm, http, store)


@pytest.fixture
def qbo(harness: Harness) -> QboConnector:
    return harness.connector()
