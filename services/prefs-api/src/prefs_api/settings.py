"""prefs-api settings (env prefix ``LB_``). Secrets are refused when empty or a placeholder."""

from __future__ import annotations

from pydantic import field_validator

from ledgerbridge_common.settings import ServiceSettings

PLACEHOLDERS = frozenset({"changethis", "changeme", "secret", "placeholder", "xxx", "todo", "example"})


def is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return not lowered or lowered in PLACEHOLDERS or lowered.startswith(("change", "<"))


class Settings(ServiceSettings):
    service_name: str = "prefs-api"
    http_port: int = 18010
    internal_token: str | None = None
    """``LB_INTERNAL_TOKEN``: shared secret of the ``/internal/v1`` routes (X-Internal-Token)."""
    prefs_credentials_key: str | None = None
    """``LB_PREFS_CREDENTIALS_KEY``: Fernet key encrypting stored credentials
    (``python -m prefs_api gen-key``)."""
    prefs_bootstrap_admin_key: str | None = None
    """``LB_PREFS_BOOTSTRAP_ADMIN_KEY``: an admin API key accepted without a database row."""
    prefs_bootstrap_tenant: str = "demo"
    qbo_base_url: str = "http://127.0.0.1:18081"
    qbo_oauth_url: str = "http://127.0.0.1:18081"
    """Token endpoint base: the code is exchanged at ``{qbo_oauth_url}/oauth2/v1/tokens/bearer``."""
    qbo_authorize_url: str | None = None
    """Where the user consents; default ``{qbo_oauth_url}/connect/oauth2`` (Intuit:
    ``https://appcenter.intuit.com/connect/oauth2``)."""
    qbo_redirect_uri: str = "http://127.0.0.1:18010/v1/oauth/qbo/callback"
    billcom_base_url: str = "http://127.0.0.1:18082/connect"
    chart_cache_seconds: float = 60.0
    oauth_state_seconds: int = 900
    run_migrations: bool = True
    consume_outcomes: bool = True
    # --- listeners and request hardening
    internal_port: int = 18011
    """``LB_INTERNAL_PORT``: the listener of ``/internal/v1`` (on ``http_host``), apart from the
    public API; reachable only by the other services (never published)."""
    public_url: str | None = None
    """``LB_PUBLIC_URL``: how browsers reach this API (``https://...`` makes cookies ``Secure``)."""
    trusted_proxies: list[str] = []
    """``LB_TRUSTED_PROXIES``: addresses/networks (JSON list) whose ``X-Forwarded-Proto`` and
    ``X-Forwarded-For`` are believed; from anyone else those headers are ignored."""
    max_body_bytes: int = 1_048_576
    """Larger request bodies are refused with 413 before authentication."""
    auth_free_failures: int = 5
    """Failed API-key attempts (API and status-page login) per client before back-off starts."""
    auth_backoff_first_seconds: float = 1.0
    """The first wait once the free failures are used up; each further failure doubles it."""
    auth_backoff_max_seconds: float = 900.0

    @field_validator("internal_token", "prefs_bootstrap_admin_key")
    @classmethod
    def _no_placeholder_secret(cls, value: str | None) -> str | None:
        if value is not None and (is_placeholder(value) or len(value) < 16):
            raise ValueError("refusing a placeholder or short secret (use at least 16 random characters)")
        return value

    @field_validator("prefs_credentials_key")
    @classmethod
    def _fernet_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if is_placeholder(value):
            raise ValueError("refusing a placeholder credentials key; run `python -m prefs_api gen-key`")
        from cryptography.fernet import Fernet

        try:
            Fernet(value.encode())
        except ValueError as exc:
            raise ValueError("LB_PREFS_CREDENTIALS_KEY is not a Fernet key (32 url-safe base64 bytes)") from exc
        return value

    @property
    def authorize_url(self) -> str:
        return self.qbo_authorize_url or f"{self.qbo_oauth_url.rstrip('/')}/connect/oauth2"
