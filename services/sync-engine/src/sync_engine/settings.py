"""Settings of the sync engine (env prefix ``LB_``, nested ``__``)."""

from __future__ import annotations

from ledgerbridge_common.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "sync-engine"
    http_port: int = 18020

    prefs_url: str = "http://127.0.0.1:18010"
    internal_token: str = "dev-internal-token"
    prefs_cache_seconds: float = 300.0
    qbo_base_url: str = "http://127.0.0.1:18081"
    qbo_oauth_url: str = "http://127.0.0.1:18081"
    billcom_base_url: str = "http://127.0.0.1:18082/connect"
    vendor_timeout_seconds: float = 30.0

    consumer_group: str = "ledgerbridge-sync-engine"
    consumer_name: str = "sync-engine"
    retry_budget_seconds: float = 120.0
    run_migrations: bool = True
    run_consumer: bool = True
