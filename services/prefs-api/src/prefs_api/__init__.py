"""prefs-api: connections, preferences, mappings, API keys, sync log and report (REST)."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

__all__ = ["MIGRATIONS_DIR"]
