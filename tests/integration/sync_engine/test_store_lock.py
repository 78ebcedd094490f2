"""The engine's per-connection advisory lock is taken once per transaction (records grouped in one
transaction share it) and again in every new transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.settings import DatabaseSettings
from sync_engine.adapters.store import SqlEngineStore

pytestmark = pytest.mark.integration


async def test_lock_is_taken_once_per_transaction_and_held_until_it_ends(
    db_settings: DatabaseSettings, connection_id: str
) -> None:
    engine = make_engine(db_settings)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    sessions = make_sessionmaker(engine)

    def taken() -> int:
        return sum("pg_advisory_xact_lock" in s for s in statements)

    async def free_elsewhere() -> bool:
        async with engine.connect() as other:
            sql = text("SELECT pg_try_advisory_xact_lock(hashtext(:c))")
            return bool((await other.execute(sql, {"c": connection_id})).scalar())

    try:
        async with sessions() as session, session.begin():
            await SqlEngineStore(session).lock(connection_id)
            await SqlEngineStore(session).lock(connection_id)
            assert not await free_elsewhere(), "held by this transaction"
        assert taken() == 1
        assert await free_elsewhere(), "released when the transaction ended"
        async with sessions() as session:
            async with session.begin():
                await SqlEngineStore(session).lock(connection_id)
            async with session.begin():
                await SqlEngineStore(session).lock(connection_id)
                assert not await free_elsewhere(), "a new transaction of the same session takes it again"
        assert taken() == 3
    finally:
        await engine.dispose()
