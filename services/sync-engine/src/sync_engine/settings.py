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
    run_migrations: bool = True
    run_consumer: bool = True
