"""Projects come from the ledger only (Sage Intacct ``PROJECT``, NetSuite ``job``) and land in BILL
as jobs: a project keyed in the ledger arrives once, a rename in the ledger renames the job, and
later sweeps (whose windows overlap) never make a second job. The ingest service (Sync Now) and the
sync engine run as services on the real Kafka and PostgreSQL; posting's handler runs in-process on
the postings topic (``relay_postings``); the ledgers and BILL are their sandboxes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSettings
from intacct_sandbox.app import create_app as create_intacct
from intacct_sandbox.settings import SandboxSettings as IntacctSettings
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.canonical.models import Bill, Classifications, ObjectType, Project, TransactionLine
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, LedgerContext, LedgerEndpoint
from ledgerbridge_common.connectors.intacct import IntacctConnector, IntacctLogin
from ledgerbridge_common.connectors.netsuite import NetSuiteConnector, TbaCredentials
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import BillcomCredentials as StoredBillcom
from ledgerbridge_common.prefs_client import (
    ConnectionInfo,
    ConnectionPreferences,
    IntacctCredentials,
    LedgerCredentials,
    NetSuiteCredentials,
)
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from netsuite_sandbox.app import create_app as create_netsuite
from netsuite_sandbox.settings import SandboxSettings as NetSuiteSettings
from posting_service.execute import PostingDeps
from sync_engine.bootstrap import create_app as create_engine
from sync_engine.settings import Settings as EngineSettings
from tests.integration.intacct_rules.conftest import Connections
from tests.integration.intacct_rules.test_sweep_to_bill import background, eventually, relay_postings, sync_now
from tests.integration.webhook_ingest.harness import PrefsState, ingest_settings, prefs_stub, running_ingest
from tests.support.servers import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass
class LedgerBooks:
    """One ledger company in its sandbox, as its bookkeeper keys projects into it."""

    kind: LedgerKind
    company_id: str
    credentials: LedgerCredentials
    endpoint: str
    create: Callable[[str], Awaitable[str]]
    """Key a project with this name; answers its id."""
    rename: Callable[[str, str], Awaitable[None]]
    bill_on: Callable[[str], Awaitable[str]] | None = None
    """Key a bill whose line is coded to this project (where the connector maps a line's project);
    answers its number."""


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, str]]:
    with (
        serve_in_thread(create_intacct(IntacctSettings())) as intacct,
        serve_in_thread(create_netsuite(NetSuiteSettings())) as netsuite,
        serve_in_thread(create_billcom(BillcomSettings(webhook_tick_seconds=None))) as billcom,
    ):
        yield {"intacct": intacct, "netsuite": netsuite, "billcom": billcom}


async def intacct_books(http: httpx.AsyncClient, url: str) -> LedgerBooks:
    company_id = f"lb-{uuid.uuid4().hex[:10]}"
    (await http.post(f"{url}/_sandbox/companies", json={"company_id": company_id})).raise_for_status()
    gateway = f"{url}/ia/xml/xmlgw.phtml"
    login = IntacctLogin(DEMO_SENDER[0], DEMO_SENDER[1], DEMO_USER[0], DEMO_USER[1], company_id)
    bookkeeper = IntacctConnector(http, login, endpoint=gateway, budgets=MemoryLedgerBudgets())

    async def create(name: str) -> str:
        project_id = f"P-{uuid.uuid4().hex[:6].upper()}"
        body = {"PROJECTID": project_id, "NAME": name}
        (await http.post(f"{url}/_sandbox/companies/{company_id}/records/PROJECT", json=body)).raise_for_status()
        return project_id

    async def rename(project_id: str, name: str) -> None:
        await bookkeeper.update(Project(id=project_id, name=name), request_id=uuid.uuid4().hex)

    async def bill_on(project_id: str) -> str:
        vendor = {"VENDORID": f"V-{uuid.uuid4().hex[:6].upper()}", "NAME": f"Joinery {uuid.uuid4().hex[:6]}"}
        (await http.post(f"{url}/_sandbox/companies/{company_id}/records/VENDOR", json=vendor)).raise_for_status()
        coded = Classifications(account_id="6000", project_id=project_id)
        line = TransactionLine(amount=Decimal("120.00"), classifications=coded)
        number = f"INV-{uuid.uuid4().hex[:6]}"
        today = dt.date.today()
        bill = Bill(vendor_id=vendor["VENDORID"], number=number, date=today, due_date=today, lines=(line,))
        await bookkeeper.create(bill, request_id=uuid.uuid4().hex)
        return number

    creds = IntacctCredentials(
        sender_id=DEMO_SENDER[0], sender_password=DEMO_SENDER[1], user_id=DEMO_USER[0], user_password=DEMO_USER[1]
    )
    return LedgerBooks(LedgerKind.SAGE_INTACCT, company_id, creds, gateway, create, rename, bill_on)


async def netsuite_books(http: httpx.AsyncClient, url: str) -> LedgerBooks:
    account = (await http.post(f"{url}/_sandbox/accounts", json={})).raise_for_status().json()
    account_id, tba = account["account_id"], account["tba"]
    us = account["seeded"]["subsidiary"]["US Subsidiary"]
    creds = NetSuiteCredentials(
        account_id=account_id,
        consumer_key=tba["consumer_key"],
        consumer_secret=tba["consumer_secret"],
        token_id=tba["token_id"],
        token_secret=tba["token_secret"],
        subsidiary_id=us,
    )
    tba_creds = TbaCredentials(
        account_id, *(tba[k] for k in ("consumer_key", "consumer_secret", "token_id", "token_secret"))
    )
    bookkeeper = NetSuiteConnector(http, tba_creds, subsidiary_id=us, base_url=url, budgets=MemoryLedgerBudgets())

    async def create(name: str) -> str:
        body = {"companyName": name, "subsidiary": {"id": us}}  # keyed by hand: no external id
        made = await bookkeeper.client.request("POST", "/record/v1/job", json=body)
        return made.headers["Location"].rsplit("/", 1)[1]

    async def rename(job_id: str, name: str) -> None:
        edit = f"{url}/_sandbox/accounts/{account_id}/records/job/{job_id}"  # as a NetSuite user would
        (await http.patch(edit, json={"companyName": name})).raise_for_status()

    return LedgerBooks(LedgerKind.ORACLE_NETSUITE, account_id, creds, url, create, rename)


BOOKS = {"intacct": intacct_books, "netsuite": netsuite_books}


@pytest.mark.parametrize("ledger", sorted(BOOKS))
async def test_a_project_keyed_in_the_ledger_is_one_job_in_bill_and_follows_its_renames(
    ledger: str,
    sandboxes: dict[str, str],
    kafka_settings: KafkaSettings,
    database_url: str,
    connection_id: str,
) -> None:
    billcom_url = sandboxes["billcom"]
    async with (
        httpx.AsyncClient(timeout=10) as http,
        httpx.AsyncClient(base_url=f"{billcom_url}/connect", timeout=10) as billcom_http,
    ):
        books = await BOOKS[ledger](http, sandboxes[ledger])
        org = (await http.post(f"{billcom_url}/_sandbox/orgs", json={"name": f"{ledger} projects"})).json()
        info = ConnectionInfo(
            connection_id=connection_id,
            tenant_id="t-1",
            name=f"{ledger} projects",
            status="active",
            billcom_org_id=org["organizationId"],
            ledger_kind=books.kind,
            ledger_company_id=books.company_id,
            billcom=StoredBillcom(
                username=org["username"],
                password=org["password"],
                organization_id=org["organizationId"],
                dev_key=org["devKey"],
            ),
            ledger=books.credentials,
        )
        state = PrefsState(connections={connection_id: info})
        state.preferences[connection_id] = ConnectionPreferences(
            connection_id=connection_id, version=1, ledger_kind=books.kind, ready=True
        )
        app = prefs_stub(state)
        app.get("/internal/v1/connections/{cid}/mappings")(lambda cid: {})
        url_setting = "intacct_url" if books.kind is LedgerKind.SAGE_INTACCT else "netsuite_url"
        engine = make_engine(DatabaseSettings(url=database_url, pool_size=5))
        sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(engine)
        connections = Connections(info)
        context = LedgerContext(
            http=http,
            credentials=connections,
            endpoints={books.kind: LedgerEndpoint(books.endpoint)},
            budgets=MemoryLedgerBudgets(),
        )
        deps = PostingDeps(
            connectors=ConnectorFactory(connections, context, billcom_http=billcom_http),
            sessions=sessions,
            postings_topic=kafka_settings.topics.postings,
            outcomes_topic=kafka_settings.topics.outcomes,
        )
        creds = BillcomCredentials(org["username"], org["password"], org["organizationId"], org["devKey"])
        in_bill = BillcomHttpConnector(billcom_http, creds)
        try:
            with serve_in_thread(app) as prefs_url:
                shared = {url_setting: books.endpoint, "billcom_base_url": f"{billcom_url}/connect"}
                ingest = ingest_settings(
                    kafka_settings,
                    database_url,
                    prefs_url,
                    sweep_enabled=True,
                    sweep_catch_up_on_start=False,
                    sweep_tick_seconds=3600,
                    **shared,
                )
                engine_settings = EngineSettings(
                    kafka=kafka_settings,
                    database=DatabaseSettings(url=database_url),
                    prefs_url=prefs_url,
                    consumer_group=f"engine-test-{uuid.uuid4().hex[:8]}",
                    retry_budget_seconds=5,
                    **shared,
                )
                with running_ingest(ingest), serve_in_thread(create_engine(engine_settings), timeout=30):
                    async with background(relay_postings(kafka_settings, connection_id, deps)):
                        await project_scenario(kafka_settings, connection_id, books, in_bill)
        finally:
            await engine.dispose()


async def jobs(in_bill: BillcomHttpConnector) -> list[Project]:
    page = await in_bill.list_changed(ObjectType.PROJECT, EPOCH)
    found = [await in_bill.read(ObjectType.PROJECT, ref.object_id) for ref in page.changes]
    return [job for job in found if isinstance(job, Project)]


async def project_scenario(
    kafka: KafkaSettings, connection_id: str, books: LedgerBooks, in_bill: BillcomHttpConnector
) -> None:
    name = f"Harbour Fit-out {uuid.uuid4().hex[:6]}"
    project_id = await books.create(name)
    await sync_now(kafka, connection_id)

    async def named(wanted: str) -> Project | None:
        return next((j for j in await jobs(in_bill) if j.name == wanted), None)

    job = await eventually(lambda: named(name), "the ledger's project as a BILL job")
    renamed = f"{name} phase 2"
    await books.rename(project_id, renamed)
    await sync_now(kafka, connection_id)

    async def job_renamed() -> Project | None:
        found = await in_bill.read(ObjectType.PROJECT, job.id or "")
        return found if isinstance(found, Project) and found.name == renamed else None

    await eventually(job_renamed, "the rename in the ledger on the BILL job")
    if books.bill_on is not None:
        number = await books.bill_on(project_id)
        await sync_now(kafka, connection_id)

        async def bill_in_bill() -> Bill | None:
            page = await in_bill.list_changed(ObjectType.BILL, EPOCH)
            found = [await in_bill.read(ObjectType.BILL, ref.object_id) for ref in page.changes]
            return next((b for b in found if isinstance(b, Bill) and b.number == number), None)

        copied = await eventually(bill_in_bill, "the bill coded to the project in BILL")
        assert [line.classifications.project_id for line in copied.lines] == [job.id]

    # Every later sweep reads the first project again (its window overlaps the last one); a second
    # project keyed after it marks when those sweeps have been decided (one connection's changes
    # are decided in order).
    second = f"Quay Lighting {uuid.uuid4().hex[:6]}"
    await sync_now(kafka, connection_id)
    await books.create(second)
    await sync_now(kafka, connection_id)
    await eventually(lambda: named(second), "the second project as a BILL job")
    names = sorted(j.name for j in await jobs(in_bill))
    assert names == sorted([renamed, second]), names
