"""Typed settings shared by every service. Each service subclasses ``ServiceSettings`` once,
builds it once in its composition root and passes it down; nothing reads the environment at
import time.

``LB_PROFILE`` (``sandbox`` | ``development`` | ``production``, see ``profiles.py``) picks the
vendor hosts; any of them can still be set on its own (``LB_QBO_BASE_URL``, ...). Outside
``sandbox`` a service refuses to start, naming the setting, when a vendor URL points at the local
simulators, a required secret is unset, a shared secret is a placeholder or shorter than 32
random characters (``secret_rules.py``), or the database URL is the demo's default.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgerbridge_common.connectors.budget import LedgerLimits
from ledgerbridge_common.connectors.qbo.limits import qbo_limits
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.profiles import ENDPOINT_FIELDS, Profile, endpoints
from ledgerbridge_common.secret_rules import is_placeholder, is_sandbox_url, weak_secret_reason

SANDBOX_INTERNAL_TOKEN = "dev-internal-token"
"""What the services send to prefs-api's internal routes in the sandbox profile when
``LB_INTERNAL_TOKEN`` is unset (prefs-api itself always needs it set)."""
GENERATE_SECRET = "generate one with `openssl rand -hex 32`"


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:19092"
    client_id_prefix: str = "ledgerbridge"
    topics: Topics = Field(default_factory=Topics)
    request_timeout_ms: int = 10_000
    publish_timeout_seconds: float = 30.0
    """Bound of every publish (``LB_KAFKA__PUBLISH_TIMEOUT_SECONDS``): past it the publisher is
    replaced and a retryable ``InfrastructureError`` raised (a batch for a partition whose leader
    is known but down would otherwise wait forever)."""
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    """``LB_KAFKA__SECURITY_PROTOCOL``; TLS and SASL options are passed to every aiokafka client."""
    ssl_cafile: str | None = None
    """CA bundle that signed the brokers' certificates (default: the system's)."""
    ssl_certfile: str | None = None
    """Client certificate (mutual TLS)."""
    ssl_keyfile: str | None = None
    ssl_key_password: SecretStr | None = None
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    group_suffix: str = ""
    """``LB_KAFKA__GROUP_SUFFIX``: appended to every consumer group id (see :meth:`group`), so that
    systems sharing one Kafka cluster (concurrent test runs, a staging copy) never join each
    other's groups. Empty in production."""

    @model_validator(mode="after")
    def _security_is_complete(self) -> KafkaSettings:
        sasl = self.security_protocol.startswith("SASL_")
        if sasl and not (self.sasl_mechanism and self.sasl_username and self.sasl_password):
            raise ValueError(f"{self.security_protocol} needs sasl_mechanism, sasl_username and sasl_password")
        if not sasl and self.sasl_mechanism:
            raise ValueError("sasl_mechanism is set but security_protocol is not SASL_PLAINTEXT or SASL_SSL")
        return self

    def group(self, name: str) -> str:
        """The consumer group id this system uses for the group called ``name``."""
        return f"{name}-{self.group_suffix}" if self.group_suffix else name

    def client_options(self) -> dict[str, Any]:
        """Connection options for ``AIOKafkaProducer``, ``AIOKafkaConsumer`` and
        ``AIOKafkaAdminClient``: bootstrap servers, TLS context, SASL (PLAIN or SCRAM)."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context  # the Kafka client loads only where it is used

            options["ssl_context"] = create_ssl_context(
                cafile=self.ssl_cafile,
                certfile=self.ssl_certfile,
                keyfile=self.ssl_keyfile,
                password=self.ssl_key_password.get_secret_value() if self.ssl_key_password else None,
            )
        if self.sasl_mechanism and self.sasl_password:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password.get_secret_value()
        return options


class DatabaseSettings(BaseModel):
    url: str = Field(default="postgresql+asyncpg://ledgerbridge:ledgerbridge@127.0.0.1:15432/ledgerbridge", repr=False)
    """Holds the database password: left out of ``repr`` (and so out of logs)."""
    pool_size: int = 5
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            return "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        return value


class TracingSettings(BaseModel):
    """``LB_TRACING__*``: OpenTelemetry traces (``ledgerbridge_common.tracing``), off by default."""

    enabled: bool = False
    exporter: Literal["otlp", "file"] = "otlp"
    """``otlp``: OTLP over HTTP to a collector; ``file``: JSON lines to ``file`` (benchmarks)."""
    otlp_endpoint: str = "http://127.0.0.1:4318/v1/traces"
    export_timeout_seconds: float = 10.0
    file: str = ""
    sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    """Share of traces started here that are recorded; a record's trace follows its parent's choice."""


class RetentionSettings(BaseModel):
    """``LB_RETENTION__DAYS`` etc.: how long dedupe rows (webhook deliveries, consumer inboxes) are
    kept. The default outlives Kafka's topic retention (7 days) and QBO's webhook retries."""

    enabled: bool = True
    days: float = Field(default=30.0, gt=0)
    interval_seconds: float = Field(default=3600.0, gt=0)
    batch_size: int = Field(default=1000, gt=0)
    pause_seconds: float = Field(default=0.1, ge=0)
    """Between two batches of one purge, so it never competes with live traffic for long."""


class ServiceSettings(BaseSettings):
    """Base for every service: ``LB_KAFKA__BOOTSTRAP_SERVERS``, ``LB_DATABASE__URL``, ..."""

    model_config = SettingsConfigDict(
        env_prefix="LB_",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="ignore",
        hide_input_in_errors=True,  # the input holds every secret
    )

    profile: Profile = Profile.SANDBOX
    """``LB_PROFILE``: the vendor environment (and how strict the configuration rules are)."""
    service_name: str = "ledgerbridge"
    log_level: str = "INFO"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    required_secrets: ClassVar[tuple[str, ...]] = ()
    """Settings that must be set outside the sandbox profile."""
    shared_secrets: ClassVar[tuple[str, ...]] = ()
    """Secrets people choose (not generated in a fixed format): at least 32 random characters."""
    public_urls: ClassVar[tuple[str, ...]] = ()
    """URLs the vendors call or redirect to: https and not local outside the sandbox profile."""

    @model_validator(mode="after")
    def _apply_profile(self) -> Self:
        chosen = endpoints(self.profile)
        for name in ENDPOINT_FIELDS:
            if name in type(self).model_fields and name not in self.model_fields_set and getattr(chosen, name):
                self.__dict__[name] = getattr(chosen, name)
        problems = self.deployment_problems()
        if problems:
            raise ValueError(f"refusing to start with LB_PROFILE={self.profile}: " + "; ".join(problems))
        return self

    def deployment_problems(self) -> list[str]:
        """What is wrong with this configuration for a real deployment; empty in the sandbox profile."""
        if self.profile is Profile.SANDBOX:
            return []
        problems: list[str] = []
        present = type(self).model_fields
        for name in (*ENDPOINT_FIELDS, *self.public_urls):
            url = getattr(self, name, None) if name in present else None
            if isinstance(url, str) and url and is_sandbox_url(url):
                problems.append(f"{env_name(name)}={url} is a local or sandbox URL (an https URL is required)")
        for name in self.required_secrets:
            if name not in self.model_fields_set or getattr(self, name) is None:
                problems.append(f"{env_name(name)} is not set")
        for name in self.shared_secrets:
            value = getattr(self, name)
            if name in self.model_fields_set and isinstance(value, SecretStr):
                reason = weak_secret_reason(value.get_secret_value())
                if reason:
                    problems.append(f"{env_name(name)} {reason}; {GENERATE_SECRET}")
        if "database" not in self.model_fields_set:
            problems.append("LB_DATABASE__URL is not set (the default is the local demo database)")
        elif _demo_password(self.database.url):
            problems.append("LB_DATABASE__URL has the demo's or a placeholder password")
        return problems


def _demo_password(url: str) -> bool:
    password = urlsplit(url).password
    return password is not None and (password == "ledgerbridge" or is_placeholder(password))


def env_name(field: str) -> str:
    """The environment variable of a top-level setting."""
    return f"LB_{field.upper()}"


class ConnectedServiceSettings(ServiceSettings):
    """A service that reads connections from prefs-api and talks to the vendors' APIs
    (webhook-ingest's sweeper, sync-engine, posting). prefs-api's own settings differ."""

    required_secrets: ClassVar[tuple[str, ...]] = ("internal_token",)
    shared_secrets: ClassVar[tuple[str, ...]] = ("internal_token",)

    prefs_url: str = "http://127.0.0.1:18011"
    """prefs-api's internal listener (``/internal/v1``, its ``internal_port``)."""
    internal_token: SecretStr = SecretStr(SANDBOX_INTERNAL_TOKEN)
    """``LB_INTERNAL_TOKEN``: shared secret for prefs-api's internal routes (``X-Internal-Token``);
    required outside the sandbox profile."""
    qbo_base_url: str = "http://127.0.0.1:18081"
    """Defaults to the profile's host (``profiles.py``); so do the other vendor URLs."""
    qbo_oauth_url: str = "http://127.0.0.1:18081"
    billcom_base_url: str = "http://127.0.0.1:18082/connect"
    intacct_url: str = "http://127.0.0.1:18083/ia/xml/xmlgw.phtml"
    netsuite_url: str = "http://127.0.0.1:18084"
    """``{account}`` in it is replaced by the connection's NetSuite account host name."""
    vendor_timeout_seconds: float = 30.0
    qbo_per_minute: int = 500
    """A QBO realm's requests per minute. The budget is shared through PostgreSQL (schema
    ``ledger_budget``) by every process and replica that calls the realm, so this is the realm's
    whole budget, not a share."""
    qbo_concurrent: int = 10
    """A realm's concurrent requests, across every process."""
    qbo_per_second: int = 10
    """A realm's requests per second (QBO's 10 per realm and app), shared like the minute."""

    def qbo_limits(self) -> LedgerLimits:
        return qbo_limits(
            per_minute=self.qbo_per_minute, per_second=self.qbo_per_second, concurrent=self.qbo_concurrent
        )

    def qbo_lease_seconds(self) -> float:
        """How long a dead process's QBO concurrency slot stays taken: longer than any request."""
        return self.vendor_timeout_seconds + 15
