"""Settings of the posting service (env prefix ``LB_``, nested ``__``)."""

from __future__ import annotations

from ledgerbridge_common.settings import ConnectedServiceSettings


class Settings(ConnectedServiceSettings):
    service_name: str = "posting"
    http_port: int = 18030

    qbo_per_minute: int = 500
    qbo_concurrent: int = 10
    qbo_batch_per_minute: int = 40
    """A QBO realm's batch calls per minute (30 objects each)."""
    qbo_cooldown_seconds: float = 60.0
    """After a 429 the realm's limiter pauses this long (at most; QBO asks for 60 s)."""

    rate_limit_wait_seconds: float = 60.0
    """After a 429 the consumer waits this long (at most) before retrying the command."""

    consumer_group: str = "ledgerbridge-posting"
    consumer_name: str = "posting"
    retry_budget_seconds: float = 300.0
    """How long a command hit by 429/5xx is retried (partition held) before it goes to the DLQ."""
    max_poll_records: int = 200
    group_records: int = 50
    """Records of one connection that a poll brought together are handled in one transaction
    (one commit, one wait for Kafka's acks), this many at most; 1 = one transaction per record."""

    batch_threshold: int = 5
    """Use the QBO batch endpoint when one poll holds more than this many independent creates
    for one connection."""
    batch_size: int = 30
    """Items per batch call (QBO: at most 30)."""
    connection_state_seconds: float = 30.0
    """How long a connection's state (disconnected or not) read from prefs-api is kept when no
    ``PreferencesChanged`` of it reaches this process (``lifecycle.py``; every process reads them,
    ``prefs_listener.py``, so this bounds only a missed record)."""
    stale_retries: int = 3
    """Re-read and retry this many times on a stale SyncToken before handing back to the runner."""
    run_migrations: bool = True
    run_consumer: bool = True
