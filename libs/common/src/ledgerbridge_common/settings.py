"""Typed settings shared by every service. Each service subclasses ``ServiceSettings`` once,
builds it once in its composition root and passes it down; nothing reads the environment at
import time."""

from __future__ import annotations

from typing import Any, Literal

from aiokafka.helpers import create_ssl_context
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgerbridge_common.connectors.qbo.limits import QboLimits
from ledgerbridge_common.events.topics import Topics


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

    @model_validator(mode="after")
    def _security_is_complete(self) -> KafkaSettings:
        sasl = self.security_protocol.startswith("SASL_")
        if sasl and not (self.sasl_mechanism and self.sasl_username and self.sasl_password):
            raise ValueError(f"{self.security_protocol} needs sasl_mechanism, sasl_username and sasl_password")
        if not sasl and self.sasl_mechanism:
            raise ValueError("sasl_mechanism is set but security_protocol is not SASL_PLAINTEXT or SASL_SSL")
        return self

    def client_options(self) -> dict[str, Any]:
        """Connection options for ``AIOKafkaProducer``, ``AIOKafkaConsumer`` and
        ``AIOKafkaAdminClient``: bootstrap servers, TLS context, SASL (PLAIN or SCRAM)."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol in ("SSL", "SASL_SSL"):
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
    url: str = "postgresql+asyncpg://ledgerbridge:ledgerbridge@127.0.0.1:15432/ledgerbridge"
    pool_size: int = 5
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            return "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        return value


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
        env_prefix="LB_", env_nested_delimiter="__", env_ignore_empty=True, extra="ignore"
    )

    service_name: str = "ledgerbridge"
    log_level: str = "INFO"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    http_host: str = "127.0.0.1"
    http_port: int = 8000


class ConnectedServiceSettings(ServiceSettings):
    """A service that reads connections from prefs-api and talks to the vendors' APIs
    (webhook-ingest's sweeper, sync-engine, posting). prefs-api's own settings differ."""

    prefs_url: str = "http://127.0.0.1:18010"
    internal_token: str = "dev-internal-token"
    """Shared secret for prefs-api's internal routes (``X-Internal-Token``)."""
    qbo_base_url: str = "http://127.0.0.1:18081"
    qbo_oauth_url: str = "http://127.0.0.1:18081"
    billcom_base_url: str = "http://127.0.0.1:18082/connect"
    vendor_timeout_seconds: float = 30.0
    qbo_per_minute: int = 500
    """A QBO realm's requests per minute. The budget is shared through PostgreSQL (schema
    ``qbo_budget``) by every process and replica that calls the realm, so this is the realm's
    whole budget, not a share."""
    qbo_concurrent: int = 10
    """A realm's concurrent requests, across every process."""

    def qbo_limits(self) -> QboLimits:
        return QboLimits(per_minute=self.qbo_per_minute, concurrent=self.qbo_concurrent)

    def qbo_lease_seconds(self) -> float:
        """How long a dead process's QBO concurrency slot stays taken: longer than any request."""
        return self.vendor_timeout_seconds + 15
