"""Settings of the ``ledgerbridge`` ops command (env prefix ``LB_``, nested with ``__``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgerbridge_common.settings import ConnectedServiceSettings, KafkaSettings


class OpsSettings(BaseSettings):
    """``LB_KAFKA__BOOTSTRAP_SERVERS``, ``LB_KAFKA__TOPICS__DLQ``, ``LB_PREFS_URL``, ``LB_API_KEY``."""

    model_config = SettingsConfigDict(
        env_prefix="LB_", env_nested_delimiter="__", env_ignore_empty=True, extra="ignore", hide_input_in_errors=True
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    prefs_url: str = "http://127.0.0.1:18010"
    api_key: SecretStr | None = None
    """A prefs-api API key (sent as ``X-API-Key``); ``status``, ``sync-now`` and ``parked`` need it."""
    http_timeout: float = 15.0
    read_timeout: float = 30.0
    """Upper bound, in seconds, for reading a whole topic (the DLQ and its replay log)."""

    @property
    def replay_log_topic(self) -> str:
        return f"{self.kafka.topics.dlq}.replays"


class CheckSettings(ConnectedServiceSettings):
    """``ledgerbridge check`` reads the deployment's own settings (``LB_PROFILE``, the vendor URLs,
    ``LB_DATABASE__URL``, ``LB_KAFKA__*``, ``LB_PREFS_URL``, ``LB_INTERNAL_TOKEN``), so it is
    refused by the same rules as the services."""

    service_name: str = "ledgerbridge-check"
    expected_partitions: int = 12
    """``LB_EXPECTED_PARTITIONS``: partitions each topic must have (the local stack, compose and
    the Kubernetes topic job create 12)."""
    check_timeout_seconds: float = 20.0
    """``LB_CHECK_TIMEOUT_SECONDS``: the bound of each check (and of each call of ``billcom-subscribe``)."""
    api_key: SecretStr | None = None
    """``LB_API_KEY``: a prefs-api admin or write key; ``billcom-subscribe`` stores the key with it."""
    prefs_public_url: str = "http://127.0.0.1:18010"
    """``LB_PREFS_PUBLIC_URL``: prefs-api's public API (``/v1``), where ``LB_API_KEY`` is used;
    ``LB_PREFS_URL`` is its internal listener, as for the services."""
