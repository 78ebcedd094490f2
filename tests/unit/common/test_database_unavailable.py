"""database_unavailable: which PostgreSQL errors a server coming back would cure (retry), decided
by SQLSTATE and exception class as the asyncpg dialect reports them during a restart."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ledgerbridge_common.db.unavailable import database_unavailable


def _translated(error: Exception) -> DBAPIError:
    """``error`` as SQLAlchemy raises it from the asyncpg dialect: a DBAPIError around the
    dialect's adapted error (which carries the SQLSTATE), caused by the asyncpg error."""
    adapted = AsyncAdapt_asyncpg_dbapi.Error(str(error), error)
    adapted.__cause__ = error
    wrapped = DBAPIError.instance("SELECT 1", {}, adapted, AsyncAdapt_asyncpg_dbapi.Error)
    assert type(wrapped) is DBAPIError, "the dialect reports these as plain DBAPIError"
    return wrapped


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),  # 57P03
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),  # 57P01
        asyncpg.exceptions.CrashShutdownError("terminating connection because of crash of another server process"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),  # 53300
        asyncpg.exceptions.ConnectionFailureError("connection failure"),  # 08006
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_server_going_away_is_unavailable(error: Exception) -> None:
    assert not database_unavailable(ValueError(str(error)))
    assert database_unavailable(_translated(error))


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UniqueViolationError("duplicate key value violates unique constraint"),  # 23505
        asyncpg.exceptions.UndefinedTableError('relation "x" does not exist'),  # 42P01
        asyncpg.exceptions.DataError("invalid input"),  # 22000
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_wrong_statement_is_not_unavailable(error: Exception) -> None:
    assert not database_unavailable(_translated(error))


def test_refused_and_reset_sockets_and_a_full_pool_are_unavailable() -> None:
    assert database_unavailable(ConnectionRefusedError(111, "Connection refused"))
    assert database_unavailable(ConnectionResetError(104, "Connection reset by peer"))
    assert database_unavailable(PoolTimeoutError("QueuePool limit reached"))
    assert database_unavailable(OperationalError("SELECT 1", {}, Exception("down")))
    assert not database_unavailable(IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not database_unavailable(RuntimeError("a bug"))
