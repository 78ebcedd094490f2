"""webhook-ingest: verifies vendor webhooks, normalises them to ``ChangeDetected`` and produces
them to Kafka durably before answering; sweeps (QBO CDC, BILL polling) catch what webhooks miss."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

__all__ = ["MIGRATIONS_DIR"]
