"""The ledger's books-closed date per connection, read through the real connectors from the ledger
sandboxes: NetSuite's last closed accounting period in the readiness answer and in ``ledgerbridge
status``; Sage Intacct's, which LedgerBridge does not read, said so in words."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from ledgerbridge_ops import actions
from ledgerbridge_ops.settings import OpsSettings
from tests.integration.prefs_api.conftest import ADMIN_KEY
from tests.integration.prefs_api.ledgers.conftest import (
    Served,
    intacct_company,
    intacct_login,
    netsuite_account,
    netsuite_login,
)
from tests.integration.prefs_api.ledgers.test_lists import connect

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def closed_month() -> tuple[str, str]:
    """Last January (a month of this year or last, never the current one), and its last day."""
    today = dt.date.today()
    year = today.year if today.month > 1 else today.year - 1
    return f"{year}-01", f"{year}-01-31"


async def test_netsuite_books_closed_date_in_readiness_and_status(served: Served, api: httpx.AsyncClient) -> None:
    open_books = netsuite_account(served)
    cid_open = await connect(api, "oracle_netsuite", netsuite=netsuite_login(open_books))
    readiness = (await api.get(f"/v1/connections/{cid_open}/readiness")).json()
    assert (readiness["books_closed_through"], readiness["books_closed"]) == (
        None,
        "no closed period in Oracle NetSuite",
    )

    month, last_day = closed_month()
    closed_books = netsuite_account(served)
    closing = f"{served.netsuite}/_sandbox/accounts/{closed_books['account_id']}/periods"
    httpx.put(closing, json={"closed": [month]}, timeout=10).raise_for_status()
    cid = await connect(api, "oracle_netsuite", netsuite=netsuite_login(closed_books))
    readiness = (await api.get(f"/v1/connections/{cid}/readiness")).json()
    assert readiness["books_closed_through"] == last_day
    assert readiness["books_closed"] == f"Oracle NetSuite's books are closed through {last_day}"

    rows = await actions.status(OpsSettings(prefs_url=served.url, api_key=ADMIN_KEY), cid)
    assert [(r["connection_id"], r["books_closed"]) for r in rows] == [(cid, last_day)]


async def test_intacct_books_closed_date_is_said_not_read(served: Served, api: httpx.AsyncClient) -> None:
    cid = await connect(api, "sage_intacct", intacct=intacct_login(intacct_company(served)))
    readiness = (await api.get(f"/v1/connections/{cid}/readiness")).json()
    assert readiness["books_closed_through"] is None
    assert readiness["books_closed"] == "LedgerBridge does not read Sage Intacct's books-closed date"
    rows = await actions.status(OpsSettings(prefs_url=served.url, api_key=ADMIN_KEY), cid)
    assert [r["books_closed"] for r in rows] == [readiness["books_closed"]]
