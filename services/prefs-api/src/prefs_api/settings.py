"""prefs-api settings (env prefix ``LB_``). Secrets are refused when empty or a placeholder (in
every profile) and, outside the sandbox profile, unless they look like 32+ random characters
(``ledgerbridge_common.settings``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr, field_validator

from ledgerbridge_common.settings import ServiceSettings

PLACEHOLDERS = frozenset({"changethis", "changeme", "secret", "placeholder", "xxx", "todo", "example"})


def is_placeholder(value: str) -> bool:
    """The sandbox profile's rule; outside it ``secret_rules.weak_secret_reason`` applies too."""
    lowered = value.strip().lower()
    return not lowered or lowered in PLACEHOLDERS or lowered.startswith(("change", "<"))


def _split_keys(value: SecretStr | None) -> list[str]:
    return [k.strip() for k in (value.get_secret_value() if value else "").split(",") if k.strip()]


class Settings(ServiceSettings):
    required_secrets: ClassVar[tuple[str, ...]] = ("internal_token", "prefs_credentials_key")
    shared_secrets: ClassVar[tuple[str, ...]] = ("internal_token", "prefs_bootstrap_admin_key")
    public_urls: ClassVar[tuple[str, ...]] = ("qbo_redirect_uri", "webhook_public_url")

    service_name: str = "prefs-api"
    http_port: int = 18010
    internal_token: SecretStr | None = None
    """``LB_INTERNAL_TOKEN``: shared secret of the ``/internal/v1`` routes (X-Internal-Token)."""
    prefs_credentials_key: SecretStr | None = None
    """``LB_PREFS_CREDENTIALS_KEY``: Fernet key encrypting stored credentials
    (``python -m prefs_api gen-key``)."""
    prefs_credentials_previous_keys: SecretStr | None = None
    """``LB_PREFS_CREDENTIALS_PREVIOUS_KEYS``: comma-separated Fernet keys that sealed credentials
    before the current key; they only open (``python -m prefs_api reseal-credentials`` re-seals
    every row with the current key, after which they can be removed)."""
    prefs_bootstrap_admin_key: SecretStr | None = None
    """``LB_PREFS_BOOTSTRAP_ADMIN_KEY``: an admin API key accepted without a database row."""
    prefs_bootstrap_tenant: str = "demo"
    qbo_base_url: str = "http://127.0.0.1:18081"
    """Defaults to the profile's host (``ledgerbridge_common.profiles``), as do the other vendor URLs."""
    qbo_oauth_url: str = "http://127.0.0.1:18081"
    """Token endpoint base: the code is exchanged at ``{qbo_oauth_url}/oauth2/v1/tokens/bearer``."""
    qbo_authorize_url: str | None = None
    """Where the user consents; default ``{qbo_oauth_url}/connect/oauth2`` (Intuit:
    ``https://appcenter.intuit.com/connect/oauth2``)."""
    qbo_redirect_uri: str = "http://127.0.0.1:18010/v1/oauth/qbo/callback"
    """``LB_QBO_REDIRECT_URI``: prefs-api's public callback, exactly as registered with Intuit."""
    qbo_revoke_url: str = "http://127.0.0.1:18081/v2/oauth2/tokens/revoke"
    """Where disconnecting revokes the QBO refresh token (the profile's Intuit endpoint)."""
    billcom_base_url: str = "http://127.0.0.1:18082/connect"
    webhook_public_url: str | None = None
    """``LB_WEBHOOK_PUBLIC_URL``: webhook-ingest's public base URL; connecting BILL subscribes
    ``{it}/webhooks/billcom/{connection id}`` to BILL's events."""
    intacct_url: str = "http://127.0.0.1:18083/ia/xml/xmlgw.phtml"
    """The Sage Intacct XML gateway (``LB_INTACCT_URL``; the profile's host by default)."""
    netsuite_url: str = "http://127.0.0.1:18084"
    """NetSuite's REST base (``LB_NETSUITE_URL``); ``{account}`` is the connection's account host."""
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
    def _no_placeholder_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and (is_placeholder(value.get_secret_value()) or len(value.get_secret_value()) < 16):
            raise ValueError("refusing a placeholder or short secret (use at least 16 random characters)")
        return value

    @field_validator("prefs_credentials_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        from cryptography.fernet import Fernet

        try:
            Fernet(value.get_secret_value().encode())
        except ValueError as exc:
            raise ValueError("LB_PREFS_CREDENTIALS_KEY is not a Fernet key (32 url-safe base64 bytes)") from exc
        return value

    @field_validator("prefs_credentials_previous_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        from cryptography.fernet import Fernet

        for key in _split_keys(value):
            try:
                Fernet(key.encode())
            except ValueError as exc:
                raise ValueError("LB_PREFS_CREDENTIALS_PREVIOUS_KEYS holds a value that is not a Fernet key") from exc
        return value

    def previous_credentials_keys(self) -> list[str]:
        return _split_keys(self.prefs_credentials_previous_keys)

    @property
    def authorize_url(self) -> str:
        return self.qbo_authorize_url or f"{self.qbo_oauth_url.rstrip('/')}/connect/oauth2"
