"""The pool without pre-ping: a pooled connection the server ended is replaced at checkout (no
statement fails), and a checkout of a live connection costs no statement. Real PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from ledgerbridge_common.db.engine import make_engine
from ledgerbridge_common.settings import DatabaseSettings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]


async def test_a_connection_the_server_ended_is_replaced_at_checkout(db_settings: DatabaseSettings) -> None:
    engine = make_engine(db_settings.model_copy(update={"pool_size": 1}))
    other = make_engine(db_settings.model_copy(update={"pool_size": 1}))
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            driver = (await conn.get_raw_connection()).driver_connection
        async with other.connect() as admin:
            assert (await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
        for _ in range(100):  # asyncpg sees the server close the socket on a later loop turn
            if driver.is_closed():
                break
            await asyncio.sleep(0.05)
        assert driver.is_closed()
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await engine.dispose()
        await other.dispose()


async def test_a_checkout_sends_no_statement(db_settings: DatabaseSettings) -> None:
    engine = make_engine(db_settings.model_copy(update={"pool_size": 1}))
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    pings: list[object] = []
    ping = engine.dialect.do_ping  # a ping (BEGIN; ; ROLLBACK) bypasses the cursor events
    engine.dialect.do_ping = lambda conn: pings.append(conn) or ping(conn)  # type: ignore[method-assign]
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        statements.clear()
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 2"))
        assert statements == ["SELECT 2"]
        assert pings == []
    finally:
        await engine.dispose()
