"""Composition root: engine, publisher, prefs client, connectors, consumer and the FastAPI app."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, Connectors, LedgerContext, ledger_endpoints
from ledgerbridge_common.connectors.qbo import qbo_limits
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.db.retention import RetentionTask, inbox_rule
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.http_metrics import instrument
from ledgerbridge_common.kafka.consumer import ConsumerConfig
from ledgerbridge_common.kafka.lag import LagMonitor
from ledgerbridge_common.kafka.producer import AiokafkaPublisher, EventPublisher
from ledgerbridge_common.prefs_client import PrefsClient
from posting_service import MIGRATIONS_DIR
from posting_service.adapters.orm import inbox
from posting_service.app import AppState, router
from posting_service.batching import BatchingConsumerRunner, BatchPoster
from posting_service.execute import PostingDeps
from posting_service.handlers import handle_envelope
from posting_service.settings import Settings

log = logging.getLogger(__name__)


def consumer_config(settings: Settings) -> ConsumerConfig:
    topics = settings.kafka.topics
    return ConsumerConfig(
        name=settings.consumer_name,
        group_id=settings.consumer_group,
        topics=[topics.postings, topics.prefs],
        dlq_topic=topics.dlq,
        retry_budget_seconds=settings.retry_budget_seconds,
        max_records=settings.max_poll_records,
        group_records=settings.group_records,
    )


async def _vendor_reachable(http: httpx.AsyncClient, url: str) -> bool:
    await http.get(url, timeout=2)
    return True


def create_app(
    settings: Settings,
    *,
    connectors: Connectors | None = None,
    prefs: PrefsClient | None = None,
    publisher: EventPublisher | None = None,
) -> FastAPI:
    """The posting service: HTTP app whose lifespan migrates, then runs the consumer."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_migrations:
            await upgrade_to_head(MIGRATIONS_DIR, settings.database.url)
            await upgrade_to_head(BUDGET_MIGRATIONS_DIR, settings.database.url)
        engine = make_engine(settings.database)
        sessions = make_sessionmaker(engine)
        # write-ahead journal marks and the batch pre-pass use their own pool: a handler holding a
        # connection of the main pool never waits for another connection of that same pool
        journal_engine = make_engine(settings.database.model_copy(update={"pool_size": 2}))
        budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=settings.qbo_lease_seconds())
        prefs_http = httpx.AsyncClient(base_url=settings.prefs_url, timeout=10)
        vendor_http = httpx.AsyncClient(timeout=settings.vendor_timeout_seconds)
        billcom_http = httpx.AsyncClient(base_url=settings.billcom_base_url, timeout=settings.vendor_timeout_seconds)
        prefs_client = prefs or PrefsClient(prefs_http, internal_token=settings.internal_token)
        limits = qbo_limits(
            per_minute=settings.qbo_per_minute,
            concurrent=settings.qbo_concurrent,
            batch_per_minute=settings.qbo_batch_per_minute,
            cooldown_seconds=settings.qbo_cooldown_seconds,
        )
        ledgers = LedgerContext(
            http=vendor_http,
            credentials=prefs_client,
            endpoints=ledger_endpoints(settings, limits={LedgerKind.QUICKBOOKS_ONLINE: limits}),
            budgets=budgets,
            timeout=settings.vendor_timeout_seconds,
        )
        factory = connectors or ConnectorFactory(prefs_client, ledgers, billcom_http)
        own_publisher = AiokafkaPublisher(settings.kafka, client_id=settings.consumer_name)
        pub: EventPublisher = publisher or own_publisher
        deps = PostingDeps(
            connectors=factory,
            sessions=make_sessionmaker(journal_engine),
            postings_topic=settings.kafka.topics.postings,
            outcomes_topic=settings.kafka.topics.outcomes,
            stale_retries=settings.stale_retries,
            rate_limit_wait_seconds=settings.rate_limit_wait_seconds,
        )
        state = AppState(sessions=sessions, prefs=prefs_client)
        state.checks["vendor"] = functools.partial(_vendor_reachable, vendor_http, settings.qbo_base_url)
        app.state.posting = state
        app.state.deps = deps
        runner: BatchingConsumerRunner | None = None
        task: asyncio.Task[None] | None = None
        lag = LagMonitor(settings.kafka, [settings.consumer_group])
        retention = RetentionTask(engine, [inbox_rule(inbox)], settings.retention)
        try:
            retention.start()
            if publisher is None:
                await own_publisher.start()
            if settings.run_consumer:
                runner = BatchingConsumerRunner(
                    consumer_config(settings),
                    settings.kafka,
                    functools.partial(handle_envelope, deps=deps, prefs=prefs_client),
                    sessions,
                    inbox,
                    pub,
                    batcher=BatchPoster(deps, threshold=settings.batch_threshold, size=settings.batch_size),
                )
                await runner.start()
                task = asyncio.create_task(runner.run(), name="posting-consumer")
                kafka_runner = runner
                await lag.start()

                async def kafka_ready() -> bool:
                    if task is None or task.done():
                        return False
                    await kafka_runner.consumer.topics()
                    return True

                state.checks["kafka"] = kafka_ready
            app.state.runner = runner
            yield
        finally:
            await retention.stop()
            await lag.stop()
            if runner is not None:
                await runner.stop()
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if publisher is None:
                await own_publisher.stop()
            await prefs_http.aclose()
            await vendor_http.aclose()
            await billcom_http.aclose()
            await engine.dispose()
            await journal_engine.dispose()
            await budgets.close()

    app = FastAPI(title="LedgerBridge posting", lifespan=lifespan)
    app.include_router(router)
    instrument(app, "posting")
    return app
