"""Settings of the sync engine (env prefix ``LB_``, nested ``__``)."""

from __future__ import annotations

from ledgerbridge_common.settings import ConnectedServiceSettings


class Settings(ConnectedServiceSettings):
    service_name: str = "sync-engine"
    http_port: int = 18020

    prefs_cache_seconds: float = 300.0

    consumer_group: str = "ledgerbridge-sync-engine"
    consumer_name: str = "sync-engine"
    retry_budget_seconds: float = 120.0
    group_records: int = 50
    """Records of one connection that a poll brought together are handled in one transaction
    (one commit, one wait for Kafka's acks), this many at most; 1 = one transaction per record."""
    run_migrations: bool = True
    run_consumer: bool = True
