"""Sandbox settings (env prefix ``INTACCT_SANDBOX_``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTACCT_SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 18083
    public_url: str | None = None
    """Base URL put in ``getAPISession``'s ``<endpoint>``; default: the URL the request came to."""
    limits_enabled: bool = True
    concurrent: int = 2
    session_seconds: int = 7200
    seed_company_id: str | None = None
    """When set, a seeded company with this id (and the demo credentials) exists from start-up."""
