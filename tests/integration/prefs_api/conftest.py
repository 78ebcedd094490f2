"""A prefs-api served on a real loopback port, over the run's PostgreSQL database and the test's
random Kafka topics, with fake vendors (ledger chart of accounts, BILL)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from cryptography.fernet import Fernet

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.service import Overrides
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from prefs_api.bootstrap import create_app
from prefs_api.settings import Settings
from tests.support.fake_billcom import FakeBillcom, billcom_bank_chart
from tests.support.fake_ledger import FakeLedger, factory, qbo_chart
from tests.support.servers import free_port, serve_together

INTERNAL_TOKEN = "internal-" + uuid.uuid4().hex
ADMIN_KEY = "bootstrap-" + uuid.uuid4().hex
CREDENTIALS_KEY = Fernet.generate_key().decode()


@dataclass
class PrefsApi:
    url: str
    settings: Settings
    ledger: FakeLedger
    billcom: FakeBillcom
    admin: dict[str, str]
    internal: dict[str, str]
    internal_url: str

    def client(self, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=headers or {}, timeout=15)

    def internal_client(self) -> httpx.AsyncClient:
        """The internal listener (``/internal/v1``), with the internal token."""
        return httpx.AsyncClient(base_url=self.internal_url, headers=self.internal, timeout=15)

    async def new_connection(self, headers: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": "Acme",
            "billcom_org_id": "00801" + uuid.uuid4().hex[:15].upper(),
            "ledger_kind": "quickbooks_online",
            "billcom": {
                "username": "ap@acme.example",
                "password": "bill-password-" + uuid.uuid4().hex,
                "organization_id": "00801ORG",
                "dev_key": "devkey-" + uuid.uuid4().hex,
                "webhook_security_key": "whsec-" + uuid.uuid4().hex,
            },
            **overrides,
        }
        if not ({"intacct", "netsuite"} & set(body)):  # a login names its company itself
            body.setdefault("ledger_company_id", str(uuid.uuid4().int)[:16])
        if body["ledger_kind"] == "quickbooks_online":  # another ledger's connection refuses a qbo block
            body.setdefault(
                "qbo",
                {
                    "client_id": "client-" + uuid.uuid4().hex[:8],
                    "client_secret": "qbo-secret-" + uuid.uuid4().hex,
                    "webhook_verifier_token": "verifier-" + uuid.uuid4().hex,
                },
            )
        async with self.client(headers or self.admin) as http:
            resp = await http.post("/v1/connections", json=body)
        assert resp.status_code == 201, resp.text
        return {**resp.json(), "_request": body}

    async def new_key(self, tenant_admin: dict[str, str], **body: Any) -> dict[str, str]:
        async with self.client(tenant_admin) as http:
            resp = await http.post("/v1/api-keys", json={"name": "test", "scopes": ["read"], **body})
        assert resp.status_code == 201, resp.text
        return {"X-API-Key": resp.json()["key"]}


def prefs_settings(database_url: str, kafka: KafkaSettings, **overrides: Any) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url, pool_size=5),
        kafka=kafka,
        internal_token=INTERNAL_TOKEN,
        prefs_credentials_key=CREDENTIALS_KEY,
        prefs_bootstrap_admin_key=ADMIN_KEY,
        prefs_bootstrap_tenant="tenant-" + uuid.uuid4().hex[:6],
        run_migrations=False,
        chart_cache_seconds=0.0,
        **overrides,
    )


@contextlib.contextmanager
def serve_prefs_api(settings: Settings, *, port: int | None = None) -> Iterator[PrefsApi]:
    """Both listeners of one prefs-api (public and internal), with fake vendors."""
    ledger, billcom = FakeLedger(qbo_chart()), FakeBillcom(billcom_bank_chart())
    app = create_app(settings, Overrides(fakes={"ledger": factory(ledger), "billcom": factory(billcom)}))
    ports = [port, free_port()] if port else None
    with serve_together(app, app.state.internal_app, ports=ports, timeout=30) as (url, internal_url):
        yield PrefsApi(
            url=url,
            settings=settings,
            ledger=ledger,
            billcom=billcom,
            admin={"X-API-Key": ADMIN_KEY},
            internal={"X-Internal-Token": INTERNAL_TOKEN},
            internal_url=internal_url,
        )


@pytest.fixture
def prefs_api(database_url: str, kafka_settings: KafkaSettings) -> Iterator[PrefsApi]:
    with serve_prefs_api(prefs_settings(database_url, kafka_settings)) as api:
        yield api


async def read_topic(kafka: KafkaSettings, topic: str, want: int, timeout: float = 15) -> list[Envelope]:
    """The first ``want`` envelopes on ``topic`` (from the beginning), or what came in ``timeout``."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id="t-" + uuid.uuid4().hex[:8],
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    out: list[Envelope] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(out) < want and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=300)
            for records in batches.values():
                out += [Envelope.model_validate(json.loads(r.value)) for r in records]
    finally:
        await consumer.stop()
    return out


@pytest.fixture
async def api(prefs_api: PrefsApi) -> AsyncIterator[PrefsApi]:
    yield prefs_api
