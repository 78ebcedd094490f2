"""Fault parsing and the HTTP layer, on httpx.MockTransport (no sockets)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.qbo import (
    InMemoryTokenStore,
    QboConnector,
    QboOAuthClient,
    QboTokenProvider,
    QboTokens,
)
from ledgerbridge_common.connectors.qbo.faults import check, error_for
from ledgerbridge_common.errors import (
    AuthExpiredError,
    AuthRevokedError,
    ClosedPeriodError,
    DuplicateError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    StaleObjectError,
    ValidationError,
)

BASE = "https://qbo.test"


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        pytest.param("3001", 429, RateLimitedError, id="throttle"),
        pytest.param(None, 429, RateLimitedError, id="xml-429"),
        pytest.param("5010", 400, StaleObjectError, id="stale"),
        pytest.param("610", 400, NotFoundError, id="not-found"),
        pytest.param("2500", 400, NotFoundError, id="invalid-reference"),
        pytest.param("100", 401, AuthExpiredError, id="authentication-fault"),
        pytest.param("6140", 400, DuplicateError, id="dup-doc"),
        pytest.param("6240", 400, DuplicateError, id="dup-name"),
        pytest.param("6210", 400, ClosedPeriodError, id="closed"),
        pytest.param("6000", 400, ValidationError, id="business"),
        pytest.param("2020", 400, ValidationError, id="required"),
        pytest.param("4001", 400, ValidationError, id="query"),
        pytest.param("3200", 401, AuthExpiredError, id="auth"),
        pytest.param("120", 403, AuthRevokedError, id="authz"),
        pytest.param("500", 400, PermanentError, id="unsupported"),
        pytest.param("10000", 200, RetryableError, id="system-fault"),
        pytest.param(None, 503, RetryableError, id="5xx"),
    ],
)
def test_error_codes(code: str | None, status: int, expected: type[Exception]) -> None:
    assert type(error_for(code, status, "m")) is expected


def test_fault_in_a_200_and_lowercase_gateway_fault() -> None:
    body = {"Fault": {"Error": [{"Message": "System Failure Error", "code": "10000"}], "type": "SystemFault"}}
    with pytest.raises(RetryableError):
        check(httpx.Response(200, json=body))
    gateway = {"fault": {"error": [{"message": "AuthenticationFailed", "code": "3200"}], "type": "AUTHENTICATION"}}
    with pytest.raises(AuthExpiredError):
        check(httpx.Response(401, json=gateway))
    with pytest.raises(RateLimitedError):
        check(httpx.Response(429, content=b"<IntuitResponse><Fault/></IntuitResponse>"))


XML_NS = 'xmlns="http://schema.intuit.com/finance/v3"'


def test_xml_faults_are_read_by_code() -> None:
    """QBO answers throttles and authentication faults in XML whatever the Accept header."""
    throttle = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse {XML_NS} time="t">'
        '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
        "statusCode=429</Message><Detail>The request limit was reached.</Detail></Error></Fault></IntuitResponse>"
    )
    with pytest.raises(RateLimitedError) as caught:
        check(httpx.Response(429, content=throttle.encode()))
    assert caught.value.code == "3001" and caught.value.detail == "The request limit was reached."
    other_realm = (
        f'<IntuitResponse {XML_NS}><Fault type="AuthenticationFault"><Error code="100"><Message>General '
        "Authentication Error</Message><Detail>AuthenticationErrorGeneral: SRV-110-Authentication Failure , "
        "statusCode: 401</Detail></Error></Fault></IntuitResponse>"
    )
    with pytest.raises(AuthExpiredError) as auth:
        check(httpx.Response(401, content=other_realm.encode()))
    assert auth.value.code == "100"
    entity_bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><IntuitResponse><Fault><Error code="3001">'
        "<Message>&a;</Message></Error></Fault></IntuitResponse>"
    )
    with pytest.raises(RateLimitedError) as bomb:  # no entity expansion: the hardened parser refuses it
        check(httpx.Response(429, content=entity_bomb.encode()))
    assert bomb.value.code == "429"


def tokens(access: str, expires_in: int = 3600) -> QboTokens:
    return QboTokens(
        access_token=access,
        refresh_token=f"r-{access}",
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=expires_in),
        realm_id="1",
    )


async def test_401_refreshes_once_then_retries_with_rotated_token() -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tokens/bearer"):
            form = dict(x.split("=") for x in request.content.decode().split("&"))
            assert form == {"grant_type": "refresh_token", "refresh_token": "r-old"}
            assert request.headers["authorization"].startswith("Basic ")
            return httpx.Response(200, json={"access_token": "new", "refresh_token": "r-new", "expires_in": 3600})
        seen.append((request.url.params["minorversion"], request.headers["authorization"]))
        if request.headers["authorization"] == "Bearer old":
            return httpx.Response(401, json={"fault": {"error": [{"code": "3200", "message": "expired"}]}})
        if request.url.path.endswith("/preferences"):
            return httpx.Response(200, json={"Preferences": {"CurrencyPrefs": {"HomeCurrency": {"value": "USD"}}}})
        return httpx.Response(200, json={"Vendor": {"Id": "5", "SyncToken": "3", "DisplayName": "V"}})

    store = InMemoryTokenStore(tokens("old"))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        oauth = QboOAuthClient.for_base_url(http, BASE, client_id="c", client_secret="s", redirect_uri="r")
        qbo = QboConnector(http, "1", QboTokenProvider(store, oauth), base_url=BASE, budgets=MemoryLedgerBudgets())
        vendor = await qbo.read(ObjectType.VENDOR, "5")
    assert vendor is not None and vendor.concurrency_token == "3"
    assert store.tokens is not None and store.tokens.refresh_token == "r-new" and store.saves == 1
    assert seen[0] == ("75", "Bearer old") and all(auth == "Bearer new" for _, auth in seen[1:])


async def test_writes_carry_requestid_and_long_ids_are_refused() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path.endswith("/preferences"):
            return httpx.Response(200, json={"Preferences": {}})
        return httpx.Response(200, json={"Vendor": {"Id": "9", "SyncToken": "0", "DisplayName": "V"}})

    from ledgerbridge_common.canonical.models import Vendor
    from ledgerbridge_common.connectors.qbo import StaticTokenSource

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        qbo = QboConnector(http, "1", StaticTokenSource("t"), base_url=BASE, budgets=MemoryLedgerBudgets())
        await qbo.create(Vendor(name="V"), request_id="cmd-1")
        with pytest.raises(ValueError, match="requestid"):
            await qbo.create(Vendor(name="V"), request_id="x" * 51)
    post = requests[-1]
    assert post.url.params["requestid"] == "cmd-1" and json.loads(post.content) == {
        "DisplayName": "V",
        "Active": True,
        "Vendor1099": False,
    }


async def test_answers_are_counted_for_operators() -> None:
    from ledgerbridge_common.connectors.qbo import StaticTokenSource
    from ledgerbridge_common.errors import RateLimitedError
    from ledgerbridge_common.metrics import VENDOR_BUDGET_WAIT_SECONDS, VENDOR_REQUESTS

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/preferences"):
            return httpx.Response(200, json={"Preferences": {}})
        if request.url.path.endswith("/vendor/1"):
            return httpx.Response(200, json={"Vendor": {"Id": "1", "SyncToken": "0", "DisplayName": "V"}})
        return httpx.Response(429, json={"fault": {"error": [{"code": "003001", "message": "ThrottleExceeded"}]}})

    def counted(result: str) -> float:
        return VENDOR_REQUESTS.labels("qbo", "request", result)._value.get()

    def waits() -> float:
        return sum(s.value for s in VENDOR_BUDGET_WAIT_SECONDS.collect()[0].samples if s.name.endswith("_count"))

    ok, throttled, waited = counted("ok"), counted("throttled"), waits()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        qbo = QboConnector(
            http, "1", StaticTokenSource("t"), base_url=BASE, budgets=MemoryLedgerBudgets(), max_retries=0
        )
        await qbo.read(ObjectType.VENDOR, "1")
        with pytest.raises(RateLimitedError):
            await qbo.read(ObjectType.VENDOR, "2")
    assert counted("ok") == ok + 2 and counted("throttled") == throttled + 1 and waits() == waited + 3  # + Preferences
