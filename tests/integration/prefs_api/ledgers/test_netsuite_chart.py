"""The chart of accounts prefs-api offers a NetSuite connection is the linked subsidiary's: the
accounts that list it, or a parent with "include children" (OneWorld, reference netsuite-api.md §6;
NetSuite refuses any other on the subsidiary's transactions), and an account preference naming
another subsidiary's account is refused."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.prefs_api.ledgers.conftest import Served, netsuite_account, netsuite_login
from tests.integration.prefs_api.ledgers.test_lists import connect, patch

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


async def test_the_chart_of_a_netsuite_connection_is_its_subsidiarys(served: Served, api: httpx.AsyncClient) -> None:
    account = netsuite_account(served)
    seeded = account["seeded"]["account"]
    cid = await connect(api, "oracle_netsuite", netsuite=netsuite_login(account))  # the UK subsidiary
    chart = await api.get(f"/v1/connections/{cid}/chart-of-accounts")
    assert chart.status_code == 200, chart.text
    names = {a["name"] for a in chart.json()}
    assert {"UK Checking", "Accounts Payable", "Office Supplies", "Sales"} <= names  # own, and the parent's
    assert not names & {"US Checking", "Professional Fees"}, "the US subsidiary's accounts are not offered"

    refused = await patch(api, cid, {"default_bank_account": seeded["US Checking"]})
    assert refused.status_code in (409, 422), refused.text
    assert (await patch(api, cid, {"default_bank_account": seeded["UK Checking"]})).status_code == 200
