"""sync-engine: turns ``ChangeDetected`` events into ``PostingRequested`` commands, following each
connection's preferences (direction, approval, conflicts, accounts, order)."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

__all__ = ["MIGRATIONS_DIR"]
