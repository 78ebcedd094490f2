"""Settings of webhook-ingest (env prefix ``LB_``, nested ``__``)."""

from __future__ import annotations

from ledgerbridge_common.settings import ConnectedServiceSettings, KafkaSettings


class Settings(ConnectedServiceSettings):
    service_name: str = "webhook-ingest"
    http_port: int = 18000

    max_body_bytes: int = 1_048_576
    """Larger webhook bodies get 413 (QBO: about 1 MB per delivery at most)."""
    dedupe_timeout_seconds: float = 0.75
    """Bound of each dedupe look-up and record in PostgreSQL; past it the delivery is produced
    without the check (QBO wants an answer within 3 s; duplicates are dropped downstream)."""
    secrets_ttl_seconds: float = 30.0
    """Webhook secrets are cached this long; a signature that matches none refreshes them first."""
    secrets_min_refresh_seconds: float = 1.0
    produce_timeout_ms: int = 2_000
    """Producer request timeout for webhook deliveries: past it the delivery gets 503."""

    sweep_enabled: bool = True
    sweep_tick_seconds: float = 30.0
    sweep_catch_up_on_start: bool = True
    sweep_retry_seconds: float = 300.0
    """After a failed sweep (vendor down), retry the connection this often (catch-up)."""
    sweep_publish_chunk: int = 500
    qbo_cdc_max_days: int = 30
    sweeper_group_id: str = "ledgerbridge-ingest-sweeper"

    def webhook_kafka(self) -> KafkaSettings:
        """Kafka settings for the webhook producer: a short timeout keeps answers inside 3 s."""
        return self.kafka.model_copy(update={"request_timeout_ms": self.produce_timeout_ms})
