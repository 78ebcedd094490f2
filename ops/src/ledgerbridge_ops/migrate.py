"""Run every service's Alembic migrations (``python -m ledgerbridge_ops.migrate``)."""

from __future__ import annotations

import asyncio
import importlib
import logging
from pathlib import Path

from ledgerbridge_common.connectors.budget_postgres import BUDGET_MIGRATIONS_DIR
from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.settings import ServiceSettings

SERVICE_PACKAGES = ("webhook_ingest", "prefs_api", "sync_engine", "posting_service")


def migration_dirs() -> list[Path]:
    """Each service package exposes ``MIGRATIONS_DIR`` (its Alembic script location); the shared
    ledger budget (schema ``ledger_budget``) has its own history in libs/common."""
    dirs = [BUDGET_MIGRATIONS_DIR]
    for name in SERVICE_PACKAGES:
        module = importlib.import_module(name)
        location = getattr(module, "MIGRATIONS_DIR", None)
        if location is not None:
            dirs.append(Path(location))
    return dirs


async def migrate_all(database_url: str) -> None:
    for location in migration_dirs():
        await upgrade_to_head(location, database_url)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    settings = ServiceSettings()
    asyncio.run(migrate_all(settings.database.url))
    names = [p.parent.name if p.name == "migrations" else p.name for p in migration_dirs()]
    print(f"migrations applied: {', '.join(names) or 'none'}")  # noqa: T201


if __name__ == "__main__":
    main()
