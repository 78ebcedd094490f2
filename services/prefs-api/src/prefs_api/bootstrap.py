"""The composition root: settings → engine, cipher, publisher, connectors, consumer → the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import httpx
from fastapi import Depends, FastAPI

from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, LedgerContext, ledger_endpoints
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.db.retention import RetentionTask, inbox_rule
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.http_metrics import instrument
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.kafka.lag import LagMonitor
from ledgerbridge_common.kafka.producer import AiokafkaPublisher, EventPublisher
from ledgerbridge_common.prefs_client import ConnectionInfo
from prefs_api import MIGRATIONS_DIR, problems
from prefs_api.adapters.crypto import CredentialCipher
from prefs_api.adapters.kafka_probe import KafkaProbe
from prefs_api.adapters.orm import inbox
from prefs_api.adapters.qbo_oauth import QboOAuth, SealedCredentialsStore
from prefs_api.adapters.vendors import BillcomFactory, ChartOfAccounts, LedgerFactory, as_problems
from prefs_api.deps import Services
from prefs_api.guards import reject_nul
from prefs_api.handlers.outcomes import CONSUMER_NAME, GROUP_ID, handle_outcome
from prefs_api.openapi import install_openapi
from prefs_api.routes import connections, health, internal, keys, mappings, preferences, status, synclog
from prefs_api.settings import Settings

log = logging.getLogger(__name__)


class ConfigurationError(RuntimeError):
    pass


class _NoConnections:
    """prefs-api builds connectors from the ``ConnectionInfo`` it holds (``ledger_for``), never by id."""

    async def connection(self, connection_id: str) -> ConnectionInfo:
        raise RuntimeError("prefs-api builds connectors with ledger_for/billcom_for")


def check_secrets(settings: Settings) -> tuple[str, str]:
    if not settings.prefs_credentials_key:
        raise ConfigurationError("set LB_PREFS_CREDENTIALS_KEY (generate one with `python -m prefs_api gen-key`)")
    if not settings.internal_token:
        raise ConfigurationError("set LB_INTERNAL_TOKEN (the shared secret of the internal API)")
    return settings.prefs_credentials_key.get_secret_value(), settings.internal_token.get_secret_value()


def create_app(
    settings: Settings,
    *,
    ledger: LedgerFactory | None = None,
    billcom: BillcomFactory | None = None,
    publisher: EventPublisher | None = None,
    kafka_ready: Callable[[], Awaitable[bool]] | None = None,
) -> FastAPI:
    """Build the app. Tests pass fake connector factories and, for unit tests, an in-memory
    publisher (then no Kafka client is started)."""
    key, _ = check_secrets(settings)
    engine = make_engine(settings.database)
    sessions = make_sessionmaker(engine)
    http = httpx.AsyncClient(timeout=15)
    ledger_http = httpx.AsyncClient(timeout=30)
    billcom_http = httpx.AsyncClient(base_url=settings.billcom_base_url, timeout=30)
    probe = KafkaProbe(settings.kafka) if kafka_ready is None else None
    cipher = CredentialCipher(key, settings.previous_credentials_keys())
    oauth = QboOAuth(
        http,
        oauth_url=settings.qbo_oauth_url,
        authorize_url=settings.authorize_url,
        redirect_uri=settings.qbo_redirect_uri,
    )
    budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=45)
    ledgers = LedgerContext(
        http=ledger_http,
        credentials=SealedCredentialsStore(sessions, cipher),
        endpoints=ledger_endpoints(settings),
        budgets=budgets,
    )
    built_ledger, built_billcom = as_problems(ConnectorFactory(_NoConnections(), ledgers, billcom_http))
    ledger_connectors = ledger or built_ledger
    services = Services(
        settings=settings,
        sessions=sessions,
        cipher=cipher,
        publisher=publisher or _NotStarted(),
        chart=ChartOfAccounts(ledger_connectors, settings.chart_cache_seconds),
        ledger_factory=ledger_connectors,
        billcom_factory=billcom or built_billcom,
        oauth=oauth,
        kafka_ready=kafka_ready or probe or _never,
    )
    status_lag = status.LagView(settings.kafka, settings.kafka.topics.all())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # aiokafka clients must be created inside the running loop
        if settings.run_migrations:
            await upgrade_to_head(MIGRATIONS_DIR, settings.database.url)
            await upgrade_to_head(BUDGET_MIGRATIONS_DIR, settings.database.url)
        own: AiokafkaPublisher | None = None
        runner: ConsumerRunner | None = None
        task: asyncio.Task[None] | None = None
        lag = LagMonitor(settings.kafka, [GROUP_ID])
        retention = RetentionTask(engine, [inbox_rule(inbox)], settings.retention)
        try:
            retention.start()
            if publisher is None:
                own = AiokafkaPublisher(settings.kafka, client_id="prefs-api")
                await own.start()
                services.publisher = own
            if settings.consume_outcomes:
                runner = outcomes_consumer(settings, services)
                await runner.start()
                app.state.consumer = None
                task = asyncio.create_task(runner.run(), name="prefs-api-outcomes")
                await lag.start()
            yield
        finally:
            await retention.stop()
            await lag.stop()
            if runner is not None:
                await runner.stop()
                if task is not None:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await asyncio.wait_for(task, 5)
            if own is not None:
                await own.stop()
            if probe is not None:
                await probe.close()
            await status_lag.close()
            for client in (http, ledger_http, billcom_http):
                await client.aclose()
            await engine.dispose()
            await budgets.close()

    app = FastAPI(
        dependencies=[Depends(reject_nul)],
        title="LedgerBridge prefs-api",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.consumer = None
    app.state.status_lag = status_lag
    problems.install(app)
    for module in (health, connections, preferences, mappings, synclog, keys, internal, status):
        app.include_router(module.router)
    install_openapi(app)
    instrument(app, "prefs-api")
    return app


async def _never() -> bool:
    return False


def outcomes_consumer(settings: Settings, services: Services) -> ConsumerRunner:
    config = ConsumerConfig(
        name=CONSUMER_NAME,
        group_id=GROUP_ID,
        topics=[settings.kafka.topics.outcomes],
        dlq_topic=settings.kafka.topics.dlq,
    )
    return ConsumerRunner(config, settings.kafka, handle_outcome, services.sessions, inbox, services.publisher)


class _NotStarted:
    """Stands in for the Kafka publisher until the lifespan starts it."""

    async def publish(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        raise RuntimeError("the Kafka publisher is not started (app lifespan not running)")

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        raise RuntimeError("the Kafka publisher is not started (app lifespan not running)")


DESCRIPTION = """Connections, sync preferences, mappings, API keys, the sync log and report of
LedgerBridge. Every route but `/healthz`, `/readyz`, `/metrics` and the OAuth callback needs an API
key (`X-API-Key: lbk_...` or `Authorization: Bearer lbk_...`); a key sees only its tenant's
connections (others answer 404). Errors are `application/problem+json` (RFC 9457)."""
