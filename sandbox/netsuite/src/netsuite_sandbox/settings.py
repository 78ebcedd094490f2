"""Sandbox settings (env prefix ``NETSUITE_SANDBOX_``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NETSUITE_SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 18084
    concurrency_limit: int = 5
    """Requests one account serves at once (Standard tier, no SuiteCloud Plus: reference §4)."""
    timestamp_tolerance_seconds: int = 300
    access_token_seconds: int = 3600
    seed_account_id: str | None = None
    """When set, an account with this id (``123456_SB1`` form) and default credentials exists from startup."""
