"""Knobs of the BILL sandbox. Defaults follow the reference; tests lower the limits."""

from __future__ import annotations

from pydantic import BaseModel


class SandboxSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 18082
    hourly_limit: int = 20_000
    """Requests per devKey per hour (BDC_1144 beyond)."""
    login_hourly_limit: int = 200
    concurrency_limit: int = 3
    """Simultaneous requests per devKey per organization (BDC_1322 beyond)."""
    session_idle_minutes: float = 35.0
    mfa_required_for_payments: bool = True
    """Creating a payment needs an MFA-trusted session (BILL Postman "Generate MFA challenge")."""
    mfa_remember_days: float = 30.0
    latency_seconds: float = 0.0
    """Artificial latency added to every API call (makes concurrency observable)."""
    hang_seconds: float = 2.0
    """How long a 'timeout after commit' fault holds the response after the write committed."""
    webhook_tick_seconds: float | None = 0.2
    """Background delivery period; None disables the background task (use deliver-now)."""
    webhook_retry_seconds: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    """Back-off before each retry; a delivery fails for good after ``len(...) + 1`` attempts."""
    webhook_timeout_seconds: float = 3.0
    require_https_webhooks: bool = False
    """BILL accepts HTTPS notification URLs only; the sandbox allows http for loopback tests."""
    max_subscriptions: int = 10
    max_document_bytes: int = 6 * 1024 * 1024
    """A bill document's upload limit ("The file size limit is 6 MB", Postman "Upload bill document")."""
    max_page_size: int = 100
