"""Typed settings shared by every service. Each service subclasses ``ServiceSettings`` once,
builds it once in its composition root and passes it down; nothing reads the environment at
import time."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgerbridge_common.connectors.qbo.limits import QboLimits
from ledgerbridge_common.events.topics import Topics


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:19092"
    client_id_prefix: str = "ledgerbridge"
    topics: Topics = Field(default_factory=Topics)
    request_timeout_ms: int = 10_000


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


class ServiceSettings(BaseSettings):
    """Base for every service: ``LB_KAFKA__BOOTSTRAP_SERVERS``, ``LB_DATABASE__URL``, ..."""

    model_config = SettingsConfigDict(
        env_prefix="LB_", env_nested_delimiter="__", env_ignore_empty=True, extra="ignore"
    )

    service_name: str = "ledgerbridge"
    log_level: str = "INFO"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    http_host: str = "127.0.0.1"
    http_port: int = 8000


class ConnectedServiceSettings(ServiceSettings):
    """A service that reads connections from prefs-api and talks to the vendors' APIs
    (webhook-ingest's sweeper, sync-engine, posting). prefs-api's own settings differ."""

    prefs_url: str = "http://127.0.0.1:18011"
    """prefs-api's internal listener (``/internal/v1``, its ``internal_port``)."""
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
