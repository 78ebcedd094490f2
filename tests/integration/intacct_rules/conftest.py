"""BILL's Intacct rules through the code paths where they live: the engine's pure ``decide`` turns a
BILL change into commands, posting's real handler writes them through the real connector factory to
the Intacct sandbox (the only fake), with posting's real PostgreSQL schema."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intacct_sandbox.app import create_app
from intacct_sandbox.settings import SandboxSettings
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, LedgerContext, LedgerEndpoint
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.inbox import record_message
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import LedgerKind, PostingRequested, SyncOutcome
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.kafka.routing import Router
from ledgerbridge_common.prefs_client import ConnectionInfo, IntacctCredentials, LedgerCredentials
from ledgerbridge_common.settings import DatabaseSettings
from posting_service.adapters.orm import inbox, posted_lines
from posting_service.execute import PostingDeps
from posting_service.handlers import routes
from sync_engine.domain.model import Plan
from tests.support.servers import serve_in_thread

CLEARING_OUT = "BILL-MOC"
"""The Money Out Clearing checking account the bookkeeper creates (on GL 1010)."""


@pytest.fixture(scope="session")
def intacct_url() -> Iterator[str]:
    with serve_in_thread(create_app(SandboxSettings())) as url:
        yield url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(DatabaseSettings(url=database_url, pool_size=5))
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


class Connections:
    """prefs-api's part: the connection's credentials (our own service, stood in for)."""

    def __init__(self, info: ConnectionInfo) -> None:
        self.info = info

    async def connection(self, connection_id: str) -> ConnectionInfo:
        return self.info

    async def save_ledger_credentials(self, connection_id: str, credentials: LedgerCredentials) -> None:
        raise AssertionError("Intacct credentials never rotate")


@dataclass
class IntacctWorld:
    connection_id: str
    company_id: str
    control: httpx.AsyncClient
    factory: ConnectorFactory
    deps: PostingDeps
    sessions: async_sessionmaker[AsyncSession]

    async def rows(self, obj: str) -> list[dict[str, Any]]:
        answer = await self.control.get(f"/_sandbox/companies/{self.company_id}/objects/{obj}")
        answer.raise_for_status()
        return list(answer.json()[obj])

    async def balance(self, account_id: str) -> Decimal:
        """Debits minus credits of what posting recorded on ``account_id`` for this connection."""
        query = select(func.coalesce(func.sum(posted_lines.c.debit - posted_lines.c.credit), 0)).where(
            posted_lines.c.connection_id == self.connection_id, posted_lines.c.account_id == account_id
        )
        async with self.sessions() as session:
            return Decimal((await session.execute(query)).scalar_one())

    async def post(self, cmd: PostingRequested) -> SyncOutcome:
        """One command through posting's routing table and handler, as its consumer runs it."""
        envelope = Envelope.wrap(cmd, connection_id=self.connection_id)
        emitter = Emitter(source=envelope, consumer="posting")
        async with self.sessions() as session, session.begin():
            assert await record_message(session, inbox, "posting", envelope.event_id)
            await Router(routes(self.deps))(envelope, session, emitter)
        found = [env.event() for topic, env in emitter.items if topic == "outcomes"]
        assert len(found) == 1
        outcome = found[0]
        assert isinstance(outcome, SyncOutcome)
        return outcome

    async def post_plan(self, plan: Plan) -> list[SyncOutcome]:
        assert plan.commands, plan.skipped
        return [await self.post(cmd) for cmd in plan.commands]


async def intacct_world(
    url: str, sessions: async_sessionmaker[AsyncSession], *, entities: list[str] | None = None, entity_id: str = ""
) -> AsyncIterator[IntacctWorld]:
    company_id = f"lb-{uuid.uuid4().hex[:10]}"
    connection_id = f"conn-{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(base_url=url, timeout=10) as control, httpx.AsyncClient(timeout=10) as http:
        body = {"company_id": company_id, "entities": entities or []}
        (await control.post("/_sandbox/companies", json=body)).raise_for_status()
        journals = {"GJ": "General Journal", "CDJ": "Cash Disbursements Journal", "CRJ": "Cash Receipts Journal"}
        settings = await control.post(f"/_sandbox/companies/{company_id}/settings", json={"journals": journals})
        settings.raise_for_status()
        clearing = {"BANKACCOUNTID": CLEARING_OUT, "BANKNAME": "Bill.com Money Out Clearing", "GLACCOUNTNO": "1010"}
        made = await control.post(f"/_sandbox/companies/{company_id}/records/CHECKINGACCOUNT", json=clearing)
        made.raise_for_status()
        info = ConnectionInfo(
            connection_id=connection_id,
            tenant_id="t-intacct",
            name="Intacct rules",
            status="active",
            billcom_org_id="00801RULES",
            ledger_kind=LedgerKind.SAGE_INTACCT,
            ledger_company_id=company_id,
            ledger=IntacctCredentials(
                sender_id=DEMO_SENDER[0],
                sender_password=DEMO_SENDER[1],
                user_id=DEMO_USER[0],
                user_password=DEMO_USER[1],
                entity_id=entity_id or None,
            ),
        )
        connections = Connections(info)
        context = LedgerContext(
            http=http,
            credentials=connections,
            endpoints={LedgerKind.SAGE_INTACCT: LedgerEndpoint(f"{url}/ia/xml/xmlgw.phtml")},
            budgets=MemoryLedgerBudgets(),
            timeout=10.0,
        )
        factory = ConnectorFactory(connections, context, billcom_http=http)
        deps = PostingDeps(connectors=factory, sessions=sessions, postings_topic="postings", outcomes_topic="outcomes")
        yield IntacctWorld(connection_id, company_id, control, factory, deps, sessions)


@pytest.fixture
async def world(intacct_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[IntacctWorld]:
    async for w in intacct_world(intacct_url, sessions):
        yield w
