"""The shared BILL budget in PostgreSQL, with the BILL sandbox's limits on: several "processes"
(separate adapters and pools) calling one devKey stay inside its hour, its login limit and each
organization's 3 concurrent requests; a spent hour stops requests before they reach BILL with
"BILL's hourly request limit; resumes at HH:00", and the budget has room again when the window
turns (a two-second window here)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ledgerbridge_common.connectors.billcom import BillcomHttpConnector, BillLimits
from ledgerbridge_common.connectors.billcom.budget import dev_key_id
from ledgerbridge_common.connectors.billcom.budget_postgres import PostgresBillBudgets
from ledgerbridge_common.connectors.budget_postgres import PostgresLedgerBudgets
from ledgerbridge_common.errors import AuthRevokedError, BudgetSpentError
from tests.integration.billcom.conftest import FAST_RETRY, Control, credentials

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

RESUMES = re.compile(r"^BILL's hourly request limit; resumes at \d\d:00$")


@pytest.fixture
async def processes(database_url: str) -> AsyncIterator[list[PostgresBillBudgets]]:
    engines: list[AsyncEngine] = [create_async_engine(database_url, pool_size=3) for _ in range(2)]
    yield [PostgresBillBudgets(PostgresLedgerBudgets(engine)) for engine in engines]
    for engine in engines:
        await engine.dispose()


@pytest.fixture
async def bill_http(sandbox_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=10) as http:
        yield http


def _connectors(
    http: httpx.AsyncClient, org: dict[str, Any], processes: list[PostgresBillBudgets], limits: BillLimits
) -> list[BillcomHttpConnector]:
    return [
        BillcomHttpConnector(http, credentials(org), retry=FAST_RETRY, budgets=budgets, limits=limits)
        for budgets in processes
    ]


async def test_the_hour_is_shared_and_stops_before_bill_does(
    bill_http: httpx.AsyncClient, control: Control, org: dict[str, Any], processes: list[PostgresBillBudgets]
) -> None:
    await control.call("POST", "/counters/reset")
    await control.call("PATCH", "/settings", {"hourly_limit": 12})
    limits = BillLimits(hourly=12, headroom=1.0)
    first, second = _connectors(bill_http, org, processes, limits)
    for n in range(5):  # each logs in once: 2 logins + 10 reads = 12
        await (first if n % 2 else second).list_bank_accounts()
        await (second if n % 2 else first).list_bank_accounts()
    before = await control.call("GET", "/counters")
    for connector in (first, second):
        with pytest.raises(BudgetSpentError) as caught:
            await connector.list_bank_accounts()
        assert RESUMES.match(caught.value.message), caught.value.message
        assert caught.value.retryable and 0 < (caught.value.retry_after or 0) <= 3600
    after = await control.call("GET", "/counters")
    assert after["total"] == before["total"]  # nothing was sent once the hour was spent
    assert after["byErrorCode"].get("BDC_1144", 0) == 0
    usage = {u.dev_key_id: u for u in await processes[1].usage()}[dev_key_id(org["devKey"])]
    assert (usage.requests, usage.logins, usage.hourly_limit) == (12, 2, 12)
    assert usage.as_dict()["parked"] is True and usage.forecast() >= 12


async def test_bdc_1144_from_bill_spends_the_hour_for_every_process(
    bill_http: httpx.AsyncClient, control: Control, org: dict[str, Any], processes: list[PostgresBillBudgets]
) -> None:
    first, second = _connectors(bill_http, org, processes, BillLimits())
    await first.list_bank_accounts()
    await second.list_bank_accounts()
    await control.call("POST", "/faults", {"kind": "rate_limit", "count": 1})  # someone else used the devKey
    with pytest.raises(BudgetSpentError) as caught:
        await first.list_bank_accounts()
    assert caught.value.code == "BDC_1144" and RESUMES.match(caught.value.message)
    sent = (await control.call("GET", "/counters"))["total"]
    with pytest.raises(BudgetSpentError):
        await second.list_bank_accounts()
    assert (await control.call("GET", "/counters"))["total"] == sent


async def test_logins_have_their_own_hourly_limit(
    bill_http: httpx.AsyncClient, control: Control, org: dict[str, Any], processes: list[PostgresBillBudgets]
) -> None:
    await control.call("POST", "/counters/reset")
    limits = BillLimits(login_hourly=2, headroom=1.0)
    connectors = _connectors(bill_http, org, processes, limits)
    for connector in connectors:
        await connector.list_bank_accounts()  # two logins
    third = BillcomHttpConnector(bill_http, credentials(org), retry=FAST_RETRY, budgets=processes[0], limits=limits)
    with pytest.raises(BudgetSpentError) as caught:
        await third.list_bank_accounts()
    assert caught.value.message.startswith("BILL's hourly login limit; resumes at ")
    await connectors[0].list_bank_accounts()  # a logged-in session still has requests left
    counters = await control.call("GET", "/counters")
    assert counters["byErrorCode"].get("BDC_1144", 0) == 0


async def test_three_in_flight_per_organization_across_processes(
    bill_http: httpx.AsyncClient, control: Control, org: dict[str, Any], processes: list[PostgresBillBudgets]
) -> None:
    await control.call("PATCH", "/settings", {"latency_seconds": 0.5})
    connectors = _connectors(bill_http, org, processes, BillLimits())
    await asyncio.gather(*(c.list_bank_accounts() for c in connectors))  # log in first
    await control.call("POST", "/counters/reset")
    await asyncio.gather(*(c.list_bank_accounts() for c in connectors for _ in range(6)))
    counters = await control.call("GET", "/counters")
    # 12 requests of half a second at once from two processes: each process alone would allow 3
    # (6 together); the shared cap holds them to 3. How many overlap below the cap is the scheduler's.
    assert 2 <= counters["maxInFlight"][f"{org['devKey']}:{org['organizationId']}"] <= 3
    assert counters["byErrorCode"].get("BDC_1322", 0) == 0


async def test_a_spent_window_resumes_by_itself(
    bill_http: httpx.AsyncClient, control: Control, org: dict[str, Any], processes: list[PostgresBillBudgets]
) -> None:
    limits = BillLimits(hourly=3, headroom=1.0, window_seconds=2.0)
    connector = _connectors(bill_http, org, processes, limits)[0]
    for _ in range(30):  # a busy host may cross a window boundary: go until the window is spent
        try:
            await connector.list_bank_accounts()
        except BudgetSpentError as exc:
            spent = exc
            break
    else:
        pytest.fail("three requests a window never spent it")
    assert 0 < (spent.retry_after or 0) <= 2.0
    await asyncio.sleep((spent.retry_after or 0) + 0.05)
    sent = (await control.call("GET", "/counters"))["total"]
    await connector.list_bank_accounts()
    assert (await control.call("GET", "/counters"))["total"] == sent + 1  # the window turned: sent again
    usage = {u.dev_key_id: u for u in await processes[0].usage()}[dev_key_id(org["devKey"])]
    assert 1 <= usage.requests <= 3


async def test_one_devkey_serves_many_organizations_and_shares_their_hour(
    bill_http: httpx.AsyncClient, control: Control, org: dict[str, Any], processes: list[PostgresBillBudgets]
) -> None:
    """The sandbox as BILL counts it: organizations on one developer key share its hour; another
    key of the organization's account (the companies' own tools) has its own; a key of another
    account is refused."""
    await control.call("POST", "/counters/reset")
    await control.call("PATCH", "/settings", {"hourly_limit": 6})
    second = await control.seed(name="Second Org", devKey=org["devKey"])
    limits = BillLimits(hourly=6, headroom=1.0)
    one, two = (
        BillcomHttpConnector(bill_http, credentials(o), retry=FAST_RETRY, budgets=processes[n % 2], limits=limits)
        for n, o in enumerate((org, second))
    )
    for _ in range(2):  # 2 logins + 4 reads = 6 of the shared key's hour
        await one.list_bank_accounts()
        await two.list_bank_accounts()
    with pytest.raises(BudgetSpentError):
        await two.list_bank_accounts()
    own_key = (await control.call("POST", f"/orgs/{org['organizationId']}/dev-keys"))["devKey"]
    clerk = BillcomHttpConnector(
        bill_http, credentials({**org, "devKey": own_key}), retry=FAST_RETRY, budgets=processes[0], limits=limits
    )
    assert await clerk.list_bank_accounts()  # its own hour
    stranger = await control.seed(name="Other Account")
    with pytest.raises(AuthRevokedError) as caught:
        await BillcomHttpConnector(bill_http, credentials({**org, "devKey": stranger["devKey"]})).list_bank_accounts()
    assert caught.value.code == "BDC_1102"
    assert (await control.call("GET", "/counters"))["byErrorCode"].get("BDC_1144", 0) == 0
