"""Fixtures of posting's integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.settings import DatabaseSettings


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(DatabaseSettings(url=database_url, pool_size=5))
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()
