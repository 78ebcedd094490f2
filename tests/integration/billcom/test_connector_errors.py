"""Contract: sessions, limits, faults, paging and polling."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest

from ledgerbridge_common.canonical.models import ObjectType, Vendor
from ledgerbridge_common.connectors.billcom import (
    BillcomCredentials,
    BillcomHttpConnector,
    BillLimits,
    MemoryBillBudgets,
    RetryPolicy,
)
from ledgerbridge_common.errors import (
    AuthRevokedError,
    BudgetSpentError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
)
from tests.integration.billcom.conftest import FAST_RETRY, credentials

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]


def _key(org: dict[str, Any]) -> str:
    return f"{org['devKey']}:{org['organizationId']}"


async def test_session_expiry_relogs_in_once(
    connector: BillcomHttpConnector, control: Any, org: dict[str, Any]
) -> None:
    vendor = await connector.create(Vendor(name="Before Expiry"))
    assert connector.client.logins == 1
    await control.call("POST", "/clock/advance", {"minutes": 36})
    again = await connector.read(ObjectType.VENDOR, vendor.id or "")
    assert again is not None and again.id == vendor.id
    assert connector.client.logins == 2
    assert (await control.call("GET", "/counters"))["byErrorCode"].get("BDC_1109", 0) >= 1


async def test_concurrent_logins_are_single_flight(connector: BillcomHttpConnector) -> None:
    await asyncio.gather(*(connector.list_bank_accounts() for _ in range(6)))
    assert connector.client.logins == 1


async def test_never_more_than_three_in_flight(
    sandbox_url: str, connector: BillcomHttpConnector, control: Any, org: dict[str, Any]
) -> None:
    await control.call("PATCH", "/settings", {"latency_seconds": 0.05})
    twin = BillcomHttpConnector(connector.client.http, credentials(org), retry=FAST_RETRY)  # same devKey + org
    await asyncio.gather(*(c.list_bank_accounts() for c in (connector, twin) for _ in range(8)))
    counters = await control.call("GET", "/counters")
    assert counters["maxInFlight"][_key(org)] == 3
    budget = connector.client.budget
    assert budget is twin.client.budget and getattr(budget, "max_in_flight", None) == 3


async def test_bdc_1322_is_retried_then_surfaced(connector: BillcomHttpConnector, control: Any) -> None:
    await connector.list_bank_accounts()
    await control.call("POST", "/faults", {"kind": "concurrency", "count": 1})
    assert len(await connector.list_bank_accounts()) == 1  # retried after one BDC_1322
    await control.call("POST", "/faults", {"kind": "concurrency", "count": 3})
    with pytest.raises(RateLimitedError) as caught:
        await connector.list_bank_accounts()
    assert caught.value.code == "BDC_1322"


async def test_bdc_1144_from_bill(connector: BillcomHttpConnector, control: Any) -> None:
    await connector.list_bank_accounts()
    await control.call("POST", "/faults", {"kind": "rate_limit", "count": 1})
    with pytest.raises(RateLimitedError) as caught:
        await connector.list_bank_accounts()
    assert caught.value.code == "BDC_1144" and caught.value.retryable
    assert isinstance(caught.value, BudgetSpentError)  # every call of the devKey waits for the next hour
    sent = (await control.call("GET", "/counters"))["total"]
    with pytest.raises(BudgetSpentError):
        await connector.list_bank_accounts()
    assert (await control.call("GET", "/counters"))["total"] == sent


async def test_local_hourly_budget_stops_before_bill_does(sandbox_url: str, control: Any, org: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as http:
        limits = BillLimits(hourly=4, headroom=1.0)
        bill = BillcomHttpConnector(
            http, credentials(org), retry=FAST_RETRY, limits=limits, budgets=MemoryBillBudgets()
        )
        for _ in range(3):
            await bill.list_bank_accounts()  # login + 3 calls = 4
        sent = (await control.call("GET", "/counters"))["total"]
        with pytest.raises(BudgetSpentError) as caught:
            await bill.list_bank_accounts()
        assert caught.value.code == "bill_hourly_limit" and (caught.value.retry_after or 0) > 0
        assert (await control.call("GET", "/counters"))["total"] == sent  # nothing reached BILL


async def test_server_errors(connector: BillcomHttpConnector, control: Any) -> None:
    await connector.list_bank_accounts()
    await control.call("POST", "/faults", {"kind": "server_error", "count": 1, "method": "GET"})
    assert await connector.list_bank_accounts()  # reads are retried
    await control.call("POST", "/faults", {"kind": "server_error", "count": 1, "method": "POST"})
    with pytest.raises(RetryableError) as caught:
        await connector.create(Vendor(name="Five Hundred"))  # writes are not
    assert caught.value.code == "BDC_1001"


async def test_timeout_after_commit_is_outcome_unknown(sandbox_url: str, control: Any, org: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=0.4) as http:
        bill = BillcomHttpConnector(http, credentials(org), retry=FAST_RETRY)
        await bill.list_bank_accounts()
        await control.call(
            "POST",
            "/faults",
            {"kind": "timeout_after_commit", "pathPrefix": "/connect/v3/vendors", "method": "POST"},
        )
        with pytest.raises(OutcomeUnknownError):
            await bill.create(Vendor(name="Committed Anyway"))
        await asyncio.sleep(1.0)  # let the sandbox finish holding the response
        found = await bill.find_by_name(ObjectType.VENDOR, "Committed Anyway")
        assert found is not None  # the write happened: look up before writing again


async def test_bad_credentials_and_dev_key(sandbox_url: str, org: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as http:
        wrong_password = BillcomCredentials(org["username"], "nope", org["organizationId"], org["devKey"])
        with pytest.raises(AuthRevokedError) as caught:
            await BillcomHttpConnector(http, wrong_password).list_bank_accounts()
        assert caught.value.code == "BDC_1101"
        wrong_key = BillcomCredentials(org["username"], org["password"], org["organizationId"], "BADKEY")
        with pytest.raises(AuthRevokedError) as caught:
            await BillcomHttpConnector(http, wrong_key).list_bank_accounts()
        assert caught.value.code == "BDC_1102"


async def test_unknown_path_and_unknown_id(connector: BillcomHttpConnector) -> None:
    with pytest.raises(NotFoundError) as caught:
        await connector.client.get("/v3/no-such-api")
    assert caught.value.code == "BDC_1121"
    assert await connector.read(ObjectType.VENDOR, "00901ZZZZZZZZZZZZZZZ") is None


async def test_paging_across_more_than_100(connector: BillcomHttpConnector, control: Any) -> None:
    await asyncio.gather(*(connector.create(Vendor(name=f"Vendor {i:03d}")) for i in range(230)))
    await control.call("POST", "/counters/reset")
    vendors = await connector.list_objects(ObjectType.VENDOR)
    assert len({v.id for v in vendors}) == 230
    pages = (await control.call("GET", "/counters"))["byPath"]["GET /connect/v3/vendors"]
    assert pages == 3


async def test_updated_time_polling(connector: BillcomHttpConnector, control: Any) -> None:
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    first = await connector.create(Vendor(name="Poll A"))
    second = await connector.create(Vendor(name="Poll B"))
    page = await connector.list_changed(ObjectType.VENDOR, start)
    assert [(c.object_id, c.operation) for c in page.changes] == [
        (first.id, "created"),
        (second.id, "created"),
    ]
    await control.call("POST", "/clock/advance", {"seconds": 5})
    await connector.archive(ObjectType.VENDOR, first.id or "")
    later = await connector.list_changed(ObjectType.VENDOR, page.next_watermark + dt.timedelta(milliseconds=1))
    assert [(c.object_id, c.operation) for c in later.changes] == [(first.id, "archived")]
    assert later.next_watermark > page.next_watermark
    for object_type in (
        ObjectType.VENDOR_CREDIT,
        ObjectType.CUSTOMER,
        ObjectType.ACCOUNT,
        ObjectType.ITEM,
        ObjectType.CLASS,
        ObjectType.DEPARTMENT,
        ObjectType.LOCATION,
        ObjectType.PROJECT,
        ObjectType.INVOICE,
        ObjectType.BILL,
        ObjectType.BILL_PAYMENT,
        ObjectType.RECEIVED_PAYMENT,
    ):
        await connector.list_changed(object_type, start)  # every type can be polled


async def test_retry_policy_is_bounded() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=0.3)
    assert all(0.0 < policy.backoff(n) <= 0.3 for n in range(10))


async def test_hourly_limit_resets_at_the_next_clock_hour(sandbox_url: str, control: Any) -> None:
    """BDC_1144: "All subsequent API requests must wait until the beginning of the next hour"."""
    org = await control.seed(name="Hourly Org")
    now = dt.datetime.fromisoformat((await control.call("GET", "/clock"))["now"])
    to_next_hour = 3600 - (now.minute * 60 + now.second)
    await control.call("POST", "/clock/advance", {"seconds": max(0, to_next_hour - 120)})  # hh:58
    await control.call("PATCH", "/settings", {"hourly_limit": 2, "login_hourly_limit": 2})
    login = {
        "username": org["username"],
        "password": org["password"],
        "organizationId": org["organizationId"],
        "devKey": org["devKey"],
    }
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as http:
        session = (await http.post("/v3/login", json=login)).json()["sessionId"]
        headers = {"devKey": org["devKey"], "sessionId": session}
        assert [(await http.get("/v3/vendors", headers=headers)).status_code for _ in range(2)] == [200, 200]
        [limited] = (await http.get("/v3/vendors", headers=headers)).json()
        assert (limited["code"], limited["category"]) == ("BDC_1144", "DOWNSTREAM")
        await control.call("POST", "/clock/advance", {"seconds": 60})  # hh:59: same clock hour
        assert (await http.get("/v3/vendors", headers=headers)).json()[0]["code"] == "BDC_1144"
        await control.call("POST", "/clock/advance", {"seconds": 90})  # next hour, 2.5 min after the calls
        assert (await http.get("/v3/vendors", headers=headers)).status_code == 200

        # login has its own limit (200/h per devKey in BILL; 2 here), also answered BDC_1144
        assert [(await http.post("/v3/login", json=login)).status_code for _ in range(2)] == [200, 200]
        [login_limited] = (await http.post("/v3/login", json=login)).json()
        assert login_limited["code"] == "BDC_1144"
        v2_login = await http.post(
            f"{sandbox_url}/api/v2/Login.json",
            data={
                "userName": org["username"],
                "password": org["password"],
                "orgId": org["organizationId"],
                "devKey": org["devKey"],
            },
        )
        assert v2_login.json()["response_data"]["error_code"] == "BDC_1144"  # Login.json shares it
