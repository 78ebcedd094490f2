"""The composition root: settings → engine, publisher, prefs client, connectors, consumer, app."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from sqlalchemy import text

from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, Connectors, LedgerContext, ledger_endpoints
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.db.retention import RetentionTask, inbox_rule
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.http_metrics import instrument
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.kafka.lag import LagMonitor
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.prefs_client import PrefsClient
from sync_engine import MIGRATIONS_DIR
from sync_engine.adapters import orm
from sync_engine.adapters.store import SqlEngineStore
from sync_engine.app import Probe, router
from sync_engine.handlers import Deps, handle
from sync_engine.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Overrides:
    """Test seams: inject fakes instead of the HTTP-built collaborators."""

    connectors: Connectors | None = None
    prefs_http: httpx.AsyncClient | None = None


def create_app(settings: Settings, overrides: Overrides | None = None) -> FastAPI:
    overrides = overrides or Overrides()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_migrations:
            await upgrade_to_head(MIGRATIONS_DIR, settings.database.url)
            await upgrade_to_head(BUDGET_MIGRATIONS_DIR, settings.database.url)
        engine = make_engine(settings.database)
        budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=settings.qbo_lease_seconds())
        sessions = make_sessionmaker(engine)
        timeout = httpx.Timeout(settings.vendor_timeout_seconds)
        prefs_http = overrides.prefs_http or httpx.AsyncClient(base_url=settings.prefs_url, timeout=timeout)
        ledger_http = httpx.AsyncClient(timeout=timeout)
        billcom_http = httpx.AsyncClient(base_url=settings.billcom_base_url, timeout=timeout)
        prefs = PrefsClient(
            prefs_http, internal_token=settings.internal_token, cache_seconds=settings.prefs_cache_seconds
        )
        ledgers = LedgerContext(
            http=ledger_http,
            credentials=prefs,
            endpoints=ledger_endpoints(settings, limits={LedgerKind.QUICKBOOKS_ONLINE: settings.qbo_limits()}),
            budgets=budgets,
            timeout=settings.vendor_timeout_seconds,
        )
        connectors = overrides.connectors or ConnectorFactory(prefs, ledgers, billcom_http)
        deps = Deps(prefs=prefs, connectors=connectors, topics=settings.kafka.topics, store_factory=SqlEngineStore)
        publisher = AiokafkaPublisher(settings.kafka, client_id=settings.consumer_name)
        await publisher.start()
        topics = settings.kafka.topics
        runner = ConsumerRunner(
            ConsumerConfig(
                name=settings.consumer_name,
                group_id=settings.consumer_group,
                topics=[topics.changes, topics.outcomes, topics.prefs],
                dlq_topic=topics.dlq,
                retry_budget_seconds=settings.retry_budget_seconds,
                group_records=settings.group_records,
            ),
            settings.kafka,
            functools.partial(handle, deps=deps),
            sessions,
            orm.inbox,
            publisher,
        )
        task: asyncio.Task[None] | None = None
        lag = LagMonitor(settings.kafka, [settings.consumer_group])
        retention = RetentionTask(engine, [inbox_rule(orm.inbox)], settings.retention)
        retention.start()
        if settings.run_consumer:
            await runner.start()
            task = asyncio.create_task(runner.run(), name="sync-engine-consumer")
            await lag.start()

        async def db_probe() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        async def kafka_probe() -> None:
            admin = AIOKafkaAdminClient(**settings.kafka.client_options())
            await admin.start()
            try:
                await admin.list_topics()
            finally:
                await admin.close()

        def http_probe(client: httpx.AsyncClient, url: str) -> Probe:
            async def probe() -> None:
                response = await client.get(url)
                if response.status_code >= 500:
                    raise RuntimeError(f"HTTP {response.status_code}")

            return probe

        probes: dict[str, Probe] = {"postgresql": db_probe, "kafka": kafka_probe}
        if overrides.connectors is None:
            probes["prefs_api"] = http_probe(prefs_http, f"{settings.prefs_url.rstrip('/')}/healthz")
            probes["qbo"] = http_probe(ledger_http, settings.qbo_base_url)
            probes["billcom"] = http_probe(billcom_http, f"{settings.billcom_base_url.rstrip('/')}/v3/health")
        app.state.probes = probes
        app.state.runner = runner
        app.state.deps = deps
        try:
            yield
        finally:
            await retention.stop()
            await lag.stop()
            if task is not None:
                await runner.stop()
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await publisher.stop()
            for client in (ledger_http, billcom_http, prefs_http):
                await client.aclose()
            await engine.dispose()
            await budgets.close()

    app = FastAPI(title="LedgerBridge sync engine", lifespan=lifespan)
    app.include_router(router)
    instrument(app, "sync-engine")
    return app
