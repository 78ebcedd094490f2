"""Each connection's books-closed date as the bookkeeper sees it (readiness, status page, CLI): read
through the connector the shared factory builds (``ledgerbridge_common.connectors.books_closed``),
kept ``ttl`` seconds, each read bounded by ``timeout``. A ledger that keeps none, or that LedgerBridge
cannot read, or that does not answer, is said in words instead of a date."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ledgerbridge_common.connectors.books_closed import books_closed_of
from ledgerbridge_common.errors import ConnectorError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo
from prefs_api.adapters.vendors import LedgerFactory
from prefs_api.domain.catalog import KIND_LABELS
from prefs_api.problems import ProblemError


@dataclass(frozen=True)
class BooksClosed:
    through: dt.date | None
    said: str
    """The date or its absence in a bookkeeper's words."""


def closed_words(ledger: str, through: dt.date | None) -> str:
    if through is None:
        return f"no closed period in {ledger}"
    return f"{ledger}'s books are closed through {through.isoformat()}"


class BooksClosedReader:
    def __init__(
        self, factory: LedgerFactory, ttl: float, timeout: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._factory = factory
        self._ttl = ttl
        self._timeout = timeout
        self._clock = clock
        self._cache: dict[str, tuple[float, BooksClosed]] = {}

    async def read(self, connection: ConnectionInfo) -> BooksClosed:
        cached = self._cache.get(connection.connection_id)
        if cached and self._clock() - cached[0] < self._ttl:
            return cached[1]
        ledger = KIND_LABELS[LedgerKind(connection.ledger_kind)]
        try:
            source = books_closed_of(self._factory(connection))
        except ProblemError as exc:
            return BooksClosed(None, f"not read: {exc.detail or exc.title}")
        if source is None:
            return BooksClosed(None, f"LedgerBridge does not read {ledger}'s books-closed date")
        try:
            async with asyncio.timeout(self._timeout):
                through = await source.books_closed_through()
        except (ConnectorError, httpx.HTTPError, OSError, TimeoutError, ProblemError) as exc:  # said, not raised
            return BooksClosed(None, f"not read: {ledger} did not answer ({type(exc).__name__}); try again shortly")
        found = BooksClosed(through, closed_words(ledger, through))
        self._cache[connection.connection_id] = (self._clock(), found)
        return found

    def drop(self, connection_id: str) -> None:
        self._cache.pop(connection_id, None)
