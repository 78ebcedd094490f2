"""The composition root of prefs-api: what it adds to the shared ``Runtime``."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from ledgerbridge_common.connectors.qbo import BUDGET_MIGRATIONS_DIR, PostgresRealmBudgets
from ledgerbridge_common.events.models import SyncOutcome
from ledgerbridge_common.kafka.consumer import ConsumerConfig, ConsumerRunner
from ledgerbridge_common.kafka.routing import Routes
from ledgerbridge_common.service import Overrides, Runtime, service_app
from prefs_api import MIGRATIONS_DIR, problems
from prefs_api.adapters.crypto import CredentialCipher
from prefs_api.adapters.factories import billcom_factory, ledger_factory
from prefs_api.adapters.kafka_probe import KafkaProbe
from prefs_api.adapters.orm import inbox
from prefs_api.adapters.qbo_oauth import QboOAuth
from prefs_api.adapters.vendors import ChartOfAccounts
from prefs_api.deps import Services
from prefs_api.guards import reject_nul
from prefs_api.handlers.outcomes import CONSUMER_NAME, GROUP_ID, handle_outcome
from prefs_api.openapi import install_openapi
from prefs_api.routes import connections, internal, keys, mappings, preferences, status, synclog
from prefs_api.settings import Settings


class ConfigurationError(RuntimeError):
    pass


def check_secrets(settings: Settings) -> tuple[str, str]:
    if not settings.prefs_credentials_key:
        raise ConfigurationError("set LB_PREFS_CREDENTIALS_KEY (generate one with `python -m prefs_api gen-key`)")
    if not settings.internal_token:
        raise ConfigurationError("set LB_INTERNAL_TOKEN (the shared secret of the internal API)")
    return settings.prefs_credentials_key, settings.internal_token


def bootstrap(settings: Settings, overrides: Overrides | None = None) -> Runtime:
    """Overrides: ``fakes["ledger"]`` / ``fakes["billcom"]`` (connector factories),
    ``fakes["kafka_ready"]``, ``publisher`` (then no Kafka producer is started)."""
    key, _ = check_secrets(settings)
    migrations = [MIGRATIONS_DIR, BUDGET_MIGRATIONS_DIR]
    rt = Runtime(settings, overrides, migrations=migrations, publisher_client_id="prefs-api")
    qbo_http = rt.http("qbo", timeout=30)
    cipher = CredentialCipher(key)
    oauth = QboOAuth(
        rt.http("oauth", timeout=15),
        oauth_url=settings.qbo_oauth_url,
        authorize_url=settings.authorize_url,
        redirect_uri=settings.qbo_redirect_uri,
    )
    qbo_budgets = PostgresRealmBudgets.for_url(settings.database.url, lease_seconds=45)
    rt.on_close(qbo_budgets.close)
    # the connector factories (one block: the ledger-neutral factory replaces it)
    ledger = rt.fake("ledger") or ledger_factory(
        qbo_http, base_url=settings.qbo_base_url, oauth=oauth, sessions=rt.sessions, cipher=cipher, budgets=qbo_budgets
    )
    billcom = rt.fake("billcom") or billcom_factory(rt.http("billcom", base_url=settings.billcom_base_url, timeout=30))
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
        billcom_factory=billcom,
        oauth=oauth,
        kafka_ready=kafka_ready,
    )
    if settings.consume_outcomes:
        topics = settings.kafka.topics
        config = ConsumerConfig(name=CONSUMER_NAME, group_id=GROUP_ID, topics=[topics.outcomes], dlq_topic=topics.dlq)
        routes: Routes = {SyncOutcome: handle_outcome}
        build = lambda: ConsumerRunner(config, settings.kafka, routes, rt.sessions, inbox, rt.publisher)  # noqa: E731
        rt.consumer(build, name="prefs-api-outcomes", group_id=GROUP_ID, required=False)
    status_lag = status.LagView(settings.kafka.bootstrap_servers, settings.kafka.topics.all())
    rt.on_close(status_lag.close)
    # serving reads needs PostgreSQL; Kafka only for Sync Now, replays and the outcomes consumer
    rt.readiness.add("postgresql", rt.database_check)
    rt.readiness.add("kafka", kafka_ready, required=False)
    rt.state.update(services=services, status_lag=status_lag)
    return rt


def create_app(settings: Settings, overrides: Overrides | None = None) -> FastAPI:
    """The API. Tests inject fake connector factories and, for unit tests, an in-memory publisher."""
    app = service_app(
        bootstrap(settings, overrides),
        name="prefs-api",
        routers=[m.router for m in (connections, preferences, mappings, synclog, keys, internal, status)],
        dependencies=[Depends(reject_nul)],
        title="LedgerBridge prefs-api",
        version="1.0.0",
        description=DESCRIPTION,
    )
    problems.install(app)
    install_openapi(app)
    return app


DESCRIPTION = """Connections, sync preferences, mappings, API keys, the sync log and report of
LedgerBridge. Every route but `/healthz`, `/readyz`, `/metrics` and the OAuth callback needs an API
key (`X-API-Key: lbk_...` or `Authorization: Bearer lbk_...`); a key sees only its tenant's
connections (others answer 404). Errors are `application/problem+json` (RFC 9457)."""
