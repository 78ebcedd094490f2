from __future__ import annotations

import asyncio

import httpx
import pytest

from ledgerbridge_common.connectors.billcom import HourlyBudget
from ledgerbridge_common.connectors.billcom.errors import error_for, error_for_v2, v2_error
from ledgerbridge_common.errors import (
    AuthExpiredError,
    AuthRevokedError,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    ValidationError,
)


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


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_budget_paces_near_the_limit_and_stops_at_it() -> None:
    clock = FakeClock()
    budget = HourlyBudget(10, window=100.0, soft_ratio=0.5, max_wait=0.05, clock=clock)
    for _ in range(5):
        assert budget.delay() == (0.0, False)
        await budget.acquire()
    wait, hard = budget.delay()
    assert not hard and 0 < wait <= 0.05  # paced, capped at max_wait
    clock.now += 10
    for _ in range(5):
        await budget.acquire()
    wait, hard = budget.delay()
    assert hard and wait == pytest.approx(90.0)
    with pytest.raises(RateLimitedError) as caught:
        await budget.acquire()
    assert caught.value.retry_after == pytest.approx(90.0)
    clock.now += 91
    assert budget.used == 5


async def test_block_after_bill_said_1144() -> None:
    clock = FakeClock()
    budget = HourlyBudget(100, clock=clock, max_wait=0.01)
    budget.block(30)
    with pytest.raises(RateLimitedError):
        await budget.acquire()
    clock.now += 31
    await asyncio.wait_for(budget.acquire(), 1)
