"""Async requests and idempotency keys, the per-account concurrency cap shared by every client, and
the injected faults (429, 5xx, timeout after commit)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.unit.netsuite_sandbox.conftest import Sandbox, bill_body, error_code, new_id, tba, vendor


async def test_async_create_runs_as_a_job(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = bill_body(account, await vendor(ns, account))
    key = str(uuid.uuid4())
    headers = {"Prefer": "respond-async", "X-NetSuite-Idempotency-Key": key}
    submitted = await ns.post("/record/v1/vendorBill", json=body, headers=headers)
    assert submitted.status_code == 202 and submitted.headers["preference-applied"] == "respond-async"
    job_url = submitted.headers["location"]
    assert "/async/v1/job/" in job_url
    job = (await ns.get(job_url)).json()
    assert job["completed"] is True and job["progress"] == "succeeded"
    task = (await ns.get(f"{job_url}/task/1")).json()
    result_url = next(link["href"] for link in task["links"] if link["rel"] == "related")
    result = await ns.get(result_url)
    bill_id = new_id(result)
    assert (await ns.get(f"/record/v1/vendorBill/{bill_id}")).status_code == 200

    again = await ns.post("/record/v1/vendorBill", json=body, headers=headers)
    assert again.status_code == 400 and error_code(again) == "IDEMPOTENCY_ERROR"
    assert again.headers["location"] == job_url and again.json()["title"] == "Conflict"
    assert (await ns.get("/record/v1/vendorBill")).json()["totalResults"] == 1


async def test_idempotency_key_is_ignored_on_synchronous_requests(
    ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    body = bill_body(account, await vendor(ns, account))
    headers = {"X-NetSuite-Idempotency-Key": str(uuid.uuid4())}
    new_id(await ns.post("/record/v1/vendorBill", json=body, headers=headers))
    new_id(await ns.post("/record/v1/vendorBill", json=body, headers=headers))
    assert (await ns.get("/record/v1/vendorBill")).json()["totalResults"] == 2


async def test_failed_async_job_keeps_the_error(ns: httpx.AsyncClient) -> None:
    submitted = await ns.post("/record/v1/vendor", json={"companyName": "x"}, headers={"Prefer": "respond-async"})
    job_url = submitted.headers["location"]
    assert (await ns.get(job_url)).json()["progress"] == "failed"
    result = await ns.get(f"{job_url}/task/1/result")
    assert result.status_code == 400 and error_code(result) == "USER_ERROR"


async def test_concurrency_cap_is_shared_by_all_clients(sandbox: Sandbox, account: dict[str, Any]) -> None:
    control = f"/_sandbox/accounts/{account['account_id']}"
    (await sandbox.http.put(f"{control}/limits", json={"concurrency": 2, "latency_ms": 200})).raise_for_status()
    second = (await sandbox.http.post(f"{control}/tba")).json()
    async with sandbox.client(account) as one, sandbox.client(account, tba({**account, "tba": second})) as two:
        responses = await asyncio.gather(*(c.get("/record/v1/vendor") for c in (one, two, one, two)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 429, 429]
    throttled = next(r for r in responses if r.status_code == 429)
    assert throttled.json()["status"] == 429 and throttled.json()["title"] == "Too Many Requests"
    counters = (await sandbox.http.get(f"{control}/counters")).json()
    assert counters["throttled_429"] == 2 and counters["peak_in_flight"] == 2


async def test_injected_throttle_and_5xx(sandbox: Sandbox, ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    control = f"/_sandbox/accounts/{account['account_id']}/faults"
    (await sandbox.http.post(control, json={"throttle_next": 1, "error_5xx_next": 1})).raise_for_status()
    assert (await ns.get("/record/v1/vendor")).status_code == 429
    assert (await ns.get("/record/v1/vendor")).status_code == 503
    assert (await ns.get("/record/v1/vendor")).status_code == 200


async def test_timeout_after_commit_keeps_the_write(
    sandbox: Sandbox, ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    control = f"/_sandbox/accounts/{account['account_id']}/faults"
    faults = {"timeout_after_commit_next": 1, "timeout_seconds": 2}
    body = bill_body(account, await vendor(ns, account))
    (await sandbox.http.post(control, json=faults)).raise_for_status()
    try:
        # the in-process transport ignores httpx timeouts, so the client gives up with wait_for
        await asyncio.wait_for(ns.put("/record/v1/vendorBill/eid:bill_t1?replace=expense", json=body), 0.3)
        raise AssertionError("the sandbox answered before the client's timeout")
    except TimeoutError:
        pass
    new_id(await ns.put("/record/v1/vendorBill/eid:bill_t1?replace=expense", json=body))
    bills = (await ns.get("/record/v1/vendorBill")).json()
    assert bills["totalResults"] == 1
    assert (await ns.get("/record/v1/vendorBill/eid:bill_t1")).json()["total"] == 120.0


async def test_dropped_connection_after_commit(
    sandbox: Sandbox, ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    body = bill_body(account, await vendor(ns, account))
    faults = {"timeout_after_commit_next": 1, "timeout_mode": "drop"}
    (await sandbox.http.post(f"/_sandbox/accounts/{account['account_id']}/faults", json=faults)).raise_for_status()
    with pytest.raises(ConnectionAbortedError):
        await ns.post("/record/v1/vendorBill", json={**body, "externalId": "bill_drop"})
    assert (await ns.get("/record/v1/vendorBill/eid:bill_drop")).status_code == 200


async def test_governance_limits_report_the_cap(
    sandbox: Sandbox, ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    await sandbox.http.put(f"/_sandbox/accounts/{account['account_id']}/limits", json={"concurrency": 15})
    body = (await ns.get("/system/v1/governanceLimits")).json()
    assert body == {
        "accountConcurrencyLimit": 15,
        "accountUnallocatedConcurrencyLimit": 15,
        "integrationLimitType": "accountLimit",
    }
