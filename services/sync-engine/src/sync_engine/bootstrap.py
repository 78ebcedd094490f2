"""The composition root of the sync engine: what it adds to the shared ``Runtime``."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from ledgerbridge_common.connectors.billcom.budget_postgres import PostgresBillBudgets
from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, LedgerContext, ledger_endpoints
from ledgerbridge_common.db.retention import inbox_rule
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.prefs_client import PrefsClient
from ledgerbridge_common.service import Overrides, Runtime, service_app
from ledgerbridge_common.service.checks import http_check, kafka_check
from sync_engine import MIGRATIONS_DIR
from sync_engine.adapters import orm
from sync_engine.adapters.store import SqlEngineStore
from sync_engine.handlers import Deps, routes
from sync_engine.settings import Settings


def bootstrap(settings: Settings, overrides: Overrides | None = None) -> Runtime:
    """Overrides: ``fakes["connectors"]`` (a ConnectorFactory), ``http["prefs"]``."""
    migrations = [MIGRATIONS_DIR, BUDGET_MIGRATIONS_DIR]
    rt = Runtime(settings, overrides, migrations=migrations, publisher_client_id=settings.consumer_name)
    timeout = httpx.Timeout(settings.vendor_timeout_seconds)
    prefs_http = rt.http("prefs", base_url=settings.prefs_url, timeout=timeout)
    ledger_http = rt.http("ledger", timeout=timeout)
    billcom_http = rt.http("billcom", base_url=settings.billcom_base_url, timeout=timeout)
    prefs = PrefsClient(prefs_http, internal_token=settings.internal_token, cache_seconds=settings.prefs_cache_seconds)
    budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=settings.qbo_lease_seconds())
    rt.on_close(budgets.close)
    ledgers = LedgerContext(
        http=ledger_http,
        credentials=prefs,
        endpoints=ledger_endpoints(settings, limits={LedgerKind.QUICKBOOKS_ONLINE: settings.qbo_limits()}),
        budgets=budgets,
        timeout=settings.vendor_timeout_seconds,
    )
    connectors = rt.fake("connectors") or ConnectorFactory(
        prefs, ledgers, billcom_http, billcom_budgets=PostgresBillBudgets(budgets)
    )
    deps = Deps(
        prefs=prefs,
        connectors=connectors,
        topics=settings.kafka.topics,
        store_factory=SqlEngineStore,
        state_seconds=settings.prefs_cache_seconds,
    )
    topics = settings.kafka.topics
    config = ConsumerConfig(
        name=settings.consumer_name,
        group_id=settings.consumer_group,
        topics=[topics.changes, topics.outcomes, topics.prefs],
        dlq_topic=topics.dlq,
        retry_budget_seconds=settings.retry_budget_seconds,
        group_records=settings.group_records,
    )
    rt.retention([inbox_rule(orm.inbox)])
    if settings.run_consumer:
        rt.consumer(
            lambda: ConsumerRunner(config, settings.kafka, routes(deps), rt.sessions, orm.inbox, rt.publisher),
            name="sync-engine-consumer",
            group_id=settings.consumer_group,
        )
    rt.readiness.add("postgresql", rt.database_check)
    rt.readiness.add("kafka", kafka_check(settings.kafka))
    rt.readiness.add("prefs_api", http_check(prefs_http, f"{settings.prefs_url.rstrip('/')}/healthz"))
    if rt.fake("connectors") is None:  # a slow vendor does not make the engine unready
        rt.readiness.add("qbo", http_check(ledger_http, settings.qbo_base_url), required=False)
        billcom_health = f"{settings.billcom_base_url.rstrip('/')}/v3/health"
        rt.readiness.add("billcom", http_check(billcom_http, billcom_health), required=False)
    rt.state["deps"] = deps
    return rt


def create_app(settings: Settings, overrides: Overrides | None = None) -> FastAPI:
    return service_app(bootstrap(settings, overrides), name="sync-engine", title="LedgerBridge sync engine")
