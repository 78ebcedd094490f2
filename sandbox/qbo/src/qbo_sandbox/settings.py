"""Sandbox settings (env prefix ``QBO_SANDBOX_``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QBO_SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 18081
    client_id: str = "ledgerbridge-sandbox"
    client_secret: str = "sandbox-secret"
    require_auth: bool = True
    limits_enabled: bool = True
    per_minute: int = 500
    window_seconds: float = 60.0
    concurrent: int = 10
    batch_per_minute: int = 40
    per_second: int = 10
    realm_batch_per_minute: int = 120
    throttle_format: str = "xml"
    webhook_tick_seconds: float = 0.5
    webhook_url: str | None = None
    webhook_verifier_token: str = "sandbox-verifier-token"
    webhook_format: str = "legacy"
    attachment_max_bytes: int = 100 * 1024 * 1024
    """The largest file ``/upload`` takes (Intuit's own figure unknown; Codat's QBO table says 100 MB)."""
    seed_realm_id: str | None = None
    """When set, a seeded realm with this id exists from startup (handy for the demo)."""
