"""The composition root of prefs-api: what it adds to the shared ``Runtime``."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from ledgerbridge_common.connectors.billcom.budget_postgres import PostgresBillBudgets
from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import ConnectorFactory, LedgerContext, ledger_endpoints
from ledgerbridge_common.db.retention import inbox_rule
from ledgerbridge_common.events.models import SyncOutcome
from ledgerbridge_common.http_metrics import instrument
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.kafka.routing import Routes
from ledgerbridge_common.prefs_client import ConnectionInfo
from ledgerbridge_common.service import Overrides, Runtime, service_app
from ledgerbridge_common.service.app import health_router
from prefs_api import MIGRATIONS_DIR, problems
from prefs_api.adapters.books_closed import BooksClosedReader
from prefs_api.adapters.crypto import CredentialCipher
from prefs_api.adapters.kafka_probe import KafkaProbe
from prefs_api.adapters.lag_view import LagView
from prefs_api.adapters.ledger_lists import LedgerListsReader
from prefs_api.adapters.orm import inbox
from prefs_api.adapters.qbo_oauth import QboOAuth, SealedCredentialsStore
from prefs_api.adapters.vendors import ChartOfAccounts, as_problems
from prefs_api.contract import conform
from prefs_api.deps import Services
from prefs_api.guards import reject_nul
from prefs_api.handlers.outcomes import CONSUMER_NAME, GROUP_ID, handle_outcome
from prefs_api.limits import limit_body
from prefs_api.openapi import INTERNAL_SECURITY, PUBLIC_SECURITY, install_openapi, operation_id
from prefs_api.routes import (
    bill_budget,
    connections,
    error_actions,
    first_sync,
    internal,
    keys,
    lifecycle,
    lists,
    mappings,
    preferences,
    reports,
    status,
    status_actions,
    status_first_sync,
    status_preferences,
    synclog,
)
from prefs_api.settings import Settings
from prefs_api.throttle import FailureThrottle, Proxies

BOOKS_CLOSED_WAIT = 10.0
"""Seconds a readiness answer or the status page waits for the ledger's books-closed date."""


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


def bootstrap(settings: Settings, overrides: Overrides | None = None) -> Runtime:
    """Overrides: ``fakes["ledger"]`` / ``fakes["billcom"]`` (connector factories),
    ``fakes["kafka_ready"]``, ``publisher`` (then no Kafka producer is started)."""
    key, _ = check_secrets(settings)
    migrations = [MIGRATIONS_DIR, BUDGET_MIGRATIONS_DIR]
    rt = Runtime(settings, overrides, migrations=migrations, publisher_client_id="prefs-api")
    cipher = CredentialCipher(key, settings.previous_credentials_keys())
    oauth = QboOAuth(
        rt.http("oauth", timeout=15),
        oauth_url=settings.qbo_oauth_url,
        authorize_url=settings.authorize_url,
        redirect_uri=settings.qbo_redirect_uri,
        revoke_url=settings.qbo_revoke_url,
    )
    budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=45)
    rt.on_close(budgets.close)
    ledgers = LedgerContext(
        http=rt.http("ledger", timeout=30),
        credentials=SealedCredentialsStore(rt.sessions, cipher),
        endpoints=ledger_endpoints(settings),
        budgets=budgets,
    )
    billcom_http = rt.http("billcom", base_url=settings.billcom_base_url, timeout=30)
    bill_budgets = PostgresBillBudgets(budgets)
    built_ledger, built_billcom = as_problems(
        ConnectorFactory(_NoConnections(), ledgers, billcom_http, billcom_budgets=bill_budgets)
    )
    ledger = rt.fake("ledger") or built_ledger
    kafka_ready = rt.fake("kafka_ready")
    if kafka_ready is None:
        kafka_ready = probe = KafkaProbe(settings.kafka)
        rt.on_close(probe.close)
    services = Services(
        settings=settings,
        sessions=rt.sessions,
        cipher=cipher,
        publisher=rt.publisher,
        chart=ChartOfAccounts(ledger, settings.chart_cache_seconds),
        ledger_factory=ledger,
        billcom_factory=rt.fake("billcom") or built_billcom,
        oauth=oauth,
        kafka_ready=kafka_ready,
        throttle=FailureThrottle(
            free=settings.auth_free_failures,
            first_wait=settings.auth_backoff_first_seconds,
            max_wait=settings.auth_backoff_max_seconds,
        ),
        proxies=Proxies(settings.trusted_proxies),
        lists=LedgerListsReader(ledger, settings.chart_cache_seconds),
        books_closed=BooksClosedReader(ledger, settings.chart_cache_seconds, BOOKS_CLOSED_WAIT),
    )
    rt.retention([inbox_rule(inbox)])
    if settings.consume_outcomes:
        topics = settings.kafka.topics
        config = ConsumerConfig(name=CONSUMER_NAME, group_id=GROUP_ID, topics=[topics.outcomes], dlq_topic=topics.dlq)
        routes: Routes = {SyncOutcome: handle_outcome}
        build = lambda: ConsumerRunner(config, settings.kafka, routes, rt.sessions, inbox, rt.publisher)  # noqa: E731
        rt.consumer(build, name="prefs-api-outcomes", group_id=GROUP_ID, required=False)
    status_lag = LagView(settings.kafka, settings.kafka.topics.all())
    rt.on_close(status_lag.close)
    # serving reads needs PostgreSQL; Kafka only for Sync Now, replays and the outcomes consumer
    rt.readiness.add("postgresql", rt.database_check)
    rt.readiness.add("kafka", kafka_ready, required=False)
    rt.state.update(services=services, status_lag=status_lag, bill_budgets=bill_budgets)
    return rt


PUBLIC_ROUTES = (
    connections,
    lifecycle,
    preferences,
    lists,
    mappings,
    reports,
    synclog,
    error_actions,
    keys,
    status,
    status_actions,
    first_sync,
    status_first_sync,
    status_preferences,
    bill_budget,
)


def create_app(settings: Settings, overrides: Overrides | None = None) -> FastAPI:
    """The public API; ``app.state.internal_app`` is ``/internal/v1`` on ``internal_port``. Tests
    inject fake connector factories and, for unit tests, an in-memory publisher."""
    runtime = bootstrap(settings, overrides)
    app = service_app(
        runtime,
        name="prefs-api",
        routers=[m.router for m in PUBLIC_ROUTES],
        dependencies=[Depends(reject_nul), Depends(conform)],
        title="LedgerBridge prefs-api",
        version="1.0.0",
        description=DESCRIPTION,
        generate_unique_id_function=operation_id,
        configure=[
            problems.install,
            lambda app: install_openapi(app, PUBLIC_SECURITY),
            lambda app: limit_body(app, settings.max_body_bytes),
        ],
    )
    app.state.internal_app = create_internal_app(runtime)
    return app


def create_internal_app(runtime: Runtime) -> FastAPI:
    """``/internal/v1`` (and health) for the other services, served on ``internal_port``. It
    shares the public app's runtime, whose lifespan starts and closes it."""
    services: Services = runtime.state["services"]
    app = FastAPI(
        dependencies=[Depends(reject_nul), Depends(conform)],
        title="LedgerBridge prefs-api internal",
        version="1.0.0",
        description=INTERNAL_DESCRIPTION,
        generate_unique_id_function=operation_id,
    )
    app.state.runtime = runtime
    app.state.services = services
    problems.install(app)
    for router in (health_router, internal.router):
        app.include_router(router)
    install_openapi(app, INTERNAL_SECURITY)
    limit_body(app, services.settings.max_body_bytes)
    instrument(app, "prefs-api-internal")
    return app


DESCRIPTION = """Connections, sync preferences, mappings, API keys, the sync log and report of
LedgerBridge. Every route but `/healthz`, `/readyz`, `/metrics` and the OAuth callback needs an API
key (`X-API-Key: lbk_...` or `Authorization: Bearer lbk_...`); a key sees only its tenant's
connections (others answer 404). Repeated invalid keys from one client are answered 429 with
`Retry-After`. Errors are `application/problem+json` (RFC 9457). The internal API of the other
LedgerBridge services is a separate document, served on its own port."""

INTERNAL_DESCRIPTION = """What webhook-ingest, sync-engine and posting read and write through
`ledgerbridge_common.prefs_client`: connections with decrypted credentials, preferences,
mappings, rotated QBO tokens, BILL bank accounts, webhook secrets. Served on `LB_INTERNAL_PORT`
only and guarded by `X-Internal-Token`; never exposed outside the cluster."""
