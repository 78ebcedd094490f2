"""The engine served for real (uvicorn, lifespan consumer) against real Kafka and PostgreSQL, the
two vendor sandboxes, and a tiny stand-in for prefs-api's internal API (our own service)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI, HTTPException

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSettings
from ledgerbridge_common.events import Envelope, Event
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from qbo_sandbox.app import create_app as create_qbo
from qbo_sandbox.settings import SandboxSettings as QboSettings
from sync_engine.bootstrap import create_app
from sync_engine.settings import Settings
from tests.support.servers import serve_in_thread

CLIENT_ID, CLIENT_SECRET = "ledgerbridge-engine-test", "engine-secret"


@dataclass
class PrefsStub:
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    preferences: dict[str, dict[str, Any]] = field(default_factory=dict)
    mappings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = FastAPI()

        def get(table: dict[str, dict[str, Any]], cid: str) -> dict[str, Any]:
            if cid not in table:
                raise HTTPException(404)
            return table[cid]

        app.get("/internal/v1/connections/{cid}")(lambda cid: get(self.connections, cid))
        app.get("/internal/v1/connections/{cid}/preferences")(lambda cid: get(self.preferences, cid))
        app.get("/internal/v1/connections/{cid}/mappings")(lambda cid: self.mappings.get(cid, {}))
        app.put("/internal/v1/connections/{cid}/qbo-tokens")(lambda cid: None)
        app.get("/healthz")(lambda: {"status": "ok"})
        return app


@dataclass
class Stack:
    connection_id: str
    kafka: KafkaSettings
    realm_id: str
    accounts: dict[str, str]
    org: dict[str, Any]
    qbo_url: str
    billcom_url: str
    engine_url: str
    prefs: PrefsStub


@contextmanager
def engine_stack(connection_id: str, kafka: KafkaSettings, database_url: str) -> Iterator[Stack]:
    stub = PrefsStub()
    with ExitStack() as stack:
        qbo_url = stack.enter_context(
            serve_in_thread(
                create_qbo(QboSettings(webhook_tick_seconds=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
            )
        )
        billcom_url = stack.enter_context(
            serve_in_thread(create_billcom(BillcomSettings(webhook_tick_seconds=None, hang_seconds=1.0)))
        )
        with httpx.Client(timeout=10) as http:
            realm = http.post(f"{qbo_url}/_sandbox/realms", json={"company_name": "Engine Test Co"}).json()
            tokens = http.post(f"{qbo_url}/_sandbox/realms/{realm['realm_id']}/tokens", json={}).json()
            org = http.post(f"{billcom_url}/_sandbox/orgs", json={"name": "Engine Test Org"}).json()
        accounts = realm["accounts"]
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(tokens["expires_in"]))
        stub.connections[connection_id] = {
            "connection_id": connection_id,
            "tenant_id": "t1",
            "name": "engine test",
            "status": "active",
            "billcom_org_id": org["organizationId"],
            "ledger_kind": "quickbooks_online",
            "ledger_company_id": realm["realm_id"],
            "billcom": {
                "username": org["username"],
                "password": org["password"],
                "organization_id": org["organizationId"],
                "dev_key": org["devKey"],
            },
            "qbo": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "tokens": {
                    "access_token": tokens["access_token"],
                    "refresh_token": tokens["refresh_token"],
                    "access_expires_at": expires.isoformat(),
                },
            },
        }
        stub.preferences[connection_id] = {
            "connection_id": connection_id,
            "version": 1,
            "ledger_kind": "quickbooks_online",
            "ready": True,
            "ap_account": accounts["Accounts Payable (A/P)"],
            "money_out_clearing_account": accounts["BILL Money Out Clearing"],
            "money_in_clearing_account": accounts["BILL Money In Clearing"],
            "default_bank_account": accounts["Checking"],
            "unallocated_expenses_account": accounts["Unallocated Expenses"],
            "deposit_to_account": accounts["Undeposited Funds"],
            "fx_gain_loss_account": accounts["Exchange Gain or Loss"],
        }
        prefs_url = stack.enter_context(serve_in_thread(stub.app()))
        settings = Settings(
            kafka=kafka,
            database=DatabaseSettings(url=database_url),
            prefs_url=prefs_url,
            qbo_base_url=qbo_url,
            qbo_oauth_url=qbo_url,
            billcom_base_url=f"{billcom_url}/connect",
            consumer_group=f"engine-test-{uuid.uuid4().hex[:8]}",
            retry_budget_seconds=5,
        )
        engine_url = stack.enter_context(serve_in_thread(create_app(settings), timeout=30))
        yield Stack(connection_id, kafka, realm["realm_id"], accounts, org, qbo_url, billcom_url, engine_url, stub)


async def produce(kafka: KafkaSettings, topic: str, connection_id: str, event: Event | bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        value = event if isinstance(event, bytes) else Envelope.wrap(event, connection_id=connection_id).to_bytes()
        await producer.send_and_wait(topic, value, key=connection_id.encode())
    finally:
        await producer.stop()


class Tail:
    """Reads a topic from the beginning and keeps everything seen."""

    def __init__(self, kafka: KafkaSettings, topic: str) -> None:
        self.consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka.bootstrap_servers,
            group_id=f"tail-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
        )
        self.seen: list[Envelope] = []

    async def __aenter__(self) -> Tail:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def wait_for(self, predicate: Callable[[list[Envelope]], bool], timeout: float = 30) -> list[Envelope]:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self.seen):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out; seen {[e.type for e in self.seen]}: {[e.payload for e in self.seen]}")
            batches = await self.consumer.getmany(timeout_ms=300)
            for records in batches.values():
                self.seen += [Envelope.from_bytes(r.value) for r in records]
        return self.seen
