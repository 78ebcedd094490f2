"""The composition root of webhook-ingest: what it adds to the shared ``Runtime``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from ledgerbridge_common.connectors.billcom.budget_postgres import PostgresBillBudgets
from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, LedgerContext, ledger_endpoints
from ledgerbridge_common.db.retention import RetentionRule, inbox_rule
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.prefs_client import PrefsClient
from ledgerbridge_common.service import Overrides, Runtime, service_app
from webhook_ingest import MIGRATIONS_DIR
from webhook_ingest.adapters.deliveries import (
    BatchedDeliveryStore,
    DeliveryStore,
    SqlDeliveryStore,
    TimeBoundDeliveryStore,
    bounded_engine,
)
from webhook_ingest.adapters.orm import deliveries as delivery_rows
from webhook_ingest.adapters.orm import processed_messages
from webhook_ingest.adapters.outbox import OutboxRelay, ParkingPublisher, SqlOutbox
from webhook_ingest.adapters.publisher import ResilientPublisher
from webhook_ingest.adapters.secrets import WebhookSecretCache
from webhook_ingest.adapters.watermarks import SqlAlchemySweepStateStore
from webhook_ingest.routes import webhooks
from webhook_ingest.settings import Settings
from webhook_ingest.sweeper.scheduler import Sweeper
from webhook_ingest.sweeper.sweep import SweepDeps
from webhook_ingest.sweeper.sync_now import routes


@dataclass
class Container:
    """What the webhook routes use (``request.app.state.container``)."""

    settings: Settings
    prefs: PrefsClient
    secrets: WebhookSecretCache
    deliveries: DeliveryStore
    publisher: ParkingPublisher
    sweeper: Sweeper
    outbox: OutboxRelay


def bootstrap(settings: Settings, overrides: Overrides | None = None) -> Runtime:
    """Overrides: ``fakes["connectors"]`` (a sweep ConnectorFactory), ``http["prefs"]``."""
    rt = Runtime(settings, overrides, migrations=[MIGRATIONS_DIR, BUDGET_MIGRATIONS_DIR])
    prefs_http = rt.http("prefs", base_url=settings.prefs_url, timeout=5.0)
    billcom_http = rt.http("billcom", base_url=settings.billcom_base_url, timeout=settings.vendor_timeout_seconds)
    ledger_http = rt.http("ledger", timeout=settings.vendor_timeout_seconds)
    prefs = PrefsClient(prefs_http, internal_token=settings.internal_token)
    budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=settings.qbo_lease_seconds())
    rt.on_close(budgets.close)
    webhook_publisher = ResilientPublisher(
        settings.webhook_kafka(), client_id="ingest-webhooks", timeout_seconds=settings.produce_timeout_ms / 1000
    )
    sweep_publisher = ResilientPublisher(settings.kafka, client_id="ingest-sweeper", timeout_seconds=30.0)
    rt.on_close(webhook_publisher.stop)
    rt.on_close(sweep_publisher.stop)
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
    deps = SweepDeps(
        prefs=prefs,
        connectors=connectors,
        state=SqlAlchemySweepStateStore(rt.sessions),
        publisher=sweep_publisher,
        topics=settings.kafka.topics,
        chunk=settings.sweep_publish_chunk,
        cdc_max_days=settings.qbo_cdc_max_days,
    )
    sweeper = Sweeper(
        deps,
        prefs,
        tick_seconds=settings.sweep_tick_seconds,
        retry_seconds=settings.sweep_retry_seconds,
        catch_up_on_start=settings.sweep_catch_up_on_start,
    )
    secrets = WebhookSecretCache(
        prefs, ttl_seconds=settings.secrets_ttl_seconds, min_refresh_seconds=settings.secrets_min_refresh_seconds
    )
    # the dedupe store has its own engine whose every statement and connect is time-bound
    dedupe_engine = bounded_engine(
        settings.database.url, pool_size=settings.database.pool_size, timeout_seconds=settings.dedupe_timeout_seconds
    )
    rt.on_close(dedupe_engine.dispose)
    deliveries = TimeBoundDeliveryStore(
        BatchedDeliveryStore(SqlDeliveryStore(dedupe_engine)), timeout_seconds=settings.dedupe_timeout_seconds
    )
    outbox = SqlOutbox(dedupe_engine, timeout_seconds=settings.dedupe_timeout_seconds)
    accepting = ParkingPublisher(webhook_publisher, outbox)
    relay = OutboxRelay(outbox, webhook_publisher, on_drained=accepting.resume)
    rt.background(relay.run_forever, name="outbox-relay")
    rt.retention([RetentionRule(delivery_rows, "received_at"), inbox_rule(processed_messages)])
    if settings.sweep_enabled:
        rt.background(sweeper.run_forever, name="sweeper")
        config = ConsumerConfig(
            name="ingest-sweeper",
            group_id=settings.sweeper_group_id,
            topics=[settings.kafka.topics.prefs],
            dlq_topic=settings.kafka.topics.dlq,
            retry_budget_seconds=600,
        )
        build = lambda: ConsumerRunner(  # noqa: E731
            config, settings.kafka, routes(sweeper, prefs), rt.sessions, processed_messages, sweep_publisher
        )
        rt.consumer(build, name="sync-now", group_id=settings.sweeper_group_id)
    # accepting a webhook needs Kafka, or else PostgreSQL for the outbox
    rt.readiness.add("accepting", lambda: accepting_check(webhook_publisher, outbox))
    rt.readiness.add("kafka", webhook_publisher.ready, required=False)
    rt.readiness.add("outbox", lambda: outbox_check(relay), required=False)
    rt.readiness.add("postgresql", rt.database_check, required=False)
    rt.state["container"] = Container(settings, prefs, secrets, deliveries, accepting, sweeper, relay)
    return rt


async def accepting_check(kafka: ResilientPublisher, outbox: SqlOutbox) -> bool:
    """Kafka takes changes, or PostgreSQL keeps them in the outbox until it does."""
    if await kafka.ready():
        return True
    await outbox.lag()
    return True


async def outbox_check(relay: OutboxRelay) -> bool:
    """Reported (not required): fails while records wait in the outbox, naming how many."""
    lag = relay.last_lag
    if lag is not None and lag.rows:
        raise RuntimeError(f"{lag.rows} records waiting, oldest {lag.oldest_seconds:.0f}s")
    return True


def create_app(settings: Settings, overrides: Overrides | None = None) -> FastAPI:
    runtime = bootstrap(settings, overrides)
    return service_app(runtime, name="webhook-ingest", title="LedgerBridge webhook-ingest", routers=[webhooks.router])
