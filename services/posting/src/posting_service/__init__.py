"""posting: executes ``PostingRequested`` commands against the target side (the ledger, BILL for
objects flowing from the ledger) exactly once in effect, and reports each as a ``SyncOutcome``."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

__all__ = ["MIGRATIONS_DIR"]
