"""The engine served for real (uvicorn, lifespan consumer) against real Kafka and PostgreSQL, the
two vendor sandboxes, a tiny stand-in for prefs-api's internal API (our own service), and a
stand-in for posting (write to the vendor, read back, report the outcome)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI, HTTPException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSettings
from ledgerbridge_common.canonical import parse_canonical
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.budget_postgres import PostgresLedgerBudgets
from ledgerbridge_common.connectors.qbo import QboConnector, StaticTokenSource, qbo_limits
from ledgerbridge_common.events import Envelope, Event, PostingRequested, Side, SyncOutcome
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from qbo_sandbox.app import create_app as create_qbo
from qbo_sandbox.settings import SandboxSettings as QboSettings
from sync_engine.bootstrap import create_app
from sync_engine.settings import Settings
from tests.support.builders import posted, resolve_refs
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
    database_url: str


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
        yield Stack(
            connection_id, kafka, realm["realm_id"], accounts, org, qbo_url, billcom_url, engine_url, stub, database_url
        )


async def produce(kafka: KafkaSettings, topic: str, connection_id: str, event: Event | bytes) -> str | None:
    """Send one record; answers the envelope's event id (the engine's inbox key), if wrapped here."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        envelope = None if isinstance(event, bytes) else Envelope.wrap(event, connection_id=connection_id)
        value = event if envelope is None else envelope.to_bytes()
        await producer.send_and_wait(topic, value, key=connection_id.encode())
    finally:
        await producer.stop()
    return envelope.event_id if envelope is not None else None


class Posting:
    """Plays the posting service: resolve placeholders, write, read back, report."""

    def __init__(self, stack: Stack, qbo: QboConnector, billcom: BillcomHttpConnector) -> None:
        self.stack, self.qbo, self.billcom = stack, qbo, billcom
        self.refs: dict[str, str] = {}

    async def write(self, cmd: PostingRequested) -> SyncOutcome:
        """The write and its read-back; the outcome is not reported yet."""
        obj = parse_canonical(cmd.object_type, resolve_refs(cmd.desired, self.refs))
        if cmd.target_side is Side.LEDGER:
            if cmd.target_id:
                current = await self.qbo.read(cmd.object_type, cmd.target_id)
                assert current is not None
                obj = obj.model_copy(update={"id": cmd.target_id, "concurrency_token": current.concurrency_token})
                await self.qbo.update(obj, request_id=cmd.command_id)
                written = await self.qbo.read(cmd.object_type, cmd.target_id)
            else:
                created = await self.qbo.create(obj, request_id=cmd.command_id)
                written = await self.qbo.read(cmd.object_type, created.id or "")
        else:
            obj = obj.model_copy(update={"id": cmd.target_id})
            await self.billcom.update(obj)
            written = await self.billcom.read(cmd.object_type, cmd.target_id or "")
        assert written is not None and written.id
        self.refs[cmd.source_ref] = written.id
        return posted(cmd, written)

    async def report(self, outcome: SyncOutcome) -> None:
        await produce(self.stack.kafka, self.stack.kafka.topics.outcomes, self.stack.connection_id, outcome)

    async def post(self, cmd: PostingRequested) -> SyncOutcome:
        outcome = await self.write(cmd)
        await self.report(outcome)
        return outcome


async def _poll(database_url: str, sql: str, params: dict[str, Any], done: Callable[[Any], bool]) -> Any:
    """Run ``sql`` until ``done(first row)`` (≤ 30 s); answers that row."""
    engine = create_async_engine(database_url)
    try:
        for _ in range(150):
            async with engine.connect() as conn:
                row = (await conn.execute(text(sql), params)).first()
            if done(row):
                return row
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    raise AssertionError(f"never true: {sql} {params}")


async def settled(database_url: str, connection_id: str, object_type: str, billcom_id: str) -> dict[str, Any]:
    """The link of a BILL object once its ledger write has reported back."""
    row = await _poll(
        database_url,
        "SELECT ledger_id, pending_command_id, ledger_written_at FROM engine.links WHERE connection_id=:c "
        "AND object_type=:t AND billcom_id=:b",
        {"c": connection_id, "t": object_type, "b": billcom_id},
        lambda r: r is not None and bool(r.ledger_id) and r.pending_command_id is None,
    )
    return dict(row._mapping)


async def processed(database_url: str, event_id: str) -> None:
    """The engine handled (and committed) the record with this envelope id."""
    await _poll(
        database_url,
        "SELECT message_id FROM engine.processed_messages WHERE message_id=:m",
        {"m": event_id},
        lambda r: r is not None,
    )


async def parked(database_url: str, connection_id: str, waiting_for: str, count: int) -> None:
    """Wait until ``count`` changes are parked on ``waiting_for``."""
    await _poll(
        database_url,
        "SELECT count(*) AS n FROM engine.parked WHERE connection_id=:c AND waiting_for=:w",
        {"c": connection_id, "w": waiting_for},
        lambda r: r.n == count,
    )


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


@dataclass
class VendorClients:
    """What a test uses to act as the clerk (BILL), the bookkeeper (QBO) and posting."""

    http: httpx.AsyncClient
    qbo: QboConnector
    billcom: BillcomHttpConnector
    poster: Posting


@asynccontextmanager
async def vendor_clients(stack: Stack) -> AsyncIterator[VendorClients]:
    async with (
        httpx.AsyncClient(timeout=10) as http,
        httpx.AsyncClient(base_url=f"{stack.billcom_url}/connect", timeout=10) as bh,
    ):
        token = (await http.post(f"{stack.qbo_url}/_sandbox/realms/{stack.realm_id}/tokens", json={})).json()
        # the realm's budget in PostgreSQL, shared with the engine: together they stay under QBO's limits
        budgets = PostgresLedgerBudgets.for_url(stack.database_url)
        qbo = QboConnector(
            http,
            stack.realm_id,
            StaticTokenSource(token["access_token"]),
            base_url=stack.qbo_url,
            limits=qbo_limits(),
            budgets=budgets,
        )
        org = stack.org
        billcom = BillcomHttpConnector(
            bh, BillcomCredentials(org["username"], org["password"], org["organizationId"], org["devKey"])
        )
        try:
            yield VendorClients(http, qbo, billcom, Posting(stack, qbo, billcom))
        finally:
            await budgets.close()
