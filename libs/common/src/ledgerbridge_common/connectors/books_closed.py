"""The ledger's books-closed date, where its connector reads one: nothing dated on or before it
syncs (BILL help 360015731292, reference billcom.md §3.4). It flows from the ledger only and is
read, never written.

- NetSuite: the end of the last closed accounting period (``netsuite/periods.py``).
- QuickBooks Online: ``Preferences.AccountingInfoPrefs.BookCloseDate`` (reference qbo-api.md §2.15).
- Sage Intacct: BILL reads one (reference intacct-api.md §7), but no Web Services object or
  function that answers it is documented in the reference, so its connector does not offer one."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable


@runtime_checkable
class BooksClosedSource(Protocol):
    async def books_closed_through(self) -> dt.date | None:
        """The last day of the closed books, or ``None`` when no period is closed."""
        ...


def books_closed_of(connector: object) -> BooksClosedSource | None:
    return connector if isinstance(connector, BooksClosedSource) else None
