"""The books-closed date, from NetSuite (reference netsuite-api.md §8: it flows NetSuite → BILL only,
HB:360021049331): the end of the last closed accounting period, read with SuiteQL from
``accountingperiod`` (columns as in GitHub ``fivetran/dbt_netsuite``
``stg_netsuite2__accounting_periods.sql``; quarters and years left out).

BILL syncs nothing dated on or before it for NetSuite (QBO and Intacct: before it; help.bill.com
360015731292, reference billcom.md §3.4). NetSuite itself refuses a write dated in a closed period
(VP:360029551792); that refusal is raised as :class:`ClosedPeriodError` with the books-closed date
and what to do, in BILL's terms (``closed_reason``)."""

from __future__ import annotations

import datetime as dt
import re

from ledgerbridge_common.connectors.netsuite.client import VENDOR, NetSuiteClient
from ledgerbridge_common.errors import ClosedPeriodError

CLOSED_PERIOD = re.compile(r"accounting period .*(is )?closed", re.IGNORECASE)
"""NetSuite's words for a write into a closed period (its exact REST text is unknown; the sandbox
answers "The accounting period for <date> is closed.")."""
QUERY = (
    "SELECT TO_CHAR(enddate, 'YYYY-MM-DD') AS through FROM accountingperiod "
    "WHERE closed = 'T' AND isyear = 'F' AND isquarter = 'F' ORDER BY enddate DESC"
)


async def books_closed_through(client: NetSuiteClient) -> dt.date | None:
    """The last day of the last closed posting period, or ``None`` when no period is closed."""
    async for row in client.suiteql(QUERY):
        return dt.date.fromisoformat(str(row["through"]))
    return None


def closed_reason(through: dt.date | None, dated: dt.date | None, said: str) -> ClosedPeriodError:
    """NetSuite's refusal of a write into closed books, said as BILL says it."""
    closed = f"NetSuite's books are closed through {through.isoformat()}" if through else "NetSuite's books are closed"
    when = f" and this transaction is dated {dated.isoformat()}" if dated else ""
    reason = (
        f"{closed}{when}: nothing dated on or before the books-closed date syncs to NetSuite. "
        "Change the date in BILL to one after it, or reopen the accounting period in NetSuite, then replay."
    )
    return ClosedPeriodError(reason, vendor=VENDOR, code="books_closed", detail=f"{reason} (NetSuite said: {said})")
