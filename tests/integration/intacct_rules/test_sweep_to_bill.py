"""Intacct has no webhooks: a vendor and a bill keyed in Intacct reach BILL through the sweep, and
deleting the bill in Intacct archives it in BILL through ``AUDITHISTORY``. The ingest service (Sync
Now) and the sync engine run as services on the real Kafka and PostgreSQL; posting's handler runs
in-process on the postings topic and reports to the outcomes topic as its consumer would."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSettings
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.canonical.models import Bill, Classifications, ObjectType, TransactionLine
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, LedgerContext, LedgerEndpoint
from ledgerbridge_common.connectors.intacct import IntacctConnector, IntacctLogin
from ledgerbridge_common.db.inbox import record_message
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import LedgerKind, PostingRequested, SyncRequested
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.kafka.routing import Router
from ledgerbridge_common.prefs_client import BillcomCredentials as StoredBillcom
from ledgerbridge_common.prefs_client import ConnectionInfo, ConnectionPreferences, IntacctCredentials
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from posting_service.adapters.orm import inbox
from posting_service.execute import PostingDeps
from posting_service.handlers import routes
from sync_engine.bootstrap import create_app as create_engine
from sync_engine.settings import Settings as EngineSettings
from tests.integration.intacct_rules.conftest import CLEARING_OUT, Connections
from tests.integration.webhook_ingest.harness import PrefsState, ingest_settings, prefs_stub, running_ingest
from tests.support.servers import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
T = ObjectType
X = TypeVar("X")


async def eventually(probe: Callable[[], Awaitable[X | None]], what: str, timeout: float = 60) -> X:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


async def relay_postings(kafka: KafkaSettings, connection_id: str, deps: PostingDeps) -> None:
    """Posting's consumer: each command through posting's routing table, its outcomes to Kafka."""
    consumer = AIOKafkaConsumer(
        kafka.topics.postings,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"posting-relay-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await consumer.start()
    await producer.start()
    try:
        while True:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for record in records:
                    envelope = Envelope.from_bytes(record.value)
                    if envelope.connection_id != connection_id or envelope.type != PostingRequested.__name__:
                        continue
                    emitter = Emitter(source=envelope, consumer="posting")
                    async with deps.sessions() as session, session.begin():
                        if await record_message(session, inbox, "posting", envelope.event_id):
                            await Router(routes(deps))(envelope, session, emitter)
                    for topic, out in emitter.items:
                        await producer.send_and_wait(topic, out.to_bytes(), key=connection_id.encode())
    finally:
        await consumer.stop()
        await producer.stop()


async def sync_now(kafka: KafkaSettings, connection_id: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        envelope = Envelope.wrap(SyncRequested(trigger="sync_now"), connection_id=connection_id)
        await producer.send_and_wait(kafka.topics.prefs, envelope.to_bytes(), key=connection_id.encode())
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def background(task: Awaitable[None]) -> AsyncIterator[None]:
    running = asyncio.ensure_future(task)
    try:
        yield
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_a_vendor_and_bill_keyed_in_intacct_reach_bill_and_the_bills_delete_archives_it(
    intacct_url: str,
    sessions: async_sessionmaker[AsyncSession],
    kafka_settings: KafkaSettings,
    database_url: str,
    connection_id: str,
):
    company_id = f"lb-{uuid.uuid4().hex[:10]}"
    gateway = f"{intacct_url}/ia/xml/xmlgw.phtml"
    state = PrefsState()
    with serve_in_thread(create_billcom(BillcomSettings(webhook_tick_seconds=None))) as billcom_url:
        async with (
            httpx.AsyncClient(timeout=10) as http,
            httpx.AsyncClient(base_url=f"{billcom_url}/connect", timeout=10) as billcom_http,
        ):
            (await http.post(f"{intacct_url}/_sandbox/companies", json={"company_id": company_id})).raise_for_status()
            clearing = {"BANKACCOUNTID": CLEARING_OUT, "BANKNAME": "Bill.com Money Out Clearing", "GLACCOUNTNO": "1010"}
            made = await http.post(
                f"{intacct_url}/_sandbox/companies/{company_id}/records/CHECKINGACCOUNT", json=clearing
            )
            made.raise_for_status()
            org = (await http.post(f"{billcom_url}/_sandbox/orgs", json={"name": "Intacct sweep org"})).json()
            info = ConnectionInfo(
                connection_id=connection_id,
                tenant_id="t-1",
                name="Intacct to BILL",
                status="active",
                billcom_org_id=org["organizationId"],
                ledger_kind=LedgerKind.SAGE_INTACCT,
                ledger_company_id=company_id,
                billcom=StoredBillcom(
                    username=org["username"],
                    password=org["password"],
                    organization_id=org["organizationId"],
                    dev_key=org["devKey"],
                ),
                ledger=IntacctCredentials(
                    sender_id=DEMO_SENDER[0],
                    sender_password=DEMO_SENDER[1],
                    user_id=DEMO_USER[0],
                    user_password=DEMO_USER[1],
                ),
            )
            state.connections[connection_id] = info
            state.preferences[connection_id] = ConnectionPreferences(
                connection_id=connection_id,
                version=1,
                ledger_kind=LedgerKind.SAGE_INTACCT,
                ready=True,
                ap_account="2000",
                unallocated_expenses_account="6000",
                money_out_clearing_account=CLEARING_OUT,
                default_bank_account="BOA-CHK",
                transaction_currency="USD",
                base_currency="USD",
            )
            app = prefs_stub(state)
            app.get("/internal/v1/connections/{cid}/mappings")(lambda cid: {})
            with serve_in_thread(app) as prefs_url:
                ingest = ingest_settings(
                    kafka_settings,
                    database_url,
                    prefs_url,
                    sweep_enabled=True,
                    sweep_catch_up_on_start=False,
                    sweep_tick_seconds=3600,
                    intacct_url=gateway,
                    billcom_base_url=f"{billcom_url}/connect",
                )
                engine = EngineSettings(
                    kafka=kafka_settings,
                    database=DatabaseSettings(url=database_url),
                    prefs_url=prefs_url,
                    intacct_url=gateway,
                    billcom_base_url=f"{billcom_url}/connect",
                    consumer_group=f"engine-test-{uuid.uuid4().hex[:8]}",
                    retry_budget_seconds=5,
                )
                connections = Connections(info)
                context = LedgerContext(
                    http=http,
                    credentials=connections,
                    endpoints={LedgerKind.SAGE_INTACCT: LedgerEndpoint(gateway)},
                    budgets=MemoryLedgerBudgets(),
                )
                factory = ConnectorFactory(connections, context, billcom_http=billcom_http)
                deps = PostingDeps(
                    connectors=factory,
                    sessions=sessions,
                    postings_topic=kafka_settings.topics.postings,
                    outcomes_topic=kafka_settings.topics.outcomes,
                )
                creds = BillcomCredentials(org["username"], org["password"], org["organizationId"], org["devKey"])
                in_bill = BillcomHttpConnector(billcom_http, creds)
                login = IntacctLogin(DEMO_SENDER[0], DEMO_SENDER[1], DEMO_USER[0], DEMO_USER[1], company_id)
                bookkeeper = IntacctConnector(http, login, endpoint=gateway, budgets=MemoryLedgerBudgets())
                with (
                    running_ingest(ingest),
                    serve_in_thread(create_engine(engine), timeout=30),
                ):
                    async with background(relay_postings(kafka_settings, connection_id, deps)):
                        await run_scenario(
                            kafka_settings, connection_id, http, intacct_url, company_id, bookkeeper, in_bill
                        )


async def run_scenario(
    kafka: KafkaSettings,
    connection_id: str,
    http: httpx.AsyncClient,
    intacct_url: str,
    company_id: str,
    bookkeeper: IntacctConnector,
    in_bill: BillcomHttpConnector,
) -> None:
    name = f"Hand Keyed {uuid.uuid4().hex[:6]}"
    keyed = {"VENDORID": f"V-{uuid.uuid4().hex[:6].upper()}", "NAME": name}
    (await http.post(f"{intacct_url}/_sandbox/companies/{company_id}/records/VENDOR", json=keyed)).raise_for_status()
    await sync_now(kafka, connection_id)
    vendor = await eventually(lambda: in_bill.find_by_name(T.VENDOR, name), "the Intacct vendor in BILL")

    line = TransactionLine(amount=Decimal("42.00"), classifications=Classifications(account_id="6000"))
    number = f"INV-{uuid.uuid4().hex[:6]}"
    made = await bookkeeper.create(
        Bill(vendor_id=keyed["VENDORID"], number=number, date=dt.date.today(), due_date=dt.date.today(), lines=(line,)),
        request_id=uuid.uuid4().hex,
    )
    assert made.id is not None
    await sync_now(kafka, connection_id)

    async def bill_in_bill() -> Any:
        page = await in_bill.list_changed(T.BILL, dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        for ref in page.changes:
            found = await in_bill.read(T.BILL, ref.object_id)
            if isinstance(found, Bill) and found.number == number:
                return found
        return None

    copied = await eventually(bill_in_bill, "the Intacct bill in BILL")
    assert copied.vendor_id == vendor.id and copied.total == Decimal("42.00") and copied.active

    await bookkeeper.delete(T.BILL, made.id, request_id=uuid.uuid4().hex)
    await sync_now(kafka, connection_id)

    async def archived() -> Any:
        found = await in_bill.read(T.BILL, copied.id or "")
        return found if found is not None and not found.active else None

    await eventually(archived, "the bill deleted in Intacct to be archived in BILL")
