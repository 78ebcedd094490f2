"""Whether an error raised while talking to PostgreSQL means the server is unavailable (shutting
down, restarting, refusing or dropping connections) rather than that the statement is wrong.

asyncpg reports a server that is shutting down or starting up as a PostgreSQL error with a
SQLSTATE (``CannotConnectNowError`` 57P03, ``AdminShutdownError`` 57P01), which SQLAlchemy's
asyncpg dialect translates to a plain ``DBAPIError`` (neither ``OperationalError`` nor an
invalidated connection); a refused or reset socket while connecting reaches the caller as the
bare ``ConnectionError``. All of these are decided here by SQLSTATE or exception class, never by
message. SQLSTATE meanings: PostgreSQL 15 documentation, Appendix A "PostgreSQL Error Codes"
(https://www.postgresql.org/docs/15/errcodes-appendix.html)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

UNAVAILABLE_SQLSTATE_CLASSES = ("08",)
"""Class 08, connection exception (08000, 08003, 08006, 08001, 08004, ...)."""
UNAVAILABLE_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is stopping (fast shutdown) or the backend was terminated
        "57P02",  # crash_shutdown: another backend crashed, the server resets every connection
        "57P03",  # cannot_connect_now: the server is starting up or shutting down
        "57P05",  # idle_session_timeout
        "53300",  # too_many_connections
    }
)


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (getattr(exc, "orig", None), exc.__cause__, exc):
        code = getattr(candidate, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


def database_unavailable(exc: BaseException) -> bool:
    """True for an error that PostgreSQL coming back would cure: retry the work, do not fail it."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError | ConnectionError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc.orig, ConnectionError):
        return True
    code = _sqlstate(exc)
    return code is not None and (code in UNAVAILABLE_SQLSTATES or code.startswith(UNAVAILABLE_SQLSTATE_CLASSES))
