"""The composition root of posting: what it adds to the shared ``Runtime``."""

from __future__ import annotations

from fastapi import FastAPI

from ledgerbridge_common.connectors.billcom.budget_postgres import PostgresBillBudgets
from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, LedgerContext, ledger_endpoints
from ledgerbridge_common.connectors.qbo import qbo_limits
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.retention import inbox_rule
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.prefs_client import PrefsClient
from ledgerbridge_common.service import Overrides, Runtime, service_app
from ledgerbridge_common.service.checks import http_check, kafka_check
from posting_service import MIGRATIONS_DIR
from posting_service.adapters.orm import inbox
from posting_service.app import AppState, router
from posting_service.batching import BatchPoster, same_command_again
from posting_service.execute import PostingDeps
from posting_service.handlers import forget_connection, routes
from posting_service.lifecycle import CachedConnectionGate, PrefsConnectionGate
from posting_service.prefs_listener import PrefsListener
from posting_service.settings import Settings


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


def bootstrap(settings: Settings, overrides: Overrides | None = None) -> Runtime:
    """Overrides: ``fakes["connectors"]`` (a ConnectorFactory), ``fakes["prefs"]``, ``publisher``."""
    migrations = [MIGRATIONS_DIR, BUDGET_MIGRATIONS_DIR]
    rt = Runtime(settings, overrides, migrations=migrations, publisher_client_id=settings.consumer_name)
    # journal marks and the batch pre-pass use their own pool: a handler holding a connection of
    # the main pool never waits for another connection of that same pool
    journal_engine = make_engine(settings.database.model_copy(update={"pool_size": 2}))
    rt.on_close(journal_engine.dispose)
    prefs_http = rt.http("prefs", base_url=settings.prefs_url, timeout=10)
    vendor_http = rt.http("ledger", timeout=settings.vendor_timeout_seconds)
    billcom_http = rt.http("billcom", base_url=settings.billcom_base_url, timeout=settings.vendor_timeout_seconds)
    prefs = rt.fake("prefs") or PrefsClient(prefs_http, internal_token=settings.internal_token)
    budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=settings.qbo_lease_seconds())
    rt.on_close(budgets.close)
    limits = qbo_limits(
        per_minute=settings.qbo_per_minute,
        per_second=settings.qbo_per_second,
        concurrent=settings.qbo_concurrent,
        batch_per_minute=settings.qbo_batch_per_minute,
        cooldown_seconds=settings.qbo_cooldown_seconds,
    )
    ledgers = LedgerContext(
        http=vendor_http,
        credentials=prefs,
        endpoints=ledger_endpoints(settings, limits={LedgerKind.QUICKBOOKS_ONLINE: limits}),
        budgets=budgets,
        timeout=settings.vendor_timeout_seconds,
    )
    connectors = rt.fake("connectors") or ConnectorFactory(
        prefs, ledgers, billcom_http, billcom_budgets=PostgresBillBudgets(budgets)
    )
    deps = PostingDeps(
        connectors=connectors,
        sessions=make_sessionmaker(journal_engine),
        postings_topic=settings.kafka.topics.postings,
        outcomes_topic=settings.kafka.topics.outcomes,
        stale_retries=settings.stale_retries,
        rate_limit_wait_seconds=settings.rate_limit_wait_seconds,
        gate=rt.fake("gate")
        or CachedConnectionGate(PrefsConnectionGate(prefs), seconds=settings.connection_state_seconds),
    )
    rt.retention([inbox_rule(inbox)])
    batcher = BatchPoster(deps, threshold=settings.batch_threshold, size=settings.batch_size)
    if settings.run_consumer:
        rt.consumer(
            lambda: ConsumerRunner(
                consumer_config(settings),
                settings.kafka,
                routes(deps, prefs),
                rt.sessions,
                inbox,
                rt.publisher,
                prepass=batcher,
                group_breaks=same_command_again,
            ),
            name="posting-consumer",
            group_id=settings.consumer_group,
        )
        listener = PrefsListener(settings.kafka, forget_connection(deps, prefs), name=f"{settings.consumer_name}-prefs")
        rt.background(listener.run, name="posting-prefs-listener")
        rt.state["prefs_listener"] = listener
    rt.readiness.add("postgresql", rt.database_check)
    rt.readiness.add("kafka", kafka_check(settings.kafka))
    rt.readiness.add("vendor", http_check(vendor_http, settings.qbo_base_url), required=False)
    rt.state.update(posting=AppState(sessions=rt.sessions, prefs=prefs), deps=deps, batcher=batcher)
    return rt


def create_app(settings: Settings, overrides: Overrides | None = None) -> FastAPI:
    return service_app(bootstrap(settings, overrides), name="posting", title="LedgerBridge posting", routers=[router])
