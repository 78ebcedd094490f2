from __future__ import annotations

import time

import httpx
import pytest

from ledgerbridge_common.connectors.billcom import (
    BillcomCredentials,
    BillcomHttpConnector,
    BillLimits,
    BillUsage,
    MemoryBillBudgets,
)
from ledgerbridge_common.connectors.billcom.budget import dev_key_id, window_start
from ledgerbridge_common.connectors.billcom.errors import error_for, error_for_v2, v2_error
from ledgerbridge_common.errors import (
    AuthExpiredError,
    AuthRevokedError,
    BudgetSpentError,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    ValidationError,
)
from ledgerbridge_common.metrics import VENDOR_CALLS, operation_of


def _response(status: int, code: str, category: str = "REQUEST") -> httpx.Response:
    body = [{"timestamp": "t", "code": code, "severity": "ERROR", "category": category, "message": "m"}]
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("status", "code", "category", "expected"),
    [
        # the categories BILL documents for these codes (docs/api-rate-limits, common-api-error-codes)
        (400, "BDC_1144", "DOWNSTREAM", RateLimitedError),
        (400, "BDC_1322", "DOWNSTREAM", RateLimitedError),
        (429, "BDC_1322", "REQUEST", RateLimitedError),
        (401, "BDC_1109", "DOWNSTREAM", AuthExpiredError),
        (401, "BDC_1101", "REQUEST", AuthRevokedError),
        (401, "BDC_1102", "REQUEST", AuthRevokedError),
        (404, "BDC_1121", "REQUEST", NotFoundError),
        (404, "BDC_1128", "APPLICATION", NotFoundError),
        (400, "BDC_1106", "REQUEST", ValidationError),
        (400, "BDC_9999", "APPLICATION", ValidationError),
        (500, "BDC_1001", "SERVER", RetryableError),
        (400, "BDC_1001", "DOWNSTREAM", RetryableError),
        (400, "BDC_9999", "SERVER", RetryableError),
        # DOWNSTREAM on a validation-looking code is not a reason to retry: the code decides
        (400, "BDC_1002", "DOWNSTREAM", ValidationError),
        (400, "BDC_1106", "DOWNSTREAM", ValidationError),
        (403, "BDC_1002", "REQUEST", ValidationError),
    ],
)
def test_error_mapping(status: int, code: str, category: str, expected: type[Exception]) -> None:
    error = error_for(_response(status, code, category))
    assert type(error) is expected and error.code == code and error.vendor == "billcom"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("BDC_1144", RateLimitedError),
        ("BDC_1322", RateLimitedError),
        ("BDC_1109", AuthExpiredError),
        ("BDC_1101", AuthRevokedError),
        ("BDC_1121", NotFoundError),
        ("BDC_1001", RetryableError),
        ("BDC_1002", ValidationError),
    ],
)
def test_v2_envelope_errors_by_code(code: str, expected: type[Exception]) -> None:
    body = {
        "response_status": 1,
        "response_message": "Error",
        "response_data": {"error_code": code, "error_message": "m"},
    }
    error = error_for_v2(body, "raw")
    assert type(error) is expected and error.code == code
    assert v2_error({"response_status": 0, "response_message": "Success", "response_data": {}}) is None


def test_non_json_5xx_is_retryable() -> None:
    assert isinstance(error_for(httpx.Response(502, text="bad gateway")), RetryableError)


async def test_memory_budget_counts_the_clock_hour_and_logins_apart() -> None:
    limits = BillLimits(hourly=4, login_hourly=1, headroom=1.0)
    budgets = MemoryBillBudgets()
    one, other = budgets.get("KEY", "org-1", limits), budgets.get("KEY", "org-2", limits)
    async with one.slot(login=True):
        pass
    with pytest.raises(BudgetSpentError) as caught:
        async with other.slot(login=True):
            pass
    assert caught.value.message.startswith("BILL's hourly login limit; resumes at ")
    for budget in (one, other, one):
        async with budget.slot():
            pass
    with pytest.raises(BudgetSpentError) as caught:
        async with other.slot():
            pass
    resumes = window_start(time.time(), 3600) + 3600
    assert caught.value.resumes_at == resumes
    assert (
        caught.value.message
        == f"BILL's hourly request limit; resumes at {time.strftime('%H', time.gmtime(resumes))}:00"
    )
    (usage,) = await budgets.usage()
    assert (usage.dev_key_id, usage.requests, usage.logins) == (dev_key_id("KEY"), 4, 1)
    assert "KEY" not in str(usage.as_dict())


async def test_bill_saying_1144_spends_the_hour() -> None:
    budget = MemoryBillBudgets().get("KEY", "org", BillLimits())
    await budget.spent()
    with pytest.raises(BudgetSpentError):
        async with budget.slot():
            pass


def test_forecast_at_the_current_rate() -> None:
    usage = BillUsage("k", 0.0, 3600.0, 1000, 0, 20_000, 200, 19_600)
    assert usage.forecast(now=900.0) == 4000
    assert usage.forecast(now=1.0) == 60_000  # the first minute counts as a minute
    assert usage.as_dict(now=900.0)["forecast_ratio"] == 0.2


@pytest.mark.parametrize(
    ("method", "url", "operation"),
    [
        ("GET", "/v3/bills/00n01ABCDEFGHIJ12345", "GET /v3/bills/{id}"),
        ("GET", "http://x/connect/v3/vendors", "GET /connect/v3/vendors"),
        ("POST", "/v3/payments/stp01XYZ0987654321/void", "POST /v3/payments/{id}/void"),
    ],
)
def test_operation_labels_leave_ids_out(method: str, url: str, operation: str) -> None:
    assert operation_of(method, url) == operation


async def test_each_call_sent_is_counted_by_operation() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            return httpx.Response(200, json={"sessionId": "s", "userId": "u", "trusted": False})
        return httpx.Response(200, json={"id": request.url.path.rsplit("/", 1)[-1], "name": "Acme"})

    def calls(operation: str) -> float:
        return VENDOR_CALLS.labels("billcom", operation)._value.get()

    read, login = "GET /v3/vendors/{id}", "POST /v3/login"
    before = (calls(read), calls(login))
    transport = httpx.MockTransport(answer)
    async with httpx.AsyncClient(base_url="https://bill.test/connect", transport=transport) as http:
        bill = BillcomHttpConnector(http, BillcomCredentials("u", "p", "org", "KEY"), budgets=MemoryBillBudgets())
        for vendor_id in ("00901AAAAAAAAAAAAAA1", "00901AAAAAAAAAAAAAA2"):
            assert (await bill.client.get(f"/v3/vendors/{vendor_id}"))["name"] == "Acme"
    assert (calls(read) - before[0], calls(login) - before[1]) == (2, 1)
