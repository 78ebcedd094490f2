"""Alembic helpers: one Alembic history per service schema, run at start-up or by ``make up``.

A service's ``migrations/env.py`` is just::

    from ledgerbridge_common.db.migrate import run_alembic_env
    from my_service.adapters.orm import metadata
    run_alembic_env(metadata)

and the service calls ``await upgrade_to_head(script_location, database_url, schema)``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def _do_run(connection: Connection, metadata: MetaData) -> None:
    schema = metadata.schema
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    lock = {"key": f"alembic:{metadata.schema}"}
    async with engine.connect() as connection:
        # several processes may run the same history at once (the shared ledger_budget one): one at a time
        await connection.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), lock)
        await connection.commit()
        try:
            if metadata.schema:
                await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{metadata.schema}"'))
                await connection.commit()
            await connection.run_sync(_do_run, metadata)
            await connection.commit()
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), lock)
            await connection.commit()
    await engine.dispose()


def run_alembic_env(metadata: MetaData) -> None:
    """Body of a service's ``migrations/env.py`` (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set on the Alembic config")
    asyncio.run(_run_async(url, metadata))


def alembic_config(script_location: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", database_url)
    return cfg


async def upgrade_to_head(script_location: Path, database_url: str) -> None:
    """Run ``alembic upgrade head`` for one service (in a thread: Alembic's env runs its own loop)."""
    cfg = alembic_config(script_location, database_url)
    await asyncio.to_thread(command.upgrade, cfg, "head")
