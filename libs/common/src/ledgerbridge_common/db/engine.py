"""Async SQLAlchemy engine and session factories, built from settings in a composition root.

Pooled connections are not pinged before use (``pool_pre_ping`` costs asyncpg three round trips,
``BEGIN; ; ROLLBACK``, at every checkout). Instead a connection asyncpg already knows to be
closed (the server ended it: restart, ``pg_terminate_backend``, idle timeout) is replaced at
checkout without a round trip, connections are recycled after ``RECYCLE_SECONDS``, and the pool
hands out the most recently used one first (``pool_use_lifo``, so idle extras age out). A
connection that breaks unnoticed fails its statement; SQLAlchemy then invalidates the pool and
the consumer runner retries the record (``InfrastructureError``, ``kafka/records.py``), as it does
for every error ``db/unavailable.py`` calls unavailable (a server shutting down or starting up,
connects refused)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from ledgerbridge_common.settings import DatabaseSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
RECYCLE_SECONDS = 1800


def make_metadata(schema: str) -> MetaData:
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def _replace_closed(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
    driver = getattr(dbapi_connection, "driver_connection", None)
    is_closed = getattr(driver, "is_closed", None)
    if is_closed is not None and is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def pooled_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """``create_async_engine`` with the pool options above (``kwargs`` as for it)."""
    engine = create_async_engine(url, pool_pre_ping=False, pool_use_lifo=True, pool_recycle=RECYCLE_SECONDS, **kwargs)
    event.listen(engine.sync_engine.pool, "checkout", _replace_closed)
    return engine


def make_engine(settings: DatabaseSettings) -> AsyncEngine:
    return pooled_engine(settings.url, pool_size=settings.pool_size, echo=settings.echo)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
