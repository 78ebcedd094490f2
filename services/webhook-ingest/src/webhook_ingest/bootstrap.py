"""The composition root: everything webhook-ingest uses is built here from ``Settings``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory as SharedConnectorFactory
from ledgerbridge_common.connectors.factory import LedgerContext, ledger_endpoints
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.db.retention import RetentionRule, RetentionTask, inbox_rule
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.kafka.lag import LagMonitor
from ledgerbridge_common.prefs_client import PrefsClient
from webhook_ingest import MIGRATIONS_DIR
from webhook_ingest.adapters.deliveries import (
    BatchedDeliveryStore,
    DeliveryStore,
    SqlDeliveryStore,
    TimeBoundDeliveryStore,
    bounded_engine,
)
from webhook_ingest.adapters.orm import deliveries, processed_messages
from webhook_ingest.adapters.publisher import ResilientPublisher
from webhook_ingest.adapters.secrets import WebhookSecretCache
from webhook_ingest.adapters.watermarks import SqlAlchemySweepStateStore
from webhook_ingest.routes import health, webhooks
from webhook_ingest.settings import Settings
from webhook_ingest.sweeper.scheduler import Sweeper
from webhook_ingest.sweeper.sweep import ConnectorFactory, SweepDeps
from webhook_ingest.sweeper.sync_now import handle_prefs_event

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    prefs: PrefsClient
    secrets: WebhookSecretCache
    deliveries: DeliveryStore
    publisher: ResilientPublisher
    sweep_publisher: ResilientPublisher
    sweeper: Sweeper
    budgets: PostgresLedgerBudgets
    dedupe_engine: AsyncEngine | None = None
    http_clients: list[httpx.AsyncClient] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    consumer: ConsumerRunner | None = None
    retention: RetentionTask | None = None
    lag: LagMonitor | None = None


def build_container(settings: Settings, *, connectors: ConnectorFactory | None = None) -> Container:
    engine = make_engine(settings.database)
    dedupe_engine = bounded_engine(
        settings.database.url, pool_size=settings.database.pool_size, timeout_seconds=settings.dedupe_timeout_seconds
    )
    sessions = make_sessionmaker(engine)
    prefs_http = httpx.AsyncClient(base_url=settings.prefs_url, timeout=5.0)
    billcom_http = httpx.AsyncClient(base_url=settings.billcom_base_url, timeout=settings.vendor_timeout_seconds)
    ledger_http = httpx.AsyncClient(timeout=settings.vendor_timeout_seconds)
    budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=settings.qbo_lease_seconds())
    prefs = PrefsClient(prefs_http, internal_token=settings.internal_token)
    sweep_publisher = ResilientPublisher(settings.kafka, client_id="ingest-sweeper", timeout_seconds=30.0)
    deps = SweepDeps(
        prefs=prefs,
        connectors=connectors
        or SharedConnectorFactory(
            prefs,
            LedgerContext(
                http=ledger_http,
                credentials=prefs,
                endpoints=ledger_endpoints(settings, limits={LedgerKind.QUICKBOOKS_ONLINE: settings.qbo_limits()}),
                budgets=budgets,
                timeout=settings.vendor_timeout_seconds,
            ),
            billcom_http,
        ),
        state=SqlAlchemySweepStateStore(sessions),
        publisher=sweep_publisher,
        topics=settings.kafka.topics,
        chunk=settings.sweep_publish_chunk,
        cdc_max_days=settings.qbo_cdc_max_days,
    )
    return Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        prefs=prefs,
        secrets=WebhookSecretCache(
            prefs,
            ttl_seconds=settings.secrets_ttl_seconds,
            min_refresh_seconds=settings.secrets_min_refresh_seconds,
        ),
        deliveries=TimeBoundDeliveryStore(
            BatchedDeliveryStore(SqlDeliveryStore(dedupe_engine)), timeout_seconds=settings.dedupe_timeout_seconds
        ),
        publisher=ResilientPublisher(
            settings.webhook_kafka(),
            client_id="ingest-webhooks",
            timeout_seconds=settings.produce_timeout_ms / 1000,
        ),
        sweep_publisher=sweep_publisher,
        sweeper=Sweeper(
            deps,
            prefs,
            tick_seconds=settings.sweep_tick_seconds,
            retry_seconds=settings.sweep_retry_seconds,
            catch_up_on_start=settings.sweep_catch_up_on_start,
        ),
        budgets=budgets,
        dedupe_engine=dedupe_engine,
        http_clients=[prefs_http, billcom_http, ledger_http],
    )


async def _run_consumer(runner: ConsumerRunner) -> None:
    while True:
        try:
            await runner.start()
            await runner.run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:  # Kafka down at start-up: keep trying, webhooks still answer 503
            log.exception("prefs-topic consumer could not start; retrying")
            await asyncio.sleep(5)


async def start(container: Container) -> None:
    settings = container.settings
    await upgrade_to_head(MIGRATIONS_DIR, settings.database.url)
    await upgrade_to_head(BUDGET_MIGRATIONS_DIR, settings.database.url)
    container.retention = RetentionTask(
        container.engine,
        [RetentionRule(deliveries, "received_at"), inbox_rule(processed_messages)],
        settings.retention,
    )
    container.retention.start()
    if not settings.sweep_enabled:
        return
    container.tasks.append(asyncio.create_task(container.sweeper.run_forever(), name="sweeper"))
    handler = partial(handle_prefs_event, sweeper=container.sweeper, prefs=container.prefs)
    container.consumer = ConsumerRunner(
        ConsumerConfig(
            name="ingest-sweeper",
            group_id=settings.sweeper_group_id,
            topics=[settings.kafka.topics.prefs],
            dlq_topic=settings.kafka.topics.dlq,
            retry_budget_seconds=600,
        ),
        settings.kafka,
        handler,
        container.sessions,
        processed_messages,
        container.sweep_publisher,
    )
    container.tasks.append(asyncio.create_task(_run_consumer(container.consumer), name="sync-now"))
    container.lag = LagMonitor(settings.kafka, [settings.sweeper_group_id])
    await container.lag.start()


async def stop(container: Container) -> None:
    if container.retention is not None:
        await container.retention.stop()
    if container.lag is not None:
        await container.lag.stop()
    if container.consumer is not None:
        with contextlib.suppress(Exception):
            await container.consumer.stop()
    for task in container.tasks:
        task.cancel()
    await asyncio.gather(*container.tasks, return_exceptions=True)
    await container.publisher.stop()
    await container.sweep_publisher.stop()
    for client in container.http_clients:
        await client.aclose()
    await container.engine.dispose()
    if container.dedupe_engine is not None:
        await container.dedupe_engine.dispose()
    await container.budgets.close()


def create_app(settings: Settings, *, container: Container | None = None) -> FastAPI:
    built = container or build_container(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await start(built)
        try:
            yield
        finally:
            await stop(built)

    app = FastAPI(title="LedgerBridge webhook-ingest", lifespan=lifespan)
    app.state.container = built
    app.include_router(health.router)
    app.include_router(webhooks.router)
    return app
